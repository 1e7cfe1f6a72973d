#include "ui/figures/runfigures.h"

#include "ui/figures/levelpanels.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

namespace qs::ui {

namespace {

// The mean, smallest and largest of a group of trials' values at one step or epoch (values is not empty).
std::tuple<double, double, double> meanMinMax(const std::vector<double> &values)
{
    double sum = 0, mn = std::numeric_limits<double>::infinity(), mx = -mn;
    for (double v : values) {
        sum += v;
        mn = std::min(mn, v);
        mx = std::max(mx, v);
    }
    return {sum / double(values.size()), mn, mx};
}

constexpr double kInf = std::numeric_limits<double>::infinity();
const QColor kGrey(0xBB, 0xBB, 0xBB);
const QColor kDivergence(0xB0, 0x00, 0x20);

// Layer colours of a single run's per-layer panels (Okabe-Ito, without the run colours' order mattering).
const QColor kLayerColors[] = {{0x00, 0x72, 0xB2}, {0xD5, 0x5E, 0x00}, {0x00, 0x9E, 0x73}, {0xCC, 0x79, 0xA7},
                               {0xE6, 0x9F, 0x00}, {0x56, 0xB4, 0xE9}, {0x00, 0x00, 0x00}};

struct Range
{
    double lo = kInf, hi = -kInf;
    void add(double v)
    {
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    bool valid() const { return lo <= hi; }
};

// A line through one point draws nothing: such a series (a run's first epoch) is drawn as a marker.
void visibleWhenSingle(SeriesSpec &s)
{
    if (s.kind == SeriesKind::Line && s.points.size() == 1) {
        s.kind = SeriesKind::Scatter;
        s.markerScale = 0.6;
    }
}

// A line's points again as markers: an epoch's value stays visible where the line has one point or a gap.
SeriesSpec epochMarkers(const SeriesSpec &line)
{
    return markersFor(line, line.name + QStringLiteral(" markers"), 0.55);
}

// A top-1 axis in whole tens around the data, at least 10 wide, within [0, 100].
AxisSpec top1Axis(const QString &title, const Range &y)
{
    double from = y.valid() ? std::max(0.0, 10 * std::floor((y.lo - 2) / 10)) : 0.0;
    const double to = y.valid() ? std::min(100.0, 10 * std::ceil((y.hi + 2) / 10)) : 100.0;
    if (to - from < 10)
        from = std::max(0.0, to - 10);
    return {title, from, to, {}};
}

// (step, values[k]) for each finite value; values[k] belongs to steps[k].
QList<QPointF> finiteStepPoints(const std::vector<StepSample> &steps, const std::vector<double> &values)
{
    QList<QPointF> points;
    points.reserve(int(steps.size()));
    for (size_t k = 0; k < steps.size() && k < values.size(); ++k)
        if (std::isfinite(values[k]))
            points << QPointF(double(steps[k].step), values[k]);
    return points;
}

// Epoch axes end half an epoch after the last one, so its marker is not cut by the plot's edge.
AxisSpec epochAxis(double epochMax)
{
    return {QStringLiteral("epoch"), 0.0, std::max(1.0, epochMax) + 0.5, {}};
}

QString idx(int i)
{
    return QString::number(i);
}

QString runName(const RunHistory &run)
{
    return QString::fromStdString(run.label().empty() ? run.dir() : run.label());
}

QColor blendWithWhite(const QColor &c, double t)
{
    return QColor::fromRgbF(float(c.redF() + (1 - c.redF()) * t), float(c.greenF() + (1 - c.greenF()) * t),
                            float(c.blueF() + (1 - c.blueF()) * t));
}

double stepAxisMax(const std::vector<const RunHistory *> &runs)
{
    int64_t last = 0;
    for (const auto *run : runs)
        last = std::max(last, run->lastStep());
    return std::max<double>(1.0, 1.02 * double(last)); // a divergence at the last step stays off the edge
}

// Position of a step on an epoch axis where epoch k's end is at x = k + 1.
double epochPosition(const RunHistory &run, int64_t step, int64_t epoch)
{
    const double spe = stepsPerEpoch(run);
    return spe > 0 ? double(step) / spe : double(epoch) + 0.5;
}

// Vertical dashed line at the divergence of every run that has one, spanning the panel's y range.
void addDivergenceMarkers(PanelSpec &panel, const std::vector<const RunHistory *> &runs,
                          const std::function<double(const RunHistory &)> &xOf)
{
    for (size_t i = 0; i < runs.size(); ++i) {
        const auto &d = runs[i]->divergence();
        if (!d)
            continue;
        SeriesSpec marker;
        marker.id = QStringLiteral("divergence.") + idx(int(i));
        // Short in the legend (a reason with its values, or the run's name again, does not fit beside other
        // entries, and Qt Charts elides it): the marker takes the run's colour, and the figure's note gives
        // the run, reason, layer and values.
        marker.name = QStringLiteral("diverged (step %1)").arg(d->step);
        marker.color = runs.size() > 1 ? runColor(int(i)) : kDivergence;
        marker.penStyle = Qt::DashLine;
        marker.widthScale = 0.9;
        const double x = xOf(*runs[i]);
        marker.points = {QPointF(x, panel.y.min), QPointF(x, panel.y.max)};
        panel.series << marker;
    }
}

void addDivergenceOnSteps(PanelSpec &panel, const std::vector<const RunHistory *> &runs)
{
    addDivergenceMarkers(panel, runs, [](const RunHistory &r) { return double(r.divergence()->step); });
}

void addDivergenceOnEpochs(PanelSpec &panel, const std::vector<const RunHistory *> &runs)
{
    addDivergenceMarkers(panel, runs, [](const RunHistory &r) {
        return epochPosition(r, r.divergence()->step, r.divergence()->epoch);
    });
}

QString divergenceNote(const std::vector<const RunHistory *> &runs)
{
    QStringList lines;
    for (const auto *run : runs)
        if (run->divergence())
            lines << (runs.size() > 1 ? runName(*run) + QStringLiteral(" ") : QString()) +
                         divergenceLine(*run);
    return lines.isEmpty() ? QString() : QStringLiteral(" ") + lines.join(QStringLiteral(" "));
}

// Top of a loss axis: the smoothed curve and 99 % of the raw points fit; a lone spike may leave the chart.
double lossTop(const std::vector<double> &raw, const std::vector<double> &smoothed)
{
    std::vector<double> finite;
    finite.reserve(raw.size());
    for (double v : raw)
        if (std::isfinite(v))
            finite.push_back(v);
    double top = 0;
    if (!finite.empty()) {
        const size_t k = std::min(finite.size() - 1, size_t(0.99 * double(finite.size())));
        std::nth_element(finite.begin(), finite.begin() + std::ptrdiff_t(k), finite.end());
        top = finite[k];
    }
    for (double v : smoothed)
        if (std::isfinite(v))
            top = std::max(top, v);
    return top;
}

// Linear axis [0, top] with some head room.
AxisSpec zeroBased(const QString &title, double top)
{
    return {title, 0.0, top > 0 && std::isfinite(top) ? 1.08 * top : 1.0, {}};
}

struct LayerCurve
{
    std::string name;
    QList<QPointF> points;
    double score = -kInf; // ranking: the largest are coloured
};

// One layer per series: the top-ranked (or the highlighted one) coloured and in the legend, the rest thin
// grey underneath. Returns the y range of what was added.
Range addLayerCurves(PanelSpec &panel, const QString &prefix, std::vector<LayerCurve> curves,
                     const RunFigureOptions &o, int *coloured)
{
    Range y;
    std::vector<size_t> order(curves.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return curves[a].score > curves[b].score; });
    std::vector<bool> highlighted(curves.size(), false);
    const bool byName = !o.highlightLayer.empty() &&
                        std::any_of(curves.begin(), curves.end(),
                                    [&](const LayerCurve &c) { return c.name == o.highlightLayer; });
    int shown = 0;
    for (size_t k = 0; k < order.size(); ++k) {
        const auto &c = curves[order[k]];
        if (c.points.isEmpty())
            continue;
        if (byName ? c.name == o.highlightLayer : shown < std::max(0, o.topLayers)) {
            highlighted[order[k]] = true;
            ++shown;
        }
    }
    auto make = [&](size_t i, const QColor &color, bool strong) {
        SeriesSpec s;
        s.id = prefix + QStringLiteral(".") + QString::fromStdString(curves[i].name);
        s.name = QString::fromStdString(curves[i].name);
        s.color = color;
        s.widthScale = strong ? 1.0 : 0.5;
        s.inLegend = strong;
        s.points = decimateMinMax(curves[i].points, o.maxPoints);
        visibleWhenSingle(s);
        for (const auto &p : s.points)
            y.add(p.y());
        panel.series << s;
    };
    for (size_t i = 0; i < curves.size(); ++i) // grey first, so the coloured ones are drawn on top
        if (!highlighted[i] && !curves[i].points.isEmpty())
            make(i, kGrey, false);
    int colour = 0;
    for (size_t k : order)
        if (highlighted[k])
            make(k, kLayerColors[colour++ % int(std::size(kLayerColors))], true);
    if (coloured)
        *coloured = shown;
    return y;
}

AxisSpec deltaAxis(const QString &which, const Range &y, bool log)
{
    if (!log)
        return zeroBased(which, y.valid() ? y.hi : 0.0);
    double lo = y.valid() ? std::floor(y.lo) : -3.0, hi = y.valid() ? std::ceil(y.hi) : 0.0;
    if (hi - lo < 1)
        hi = lo + 1;
    return {
        QStringLiteral("log\u2081\u2080 ") + which, lo, hi, {}}; // the notes say that delta = 0 has no point
}

double deltaValue(double delta, bool log)
{
    if (!std::isfinite(delta))
        return std::numeric_limits<double>::quiet_NaN();
    if (!log)
        return delta;
    return delta > 0 ? std::log10(delta) : std::numeric_limits<double>::quiet_NaN();
}

bool hasDeltas(const RunHistory &run)
{
    for (const auto &name : run.layerNames())
        for (const auto &p : run.layer(name))
            if (p.deltaW != 0 || p.deltaA != 0)
                return true;
    return false;
}

// The runs behind a figure (label and directory each) and the options that shape it.
QList<QPair<QString, QString>> runSettings(const std::vector<const RunHistory *> &runs,
                                           const RunFigureOptions &o, bool smoothing)
{
    QList<QPair<QString, QString>> settings;
    for (size_t i = 0; i < runs.size(); ++i)
        settings.append(
            {QStringLiteral("run %1").arg(i + 1),
             QStringLiteral("%1 (%2)").arg(runName(*runs[i]), QString::fromStdString(runs[i]->dir()))});
    if (smoothing)
        settings.append({QStringLiteral("smoothing"), QString::number(o.smoothing)});
    return settings;
}

QString smoothingText(double beta)
{
    return QStringLiteral(
               "smoothed: s\u209c = \u03b2\u00b7s\u209c\u208b\u2081 + (1 \u2212 \u03b2)\u00b7loss\u209c, "
               "divided by 1 \u2212 \u03b2\u1d57 (TensorBoard's bias correction), \u03b2 = %1")
        .arg(beta, 0, 'g', 3);
}

} // namespace

QColor runColor(int index)
{
    static const QColor colors[] = {{0x00, 0x72, 0xB2}, {0xD5, 0x5E, 0x00}, {0x00, 0x9E, 0x73},
                                    {0xCC, 0x79, 0xA7}, {0xE6, 0x9F, 0x00}, {0x56, 0xB4, 0xE9},
                                    {0x00, 0x00, 0x00}};
    const int n = int(std::size(colors));
    return colors[((index % n) + n) % n];
}

QList<QPointF> decimateMinMax(const QList<QPointF> &p, int maxPoints)
{
    maxPoints = std::max(maxPoints, 4);
    if (p.size() <= maxPoints)
        return p;
    const int buckets = (maxPoints - 2) / 2;
    const int64_t inner = p.size() - 2; // points 1 .. n-2; the ends are kept as they are
    QList<QPointF> out;
    out.reserve(maxPoints);
    out << p.front();
    for (int b = 0; b < buckets; ++b) {
        const int begin = 1 + int(inner * b / buckets), end = 1 + int(inner * (b + 1) / buckets);
        if (begin >= end)
            continue;
        int lo = begin, hi = begin;
        for (int i = begin + 1; i < end; ++i) {
            if (p[i].y() < p[lo].y())
                lo = i;
            if (p[i].y() > p[hi].y())
                hi = i;
        }
        out << p[std::min(lo, hi)];
        if (lo != hi)
            out << p[std::max(lo, hi)];
    }
    out << p.back();
    return out;
}

double stepsPerEpoch(const RunHistory &run)
{
    for (const auto &e : run.epochs())
        if (e.step > 0)
            return double(e.step) / double(e.epoch + 1);
    return 0.0;
}

QString divergenceLine(const RunHistory &run)
{
    const auto &d = run.divergence();
    if (!d)
        return {};
    QString line = QStringLiteral("diverged at step %1 (epoch %2): %3")
                       .arg(d->step)
                       .arg(d->epoch + 1)
                       .arg(QString::fromStdString(d->reason));
    if (!d->layer.empty())
        line += QStringLiteral("; layer %1").arg(QString::fromStdString(d->layer));
    for (const auto &[key, v] : d->values)
        line += QStringLiteral("; %1 = %2").arg(QString::fromStdString(key)).arg(v, 0, 'g', 4);
    return line + QStringLiteral(".");
}

FigureSpec makeCurvesFigure(const std::vector<const RunHistory *> &runs, const RunFigureOptions &o)
{
    const bool several = runs.size() > 1;
    const double xMax = stepAxisMax(runs);

    PanelSpec loss;
    loss.id = QStringLiteral("loss");
    loss.title = QStringLiteral("Training loss per step");
    loss.heightWeight = 1.15;
    double top = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
        const auto &steps = runs[i]->steps();
        const auto smoothed = runs[i]->smoothedLoss(o.smoothing);
        std::vector<double> raw;
        raw.reserve(steps.size());
        SeriesSpec r, s;
        r.id = QStringLiteral("loss.raw.") + idx(int(i));
        r.name = (several ? runName(*runs[i]) + QStringLiteral(" ") : QString()) + QStringLiteral("raw");
        r.color = blendWithWhite(runColor(int(i)), 0.55);
        r.widthScale = 0.5;
        r.inLegend = !several; // several runs: one legend entry each, the smoothed curve
        s.id = QStringLiteral("loss.smoothed.") + idx(int(i));
        s.name = several ? runName(*runs[i]) : QStringLiteral("smoothed (\u03b2 = %1)").arg(o.smoothing);
        s.color = runColor(int(i));
        s.widthScale = 1.2;
        for (const auto &step : steps)
            raw.push_back(step.loss);
        r.points = decimateMinMax(finiteStepPoints(steps, raw), o.maxPoints);
        s.points = decimateMinMax(finiteStepPoints(steps, smoothed), o.maxPoints);
        visibleWhenSingle(s);
        top = std::max(top, lossTop(raw, smoothed));
        loss.series << r << s;
    }
    loss.x = {QStringLiteral("step"), 0.0, xMax, {}};
    loss.y = zeroBased(QStringLiteral("loss"), top);
    addDivergenceOnSteps(loss, runs);

    PanelSpec acc;
    acc.id = QStringLiteral("accuracy");
    acc.title = QStringLiteral("Top-1 accuracy at each epoch's end");
    Range ay;
    double epochMax = 1;
    for (size_t i = 0; i < runs.size(); ++i) {
        SeriesSpec test, train;
        test.id = QStringLiteral("test-top1.") + idx(int(i));
        test.name = (several ? runName(*runs[i]) + QStringLiteral(" ") : QString()) + QStringLiteral("test");
        test.color = runColor(int(i));
        test.widthScale = 1.2;
        train.id = QStringLiteral("train-top1.") + idx(int(i));
        train.name =
            (several ? runName(*runs[i]) + QStringLiteral(" ") : QString()) + QStringLiteral("train");
        train.color = runColor(int(i));
        train.penStyle = Qt::DashLine;
        train.widthScale = 0.8;
        train.inLegend = !several;
        for (const auto &e : runs[i]->epochs()) {
            const double x = double(e.epoch + 1);
            epochMax = std::max(epochMax, x);
            if (std::isfinite(e.testTop1)) {
                test.points << QPointF(x, e.testTop1);
                ay.add(e.testTop1);
            }
            if (std::isfinite(e.trainTop1)) {
                train.points << QPointF(x, e.trainTop1);
                ay.add(e.trainTop1);
            }
        }
        if (const auto &d = runs[i]->divergence())
            epochMax = std::max(epochMax, std::ceil(epochPosition(*runs[i], d->step, d->epoch)));
        visibleWhenSingle(train);
        acc.series << train << test << epochMarkers(test);
    }
    acc.x = epochAxis(epochMax);
    acc.y = top1Axis(QStringLiteral("top-1 (%)"), ay);
    addDivergenceOnEpochs(acc, runs);

    PanelSpec lr;
    lr.id = QStringLiteral("lr");
    lr.title = QStringLiteral("Learning rate");
    lr.heightWeight = 0.95;
    lr.showLegend = several;
    double lrTop = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
        SeriesSpec s;
        s.id = QStringLiteral("lr.") + idx(int(i));
        s.name = several ? runName(*runs[i]) : QStringLiteral("learning rate");
        s.color = runColor(int(i));
        QList<QPointF> points;
        if (!runs[i]->steps().empty()) {
            for (const auto &p : runs[i]->steps())
                if (std::isfinite(p.lr))
                    points << QPointF(double(p.step), p.lr);
        } else { // a run summarized without its step records: the epoch-end values
            for (const auto &e : runs[i]->epochs())
                if (std::isfinite(e.lr))
                    points << QPointF(double(e.step), e.lr);
        }
        for (const auto &p : points)
            lrTop = std::max(lrTop, p.y());
        s.points = decimateMinMax(points, o.maxPoints);
        visibleWhenSingle(s);
        lr.series << s;
    }
    lr.x = {QStringLiteral("step"), 0.0, xMax, {}};
    lr.y = zeroBased(QStringLiteral("learning rate"), lrTop);
    addDivergenceOnSteps(lr, runs);

    FigureSpec figure;
    figure.id = QStringLiteral("curves");
    figure.panels = {loss, acc, lr};
    figure.settings = runSettings(runs, o, true);
    figure.note = QStringLiteral("Loss per step: raw (thin) and %1. Accuracy on the test set (solid) and the "
                                 "epoch's training batches (dashed). Series longer than %2 points keep each "
                                 "bucket's min and max.")
                      .arg(smoothingText(o.smoothing))
                      .arg(o.maxPoints) +
                  divergenceNote(runs);
    return figure;
}

FigureSpec makeEwgsFigure(const std::vector<const RunHistory *> &runs, const RunFigureOptions &o)
{
    FigureSpec figure;
    figure.id = QStringLiteral("ewgs");
    figure.settings = runSettings(runs, o, false);
    figure.settings.append(
        {QStringLiteral("delta axis"), o.logDelta ? QStringLiteral("log10") : QStringLiteral("linear")});
    QStringList without;
    int layersTotal = 0, coloured = 0;
    const double xMax = stepAxisMax(runs);
    for (size_t i = 0; i < runs.size(); ++i) {
        const RunHistory &run = *runs[i];
        if (!hasDeltas(run)) {
            without << runName(run);
            continue;
        }
        const std::vector<const RunHistory *> one{&run};
        for (int which = 0; which < 2; ++which) {
            // Each panel colours its own largest: delta_W and delta_A peak in different layers (in the seed
            // experiment the first stage for weights, the last for activations), and a shared ranking would
            // leave the larger curves of one panel grey. Each panel's legend names its coloured layers.
            std::map<std::string, double> score;
            for (const auto &name : run.layerNames())
                for (const auto &p : run.layer(name)) {
                    const double d = which == 0 ? p.deltaW : p.deltaA;
                    if (std::isfinite(d))
                        score[name] = std::max(score.count(name) ? score[name] : -kInf, d);
                }
            const QString key = which == 0 ? QStringLiteral("delta-w") : QStringLiteral("delta-a");
            const QString symbol = which == 0 ? QStringLiteral("\u03b4_W") : QStringLiteral("\u03b4_A");
            std::vector<LayerCurve> curves;
            for (const auto &name : run.layerNames()) {
                LayerCurve c;
                c.name = name;
                for (const auto &p : run.layer(name)) {
                    const double raw = which == 0 ? p.deltaW : p.deltaA;
                    const double v = deltaValue(raw, o.logDelta);
                    if (std::isfinite(v))
                        c.points << QPointF(double(p.step), v);
                }
                if (score.count(name))
                    c.score = score[name];
                curves.push_back(std::move(c));
            }
            PanelSpec panel;
            panel.id = key + QStringLiteral(".") + idx(int(i));
            panel.title =
                (runs.size() > 1 ? runName(run) + QStringLiteral(": ") : QString()) +
                QStringLiteral("EWGS %1 per layer (%2)")
                    .arg(symbol, which == 0 ? QStringLiteral("weights") : QStringLiteral("activations"));
            int shown = 0;
            const Range y = addLayerCurves(panel, key + QStringLiteral(".") + idx(int(i)), curves, o, &shown);
            panel.x = {QStringLiteral("step"), 0.0, xMax, {}};
            panel.y = deltaAxis(symbol, y, o.logDelta);
            addDivergenceOnSteps(panel, one);
            // The marker's legend entry names the run's divergence; its index in `one` is 0, rename to i.
            for (auto &s : panel.series)
                if (s.id == QStringLiteral("divergence.0"))
                    s.id = QStringLiteral("divergence.") + idx(int(i));
            figure.panels << panel;
            layersTotal = std::max(layersTotal, int(curves.size()));
            coloured = std::max(coloured, shown);
        }
    }
    if (figure.panels.isEmpty()) {
        for (const char *key : {"delta-w", "delta-a"}) {
            PanelSpec panel;
            panel.id = QString::fromLatin1(key) + QStringLiteral(".0");
            panel.title =
                QStringLiteral("EWGS %1 per layer")
                    .arg(QString::fromLatin1(key) == QStringLiteral("delta-w") ? QStringLiteral("\u03b4_W")
                                                                               : QStringLiteral("\u03b4_A"));
            panel.x = {QStringLiteral("step"), 0.0, xMax, {}};
            panel.y = deltaAxis(QStringLiteral("\u03b4"), Range(), o.logDelta);
            figure.panels << panel;
        }
    }
    QString note =
        QStringLiteral("EWGS \u03b4 per layer at each update (log\u2081\u2080 unless linear; \u03b4 = 0 "
                       "has no point): g\u2093 = g_q(1 + \u03b4\u00b7sign(g_q)(x \u2212 x_q)), \u03b4 = "
                       "(Tr(H)/N)/(3\u03c3(g)) from Hutchinson's estimate.");
    if (layersTotal > coloured)
        note += o.highlightLayer.empty()
                    ? QStringLiteral(
                          " In each panel the %1 layers with the largest \u03b4 coloured, the other %2 grey.")
                          .arg(coloured)
                          .arg(layersTotal - coloured)
                    : QStringLiteral(" %1 coloured, the other layers grey.")
                          .arg(QString::fromStdString(o.highlightLayer));
    if (!without.isEmpty())
        note += QStringLiteral(" No \u03b4 (STE backward, or no update yet): %1.")
                    .arg(without.join(QStringLiteral(", ")));
    figure.note = note + divergenceNote(runs);
    return figure;
}

FigureSpec makeAlphaFigure(const std::vector<const RunHistory *> &runs, const RunFigureOptions &o)
{
    FigureSpec figure;
    figure.id = QStringLiteral("alpha");
    figure.settings = runSettings(runs, o, false);
    int layersTotal = 0, coloured = 0;
    double epochMax = 1;
    for (const auto *run : runs) {
        for (const auto &e : run->epochs())
            epochMax = std::max(epochMax, double(e.epoch + 1));
        if (const auto &d = run->divergence())
            epochMax = std::max(epochMax, std::ceil(epochPosition(*run, d->step, d->epoch)));
    }
    for (size_t i = 0; i < runs.size(); ++i) {
        const RunHistory &run = *runs[i];
        if (run.layerNames().empty())
            continue;
        // The layers whose clip moved most (relative to where it started, weights or activations) are the
        // interesting ones; one ranking for both panels, so a layer has one colour on both.
        std::map<std::string, double> score;
        for (const auto &name : run.layerNames()) {
            double firstW = kInf, firstA = kInf, lastW = 0, lastA = 0;
            for (const auto &p : run.layer(name)) {
                if (!p.full || !std::isfinite(p.alphaW) || !std::isfinite(p.alphaA))
                    continue;
                if (!std::isfinite(firstW)) {
                    firstW = p.alphaW;
                    firstA = p.alphaA;
                }
                lastW = p.alphaW;
                lastA = p.alphaA;
            }
            if (std::isfinite(firstW))
                score[name] = std::max(std::abs(lastW - firstW) / std::max(1e-12, std::abs(firstW)),
                                       std::abs(lastA - firstA) / std::max(1e-12, std::abs(firstA)));
        }
        for (int which = 0; which < 2; ++which) {
            const QString key = which == 0 ? QStringLiteral("alpha-w") : QStringLiteral("alpha-a");
            std::vector<LayerCurve> curves;
            for (const auto &name : run.layerNames()) {
                LayerCurve c;
                c.name = name;
                for (const auto &p : run.layer(name)) {
                    const double v = which == 0 ? p.alphaW : p.alphaA;
                    if (p.full && std::isfinite(v))
                        c.points << QPointF(epochPosition(run, p.step, p.epoch), v);
                }
                if (score.count(name))
                    c.score = score[name];
                curves.push_back(std::move(c));
            }
            PanelSpec panel;
            panel.id = key + QStringLiteral(".") + idx(int(i));
            panel.title = (runs.size() > 1 ? runName(run) + QStringLiteral(": ") : QString()) +
                          (which == 0 ? QStringLiteral("Weight clip \u03b1_W per layer")
                                      : QStringLiteral("Activation clip \u03b1_A per layer"));
            int shown = 0;
            const Range y = addLayerCurves(panel, panel.id, curves, o, &shown);
            panel.x = epochAxis(epochMax);
            // Around the data: clips move by a few percent, an axis from 0 would flatten them.
            double lo = 0, hi = 1;
            if (y.valid()) {
                const double pad = std::max(0.1 * (y.hi - y.lo), 0.02 * std::max(std::abs(y.hi), 1e-3));
                lo = std::max(0.0, y.lo - pad);
                hi = y.hi + pad;
            }
            panel.y = {which == 0 ? QStringLiteral("\u03b1_W") : QStringLiteral("\u03b1_A"), lo, hi, {}};
            const std::vector<const RunHistory *> one{&run};
            addDivergenceOnEpochs(panel, one);
            for (auto &s : panel.series)
                if (s.id == QStringLiteral("divergence.0"))
                    s.id = QStringLiteral("divergence.") + idx(int(i));
            figure.panels << panel;
            layersTotal = std::max(layersTotal, int(curves.size()));
            coloured = std::max(coloured, shown);
        }
    }
    if (figure.panels.isEmpty()) { // nothing recorded yet: empty panels, so the page keeps its layout
        for (const char *key : {"alpha-w", "alpha-a"}) {
            PanelSpec panel;
            panel.id = QString::fromLatin1(key) + QStringLiteral(".0");
            panel.title = QString::fromLatin1(key) == QStringLiteral("alpha-w")
                              ? QStringLiteral("Weight clip \u03b1_W per layer")
                              : QStringLiteral("Activation clip \u03b1_A per layer");
            panel.x = epochAxis(epochMax);
            panel.y = {QStringLiteral("\u03b1"), 0.0, 1.0, {}};
            figure.panels << panel;
        }
    }
    if (layersTotal == 0) {
        figure.note = QStringLiteral("No clip recorded yet: layer records are written at each epoch's end.");
        return figure;
    }
    QString note =
        QStringLiteral("Learned clip values at each epoch's end (and at a divergence): the quantizer "
                       "maps x to \u03b1\u00b7P(clamp(x/\u03b1)); \u03b1_W in normalized weight "
                       "units.");
    if (layersTotal > coloured)
        note += QStringLiteral(" The %1 layers whose \u03b1 moved most coloured, the other %2 grey.")
                    .arg(coloured)
                    .arg(layersTotal - coloured);
    figure.note = note + divergenceNote(runs);
    return figure;
}

FigureSpec makeOccupancyFigure(const std::vector<const RunHistory *> &runs, const RunFigureOptions &o)
{
    PanelSpec panel;
    panel.id = QStringLiteral("occupancy");
    panel.showLegend = false;
    FigureSpec figure;
    figure.id = QStringLiteral("occupancy");
    figure.settings = runSettings(runs, o, false);
    const RunHistory *run =
        o.occupancyRun >= 0 && size_t(o.occupancyRun) < runs.size() ? runs[size_t(o.occupancyRun)] : nullptr;
    const LayerOccupancy *occ = nullptr;
    std::string layer = o.occupancyLayer;
    if (run) {
        const auto &all = run->occupancy();
        auto it = all.find(layer);
        if (it == all.end()) { // the first layer (in model order) that has an occupancy
            for (const auto &name : run->layerNames())
                if ((it = all.find(name)) != all.end())
                    break;
        }
        if (it != all.end()) {
            layer = it->first;
            occ = &it->second;
        }
    }
    static const std::vector<double> none;
    panel.series << occupancyStems(occ ? occ->levels : none, occ ? occ->counts : none,
                                   runColor(std::max(0, o.occupancyRun)),
                                   QStringLiteral("weights per level"));
    double xMax = 1, yMax = 1, total = 0;
    for (const QPointF &p : panel.series.back().points) {
        xMax = std::max(xMax, std::abs(p.x()));
        yMax = std::max(yMax, p.y());
        total += p.y();
    }
    panel.x = {
        QStringLiteral("quantized weight \u03b1\u00b7P (normalized units)"), -1.1 * xMax, 1.1 * xMax, {}};
    panel.y = {QStringLiteral("weights on the level"), 0.0, 1.15 * yMax, {}};
    if (occ) {
        figure.settings.append({QStringLiteral("layer"), QString::fromStdString(layer)});
        figure.settings.append({QStringLiteral("step"), QString::number(occ->step)});
        panel.title = QStringLiteral("%1%2 at step %3: weights per level")
                          .arg(runs.size() > 1 ? runName(*run) + QStringLiteral(": ") : QString(),
                               QString::fromStdString(layer))
                          .arg(occ->step);
        figure.note =
            QStringLiteral("Exact count of the %1 weights on each level of the quantized layer, from the "
                           "run's newest layer record (every epoch's end and at a divergence).")
                .arg(total, 0, 'f', 0);
    } else {
        panel.title = QStringLiteral("Weights per level");
        figure.note = QStringLiteral("No level occupancy recorded yet (written at each epoch's end).");
    }
    if (run && run->divergence())
        figure.note +=
            QStringLiteral(" ") + divergenceLine(*run); // the x axis is a level, not a step: no line
    figure.panels = {panel};
    return figure;
}

FigureSpec makeCompareFigure(const std::vector<const RunHistory *> &runs, const RunFigureOptions &o)
{
    const double xMax = stepAxisMax(runs);
    PanelSpec loss;
    loss.id = QStringLiteral("loss");
    loss.title = QStringLiteral("Training loss (smoothed)");
    loss.heightWeight = 1.2;
    double top = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
        const auto &steps = runs[i]->steps();
        const auto smoothed = runs[i]->smoothedLoss(o.smoothing);
        SeriesSpec s;
        s.id = QStringLiteral("loss.smoothed.") + idx(int(i));
        s.name = runName(*runs[i]);
        s.color = runColor(int(i));
        for (size_t k = 0; k < steps.size(); ++k)
            if (std::isfinite(smoothed[k]))
                top = std::max(top, smoothed[k]);
        s.points = decimateMinMax(finiteStepPoints(steps, smoothed), o.maxPoints);
        visibleWhenSingle(s);
        loss.series << s;
    }
    loss.x = {QStringLiteral("step"), 0.0, xMax, {}};
    loss.y = zeroBased(QStringLiteral("loss"), top);
    addDivergenceOnSteps(loss, runs);

    PanelSpec acc;
    acc.id = QStringLiteral("test-top1");
    acc.title = QStringLiteral("Test top-1 at each epoch's end");
    Range ay;
    double epochMax = 1;
    for (size_t i = 0; i < runs.size(); ++i) {
        SeriesSpec s;
        s.id = QStringLiteral("test-top1.") + idx(int(i));
        s.name = runName(*runs[i]);
        s.color = runColor(int(i));
        for (const auto &e : runs[i]->epochs()) {
            epochMax = std::max(epochMax, double(e.epoch + 1));
            if (std::isfinite(e.testTop1)) {
                s.points << QPointF(double(e.epoch + 1), e.testTop1);
                ay.add(e.testTop1);
            }
        }
        if (const auto &d = runs[i]->divergence())
            epochMax = std::max(epochMax, std::ceil(epochPosition(*runs[i], d->step, d->epoch)));
        acc.series << s << epochMarkers(s);
    }
    acc.x = epochAxis(epochMax);
    acc.y = top1Axis(QStringLiteral("test top-1 (%)"), ay);
    addDivergenceOnEpochs(acc, runs);

    PanelSpec delta;
    delta.id = QStringLiteral("max-delta");
    delta.title = QStringLiteral("Largest EWGS \u03b4 over layers (max of \u03b4_W, \u03b4_A)");
    delta.heightWeight = 0.9;
    Range dy;
    for (size_t i = 0; i < runs.size(); ++i) {
        std::map<int64_t, double> maxAt;
        for (const auto &name : runs[i]->layerNames())
            for (const auto &p : runs[i]->layer(name)) {
                const double d = std::max(std::isfinite(p.deltaW) ? p.deltaW : -kInf,
                                          std::isfinite(p.deltaA) ? p.deltaA : -kInf);
                auto [it, inserted] = maxAt.emplace(p.step, d);
                if (!inserted)
                    it->second = std::max(it->second, d);
            }
        SeriesSpec s;
        s.id = QStringLiteral("max-delta.") + idx(int(i));
        s.name = runName(*runs[i]);
        s.color = runColor(int(i));
        QList<QPointF> points;
        for (const auto &[step, d] : maxAt) {
            const double v = deltaValue(d, o.logDelta);
            if (std::isfinite(v)) {
                points << QPointF(double(step), v);
                dy.add(v);
            }
        }
        s.points = decimateMinMax(points, o.maxPoints);
        visibleWhenSingle(s);
        delta.series << s;
    }
    delta.x = {QStringLiteral("step"), 0.0, xMax, {}};
    delta.y = deltaAxis(QStringLiteral("max \u03b4"), dy, o.logDelta);
    addDivergenceOnSteps(delta, runs);

    // Every panel names its runs: on paper the legend sits under each panel's axis, off the data.
    FigureSpec figure;
    figure.id = QStringLiteral("compare");
    figure.panels = {loss, acc, delta};
    figure.settings = runSettings(runs, o, true);
    figure.note =
        QStringLiteral("%1 run(s) overlaid, one colour each. Loss %2. \u03b4 on a log\u2081\u2080 axis: EWGS "
                       "runs only (an STE run has none, \u03b4 = 0 has no point).")
            .arg(runs.size())
            .arg(smoothingText(o.smoothing)) +
        divergenceNote(runs);
    return figure;
}

FigureSpec makeTrialsFigure(const std::vector<const RunHistory *> &runs,
                            const std::vector<std::vector<size_t>> &groups, const RunFigureOptions &o)
{
    const double xMax = stepAxisMax(runs);
    PanelSpec loss;
    loss.id = QStringLiteral("loss");
    loss.title = QStringLiteral("Training loss (smoothed), mean over trials");
    loss.heightWeight = 1.1;
    PanelSpec acc;
    acc.id = QStringLiteral("test-top1");
    acc.title = QStringLiteral("Test top-1 at each epoch's end, mean over trials");
    double top = 0, epochMax = 1;
    Range ay;
    int shownGroups = 0;
    for (size_t g = 0; g < groups.size(); ++g) {
        std::vector<const RunHistory *> members;
        for (size_t i : groups[g])
            if (i < runs.size())
                members.push_back(runs[i]);
        if (members.empty())
            continue;
        ++shownGroups;
        const QColor color = runColor(int(groups[g].front()));
        const QString first = g < o.groupLabels.size() && !o.groupLabels[g].empty()
                                  ? QString::fromStdString(o.groupLabels[g])
                                  : runName(*members.front());
        const QString name =
            first + (members.size() > 1 ? QStringLiteral(" (%1 trials)").arg(members.size()) : QString());
        // Smoothed loss per step of each trial; the mean and range where every trial has the step.
        std::map<int64_t, std::vector<double>> byStep;
        for (const RunHistory *run : members) {
            const auto smoothed = run->smoothedLoss(o.smoothing);
            for (size_t k = 0; k < run->steps().size() && k < smoothed.size(); ++k)
                if (std::isfinite(smoothed[k]))
                    byStep[run->steps()[k].step].push_back(smoothed[k]);
        }
        SeriesSpec mean, lo, hi;
        mean.id = QStringLiteral("trial-loss.") + idx(int(g));
        mean.name = name;
        mean.color = color;
        mean.widthScale = 1.2;
        lo.id = QStringLiteral("trial-loss-min.") + idx(int(g));
        hi.id = QStringLiteral("trial-loss-max.") + idx(int(g));
        lo.name = name + QStringLiteral(" min");
        hi.name = name + QStringLiteral(" max");
        lo.color = hi.color = blendWithWhite(color, 0.45);
        lo.widthScale = hi.widthScale = 0.5;
        lo.inLegend = hi.inLegend = false;
        for (const auto &[step, values] : byStep) {
            if (values.size() != members.size())
                continue;
            const auto [meanValue, mn, mx] = meanMinMax(values);
            mean.points << QPointF(double(step), meanValue);
            lo.points << QPointF(double(step), mn);
            hi.points << QPointF(double(step), mx);
            top = std::max(top, mx);
        }
        mean.points = decimateMinMax(mean.points, o.maxPoints);
        lo.points = decimateMinMax(lo.points, o.maxPoints);
        hi.points = decimateMinMax(hi.points, o.maxPoints);
        visibleWhenSingle(mean);
        if (members.size() > 1)
            loss.series << lo << hi;
        loss.series << mean;

        std::map<int64_t, std::vector<double>> byEpoch;
        for (const RunHistory *run : members)
            for (const auto &e : run->epochs())
                if (std::isfinite(e.testTop1))
                    byEpoch[e.epoch + 1].push_back(e.testTop1);
        SeriesSpec accMean, range;
        accMean.id = QStringLiteral("trial-top1.") + idx(int(g));
        accMean.name = name;
        accMean.color = color;
        accMean.widthScale = 1.2;
        range.id = QStringLiteral("trial-top1-range.") + idx(int(g));
        range.name = name + QStringLiteral(" min..max");
        range.color = color;
        range.widthScale = 0.8;
        range.segments = true;
        range.inLegend = false;
        for (const auto &[epoch, values] : byEpoch) {
            if (values.size() != members.size())
                continue;
            const auto [meanValue, mn, mx] = meanMinMax(values);
            epochMax = std::max(epochMax, double(epoch));
            accMean.points << QPointF(double(epoch), meanValue);
            range.points << QPointF(double(epoch), mn) << QPointF(double(epoch), mx);
            ay.add(mn);
            ay.add(mx);
        }
        acc.series << accMean << epochMarkers(accMean);
        if (members.size() > 1)
            acc.series << range;
    }
    loss.x = {QStringLiteral("step"), 0.0, xMax, {}};
    loss.y = zeroBased(QStringLiteral("loss"), top);
    acc.x = epochAxis(epochMax);
    acc.y = top1Axis(QStringLiteral("test top-1 (%)"), ay);

    FigureSpec figure;
    figure.id = QStringLiteral("trials");
    figure.panels = {loss, acc};
    figure.settings = runSettings(runs, o, true);
    figure.note =
        QStringLiteral("%1 recipe(s); %3. Thick: the "
                       "mean over the trials; thin lines (loss) and bars (top-1): the min..max range "
                       "over them, where every trial has the step or epoch. Loss %2.")
            .arg(shownGroups)
            .arg(smoothingText(o.smoothing))
            .arg(o.groupRule.empty()
                     ? QStringLiteral("runs that differ only in seed are trials of one recipe")
                     : QString::fromStdString(o.groupRule));
    return figure;
}

namespace runFormulas {

QString smoothing()
{
    return QStringLiteral(
        "<b>Smoothed loss</b>: exponential moving average s<sub>t</sub> = "
        "&beta;&middot;s<sub>t&minus;1</sub> + "
        "(1 &minus; &beta;)&middot;loss<sub>t</sub>, divided by 1 &minus; &beta;<sup>t</sup> so the first "
        "steps "
        "are not pulled toward 0 (TensorBoard's rule). A NaN/Inf loss is not averaged in. The raw loss of "
        "every "
        "step is the thin line; long runs are drawn with each bucket's min and max, so spikes stay visible.");
}

QString delta()
{
    return QStringLiteral(
        "<b>EWGS &delta;</b>: the backward pass scales each element's gradient, g<sub>x</sub> = "
        "g<sub>q</sub>(1 + &delta;&middot;sign(g<sub>q</sub>)&middot;(x &minus; x<sub>q</sub>)), by how far "
        "x "
        "is from its level x<sub>q</sub>. &delta; = (Tr(H)/N)/(3&sigma;(g)) from a Hutchinson estimate of "
        "the "
        "layer's Hessian trace, re-estimated every few steps and clipped at 0; &delta; = 0 is the STE. A "
        "&delta; above <tt>divergence_delta_max</tt> stops the run. Drawn as log<sub>10</sub> &delta;: a "
        "&delta; of 0 has no point.");
}

QString alpha()
{
    return QStringLiteral(
        "<b>Clip &alpha;</b>: each quantized layer's learned clip; weights map to "
        "&alpha;&middot;P(clamp(w&#771;/"
        "&alpha;)) on the normalized weights w&#771; = (w &minus; mean)/std, activations to "
        "&alpha;&middot;P(clamp(x/&alpha;)). Learned by the RCF gradient; recorded at each epoch's end.");
}

QString occupancy()
{
    return QStringLiteral(
        "<b>Level occupancy</b>: how many of the layer's weights sit on each quantization level, exactly (no "
        "binning), from the newest layer record. A grid that collapses onto 0 shows one tall stem.");
}

QString compare()
{
    return QStringLiteral(
        "<b>Compare</b>: every open run overlaid in its own colour: the smoothed training loss, the test "
        "top-1 "
        "at each epoch's end, and the largest EWGS &delta; over all layers (log<sub>10</sub>). A dashed line "
        "marks where a run diverged.");
}

} // namespace runFormulas

} // namespace qs::ui
