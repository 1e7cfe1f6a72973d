#pragma once
// Shows a FigureSpec on screen: one QChartView per panel in a splitter, updated in place (series replace()d,
// no animations, no OpenGL) when the figure changes, plus the figure's note under the charts. Hovering a
// chart shows the value of the plotted point under the cursor (series, x, y; category names for category
// axes) as a tooltip.

#include "ui/plotting/chartbuilder.h"
#include "ui/plotting/figure.h"

#include <QList>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLabel;
class QSplitter;
QT_END_NAMESPACE

namespace qs::ui {

class FigureWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FigureWidget)

public:
    explicit FigureWidget(QWidget *parent = nullptr);

    void setFigure(const FigureSpec &figure);
    const FigureSpec &figure() const { return m_figure; }

    // Shown in red instead of the note, e.g. for a combination the core rejects; the last figure stays up.
    void setError(const QString &message);

    QList<QChart *> charts() const;
    QChart *chart(const QString &panelId) const;
    QSplitter *splitter() const { return m_splitter; }

    // The read-out for a position in panel `panel`'s chart view (view coordinates): the plotted point nearest
    // to it within kHoverRadiusPx, as "series: x = ..., y = ..."; empty when there is none.
    static constexpr double kHoverRadiusPx = 10.0;
    QString readoutAt(int panel, const QPoint &viewPos) const;
    QString lastReadout() const { return m_lastReadout; }

Q_SIGNALS:
    void hovered(const QString &readout); // empty when the cursor leaves every point
    void figureChanged();                 // after setFigure updated the charts

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    FigureSpec m_figure;
    ChartStyle m_style;
    QSplitter *m_splitter = nullptr;
    QList<QChartView *> m_views;
    QLabel *m_note = nullptr;
    QString m_lastReadout;
};

} // namespace qs::ui
