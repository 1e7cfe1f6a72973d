#include "ui/plotting/figurewidget.h"

#include "ui/presentation.h" // presentationStyle()

#include <QChart>
#include <QChartView>
#include <QLabel>
#include <QMouseEvent>
#include <QSplitter>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace qs::ui {

FigureWidget::FigureWidget(QWidget *parent)
    : QWidget(parent), m_style(ChartStyle::screen()), m_splitter(new QSplitter(Qt::Vertical, this)),
      m_note(new QLabel(this))
{
    m_splitter->setObjectName(QStringLiteral("figureSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_note->setWordWrap(true);
    // A long error (a path, a key list) wraps in the figure's width instead of widening the window.
    m_note->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter, 1);
    layout->addWidget(m_note);
}

void FigureWidget::setFigure(const FigureSpec &figure)
{
    const bool panelCountChanged = figure.panels.size() != m_figure.panels.size();
    m_figure = figure;
    for (int i = 0; i < figure.panels.size(); ++i) {
        const PanelSpec &panel = figure.panels[i];
        if (i < m_views.size()) {
            updateChart(m_views[i]->chart(), panel, m_style);
            m_views[i]->show();
            continue;
        }
        auto *view = new QChartView(createChart(panel, m_style), m_splitter);
        view->setRenderHint(QPainter::Antialiasing);
        view->viewport()->setMouseTracking(true);
        view->viewport()->installEventFilter(this);
        m_splitter->addWidget(view);
        m_splitter->setStretchFactor(i, int(100 * panel.heightWeight));
        m_views << view;
    }
    // Tall enough for a title, a legend row, the x axis's ticks and title and a plot area of about four tick
    // labels, at the fonts the charts use now (presentation mode's are larger); a shorter view scrolls.
    const ChartStyle shown = presentationStyle(m_style);
    const int minimumHeight =
        QFontMetrics(shown.titleFont).height() + QFontMetrics(shown.legendFont).height() +
        6 * QFontMetrics(shown.tickFont).height() + QFontMetrics(shown.axisTitleFont).height() + 60;
    for (int i = 0; i < figure.panels.size(); ++i) // a heavier panel (more to read) gets more
        m_views[i]->setMinimumHeight(
            std::max(120, int(minimumHeight * std::clamp(figure.panels[i].heightWeight, 0.75, 1.5))));
    for (int i = int(figure.panels.size()); i < m_views.size(); ++i)
        m_views[i]->hide(); // kept for when the panel comes back; hidden charts are not in figure()
    if (panelCountChanged && figure.panels.size() > 1) {
        // A panel added to a splitter already laid out would get only its minimum height: share the
        // height by the panels' weights again (setSizes takes relative sizes).
        QList<int> sizes;
        for (int i = 0; i < m_views.size(); ++i)
            sizes << (i < figure.panels.size() ? int(1000 * figure.panels[i].heightWeight) : 0);
        m_splitter->setSizes(sizes);
    }
    m_note->setStyleSheet(QString());
    m_note->setText(figure.note);
    m_note->setVisible(!figure.note.isEmpty());
    Q_EMIT figureChanged();
}

void FigureWidget::setError(const QString &message)
{
    m_note->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_note->setText(message);
    m_note->setVisible(!message.isEmpty());
}

QList<QChart *> FigureWidget::charts() const
{
    QList<QChart *> result;
    for (int i = 0; i < m_figure.panels.size() && i < m_views.size(); ++i)
        result << m_views[i]->chart();
    return result;
}

QChart *FigureWidget::chart(const QString &panelId) const
{
    for (QChart *c : charts())
        if (c->objectName() == panelId)
            return c;
    return nullptr;
}

namespace {

// 4 significant digits: enough to read a level or an accuracy off a slide, short enough for a tooltip.
QString number(double v)
{
    return QString::number(v, 'g', 4);
}

// The label of the category whose span [previous end, end] holds v; empty for a value axis.
QString categoryAt(const AxisSpec &axis, double v)
{
    double start = axis.min;
    for (const auto &[label, end] : axis.categories) {
        if (v >= start && v <= end)
            return label;
        start = end;
    }
    return {};
}

} // namespace

QString FigureWidget::readoutAt(int panel, const QPoint &viewPos) const
{
    if (panel < 0 || panel >= m_figure.panels.size() || panel >= m_views.size())
        return {};
    const PanelSpec &spec = m_figure.panels[panel];
    QChartView *view = m_views[panel];
    QChart *chart = view->chart();
    const QPointF cursor = chart->mapFromScene(view->mapToScene(viewPos));
    const QRectF area = chart->plotArea();
    auto *xAxis = chart->axes(Qt::Horizontal).isEmpty()
                      ? nullptr
                      : qobject_cast<QValueAxis *>(chart->axes(Qt::Horizontal).front());
    auto *yAxis = chart->axes(Qt::Vertical).isEmpty()
                      ? nullptr
                      : qobject_cast<QValueAxis *>(chart->axes(Qt::Vertical).front());
    if (!xAxis || !yAxis || area.isEmpty() || xAxis->max() <= xAxis->min() || yAxis->max() <= yAxis->min())
        return {};
    // Data -> chart coordinates through the plot area and the axis ranges, as Qt Charts draws them.
    const double sx = area.width() / (xAxis->max() - xAxis->min());
    const double sy = area.height() / (yAxis->max() - yAxis->min());
    const SeriesSpec *best = nullptr;
    QPointF bestPoint;
    double bestDistance = kHoverRadiusPx * kHoverRadiusPx;
    for (const SeriesSpec &series : spec.series) {
        for (const QPointF &p : series.points) {
            if (!std::isfinite(p.x()) || !std::isfinite(p.y()))
                continue;
            const double dx = area.left() + (p.x() - xAxis->min()) * sx - cursor.x();
            const double dy = area.bottom() - (p.y() - yAxis->min()) * sy - cursor.y();
            const double d = dx * dx + dy * dy;
            if (d <= bestDistance) {
                bestDistance = d;
                best = &series;
                bestPoint = p;
            }
        }
    }
    if (!best)
        return {};
    const QString xCategory = categoryAt(spec.x, bestPoint.x());
    const QString yCategory = categoryAt(spec.y, bestPoint.y());
    const QString xTitle = spec.x.title.isEmpty() ? QStringLiteral("x") : spec.x.title;
    const QString yTitle = spec.y.title.isEmpty() ? QStringLiteral("y") : spec.y.title;
    QString text = best->name.isEmpty() ? best->id : best->name;
    if (!yCategory.isEmpty()) // a number line (levels): the row names the series, x is the value
        return QStringLiteral("%1: %2 = %3").arg(yCategory, xTitle, number(bestPoint.x()));
    if (!xCategory.isEmpty())
        return QStringLiteral("%1 \u00b7 %2: %3 = %4").arg(xCategory, text, yTitle, number(bestPoint.y()));
    return QStringLiteral("%1: %2 = %3, %4 = %5")
        .arg(text, xTitle, number(bestPoint.x()), yTitle, number(bestPoint.y()));
}

bool FigureWidget::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() != QEvent::MouseMove && event->type() != QEvent::Leave)
        return QWidget::eventFilter(watched, event);
    int panel = -1;
    for (int i = 0; i < m_views.size(); ++i)
        if (m_views[i]->viewport() == watched)
            panel = i;
    if (panel < 0)
        return QWidget::eventFilter(watched, event);
    QString readout;
    if (event->type() == QEvent::MouseMove) {
        const auto *move = static_cast<QMouseEvent *>(event);
        readout = readoutAt(panel, move->position().toPoint());
        if (!readout.isEmpty())
            QToolTip::showText(move->globalPosition().toPoint(), readout, m_views[panel]->viewport());
    }
    if (readout.isEmpty())
        QToolTip::hideText();
    if (readout != m_lastReadout) {
        m_lastReadout = readout;
        Q_EMIT hovered(readout);
    }
    return QWidget::eventFilter(watched, event); // the view still gets the move (rubber bands, drags)
}

} // namespace qs::ui
