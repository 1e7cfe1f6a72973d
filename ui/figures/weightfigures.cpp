#include "ui/figures/weightfigures.h"

#include "ui/figures/levelpanels.h"
#include "ui/figures/palette.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

namespace qs::ui {

namespace {

QString lower(Scheme scheme)
{
    return QString::fromStdString(schemeName(scheme));
}

double finiteOr(double v, double fallback)
{
    return std::isfinite(v) ? v : fallback;
}

// Per scheme with points: a line "<prefix>.<scheme>" and its markers "<prefix>.<scheme>.markers".
void addSchemeLines(PanelSpec &panel, const QString &prefix,
                    const std::function<QList<QPointF>(Scheme)> &pointsOf)
{
    for (Scheme scheme : {Scheme::Uniform, Scheme::PoT, Scheme::APoT}) {
        SeriesSpec line;
        line.id = prefix + QStringLiteral(".") + lower(scheme);
        line.name = schemeLabel(scheme);
        line.color = schemeColor(scheme);
        line.points = pointsOf(scheme);
        if (line.points.isEmpty())
            continue;
        panel.series << line << markersFor(line, line.name + QStringLiteral(" points"), 0.7);
    }
}

QString rangeName(HistogramRange range)
{
    switch (range) {
    case HistogramRange::Full:
        return QStringLiteral("the full range");
    case HistogramRange::Custom:
        return QStringLiteral("a chosen range");
    case HistogramRange::Percentiles:
        break;
    }
    return QStringLiteral("the 0.1\u201399.9 percentiles");
}

} // namespace

std::vector<float> normalizeWeights(const std::vector<float> &weights, double mean, double std)
{
    std::vector<float> out(weights.size());
    const double inv = std > 0 ? 1.0 / std : 0.0;
    for (size_t i = 0; i < weights.size(); ++i)
        out[i] = float((double(weights[i]) - mean) * inv);
    return out;
}

int64_t Histogram::total() const
{
    int64_t n = 0;
    for (int64_t c : counts)
        n += c;
    return n;
}

Histogram histogramOf(const std::vector<float> &values, double lo, double hi, int bins)
{
    if (bins < 1 || !(hi > lo))
        throw std::invalid_argument("histogram: need bins >= 1 and hi > lo");
    Histogram h;
    h.lo = lo;
    h.hi = hi;
    h.counts.assign(size_t(bins), 0);
    const double scale = bins / (hi - lo);
    for (float v : values) {
        if (!(v >= lo && v <= hi))
            continue;
        const int i = std::min(bins - 1, int((double(v) - lo) * scale));
        ++h.counts[size_t(i)];
    }
    return h;
}

BulkPercentiles bulkPercentiles(const std::vector<float> &values)
{
    if (values.empty())
        return {};
    std::vector<float> copy(values);
    const auto rankOf = [&](double fraction) {
        return std::ptrdiff_t(std::clamp(std::llround(fraction * double(copy.size() - 1)), 0LL,
                                         static_cast<long long>(copy.size() - 1)));
    };
    const auto lo = copy.begin() + rankOf(0.001), hi = copy.begin() + rankOf(0.999);
    std::nth_element(copy.begin(), lo, copy.end());
    const double low = double(*lo);
    if (hi > lo) // everything after lo is >= *lo, so hi's rank holds within (lo, end); that pass moves *lo
        std::nth_element(lo + 1, hi, copy.end());
    return {low, double(*hi)};
}

HistogramSpan histogramSpan(const std::vector<float> &normalized, double alpha, HistogramRange range,
                            double customLo, double customHi, const std::optional<BulkPercentiles> &bulk)
{
    float maxAbs = 0;
    for (float v : normalized)
        maxAbs = std::max(maxAbs, std::abs(v));
    const double dataRange = std::max(1e-6, double(maxAbs) * (1 + 1e-6));
    HistogramSpan span;
    switch (range) {
    case HistogramRange::Custom:
        if (customHi > customLo) {
            span.binLo = span.axisLo = customLo;
            span.binHi = span.axisHi = customHi;
            return span;
        }
        break; // an empty range falls back to the default
    case HistogramRange::Full: {
        // Bins do not depend on alpha, so moving the clip never re-bins; the axis grows only past the data.
        span.binLo = -dataRange;
        span.binHi = dataRange;
        const double xMax = 1.05 * std::max(dataRange, alpha);
        span.axisLo = -xMax;
        span.axisHi = xMax;
        return span;
    }
    case HistogramRange::Percentiles:
        break;
    }
    // The bulk of the weights: 0.1-99.9 percentiles (alpha-independent, so dragging the clip never
    // re-bins); the axis also shows the clip lines, with a 5 % margin.
    const BulkPercentiles percentiles = bulk ? *bulk : bulkPercentiles(normalized);
    double lo = percentiles.lo, hi = percentiles.hi;
    if (!(hi > lo)) {
        lo = -dataRange;
        hi = dataRange;
    }
    span.binLo = lo;
    span.binHi = hi;
    const double axisLo = std::min(lo, -alpha), axisHi = std::max(hi, alpha);
    const double margin = 0.05 * (axisHi - axisLo);
    span.axisLo = axisLo - margin;
    span.axisHi = axisHi + margin;
    return span;
}

FigureSpec makeLayerFigure(const LayerWeightAnalysis &a, const std::vector<float> &normalized,
                           const LayerFigureOptions &options)
{
    if (auto why = checkLevelSpec({options.scheme, options.bits, true}))
        throw std::invalid_argument(*why);
    const int bins = std::clamp(options.bins, 4, 2000);
    const HistogramSpan span =
        histogramSpan(normalized, a.alpha, options.range, options.rangeLo, options.rangeHi, options.bulk);
    const Histogram h = histogramOf(normalized, span.binLo, span.binHi, bins);
    const int64_t outside = int64_t(normalized.size()) - h.total();

    LevelPanelsSpec panels;
    panels.scheme = options.scheme;
    panels.logScale = options.logScale;
    panels.xMin = span.axisLo;
    panels.xMax = span.axisHi;
    panels.clipAt = {-a.alpha, a.alpha};
    if (options.overlay && *options.overlay != options.scheme &&
        !checkLevelSpec({*options.overlay, options.bits, true, options.zeroLevel})) {
        panels.overlay = options.overlay;
        for (double l : levelSet({*options.overlay, options.bits, true, options.zeroLevel}))
            panels.overlayLevels.push_back(l * a.alpha);
    }
    const QString title = shortLayerName(a.name);
    panels.title = QStringLiteral("%1 \u00b7 %2 W%3%4 \u00b7 \u03b1 = %5")
                       .arg(title, schemeLabel(options.scheme))
                       .arg(options.bits)
                       .arg(options.zeroLevel ? QString() : QStringLiteral(" without 0"))
                       .arg(a.alpha, 0, 'f', 3);
    panels.xLabel = QStringLiteral("normalized weight w\u0303 = (w \u2212 mean)/std");
    panels.seriesName = QStringLiteral("weights");
    panels.unit = QStringLiteral("weights");
    panels.clipName = QStringLiteral("clip \u00b1\u03b1");
    panels.levelLabel = QStringLiteral("level \u03b1\u00b7P (normalized units)");

    FigureSpec figure;
    figure.id = QStringLiteral("histogram");
    figure.panels = makeLevelPanels(a, h, panels);
    figure.settings = {
        {QStringLiteral("layer"), QString::fromStdString(a.name)},
        {QStringLiteral("scheme"), schemeLabel(options.scheme)},
        {QStringLiteral("bits"), QStringLiteral("%1 (signed)").arg(options.bits)},
        {QStringLiteral("alpha"),
         QStringLiteral("%1 (%2)").arg(a.alpha, 0, 'g', 6).arg(QString::fromStdString(a.alphaSource))},
        {QStringLiteral("bins"), QString::number(bins)},
        {QStringLiteral("range"), QStringLiteral("%1 [%2, %3]")
                                      .arg(rangeName(options.range))
                                      .arg(span.binLo, 0, 'g', 4)
                                      .arg(span.binHi, 0, 'g', 4)},
        {QStringLiteral("y scale"),
         options.logScale ? QStringLiteral("log10(1 + count)") : QStringLiteral("linear")}};
    if (panels.overlay)
        figure.settings.append({QStringLiteral("overlay"), schemeLabel(*panels.overlay)});
    figure.note =
        QStringLiteral("%1 (%2, %3 weights, %4 bins): MSE %5, SQNR %6 dB, clip %7. "
                       "w\u0303 = (w \u2212 mean)/std as the quantizer sees it; the occupancy is exact.")
            .arg(title, shapeText(a.shape))
            .arg(a.numel)
            .arg(bins)
            .arg(a.mse, 0, 'g', 4)
            .arg(a.sqnrDb, 0, 'f', 2)
            .arg(QString::fromStdString(a.alphaSource));
    if (outside > 0)
        figure.note +=
            QStringLiteral(" Histogram over %1 [%2, %3]: %4 weights (%5 %) outside it.")
                .arg(rangeName(options.range))
                .arg(span.binLo, 0, 'f', 2)
                .arg(span.binHi, 0, 'f', 2)
                .arg(outside)
                .arg(100.0 * double(outside) / double(std::max<size_t>(1, normalized.size())), 0, 'g', 2);
    return figure;
}

FigureSpec makeLayerFigure(const LayerWeightAnalysis &analysis, const ModelSnapshot &snapshot,
                           const LayerFigureOptions &options)
{
    FigureSpec figure = makeLayerFigure(
        analysis, normalizeWeights(snapshot.weights(analysis.name), analysis.mean, analysis.std), options);
    if (!snapshot.path().empty()) // the GUI's figure names its file too
        figure.settings.prepend({QStringLiteral("checkpoint"), QString::fromStdString(snapshot.path())});
    return figure;
}

FigureSpec makeLayerErrorFigure(const QList<SchemeLayers> &schemes, int bits, int selected, bool layerNames)
{
    PanelSpec panel;
    panel.id = QStringLiteral("layer-sqnr");
    panel.title = QStringLiteral("Per-layer SQNR at %1 bits (signed weights)").arg(bits);
    size_t n = 0;
    double top = 1.0, bottom = 0.0;
    for (const auto &s : schemes) {
        n = std::max(n, s.layers.size());
        for (const auto &l : s.layers)
            if (std::isfinite(l.sqnrDb)) {
                top = std::max(top, l.sqnrDb);
                bottom = std::min(bottom, l.sqnrDb);
            }
    }
    top *= 1.15;
    panel.x = {QStringLiteral("layer index (0 = first conv)"), -0.5, std::max(0.5, double(n) - 0.5), {}};
    if (layerNames && !schemes.isEmpty() && schemes.front().layers.size() == n && n > 0) {
        panel.x.title = QStringLiteral("layer");
        for (size_t i = 0; i < n; ++i)
            panel.x.categories.append({shortLayerName(schemes.front().layers[i].name), double(i) + 0.5});
    }
    panel.y = {QStringLiteral("SQNR (dB)"), bottom, top, {}};
    for (int k = 0; k < schemes.size(); ++k) {
        const auto &s = schemes[k];
        SeriesSpec line;
        line.id = QStringLiteral("sqnr.") + lower(s.scheme);
        line.name = schemeLabel(s.scheme);
        line.color = schemeColor(s.scheme);
        line.widthScale = k == 0 ? 1.0 : 0.7;
        line.penStyle = k == 0 ? Qt::SolidLine : Qt::DashLine;
        for (size_t i = 0; i < s.layers.size(); ++i) {
            const double y = finiteOr(s.layers[i].sqnrDb, top);
            line.points << QPointF(double(i) - 0.5, y) << QPointF(double(i) + 0.5, y);
        }
        panel.series << line;
        if (k == 0) {
            QList<QPointF> centres;
            for (size_t i = 0; i < s.layers.size(); ++i)
                centres << QPointF(double(i), finiteOr(s.layers[i].sqnrDb, top));
            panel.series << markersFor(line, schemeLabel(s.scheme) + QStringLiteral(" per layer"), 0.6,
                                       centres);
        }
    }
    if (selected >= 0 && size_t(selected) < n) {
        SeriesSpec sel;
        sel.id = QStringLiteral("selected");
        sel.name = QStringLiteral("selected layer");
        sel.color = QColor(0x99, 0x99, 0x99);
        sel.penStyle = Qt::DotLine;
        sel.widthScale = 0.8;
        sel.points = {QPointF(selected, bottom), QPointF(selected, top)};
        panel.series << sel;
    }
    FigureSpec figure;
    figure.id = QStringLiteral("layer-error");
    figure.panels = {panel};
    if (!schemes.isEmpty()) {
        QStringList names; // the CSV's x is the index: its header says which layer each one is
        for (size_t i = 0; i < schemes.front().layers.size(); ++i)
            names << QStringLiteral("%1 %2").arg(i).arg(shortLayerName(schemes.front().layers[i].name));
        figure.settings = {{QStringLiteral("bits"), QStringLiteral("%1 (signed)").arg(bits)},
                           {QStringLiteral("layers"), names.join(QStringLiteral(", "))}};
    }
    QString source;
    if (!schemes.isEmpty() && !schemes.front().layers.empty())
        source = QString::fromStdString(schemes.front().layers.front().alphaSource);
    figure.note =
        QStringLiteral(
            "SQNR = 10\u00b7log\u2081\u2080(\u03a3w\u0303\u00b2 / \u03a3(w\u0303 \u2212 Q(w\u0303))\u00b2) "
            "per layer; clip: %1.")
            .arg(source.isEmpty() ? QStringLiteral("per layer") : source);
    return figure;
}

FigureSpec makeBitSweepFigure(const std::vector<SweepPoint> &points, bool alphaSearch,
                              const PtqResult *accuracy, bool accuracyAlphaSearch)
{
    PanelSpec panel;
    panel.id = QStringLiteral("bit-sweep");
    panel.title = QStringLiteral("Mean per-layer SQNR vs weight bits");
    int lo = 2, hi = 6;
    double top = 1.0;
    if (!points.empty()) {
        lo = hi = points.front().bits;
        for (const auto &p : points) {
            lo = std::min(lo, p.bits);
            hi = std::max(hi, p.bits);
            if (std::isfinite(p.meanSqnrDb))
                top = std::max(top, p.meanSqnrDb);
        }
    }
    if (accuracy && !accuracy->points.empty()) {
        if (points.empty())
            lo = hi = accuracy->points.front().bits;
        for (const auto &p : accuracy->points) {
            lo = std::min(lo, p.bits);
            hi = std::max(hi, p.bits);
        }
    }
    panel.x = {QStringLiteral("weight bits (signed)"), lo - 0.3, hi + 0.3, {}};
    panel.y = {QStringLiteral("mean SQNR (dB)"), 0.0, 1.12 * top, {}};
    addSchemeLines(panel, QStringLiteral("sweep"), [&](Scheme scheme) {
        QList<QPointF> xy;
        for (const auto &p : points)
            if (p.scheme == scheme && std::isfinite(p.meanSqnrDb))
                xy << QPointF(p.bits, p.meanSqnrDb);
        return xy;
    });
    FigureSpec figure;
    figure.id = QStringLiteral("bit-sweep");
    figure.panels = {panel};
    figure.settings = {
        {QStringLiteral("bits"), QStringLiteral("%1..%2 (signed weights)").arg(lo).arg(hi)},
        {QStringLiteral("alpha"), alphaSearch ? QStringLiteral("MSE-optimal per layer, scheme and bits")
                                              : QStringLiteral("fixed: checkpoint's, else 3.0")}};
    figure.panels.front().title +=
        alphaSearch ? QStringLiteral(" (clip re-optimized per point)") : QStringLiteral(" (fixed clip)");
    if (!points.empty() && !points.front().zeroLevel) // every point of one sweep shares it
        figure.panels.front().title += QStringLiteral(", grids without 0");
    figure.note = alphaSearch
                      ? QStringLiteral("Clip re-optimized for every scheme and bit width: each layer's "
                                       "MSE-optimal \u03b1 on that grid.")
                      : QStringLiteral("Fixed clip: every scheme and bit width uses each layer's checkpoint "
                                       "\u03b1 (else 3.0), so a clip tuned for one grid is used on all.");
    // PoT's extra bits add levels next to 0 only (alpha * 2^-k): say where its curve stops rising, so a
    // flat line is not read as a clip artefact.
    std::optional<int> potFlatFrom;
    for (const auto &p : points) {
        if (p.scheme != Scheme::PoT || !std::isfinite(p.meanSqnrDb))
            continue;
        bool flatAfter = true, any = false;
        for (const auto &q : points)
            if (q.scheme == Scheme::PoT && q.bits > p.bits) {
                any = true;
                flatAfter = flatAfter && std::abs(q.meanSqnrDb - p.meanSqnrDb) < 0.1;
            }
        if (any && flatAfter && (!potFlatFrom || p.bits < *potFlatFrom))
            potFlatFrom = p.bits;
    }
    if (potFlatFrom && !checkLevelSpec({Scheme::PoT, *potFlatFrom + 1, true})) {
        // The largest level the next bit adds, from the level sets.
        const auto before = levelSet({Scheme::PoT, *potFlatFrom, true});
        double added = 0;
        for (double l : levelSet({Scheme::PoT, *potFlatFrom + 1, true}))
            if (std::none_of(before.begin(), before.end(), [l](double b) { return std::abs(b - l) < 1e-15; }))
                added = std::max(added, std::abs(l));
        figure.note += QStringLiteral(" PoT stays flat from %1 bits (within 0.1 dB), whatever the clip: each "
                                      "extra bit only adds levels at \u00b1%2\u03b1 and closer to 0.")
                           .arg(*potFlatFrom)
                           .arg(added, 0, 'g', 3);
    }
    if (!accuracy)
        return figure;

    PanelSpec acc;
    acc.id = QStringLiteral("accuracy");
    acc.title = QStringLiteral("Post-training top-1 vs weight bits (%1 test images)").arg(accuracy->images);
    double accLo = accuracy->referenceTop1, accHi = accuracy->referenceTop1;
    for (const auto &p : accuracy->points) {
        accLo = std::min(accLo, p.top1);
        accHi = std::max(accHi, p.top1);
    }
    // Whole tens below, a little headroom above: the points near the baseline stay readable.
    acc.x = {QStringLiteral("weight bits (signed)"), lo - 0.3, hi + 0.3, {}};
    acc.y = {QStringLiteral("top-1 (%)"),
             std::max(0.0, 10.0 * std::floor((accLo - 2.0) / 10.0)),
             std::min(100.0, accHi + 0.08 * std::max(10.0, accHi - accLo)),
             {}};
    SeriesSpec fp;
    fp.id = QStringLiteral("accuracy.fp");
    fp.name = QStringLiteral("%1 %2%")
                  .arg(accuracy->reference.empty() ? QStringLiteral("unquantized")
                                                   : QString::fromStdString(accuracy->reference))
                  .arg(accuracy->referenceTop1, 0, 'f', 2);
    fp.color = QColor(0x55, 0x55, 0x55);
    fp.penStyle = Qt::DashLine;
    fp.widthScale = 0.9;
    fp.points = {QPointF(acc.x.min, accuracy->referenceTop1), QPointF(acc.x.max, accuracy->referenceTop1)};
    acc.series << fp;
    addSchemeLines(acc, QStringLiteral("accuracy"), [&](Scheme scheme) {
        QList<QPointF> xy;
        for (const auto &p : accuracy->points)
            if (p.scheme == scheme)
                xy << QPointF(p.bits, p.top1);
        return xy;
    });
    figure.panels << acc;
    QString dataName = QString::fromStdString(accuracy->dataSpec);
    if (dataName.endsWith(QLatin1Char(':')))
        dataName.chop(1); // "fashion-mnist:" reads better in a sentence without its colon
    figure.note +=
        (accuracy->activations.empty() || accuracy->activations == "full precision"
             ? QStringLiteral(" Accuracy: weights-only PTQ (activations in full precision), each quantized "
                              "conv's w\u0302 = mean + std\u00b7Q((w \u2212 mean)/std) so BatchNorm still "
                              "fits, clip %1; first conv and last linear %2; test split of %3%4.")
             : QStringLiteral(" Accuracy: weights-only PTQ of the model as trained (activations %5), each "
                              "quantized conv's weights on the point's grid, clip %1; first conv and last "
                              "linear %2; test split of %3%4.")
                   .replace(QStringLiteral("%5"), QString::fromStdString(accuracy->activations)))
            .arg(accuracyAlphaSearch ? QStringLiteral("MSE-optimal")
                                     : QStringLiteral("checkpoint \u03b1 or 3.0"),
                 QString::fromStdString(accuracy->edges), dataName,
                 accuracy->complete ? QString() : QStringLiteral(" (cancelled part way)"));
    return figure;
}

QString shortLayerName(const std::string &name)
{
    QString s = QString::fromStdString(name);
    if (s.endsWith(QStringLiteral(".weight")))
        s.chop(7);
    return s;
}

QString shapeText(const std::vector<int64_t> &shape)
{
    QStringList parts;
    for (int64_t d : shape)
        parts << QString::number(d);
    return parts.join(QStringLiteral("\u00d7"));
}

namespace weightFormulas {

QString normalization()
{
    return QStringLiteral(
        "Weight normalization, as the APoT quantizer: w&#771; = (w &minus; mean(w)) / std(w) "
        "(detached statistics, unbiased std). Every number here is in these units.");
}

QString mse()
{
    return QStringLiteral("MSE = mean over the layer of (w&#771; &minus; Q(w&#771;))<sup>2</sup>, "
                          "Q(x) = &alpha;&middot;P(clamp(x/&alpha;, &minus;1, 1)), P = nearest level.");
}

QString sqnr()
{
    return QStringLiteral(
        "SQNR = 10&middot;log<sub>10</sub>(&Sigma;w&#771;<sup>2</sup> / "
        "&Sigma;(w&#771; &minus; Q(w&#771;))<sup>2</sup>) dB; about +6 dB per bit for a uniform "
        "grid on a well-clipped layer.");
}

QString occupancy()
{
    return QStringLiteral(
        "Occupancy: the number of weights whose nearest level (after clipping at &plusmn;&alpha;) "
        "is each level. Exact counts; a binned histogram would smear discrete levels.");
}

QString alpha()
{
    return QStringLiteral(
        "Clip &alpha; (normalized units): weights beyond &plusmn;&alpha; clamp to the outer "
        "level; the levels are &alpha;&middot;P<sub>signed</sub>. Small &alpha;: fine steps, "
        "large clipping error; large &alpha;: coarse steps.");
}

} // namespace weightFormulas

} // namespace qs::ui
