#pragma once
// The Model view's figures, shared with `quantscope-cli figure --kind histogram|layer-error|bit-sweep`:
// one layer's weight-normalized histogram with a grid's levels and clip drawn on it plus the unbinned level
// occupancy, the per-layer SQNR of a whole model, and a bit-width sweep of mean SQNR per scheme.

#include "core/analysis/analysis.h"
#include "core/quant/levels.h"
#include "core/analysis/modelsnapshot.h"
#include "core/analysis/ptq.h"
#include "ui/plotting/figure.h"

#include <QList>

#include <cstdint>
#include <optional>
#include <vector>

namespace qs::ui {

// w~ = (w - mean) / std with the unbiased std, as the quantizer's weight normalization (and the analysis).
std::vector<float> normalizeWeights(const std::vector<float> &weights, double mean, double std);

// Which part of the normalized weights the histogram spans. A few outliers (|w~| of 9 in a layer whose bulk
// lies within 3) would squeeze the bulk into a handful of bins, so the default leaves them out.
enum class HistogramRange
{
    Percentiles, // bins over the 0.1-99.9 percentiles; the axis also reaches the clip +-alpha
    Full,        // bins and axis over +-max|w~|
    Custom       // bins and axis over [rangeLo, rangeHi] (a zoom)
};

struct Histogram
{
    double lo = 0, hi = 1;
    std::vector<int64_t> counts; // bins of equal width over [lo, hi]; the last bin includes hi
    double binWidth() const { return counts.empty() ? 0.0 : (hi - lo) / double(counts.size()); }
    int64_t total() const;
};
// Every value inside [lo, hi] lands in a bin; values outside are dropped (choose the range to cover them).
Histogram histogramOf(const std::vector<float> &values, double lo, double hi, int bins);

// The 0.1 and 99.9 percentiles (nearest rank) of `values`, the bulk a histogram bins by default; 0 and 0
// for no values. One copy and two partial sorts: views that redraw one layer often (a dragged clip) compute
// it once per layer and pass it in the figure options.
struct BulkPercentiles
{
    double lo = 0, hi = 0;
};
BulkPercentiles bulkPercentiles(const std::vector<float> &values);

struct HistogramSpan
{
    double binLo = -1, binHi = 1;   // what the bins cover
    double axisLo = -1, axisHi = 1; // what the x axis shows (the bins, and for Percentiles the clip too)
};
// The span for `range` (HistogramRange) over `normalized` with the clip at +-alpha.
// `bulk`: bulkPercentiles(normalized) if the caller has it.
HistogramSpan histogramSpan(const std::vector<float> &normalized, double alpha, HistogramRange range,
                            double customLo, double customHi,
                            const std::optional<BulkPercentiles> &bulk = std::nullopt);

struct LayerFigureOptions
{
    Scheme scheme = Scheme::APoT;
    int bits = 4;
    bool zeroLevel = true; // false: the grid without its zero level (the title says so; the overlay too)
    int bins = 80;
    HistogramRange range = HistogramRange::Percentiles;
    double rangeLo = -3, rangeHi = 3;    // HistogramRange::Custom only
    bool logScale = false;               // histogram y as log10(1 + count)
    std::optional<Scheme> overlay;       // a second scheme's levels at the same bits and alpha
    std::optional<BulkPercentiles> bulk; // of the normalized weights, if cached by the caller
};

// Panels "histogram" (series "histogram", "levels.<scheme>", "levels.overlay", "clip") and "occupancy"
// (series "occupancy.stems", "occupancy"): the markers' y are analysis.counts, their x analysis.levels.
// Both panels share the x range histogramSpan() gives; the note counts the weights outside it.
// `normalized` are the layer's normalized weights (normalizeWeights with analysis.mean/std).
FigureSpec makeLayerFigure(const LayerWeightAnalysis &analysis, const std::vector<float> &normalized,
                           const LayerFigureOptions &options);
// The same from the raw weights (normalizes them; the CLI's path).
FigureSpec makeLayerFigure(const LayerWeightAnalysis &analysis, const ModelSnapshot &snapshot,
                           const LayerFigureOptions &options);

struct SchemeLayers
{
    Scheme scheme = Scheme::APoT;
    std::vector<LayerWeightAnalysis> layers; // one per model layer, same order for every scheme
};
// Panel "layer-sqnr": SQNR (dB) per layer index, one step line ("sqnr.<scheme>") per scheme, the first
// scheme's also with markers ("sqnr.<scheme>.markers"); `selected` (an index, or -1) gets a vertical marker
// line. The CSV x is the index. With `layerNames`, the x axis is a category axis labelled with each layer's
// shortLayerName (the screen; paper draws no category labels on x, so the CLI keeps the index axis).
FigureSpec makeLayerErrorFigure(const QList<SchemeLayers> &schemes, int bits, int selected = -1,
                                bool layerNames = false);

// Panel "bit-sweep": mean SQNR (dB) vs bits, one line + markers per scheme ("sweep.<scheme>"). With
// `accuracy`, a second panel "accuracy": post-training top-1 (%) vs bits per scheme ("accuracy.<scheme>",
// markers "accuracy.<scheme>.markers") and the unquantized model's top-1 as a dashed line ("accuracy.fp"),
// over the same bits axis.
FigureSpec makeBitSweepFigure(const std::vector<SweepPoint> &points, bool alphaSearch,
                              const PtqResult *accuracy = nullptr, bool accuracyAlphaSearch = false);

// Short layer label, e.g. "layer1.0.conv1" (the ".weight" suffix dropped).
QString shortLayerName(const std::string &name);
QString shapeText(const std::vector<int64_t> &shape); // "64×64×3×3"

namespace weightFormulas {
QString normalization(); // w~ = (w - mean)/std
QString mse();
QString sqnr();
QString occupancy();
QString alpha();
} // namespace weightFormulas

} // namespace qs::ui
