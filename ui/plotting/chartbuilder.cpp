#include "ui/plotting/chartbuilder.h"

#include "ui/presentation.h" // presentationStyle()

#include "ui/plotting/steps.h"

#include <QApplication>
#include <QCategoryAxis>
#include <QChart>
#include <QFontInfo>
#include <QFontMetricsF>
#include <QGraphicsLayout>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace qs::ui {

namespace {

QFont sizedFont(const QString &family, double pixels, bool bold = false)
{
    QFont font(family);
    font.setPixelSize(std::max(1, int(std::lround(pixels))));
    font.setBold(bold);
    font.setHintingPreference(QFont::PreferNoHinting); // same advance widths at every scale
    return font;
}

QAbstractAxis *makeAxis(const AxisSpec &spec, Qt::Orientation orientation)
{
    if (!spec.categories.isEmpty()) {
        auto *axis = new QCategoryAxis;
        axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionCenter);
        return axis;
    }
    Q_UNUSED(orientation);
    return new QValueAxis;
}

void styleAxis(QAbstractAxis *axis, const AxisSpec &spec, const ChartStyle &style)
{
    axis->setTitleText(spec.title);
    axis->setTitleFont(style.axisTitleFont);
    axis->setLabelsFont(style.tickFont);
    axis->setLabelsColor(Qt::black);
    axis->setTitleBrush(Qt::black);
    axis->setLinePen(QPen(Qt::black, style.gridWidth));
    axis->setGridLinePen(QPen(QColor(225, 225, 225), style.gridWidth));
    if (auto *value = qobject_cast<QValueAxis *>(axis);
        value && value->tickType() == QValueAxis::TicksDynamic)
        // Dynamic ticks are laid out at once for the new range with the old interval: an interval fit for
        // both keeps that layout small (a histogram's log -> linear switch would otherwise lay out 10^5
        // ticks).
        value->setTickInterval(std::max(value->tickInterval(), niceTickStep(spec.min, spec.max)));
    axis->setRange(spec.min, spec.max);
    if (auto *category = qobject_cast<QCategoryAxis *>(axis)) {
        for (const auto &label : category->categoriesLabels())
            category->remove(label);
        category->setStartValue(spec.min);
        for (const auto &[label, end] : spec.categories)
            category->append(label, end);
        category->setGridLineVisible(false);
    } else if (auto *value = qobject_cast<QValueAxis *>(axis)) {
        // Nice ticks anchored at 0 (a range we computed, never re-derived from data).
        const double step = niceTickStep(spec.min, spec.max);
        value->setTickType(QValueAxis::TicksDynamic);
        value->setTickAnchor(0.0);
        value->setTickInterval(step);
        // As many decimals as the step needs (a learning rate of 0.001 must not read "0.00").
        const int decimals = std::clamp(int(std::ceil(-std::log10(step) - 1e-9)), 0, 8);
        value->setLabelFormat(QStringLiteral("%.%1f").arg(decimals));
        value->setMinorTickCount(0);
    }
}

// Next step of the 1-2-5 series above `step`.
double coarserStep(double step)
{
    const double magnitude = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    const double fraction = step / magnitude;
    return (fraction < 1.5 ? 2.0 : fraction < 3.0 ? 5.0 : 10.0) * magnitude;
}

// Fewer ticks on a short or narrow plot: Qt Charts elides ("…") a tick label with less room than its text
// instead of dropping it. The step grows (1-2-5) until each label has its height (vertical axes) or its
// width (horizontal) plus a gap; a chart that grows gets the default step back.
void fitTicks(QChart *chart, const QRectF &plot)
{
    if (plot.width() <= 0 || plot.height() <= 0)
        return;
    for (QAbstractAxis *axis : chart->axes()) {
        auto *value = qobject_cast<QValueAxis *>(axis);
        if (!value || value->tickType() != QValueAxis::TicksDynamic)
            continue;
        const double lo = value->min(), hi = value->max();
        if (!(hi > lo))
            continue;
        const QFontMetricsF fm(value->labelsFont());
        const bool vertical = value->orientation() == Qt::Vertical;
        double step = niceTickStep(lo, hi);
        for (int guard = 0; guard < 8; ++guard) {
            const int decimals = std::clamp(int(std::ceil(-std::log10(step) - 1e-9)), 0, 8);
            double room = 1.8 * fm.height();
            if (!vertical) {
                const double widest = std::max(fm.horizontalAdvance(QString::number(lo, 'f', decimals)),
                                               fm.horizontalAdvance(QString::number(hi, 'f', decimals)));
                room = widest + fm.horizontalAdvance(QStringLiteral("00"));
            }
            const double length = vertical ? plot.height() : plot.width();
            if ((hi - lo) / step * room <= length)
                break;
            step = coarserStep(step);
        }
        if (std::abs(step - value->tickInterval()) > 1e-12 * step) {
            value->setTickInterval(step);
            const int decimals = std::clamp(int(std::ceil(-std::log10(step) - 1e-9)), 0, 8);
            value->setLabelFormat(QStringLiteral("%.%1f").arg(decimals));
        }
    }
}

// Legend entries a legend beside the chart has no room for. Qt Charts clips such a legend at its edge with no
// sign that entries are missing, so the entries that do not fit are hidden and the last row that fits says
// how many: "+N more" (the Runs tab's list names every run's colour; each line's tooltip names it too).
constexpr const char *kHiddenForRoom = "qsLegendHiddenForRoom"; // hidden here, shown by the spec
constexpr const char *kMoreEntry = "qsLegendMoreEntry";         // shows "+N more" instead of its series

void restoreLegendEntry(QLegendMarker *marker)
{
    if (marker->property(kHiddenForRoom).toBool()) {
        marker->setProperty(kHiddenForRoom, false);
        marker->setVisible(true);
    }
    if (marker->property(kMoreEntry).toBool()) {
        marker->setProperty(kMoreEntry, false);
        // Qt keeps a label, pen or brush set by hand until it is set empty (NoPen, NoBrush), which hands it
        // back to the series: set the series' name, then let the series own it again.
        marker->setLabel(marker->series()->name());
        marker->setLabel(QString());
        marker->setPen(Qt::NoPen);
        marker->setBrush(Qt::NoBrush);
        marker->setShape(QLegend::MarkerShapeDefault);
    }
}

// The legend under the plot while its entries fit in one row across the chart, else beside it: Qt Charts
// lays a bottom legend out in one row and elides ("…") what does not fit, while a legend on the right gives
// each entry a row of its own. Decided from the chart's size and the labels only (not from the plot area,
// which the legend's placement changes), so it cannot oscillate.
void fitLegend(QChart *chart)
{
    QLegend *legend = chart->legend();
    if (!legend->isVisible())
        return;
    QList<QLegendMarker *> shown; // the entries the spec puts in the legend, in order
    for (QLegendMarker *marker : legend->markers()) {
        restoreLegendEntry(marker);
        if (marker->isVisible())
            shown << marker;
    }
    const QFontMetricsF fm(legend->font());
    double row = 0;
    for (QLegendMarker *marker : shown)
        row += fm.horizontalAdvance(marker->label()) + 3.5 * fm.height(); // sample line, gaps
    const double room = chart->size().width() - chart->margins().left() - chart->margins().right();
    const Qt::Alignment want = row <= room ? Qt::AlignBottom : Qt::AlignRight;
    if (room > 0 && legend->alignment() != want)
        legend->setAlignment(want);
    if (want != Qt::AlignRight)
        return;
    // Rows beside the chart: an entry is its label's height plus Qt's margins (3 px above and below, the
    // text document's own margins), a few px more kept free; the chart's title and margins are not the
    // legend's.
    const double entry = fm.height() + 12;
    const double title = chart->title().isEmpty() ? 0 : 1.6 * QFontMetricsF(chart->titleFont()).height();
    const double height =
        chart->size().height() - chart->margins().top() - chart->margins().bottom() - title - 8;
    const int rows = int(std::floor(height / entry));
    if (rows < 2 || shown.size() <= rows)
        return;
    QLegendMarker *more = shown[rows - 1];
    more->setProperty(kMoreEntry, true);
    more->setLabel(QStringLiteral("+%1 more").arg(shown.size() - rows + 1));
    more->setShape(QLegend::MarkerShapeRectangle);
    more->setPen(QPen(Qt::transparent)); // no sample: the entry is no series
    more->setBrush(QBrush(Qt::transparent));
    for (int i = rows; i < shown.size(); ++i) {
        shown[i]->setProperty(kHiddenForRoom, true);
        shown[i]->setVisible(false);
    }
}

QAbstractSeries *makeSeries(const SeriesSpec &spec)
{
    if (spec.kind == SeriesKind::Scatter)
        return new QScatterSeries;
    return new QLineSeries;
}

bool sameKind(QAbstractSeries *series, const SeriesSpec &spec)
{
    return (spec.kind == SeriesKind::Scatter) == (series->type() == QAbstractSeries::SeriesTypeScatter);
}

void fillSeries(QAbstractSeries *series, const SeriesSpec &spec, const ChartStyle &style)
{
    series->setObjectName(spec.id);
    series->setName(spec.name);
    auto *xy = static_cast<QXYSeries *>(series);
    if (auto *scatter = qobject_cast<QScatterSeries *>(series)) {
        scatter->setMarkerShape(QScatterSeries::MarkerShapeCircle);
        scatter->setMarkerSize(style.markerSize * spec.markerScale);
        scatter->setColor(spec.color);
        scatter->setBorderColor(spec.color.darker(130));
        scatter->setPen(QPen(spec.color.darker(130), style.gridWidth));
    } else {
        QPen pen(spec.color, style.lineWidth * spec.widthScale, spec.penStyle, Qt::FlatCap, Qt::MiterJoin);
        xy->setPen(pen);
    }
    if (!spec.segments) {
        xy->replace(spec.points);
        return;
    }
    // Qt Charts has no gaps in a line: each segment is drawn there and back, joined at its start.
    QList<QPointF> retraced;
    retraced.reserve(spec.points.size() * 3 / 2 + 1);
    for (int i = 0; i + 1 < spec.points.size(); i += 2)
        retraced << spec.points[i] << spec.points[i + 1] << spec.points[i];
    xy->replace(retraced);
}

} // namespace

ChartStyle ChartStyle::screen()
{
    const QFont base = QApplication::font();
    const double px = QFontInfo(base).pixelSize();
    ChartStyle style;
    style.titleFont = sizedFont(base.family(), px * 1.1, true);
    style.axisTitleFont = sizedFont(base.family(), px);
    style.tickFont = sizedFont(base.family(), px * 0.92);
    style.legendFont = sizedFont(base.family(), px * 0.92);
    style.lineWidth = 2.0;
    style.markerSize = 9.0;
    style.gridWidth = 1.0;
    style.margin = 6.0;
    style.roundedBackground = false;
    return style;
}

QChart *createChart(const PanelSpec &panel, const ChartStyle &style)
{
    auto *chart = new QChart;
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setBackgroundBrush(Qt::white);
    chart->setBackgroundPen(Qt::NoPen);
    chart->setBackgroundRoundness(0);
    chart->setDropShadowEnabled(false);
    chart->setPlotAreaBackgroundVisible(false);
    chart->setMargins(QMargins(int(style.margin), int(style.margin), int(style.margin), int(style.margin)));
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries); // a line sample for line series
    chart->legend()->setBackgroundVisible(false);
    chart->legend()->setLabelColor(Qt::black);
    chart->addAxis(makeAxis(panel.x, Qt::Horizontal), Qt::AlignBottom);
    chart->addAxis(makeAxis(panel.y, Qt::Vertical), Qt::AlignLeft);
    updateChart(chart, panel, style);
    QObject::connect(chart, &QChart::plotAreaChanged, chart,
                     [chart](const QRectF &plot) { fitTicks(chart, plot); });
    QObject::connect(chart, &QGraphicsWidget::geometryChanged, chart, [chart] { fitLegend(chart); });
    return chart;
}

void updateChart(QChart *chart, const PanelSpec &panel, const ChartStyle &screenStyle)
{
    const ChartStyle style = presentationStyle(screenStyle); // presentation mode: thicker lines, larger fonts
    chart->setObjectName(panel.id);
    chart->setTitle(panel.title);
    chart->setTitleFont(style.titleFont);
    chart->setTitleBrush(Qt::black);
    chart->legend()->setFont(style.legendFont);
    chart->legend()->setVisible(panel.showLegend);

    // An axis changes type only when the figure switches between values and categories.
    auto syncAxis = [&](Qt::Orientation orientation, Qt::Alignment alignment, const AxisSpec &spec) {
        QAbstractAxis *axis = chart->axes(orientation).value(0);
        const bool wantCategories = !spec.categories.isEmpty();
        if (!axis || wantCategories != (qobject_cast<QCategoryAxis *>(axis) != nullptr)) {
            if (axis) {
                chart->removeAxis(axis);
                delete axis;
            }
            axis = makeAxis(spec, orientation);
            chart->addAxis(axis, alignment);
        }
        styleAxis(axis, spec, style);
        return axis;
    };
    QAbstractAxis *xAxis = syncAxis(Qt::Horizontal, Qt::AlignBottom, panel.x);
    QAbstractAxis *yAxis = syncAxis(Qt::Vertical, Qt::AlignLeft, panel.y);
    fitTicks(chart, chart->plotArea()); // styleAxis reset the steps; the plot keeps its size

    QList<QAbstractSeries *> existing = chart->series();
    for (int i = 0; i < panel.series.size(); ++i) {
        const SeriesSpec &spec = panel.series[i];
        QAbstractSeries *series = i < existing.size() ? existing[i] : nullptr;
        if (series && (series->objectName() != spec.id || !sameKind(series, spec))) {
            // Structure changed from here on: drop the rest and rebuild (rare; toggling a scheme).
            for (int j = i; j < existing.size(); ++j) {
                chart->removeSeries(existing[j]);
                delete existing[j];
            }
            existing = existing.mid(0, i);
            series = nullptr;
        }
        if (!series) {
            series = makeSeries(spec);
            fillSeries(series, spec, style);
            chart->addSeries(series);
            series->attachAxis(xAxis);
            series->attachAxis(yAxis);
            existing.append(series);
        } else {
            fillSeries(series, spec, style);
            if (!series->attachedAxes().contains(xAxis))
                series->attachAxis(xAxis);
            if (!series->attachedAxes().contains(yAxis))
                series->attachAxis(yAxis);
        }
    }
    for (int j = int(panel.series.size()); j < existing.size(); ++j) {
        chart->removeSeries(existing[j]);
        delete existing[j];
    }

    const auto markers = chart->legend()->markers();
    for (auto *marker : markers) {
        restoreLegendEntry(marker); // the spec decides again; fitLegend then makes room
        const auto index = chart->series().indexOf(marker->series());
        marker->setVisible(index >= 0 && index < panel.series.size() && panel.series[index].inLegend);
    }
    fitLegend(chart);
}

} // namespace qs::ui
