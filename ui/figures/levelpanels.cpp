#include "ui/figures/levelpanels.h"

#include "ui/figures/palette.h"

#include <algorithm>
#include <cmath>

namespace qs::ui {

QList<QPointF> verticalLines(const std::vector<double> &xs, double y0, double y1)
{
    QList<QPointF> points;
    points.reserve(int(xs.size()) * 2);
    for (double x : xs)
        points << QPointF(x, y0) << QPointF(x, y1);
    return points;
}

QList<SeriesSpec> occupancyStems(const std::vector<double> &levels, const std::vector<double> &counts,
                                 const QColor &color, const QString &name)
{
    SeriesSpec stems, marks;
    stems.id = QStringLiteral("occupancy.stems");
    stems.name = QStringLiteral("stems");
    stems.color = color;
    stems.widthScale = 1.2;
    stems.inLegend = false;
    stems.segments = true;
    marks.id = QStringLiteral("occupancy");
    marks.name = name;
    marks.kind = SeriesKind::Scatter;
    marks.color = color;
    marks.markerScale = levels.size() > 40 ? 0.5 : 0.8;
    for (size_t i = 0; i < levels.size() && i < counts.size(); ++i) {
        const double x = levels[i], y = counts[i];
        if (!std::isfinite(x) || !std::isfinite(y))
            continue;
        stems.points << QPointF(x, 0.0) << QPointF(x, y);
        marks.points << QPointF(x, y);
    }
    return {stems, marks};
}

QList<PanelSpec> makeLevelPanels(const LayerWeightAnalysis &a, const Histogram &h,
                                 const LevelPanelsSpec &spec)
{
    const int bins = int(h.counts.size());
    int64_t maxCount = 1;
    for (int64_t c : h.counts)
        maxCount = std::max(maxCount, c);
    auto yOf = [&](int64_t c) { return spec.logScale ? std::log10(1.0 + double(c)) : double(c); };
    const double yTop = 1.12 * yOf(maxCount);

    PanelSpec hist;
    hist.id = QStringLiteral("histogram");
    hist.title = spec.title;
    hist.x = {spec.xLabel, spec.xMin, spec.xMax, {}};
    hist.y = {spec.logScale ? QStringLiteral("log\u2081\u2080(1 + count)")
                            : spec.unit + QStringLiteral(" per bin"),
              0.0,
              yTop,
              {}};
    hist.heightWeight = 1.5; // the y title ("weights per bin") needs the height at large type

    SeriesSpec steps;
    steps.id = QStringLiteral("histogram");
    steps.name = spec.seriesName;
    steps.color = QColor(0x44, 0x44, 0x44);
    steps.widthScale = 0.8;
    const double w = h.binWidth();
    steps.points.reserve(2 * bins + 2);
    steps.points << QPointF(h.lo, 0.0);
    for (int i = 0; i < bins; ++i) {
        const double y = yOf(h.counts[size_t(i)]);
        steps.points << QPointF(h.lo + i * w, y) << QPointF(h.lo + (i + 1) * w, y);
    }
    steps.points << QPointF(h.hi, 0.0);
    hist.series << steps;

    SeriesSpec levels;
    levels.id = QStringLiteral("levels.") + QString::fromStdString(schemeName(spec.scheme));
    levels.name = QStringLiteral("%1 levels").arg(schemeLabel(spec.scheme));
    levels.color = schemeColor(spec.scheme);
    levels.widthScale = 0.6;
    levels.points = verticalLines(a.levels, 0.0, yTop);
    levels.segments = true;
    hist.series << levels;

    if (spec.overlay) {
        SeriesSpec overlay;
        overlay.id = QStringLiteral("levels.overlay");
        overlay.name = QStringLiteral("%1 levels").arg(schemeLabel(*spec.overlay));
        overlay.color = schemeColor(*spec.overlay);
        overlay.penStyle = Qt::DashLine;
        overlay.widthScale = 0.6;
        overlay.points = verticalLines(spec.overlayLevels, 0.0, 0.85 * yTop);
        overlay.segments = true;
        hist.series << overlay;
    }

    if (!spec.clipAt.empty()) { // no clip, no series: an empty one would still sit in the legend
        SeriesSpec clip;
        clip.id = QStringLiteral("clip");
        clip.name = spec.clipName;
        clip.color = Qt::black;
        clip.penStyle = Qt::DashLine;
        clip.widthScale = 0.9;
        clip.points = verticalLines(spec.clipAt, 0.0, yTop);
        clip.segments = true;
        hist.series << clip;
    }

    PanelSpec occ;
    occ.id = QStringLiteral("occupancy");
    QString unitTitle = spec.unit;
    if (!unitTitle.isEmpty())
        unitTitle[0] = unitTitle[0].toUpper();
    occ.title = unitTitle + QStringLiteral(" per level (exact, unbinned)");
    int64_t maxOcc = 1;
    for (int64_t c : a.counts)
        maxOcc = std::max(maxOcc, c);
    occ.x = {spec.levelLabel, spec.xMin, spec.xMax, {}};
    occ.y = {spec.unit, 0.0, 1.15 * double(maxOcc), {}};
    occ.showLegend = false;
    const std::vector<double> counts(a.counts.begin(), a.counts.end());
    occ.series << occupancyStems(a.levels, counts, schemeColor(spec.scheme),
                                 spec.unit + QStringLiteral(" per level"));
    return {hist, occ};
}

} // namespace qs::ui
