#include "ui/figures/activationfigures.h"

#include "ui/figures/levelpanels.h"
#include "ui/figures/palette.h"
#include "ui/figures/weightfigures.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qs::ui {

FigureSpec makeActivationFigure(const LayerWeightAnalysis &a, const LayerActivations &layer,
                                const ActivationFigureOptions &options)
{
    if (auto why = checkLevelSpec({options.scheme, options.bits, false}))
        throw std::invalid_argument(*why);
    if (layer.values.empty())
        throw std::invalid_argument(layer.name + ": no activations recorded");
    const int bins = std::clamp(options.bins, 4, 2000);
    float lo = 0, hi = 0;
    for (float v : layer.values) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    // Bins cover the data only (or its bulk), so moving the clip never re-bins; the axis grows past the data
    // for alpha.
    double binLo = double(lo), binHi = std::max(1e-6, double(hi) * (1 + 1e-6));
    if (options.range == HistogramRange::Custom && options.rangeHi > options.rangeLo) {
        binLo = options.rangeLo;
        binHi = options.rangeHi;
    } else if (options.range == HistogramRange::Percentiles) {
        const BulkPercentiles bulk = options.bulk ? *options.bulk : bulkPercentiles(layer.values);
        const double p0 = std::min(0.0, bulk.lo), p1 = bulk.hi;
        if (p1 > p0) {
            binLo = p0;
            binHi = p1;
        }
    }
    const Histogram h = histogramOf(layer.values, binLo, binHi, bins);
    const int64_t outside = int64_t(layer.values.size()) - h.total();
    const bool custom = options.range == HistogramRange::Custom && options.rangeHi > options.rangeLo;
    const double xMin = custom ? binLo : binLo < 0 ? 1.05 * binLo : 0.0;
    const double xMax = custom ? binHi : 1.05 * std::max(binHi, a.alpha);

    LevelPanelsSpec panels;
    panels.scheme = options.scheme;
    panels.logScale = options.logScale;
    panels.xMin = xMin;
    panels.xMax = xMax;
    panels.clipAt = {a.alpha};
    const QString title = shortLayerName(a.name);
    panels.title = QStringLiteral("%1 input \u00b7 %2 A%3 (unsigned) \u00b7 \u03b1 = %4")
                       .arg(title, schemeLabel(options.scheme))
                       .arg(options.bits)
                       .arg(a.alpha, 0, 'f', 3);
    panels.xLabel = QStringLiteral("input activation x (no normalization)");
    panels.seriesName = QStringLiteral("activations");
    panels.unit = QStringLiteral("values");
    panels.clipName = QStringLiteral("clip \u03b1");
    panels.levelLabel = QStringLiteral("level \u03b1\u00b7P");

    FigureSpec figure;
    figure.id = QStringLiteral("activations");
    figure.panels = makeLevelPanels(a, h, panels);
    figure.settings = {
        {QStringLiteral("layer"), QString::fromStdString(a.name)},
        {QStringLiteral("scheme"), schemeLabel(options.scheme)},
        {QStringLiteral("bits"), QStringLiteral("%1 (unsigned)").arg(options.bits)},
        {QStringLiteral("alpha"),
         QStringLiteral("%1 (%2)").arg(a.alpha, 0, 'g', 6).arg(QString::fromStdString(a.alphaSource))},
        {QStringLiteral("values"), QString::number(qulonglong(layer.values.size()))},
        {QStringLiteral("bins"), QString::number(bins)}};
    const bool sampled = int64_t(layer.values.size()) < layer.totalValues;
    figure.note =
        QStringLiteral("%1 input (%2 per image): %3 values%4; MSE %5, SQNR %6 dB, clip %7. "
                       "Q(x) = \u03b1\u00b7P(min(x/\u03b1, 1)) on the raw activations, as the "
                       "activation quantizer; level 0 holds the ReLU zeros.")
            .arg(title, shapeText(layer.inputShape))
            .arg(int64_t(layer.values.size()))
            .arg(sampled ? QStringLiteral(" (a uniform sample of %1)").arg(layer.totalValues) : QString())
            .arg(a.mse, 0, 'g', 4)
            .arg(a.sqnrDb, 0, 'f', 2)
            .arg(QString::fromStdString(a.alphaSource));
    if (outside > 0)
        figure.note += QStringLiteral(" Histogram over [%1, %2]: %3 values (%4 %) outside it.")
                           .arg(binLo, 0, 'g', 3)
                           .arg(binHi, 0, 'g', 3)
                           .arg(outside)
                           .arg(100.0 * double(outside) / double(layer.values.size()), 0, 'f', 2);
    return figure;
}

namespace activationFormulas {

QString quantizer()
{
    return QStringLiteral(
        "Activation quantizer (APoT <tt>_uq</tt>): Q(x) = &alpha;&middot;P(min(x/&alpha;, 1)), P = nearest "
        "level of the unsigned grid {0, &hellip;, 1}. No normalization: the inputs are post-ReLU, values "
        "above &alpha; clip to &alpha;, negative ones go to 0.");
}

QString mse()
{
    return QStringLiteral(
        "MSE = mean over the recorded values of (x &minus; Q(x))<sup>2</sup>, in activation "
        "units.");
}

QString sqnr()
{
    return QStringLiteral("SQNR = 10&middot;log<sub>10</sub>(&Sigma;x<sup>2</sup> / &Sigma;(x &minus; "
                          "Q(x))<sup>2</sup>) dB over the recorded values.");
}

QString alpha()
{
    return QStringLiteral(
        "Activation clip &alpha;: the levels are &alpha;&middot;P<sub>unsigned</sub>; inputs above &alpha; "
        "clip. Default: the activation clip the checkpoint's method learned (APoT's act_alpha, LSQ's "
        "step times Q_P, ...), else 8.0 (the APoT reference's initial value).");
}

QString capture()
{
    return QStringLiteral(
        "Runs the first N test images of the data set through the model (eval mode, no grad; a quantized "
        "checkpoint with its own quantizers) and records every quantized conv's input. Up to 262,144 values "
        "per layer are kept, a uniform sample when there are more. The first conv (the image) and the last "
        "linear are never activation-quantized.");
}

QString ptq()
{
    return QStringLiteral(
        "Post-training accuracy, no retraining: each quantized conv's weights become "
        "w&#770; = mean + std&middot;Q((w &minus; mean)/std) at the clip the SQNR sweep uses, so BatchNorm's "
        "running statistics still fit; first conv and last linear run as the checkpoint has them; "
        "activations stay in full precision (weights-only PTQ). Top-1 on the first N test images.");
}

} // namespace activationFormulas

} // namespace qs::ui
