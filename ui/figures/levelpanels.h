#pragma once
// The two panels the weight and the activation figures share: a histogram with a grid's levels and the clip
// drawn on it, and the exact per-level occupancy under it. They differ only in words, range and clip lines.

#include "core/analysis/analysis.h"
#include "core/quant/levels.h"
#include "ui/figures/weightfigures.h"
#include "ui/plotting/figure.h"

#include <optional>
#include <vector>

namespace qs::ui {

struct LevelPanelsSpec
{
    Scheme scheme = Scheme::APoT;
    bool logScale = false;      // histogram y as log10(1 + count)
    double xMin = 0, xMax = 1;  // both panels' x axis
    std::vector<double> clipAt; // one dashed vertical line each
    std::optional<Scheme> overlay;
    std::vector<double> overlayLevels; // drawn dashed at 85 % height, when `overlay` is set

    QString title;      // the histogram panel's
    QString xLabel;     // the histogram's x axis
    QString seriesName; // the histogram series, e.g. "weights"
    QString unit;       // what is counted, plural: "weights" -> "weights per bin", "Weights per level ..."
    QString clipName;
    QString levelLabel; // the occupancy's x axis
};

// Vertical lines at each x from y0 to y1: the pairs of a `segments` series.
QList<QPointF> verticalLines(const std::vector<double> &xs, double y0, double y1);

// Exact level occupancy as stems with a marker on top: series "occupancy.stems" and "occupancy" (x the level,
// y the count; non-finite pairs skipped). The Model view's and the run dashboard's occupancy panels.
QList<SeriesSpec> occupancyStems(const std::vector<double> &levels, const std::vector<double> &counts,
                                 const QColor &color, const QString &name);

// Panels "histogram" (series "histogram", "levels.<scheme>", "levels.overlay" when asked, "clip" when clipAt
// is not empty) and "occupancy" (series "occupancy.stems", "occupancy": x analysis.levels, y
// analysis.counts).
QList<PanelSpec> makeLevelPanels(const LayerWeightAnalysis &analysis, const Histogram &histogram,
                                 const LevelPanelsSpec &spec);

} // namespace qs::ui
