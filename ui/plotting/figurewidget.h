#pragma once
// Shows a FigureSpec on screen: one QChartView per panel in a splitter, updated in place (series replace()d,
// no animations, no OpenGL) when the figure changes, plus the figure's note under the charts.

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

private:
    FigureSpec m_figure;
    ChartStyle m_style;
    QSplitter *m_splitter = nullptr;
    QList<QChartView *> m_views;
    QLabel *m_note = nullptr;
};

} // namespace qs::ui
