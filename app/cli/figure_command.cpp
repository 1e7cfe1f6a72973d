// `quantscope-cli figure`: the GUI's figures without a display, built by the same code in ui/figures.

#include "argparse.h"

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>
#include "commands.h"

#include "core/analysis/activations.h"
#include "core/quant/curves.h"
#include "core/quant/levels.h"
#include "core/analysis/modelsnapshot.h"
#include "core/analysis/ptq.h"
#include "core/runs/runhistory.h"
#include "core/runs/runreader.h"
#include "core/runs/trials.h"
#include "ui/figures/activationfigures.h"
#include "ui/figures/levelsfigure.h"
#include "ui/figures/runfigures.h"
#include "ui/figures/weightfigures.h"
#include "ui/figures/animations.h"
#include "ui/figures/softroundfigure.h"
#include "ui/plotting/animation.h"
#include "ui/plotting/figureexport.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

#include <QApplication>
#include <QFileInfo>

namespace qs::cli {

namespace {

const char *kFigureUsage =
    R"(usage: quantscope-cli figure --kind KIND --out FILE.png|svg|pdf|gif|webp [options]
  KIND: levels|softround|histogram|layer-error|bit-sweep|activations|curves|ewgs|alpha|occupancy|compare

common:   [--bits B] [--signed] [--alpha A] [--preset single|double] [--dpi N]
paper:    [--font FAMILY] [--font-size PT] [--line-width PT] [--panel-letters]
          (default: the preset's DejaVu Sans 8/9 pt and 1/1.2 pt lines; --panel-letters: (a), (b), ...)
levels:   [--scheme uniform|pot|apot] [--compare]   (--compare overlays the other schemes at the same bits)
          [--no-zero]   (with --signed: the grids without their zero level, config zero_level = false)
softround:[--method dsq|daq|ewgs] (default: all) [--dsq-alpha a] [--gamma g] [--sigma s]
          [--base uniform|pot|apot] [--delta d] [--grad-sign 1|-1]
models (a .qsckpt or a PyTorch state_dict; weights on signed grids, normalized as the quantizer does;
activations raw, on unsigned grids):
  histogram:   --weights FILE [--layer NAME] [--scheme S] [--bits B] [--alpha X | --alpha-search]
               [--bins N] [--log] [--overlay uniform|pot|apot] [--range R] [--no-zero]
               one layer's histogram, levels, occupancy
  layer-error: --weights FILE [--scheme S] [--bits B] [--alpha X | --alpha-search] [--no-zero]   per-layer SQNR
  bit-sweep:   --weights FILE [--alpha-search] [--no-zero]   mean SQNR at 2..6 bits for uniform, PoT and APoT
               [--accuracy [--data SPEC] [--images N]]   + post-training top-1 on the first N test images
               (default 2000, 0 = all; weights-only PTQ)
  activations: --weights FILE [--layer NAME] [--data SPEC] [--images N] [--scheme S] [--bits B]
               [--alpha X | --alpha-search] [--bins N] [--log] [--range R]    one layer's input
               activations over the first N test images (default 256) against the unsigned grid; clip:
               act_alpha, else 8.0
  --range: percentiles (default: bins over the 0.1-99.9 percentiles, the axis also to the clip, so outliers
           do not squeeze the bulk into a few bins), full (every value), or LO:HI (a zoom; values outside
           are counted in the note)
  Weight clip without --alpha/--alpha-search: the checkpoint's learned alpha per layer, else 3.0.
  --data: cifar10:DIR, cifar100:DIR, mnist:DIR, fashion-mnist[:DIR] or synthetic[:N]; default: the
  checkpoint's own (a PyTorch state_dict names none).
training runs (directories written by `quantscope-cli train`, also while it is still writing):
  curves:    --runs DIR... [--smoothing B]   loss per step (raw + smoothed), top-1 per epoch, learning rate
  ewgs:      --runs DIR... [--layer NAME] [--linear]   EWGS delta_W / delta_A per layer (log10 unless --linear)
  alpha:     --runs DIR... [--layer NAME]    learned clip alpha_W / alpha_A per layer
  occupancy: --runs DIR [--layer NAME]       the newest count of weights per level of one layer
  compare:   --runs DIR... [--smoothing B] [--linear]   runs overlaid: smoothed loss, test top-1, max delta
             [--group-trials]   runs that differ only in seed as one curve: their mean, with the
                                min..max band (loss) and range bars (top-1)
  A divergence is marked on every step/epoch panel with its reason and layer.

animations (--out FILE.gif or FILE.webp, looping, for slides) [--frame-ms MS] [--frames N]:
  levels:    the grid as the bits step 2 -> 6 (no --bits)
  softround: DSQ's alpha annealing from 0.5 to 0.002, N frames (default 12; no --dsq-alpha)
  curves, ewgs, alpha, compare: the curves growing over the run, N frames (default 20)

Writes FILE and its plotted data as FILE.csv (columns panel,series,x,y, after "# key: value" lines naming
the settings, also in the SVG/PDF metadata; for an animation, its last frame). Works without a display.
)";

Scheme schemeOption(const ArgParser &parser, const std::string &name, const std::string &fallback)
{
    return *parseScheme(parser.choice(name, {"uniform", "pot", "apot"}, fallback));
}

bool isWeightsKind(const std::string &kind)
{
    return kind == "histogram" || kind == "layer-error" || kind == "bit-sweep" || kind == "activations";
}

std::string someLayers(const std::vector<std::string> &names)
{
    std::string list;
    for (size_t i = 0; i < names.size() && i < 6; ++i)
        list += (i ? ", " : "") + names[i];
    return list + (names.size() > 6 ? ", ..." : "");
}

// The state_dict key --layer names ("NAME" or "NAME.weight"); empty without --layer.
std::string layerOption(const ArgParser &parser, const ModelSnapshot &snapshot, const std::string &weights)
{
    const std::string asked = parser.value("layer");
    if (asked.empty())
        return {};
    for (const std::string &name : {asked, asked + ".weight"})
        if (snapshot.layer(name))
            return name;
    std::vector<std::string> names;
    for (const auto &layer : snapshot.layers())
        names.push_back(layer.name);
    throw UsageError("figure: no layer '" + asked + "' in " + weights + " (layers: " + someLayers(names) +
                     ")");
}

// The Activations page's figure: a batch of the data set through the model, one layer's inputs.
ui::FigureSpec buildActivationFigure(const ActivationRequest &request, const std::string &layerName,
                                     const ui::ActivationFigureOptions &o, std::optional<double> alpha,
                                     bool search)
{
    const ActivationCapture capture = captureActivations(request, {}); // a bad data set: exit 1
    if (capture.layers.empty())
        throw std::runtime_error("figure: " + request.weights + " has no activation-quantized layer");
    const std::string name = layerName.empty() ? capture.layers.front().name : layerName;
    const LayerActivations *layer = capture.layer(name);
    if (!layer) {
        std::vector<std::string> recorded;
        for (const auto &l : capture.layers)
            recorded.push_back(l.name);
        throw UsageError("figure: " + name +
                         " has no quantized input (the first conv and the last linear are not "
                         "activation-quantized); layers with one: " +
                         someLayers(recorded));
    }
    auto a = analyzeActivationValues(name, layer->values, {o.scheme, o.bits, false},
                                     alpha ? alpha : layer->checkpointAlpha, search);
    if (!alpha && !search && layer->checkpointAlpha)
        a.alphaSource = "checkpoint";
    return ui::makeActivationFigure(a, *layer, o);
}

// histogram, layer-error, bit-sweep, activations: every option checked before the file is read (usage
// errors exit 2, an unreadable or unsuitable file or data set exits 1).
// --range percentiles|full|LO:HI
struct RangeOption
{
    ui::HistogramRange range = ui::HistogramRange::Percentiles;
    double lo = 0, hi = 0;
};

RangeOption rangeOption(const ArgParser &parser)
{
    RangeOption r;
    const std::string text = parser.value("range");
    if (text.empty() || text == "percentiles")
        return r;
    if (text == "full") {
        r.range = ui::HistogramRange::Full;
        return r;
    }
    const auto colon = text.find(':');
    try {
        size_t used = 0;
        if (colon != std::string::npos) {
            r.lo = std::stod(text.substr(0, colon), &used);
            if (used == colon) {
                const std::string hi = text.substr(colon + 1);
                r.hi = std::stod(hi, &used);
                if (used == hi.size() && std::isfinite(r.lo) && std::isfinite(r.hi) && r.hi > r.lo) {
                    r.range = ui::HistogramRange::Custom;
                    return r;
                }
            }
        }
    } catch (const std::exception &) {
    }
    throw UsageError("figure: --range must be percentiles, full or LO:HI with LO < HI (e.g. -4:4), got '" +
                     text + "'");
}

ui::FigureSpec buildWeightsFigure(const ArgParser &parser, const std::string &kind)
{
    if (parser.flag("group-trials"))
        throw UsageError("figure: --group-trials is for --kind compare");
    if (parser.has("runs") || parser.has("smoothing") || parser.flag("linear"))
        throw UsageError(
            "figure: --runs, --smoothing and --linear are for the run kinds (curves, ewgs, alpha, "
            "occupancy, compare)");
    const std::string weights = parser.required("weights");
    const Scheme scheme = schemeOption(parser, "scheme", "apot");
    const int bits = parser.intValue("bits", 4, 1, 64);
    const bool activations = kind == "activations"; // unsigned grids; signed ones for the weights
    // --no-zero: the weight grids without their zero level (LevelSpec::zeroLevel).
    const bool zeroLevel = !parser.flag("no-zero");
    if (!zeroLevel && kind != "bit-sweep" && kind != "layer-error" && kind != "histogram")
        throw UsageError(
            "figure: --no-zero is for --kind levels (with --signed), histogram, bit-sweep and layer-error");
    if (auto why = checkLevelSpec({scheme, bits, !activations, zeroLevel}))
        throw UsageError("figure: " + *why);
    const bool search = parser.flag("alpha-search");
    std::optional<double> alpha;
    if (parser.has("alpha")) {
        if (search)
            throw UsageError("figure: give --alpha or --alpha-search, not both");
        alpha = parser.doubleValue("alpha", 1.0);
        if (!(*alpha > 0))
            throw UsageError("figure: --alpha must be positive");
    }
    if (kind == "bit-sweep" && alpha)
        throw UsageError(
            "figure: --kind bit-sweep takes no --alpha (use --alpha-search or the checkpoint's)");
    const bool layerKind = kind == "histogram" || activations;
    for (const char *option : {"layer", "bins"})
        if (!layerKind && parser.has(option))
            throw UsageError(std::string("figure: --") + option + " is for --kind histogram and activations");
    if (!layerKind && parser.flag("log"))
        throw UsageError("figure: --log is for --kind histogram and activations");
    if (!layerKind && parser.has("range"))
        throw UsageError("figure: --range is for --kind histogram and activations");
    const RangeOption range = rangeOption(parser);
    if (kind != "histogram" && parser.has("overlay"))
        throw UsageError("figure: --overlay is for --kind histogram");
    if (kind != "bit-sweep" && parser.flag("accuracy"))
        throw UsageError("figure: --accuracy is for --kind bit-sweep");
    const bool usesData = activations || parser.flag("accuracy");
    for (const char *option : {"data", "images"})
        if (!usesData && parser.has(option))
            throw UsageError(std::string("figure: --") + option +
                             " is for --kind activations and bit-sweep --accuracy");
    // As the GUI: 256 images for a capture, 2000 (0: all) for the 16 accuracy evaluations.
    const int images = parser.intValue("images", activations ? 256 : 2000, activations ? 1 : 0, 1000000);
    const int bins = parser.intValue("bins", 120, 4, 2000);
    const bool logScale = parser.flag("log");
    std::optional<Scheme> overlay;
    if (parser.has("overlay"))
        overlay = schemeOption(parser, "overlay", "uniform");

    const ModelSnapshot snapshot = ModelSnapshot::load(weights); // std::runtime_error: exit 1
    const std::string layerName = layerOption(parser, snapshot, weights);
    if (usesData && !snapshot.trainedAs().evaluable()) // an ImageNet ResNet: its weights only
        throw std::runtime_error("figure: " + weights + ": " + snapshot.trainedAs().notEvaluable);
    if (activations) {
        ActivationRequest request;
        request.weights = weights;
        request.data = parser.value("data");
        request.images = images;
        ui::ActivationFigureOptions o;
        o.scheme = scheme;
        o.bits = bits;
        o.bins = bins;
        o.logScale = logScale;
        o.range = range.range;
        o.rangeLo = range.lo;
        o.rangeHi = range.hi;
        return buildActivationFigure(request, layerName, o, alpha, search);
    }
    if (kind == "histogram") {
        const auto &layers = snapshot.layers();
        // Without --layer, the first quantized conv, as the GUI.
        const std::string name = layerName.empty() ? layers[layers.size() > 2 ? 1 : 0].name : layerName;
        const SnapshotLayer *layer = snapshot.layer(name);
        auto a =
            analyzeWeightValues(name, snapshot.weights(name), layer->shape, {scheme, bits, true, zeroLevel},
                                alpha ? alpha : layer->checkpointAlpha, search);
        if (!alpha && !search && layer->checkpointAlpha)
            a.alphaSource = "checkpoint";
        ui::LayerFigureOptions o;
        o.scheme = scheme;
        o.bits = bits;
        o.zeroLevel = zeroLevel;
        o.bins = bins;
        o.logScale = logScale;
        o.overlay = overlay;
        o.range = range.range;
        o.rangeLo = range.lo;
        o.rangeHi = range.hi;
        return ui::makeLayerFigure(a, snapshot, o);
    }
    if (kind == "layer-error") {
        QList<ui::SchemeLayers> schemes;
        schemes.append({scheme, analyzeSnapshot(snapshot, scheme, bits, alpha, search, zeroLevel)});
        for (Scheme other : {Scheme::Uniform, Scheme::PoT, Scheme::APoT})
            if (other != scheme && !checkLevelSpec({other, bits, true, zeroLevel}))
                schemes.append({other, analyzeSnapshot(snapshot, other, bits, alpha, search, zeroLevel)});
        return ui::makeLayerErrorFigure(schemes, bits);
    }
    std::optional<PtqResult> accuracy;
    if (parser.flag("accuracy")) {
        PtqRequest request;
        request.weights = weights;
        request.data = parser.value("data");
        request.testImages = images;
        request.alphaSearch = search;
        request.zeroLevel = zeroLevel;
        accuracy = ptqAccuracySweep(request, {}); // a bad data set: std::runtime_error, exit 1
    }
    return ui::makeBitSweepFigure(
        bitSweep(snapshot, {Scheme::Uniform, Scheme::PoT, Scheme::APoT}, 2, 6, search, nullptr, zeroLevel),
        search, accuracy ? &*accuracy : nullptr, search);
}

bool isRunKind(const std::string &kind)
{
    return kind == "curves" || kind == "ewgs" || kind == "alpha" || kind == "occupancy" || kind == "compare";
}

// curves, ewgs, alpha, occupancy, compare: options checked first (exit 2), then the runs read (a directory
// without metrics.jsonl: one line, exit 1).
ui::FigureSpec buildRunFigure(const ArgParser &parser, const std::string &kind)
{
    const auto dirs = parser.values("runs");
    if (dirs.empty())
        throw UsageError("figure: --kind " + kind + " needs --runs RUNDIR [RUNDIR ...]");
    if (kind == "occupancy" && dirs.size() > 1)
        throw UsageError("figure: --kind occupancy shows one run; give one --runs RUNDIR");
    for (const char *option : {"weights", "scheme", "bits", "alpha", "method", "dsq-alpha", "gamma", "sigma",
                               "base", "delta", "grad-sign", "bins", "overlay", "data", "images", "range"})
        if (parser.has(option))
            throw UsageError(std::string("figure: --") + option + " is not an option of --kind " + kind);
    for (const char *flag : {"signed", "compare", "alpha-search", "log", "accuracy", "no-zero"})
        if (parser.flag(flag))
            throw UsageError(std::string("figure: --") + flag + " is not an option of --kind " + kind);
    if (parser.has("smoothing") && kind != "curves" && kind != "compare")
        throw UsageError("figure: --smoothing is for --kind curves and compare");
    if (parser.flag("linear") && kind != "ewgs" && kind != "compare")
        throw UsageError("figure: --linear is for --kind ewgs and compare");
    if (parser.flag("group-trials") && kind != "compare")
        throw UsageError("figure: --group-trials is for --kind compare");
    if (parser.has("layer") && (kind == "curves" || kind == "compare"))
        throw UsageError("figure: --layer is for --kind ewgs, alpha and occupancy");
    ui::RunFigureOptions o;
    o.smoothing = parser.doubleValue("smoothing", o.smoothing);
    if (!(o.smoothing >= 0 && o.smoothing < 1))
        throw UsageError("figure: --smoothing must be in [0, 1)");
    o.logDelta = !parser.flag("linear");
    o.topLayers = 3; // a paper column's legend holds three layer names without eliding them
    o.highlightLayer = o.occupancyLayer = parser.value("layer");

    std::vector<RunHistory> histories;
    histories.reserve(dirs.size());
    for (const auto &dir : dirs)
        histories.push_back(loadRunHistory(dir)); // std::runtime_error: exit 1
    for (size_t i = 0; i < histories.size(); ++i) // same recipe twice: the directory tells them apart
        for (size_t j = 0; j < i; ++j)
            histories[i].distinguishFrom(histories[j]);
    if (!o.highlightLayer.empty()) {
        const auto &names = histories.front().layerNames();
        bool known = false;
        for (const auto &h : histories)
            known = known || !h.layer(o.highlightLayer).empty();
        if (!known) {
            std::string list;
            for (size_t i = 0; i < names.size() && i < 6; ++i)
                list += (i ? ", " : "") + names[i];
            throw UsageError("figure: no layer '" + o.highlightLayer + "' in the runs' records" +
                             (names.empty() ? std::string(" (none recorded yet)")
                                            : " (layers: " + list + (names.size() > 6 ? ", ...)" : ")")));
        }
    }
    std::vector<const RunHistory *> runs;
    for (const auto &h : histories)
        runs.push_back(&h);
    if (kind == "curves")
        return ui::makeCurvesFigure(runs, o);
    if (kind == "ewgs")
        return ui::makeEwgsFigure(runs, o);
    if (kind == "alpha")
        return ui::makeAlphaFigure(runs, o);
    if (kind == "occupancy")
        return ui::makeOccupancyFigure(runs, o);
    if (parser.flag("group-trials")) {
        // As `compare --group-trials` and the Runs tab: runs whose config.ini differ only in seed (and
        // machine paths) are one curve, their mean with the range over the trials.
        std::vector<std::map<std::string, std::string>> configs;
        for (const auto &dir : dirs) {
            const RunSummary summary = summarizeRun(dir);
            configs.push_back(summary.records > 0 ? summary.config : std::map<std::string, std::string>{});
        }
        std::vector<std::vector<size_t>> groups;
        for (const TrialGroup &g : groupTrials(configs))
            groups.push_back(g.members);
        return ui::makeTrialsFigure(runs, groups, o);
    }
    return ui::makeCompareFigure(runs, o);
}

ui::FigureSpec buildFigure(const ArgParser &parser, const std::string &kind)
{
    if (isWeightsKind(kind))
        return buildWeightsFigure(parser, kind);
    if (isRunKind(kind))
        return buildRunFigure(parser, kind);
    for (const char *option : {"runs", "smoothing"})
        if (parser.has(option))
            throw UsageError(std::string("figure: --") + option +
                             " is for the run kinds (curves, ewgs, alpha, "
                             "occupancy, compare)");
    if (parser.flag("linear"))
        throw UsageError("figure: --linear is for --kind ewgs and compare");
    for (const char *option : {"weights", "layer", "bins", "overlay", "data", "images", "range"})
        if (parser.has(option))
            throw UsageError(std::string("figure: --") + option +
                             " is for the model kinds (histogram, layer-error, bit-sweep, activations)");
    if (parser.flag("group-trials"))
        throw UsageError("figure: --group-trials is for --kind compare");
    if (parser.flag("alpha-search") || parser.flag("log") || parser.flag("accuracy"))
        throw UsageError("figure: --alpha-search, --log and --accuracy are for the model kinds");

    const bool isSigned = parser.flag("signed");
    const double alpha = parser.doubleValue("alpha", 1.0);
    if (!(alpha > 0))
        throw UsageError("figure: --alpha must be positive");
    try {
        if (kind == "levels") {
            ui::LevelsFigureOptions o;
            o.scheme = schemeOption(parser, "scheme", "apot");
            o.isSigned = isSigned;
            o.zeroLevel = !parser.flag("no-zero");
            o.alpha = alpha;
            o.bits = parser.intValue("bits", 4, 1, 64);
            if (auto why = checkLevelSpec({o.scheme, o.bits, o.isSigned, o.zeroLevel}))
                throw UsageError("figure: " + *why);
            if (parser.flag("compare"))
                o.compareWith = {Scheme::Uniform, Scheme::PoT, Scheme::APoT};
            return ui::makeLevelsFigure(o);
        }
        if (parser.flag("no-zero"))
            throw UsageError(
                "figure: --no-zero is for --kind levels (with --signed), bit-sweep and layer-error");
        ui::SoftRoundFigureOptions o;
        o.bits = parser.intValue("bits", 2, 1, 64);
        o.isSigned = isSigned;
        o.alpha = alpha;
        if (parser.has("method")) {
            const std::string method = parser.choice("method", {"dsq", "daq", "ewgs"}, "dsq");
            o.showDsq = method == "dsq";
            o.showDaq = method == "daq";
            o.showEwgs = method == "ewgs";
        }
        o.dsqAlpha = parser.doubleValue("dsq-alpha", o.dsqAlpha);
        o.daqGamma = parser.doubleValue("gamma", o.daqGamma);
        o.daqSigma = parser.doubleValue("sigma", o.daqSigma);
        o.ewgsBase = schemeOption(parser, "base", "uniform");
        o.ewgsDelta = parser.doubleValue("delta", o.ewgsDelta);
        o.gradSign = parser.doubleValue("grad-sign", o.gradSign);
        return ui::makeSoftRoundFigure(o);
    } catch (const std::invalid_argument &e) {
        // The figure builders reject exactly what core's checks reject: the caller's input.
        throw UsageError(std::string("figure: ") + e.what());
    }
}

// --out FILE.gif|webp: the teaching moment of the kind as frames (ui/figures/animations.h).
ui::AnimationSpec buildAnimation(const ArgParser &parser, const std::string &kind)
{
    const bool reveals = kind == "curves" || kind == "ewgs" || kind == "alpha" || kind == "compare";
    if (kind != "levels" && kind != "softround" && !reveals)
        throw UsageError(
            "figure: --kind " + kind +
            " has no animation (levels, softround, curves, ewgs, alpha and compare do); write .png, "
            ".svg or .pdf");
    if (kind == "levels" && parser.has("bits"))
        throw UsageError("figure: the levels animation steps the bits 2 -> 6; leave out --bits");
    if (kind == "softround" && parser.has("dsq-alpha"))
        throw UsageError("figure: the softround animation anneals DSQ's alpha; leave out --dsq-alpha");
    if (kind == "softround" && parser.has("method") && parser.value("method") != "dsq")
        throw UsageError("figure: the softround animation shows DSQ; use --method dsq or leave --method out");
    if (kind == "levels" && parser.has("frames"))
        throw UsageError("figure: the levels animation has one frame per bit width; leave out --frames");
    const int frames = parser.intValue("frames", reveals ? 20 : 12, 2, ui::kMaxAnimationFrames);
    ui::AnimationSpec animation;
    try {
        if (kind == "levels") {
            ui::LevelsFigureOptions o;
            o.scheme = schemeOption(parser, "scheme", "apot");
            o.isSigned = parser.flag("signed");
            o.zeroLevel = !parser.flag("no-zero");
            if (!o.zeroLevel && !o.isSigned)
                throw UsageError("figure: --no-zero needs --signed (unsigned grids always include 0)");
            o.alpha = parser.doubleValue("alpha", 1.0);
            if (!(o.alpha > 0))
                throw UsageError("figure: --alpha must be positive");
            if (parser.flag("compare"))
                o.compareWith = {Scheme::Uniform, Scheme::PoT, Scheme::APoT};
            animation = ui::levelsBitsAnimation(o, 2, 6);
        } else if (kind == "softround") {
            ui::FigureSpec check =
                buildFigure(parser, kind); // every softround option validated as for a still
            Q_UNUSED(check);
            ui::SoftRoundFigureOptions o;
            o.bits = parser.intValue("bits", 2, 1, 64);
            o.isSigned = parser.flag("signed");
            o.alpha = parser.doubleValue("alpha", 1.0);
            o.showDaq = o.showEwgs = !parser.has("method");
            o.daqGamma = parser.doubleValue("gamma", o.daqGamma);
            o.daqSigma = parser.doubleValue("sigma", o.daqSigma);
            o.ewgsBase = schemeOption(parser, "base", "uniform");
            o.ewgsDelta = parser.doubleValue("delta", o.ewgsDelta);
            o.gradSign = parser.doubleValue("grad-sign", o.gradSign);
            animation = ui::dsqAnnealAnimation(o, 0.5, 0.002, frames);
        } else {
            animation = ui::revealAnimation(buildFigure(parser, kind), frames);
        }
    } catch (const std::invalid_argument &e) {
        throw UsageError(std::string("figure: ") + e.what());
    }
    if (parser.has("frame-ms")) {
        animation.frameMs = parser.intValue("frame-ms", animation.frameMs, ui::kMinFrameMs, ui::kMaxFrameMs);
        animation.lastFrameMs = std::max(animation.frameMs, animation.lastFrameMs);
    }
    return animation;
}

// Figures need a QApplication (fonts, graphics scene); with no display, render offscreen.
void ensureOffscreenWithoutDisplay()
{
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    // Without a session (CI, ssh) Qt warns on every run that XDG_RUNTIME_DIR is unset; give it a private one.
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        const QByteArray dir = "/tmp/quantscope-runtime-" + QByteArray::number(uint(getuid()));
        if (mkdir(dir.constData(), 0700) == 0 || errno == EEXIST)
            qputenv("XDG_RUNTIME_DIR", dir);
    }
}

} // namespace

int runFigureCommand(const std::vector<std::string> &args, std::ostream &out)
{
    for (const auto &arg : args)
        if (arg == "--help" || arg == "-h") {
            out << kFigureUsage;
            return 0;
        }
    // clang-format off
    ArgParser parser("figure",
                     {"kind",    "out",       "scheme", "bits",    "alpha",     "preset", "dpi",
                      "method",  "dsq-alpha", "gamma",  "sigma",   "base",      "delta",  "grad-sign",
                      "weights", "layer",     "bins",   "overlay", "smoothing", "data",   "images",
                      "font",    "font-size", "line-width", "frames", "frame-ms", "range"},
                     {"signed", "compare", "alpha-search", "log", "linear", "accuracy",
                      "panel-letters", "group-trials", "no-zero"}, {"runs"});
    // clang-format on
    parser.parse(args);
    const std::string kind = parser.choice("kind",
                                           {"levels", "softround", "histogram", "layer-error", "bit-sweep",
                                            "activations", "curves", "ewgs", "alpha", "occupancy", "compare"},
                                           parser.required("kind"));
    const QString outPath = QString::fromStdString(parser.required("out"));
    const auto format = ui::figureFormatForPath(outPath);
    const bool animated = ui::animationFormatForPath(outPath).has_value();
    if (!format && !animated)
        throw UsageError("figure: --out must end in .png, .svg, .pdf, .gif or .webp, got '" +
                         outPath.toStdString() + "'");
    if (!animated && (parser.has("frames") || parser.has("frame-ms")))
        throw UsageError(
            "figure: --frames and --frame-ms are for an animation (--out FILE.gif or FILE.webp)");
    ui::ExportOptions options;
    options.format = format.value_or(ui::FigureFormat::Png);
    options.preset =
        *ui::paperPresetById(QString::fromStdString(parser.choice("preset", {"single", "double"}, "single")));
    options.dpi = parser.intValue("dpi", 300, ui::kMinDpi, ui::kMaxDpi);
    // Paper typography (0 / empty: the preset's).
    options.fontFamily = QString::fromStdString(parser.value("font"));
    if (parser.has("font") && options.fontFamily.trimmed().isEmpty())
        throw UsageError("figure: --font needs a font family name");
    if (parser.has("font-size"))
        options.fontPt = parser.doubleValue("font-size", 0.0);
    if (parser.has("line-width"))
        options.lineWidthPt = parser.doubleValue("line-width", 0.0);
    options.panelLetters = parser.flag("panel-letters");
    if (parser.has("font-size") && !(options.fontPt >= ui::kMinFontPt && options.fontPt <= ui::kMaxFontPt))
        throw UsageError("figure: --font-size must be between " + std::to_string(int(ui::kMinFontPt)) +
                         " and " + std::to_string(int(ui::kMaxFontPt)) + " pt");
    if (parser.has("line-width") &&
        !(options.lineWidthPt >= ui::kMinLineWidthPt && options.lineWidthPt <= ui::kMaxLineWidthPt))
        throw UsageError("figure: --line-width must be between 0.25 and 6 pt");

    // Everything is validated before Qt starts, so usage errors are fast and need no platform plugin.
    std::optional<ui::AnimationSpec> animation;
    if (animated) {
        animation = buildAnimation(parser, kind);
        if (!parser.has("dpi")) // slides: 150 dpi keeps a GIF small and sharp enough for a projector
            options.dpi = 150;
    }
    ui::FigureSpec figure = animation ? animation->frames.back() : buildFigure(parser, kind);
    // The files behind the figure, for its CSV header and metadata.
    if (parser.has("weights") &&
        (figure.settings.isEmpty() || figure.settings.front().first != QStringLiteral("checkpoint")))
        figure.settings.prepend(
            {QStringLiteral("checkpoint"), QString::fromStdString(parser.value("weights"))});
    if (parser.has("data"))
        figure.settings.append({QStringLiteral("data"), QString::fromStdString(parser.value("data"))});
    else if (kind == "activations" || parser.flag("accuracy"))
        figure.settings.append({QStringLiteral("data"), QStringLiteral("the checkpoint's own")});
    if (parser.has("images"))
        figure.settings.append({QStringLiteral("images"), QString::fromStdString(parser.value("images"))});
    const bool hadApp = QCoreApplication::instance() != nullptr;
    ensureOffscreenWithoutDisplay();
    static int argc = 1;
    static char name[] = "quantscope-cli";
    static char *argv[] = {name, nullptr};
    std::unique_ptr<QApplication> app;
    if (!hadApp)
        app = std::make_unique<QApplication>(argc, argv);

    if (animation) {
        if (auto error = ui::exportAnimation(*animation, outPath, options))
            throw std::runtime_error("figure: " + error->toStdString());
        if (auto error = ui::writeFigureCsv(figure, ui::csvPathFor(outPath)))
            throw std::runtime_error("figure: " + error->toStdString());
    } else if (auto error = ui::exportFigure(figure, outPath, options)) {
        throw std::runtime_error("figure: " + error->toStdString());
    }
    out << QFileInfo(outPath).absoluteFilePath().toStdString() << '\n'
        << QFileInfo(ui::csvPathFor(outPath)).absoluteFilePath().toStdString() << '\n';
    return 0;
}

} // namespace qs::cli
