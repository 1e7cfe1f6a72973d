#pragma once
// The Model view's data-driven figures: one layer's input activations against an unsigned grid (histogram
// with the levels and the clip drawn on it, plus the unbinned level occupancy), and the formulas the
// activation and accuracy controls show as tooltips. The accuracy panel of the bit sweep is built by
// makeBitSweepFigure (weightfigures.h).

#include "core/analysis/activations.h"
#include "core/analysis/analysis.h"
#include "core/quant/levels.h"
#include "ui/figures/weightfigures.h" // HistogramRange, Histogram
#include "ui/plotting/figure.h"

#include <vector>

namespace qs::ui {

struct ActivationFigureOptions
{
    Scheme scheme = Scheme::APoT;
    int bits = 4; // unsigned activation bits
    int bins = 120;
    bool logScale = true; // histogram y as log10(1 + count): post-ReLU data has a spike at 0
    // Percentiles: bins over [min(0, 0.1th percentile), 99.9th percentile] so a few outliers do not squeeze
    // the bulk into one bin; the axis also reaches the clip. Full: bins over [min(0, min x), max x].
    HistogramRange range = HistogramRange::Percentiles;
    double rangeLo = 0, rangeHi = 1;     // HistogramRange::Custom only
    std::optional<BulkPercentiles> bulk; // of layer.values, if cached by the caller
};

// Panels "histogram" (series "histogram", "levels.<scheme>", "clip") over options.range and the clip, and
// "occupancy" (series "occupancy.stems", "occupancy": x analysis.levels, y analysis.counts).
// `analysis` is analyzeActivationValues of `layer.values`. Figure id "activations".
FigureSpec makeActivationFigure(const LayerWeightAnalysis &analysis, const LayerActivations &layer,
                                const ActivationFigureOptions &options);

namespace activationFormulas {
QString quantizer(); // Q(x) = alpha P(min(x/alpha, 1))
QString mse();
QString sqnr();
QString alpha();
QString capture(); // what "Run batch" records
QString ptq();     // what the accuracy sweep does
} // namespace activationFormulas

} // namespace qs::ui
