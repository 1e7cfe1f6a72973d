// `quantscope-cli figure`: the GUI's figures without a display, built by the same code in ui/figures.

#include "argparse.h"

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>
#include "commands.h"

#include "core/curves.h"
#include "core/levels.h"
#include "core/modelsnapshot.h"
#include "ui/figures/levelsfigure.h"
#include "ui/figures/weightfigures.h"
#include "ui/figures/softroundfigure.h"
#include "ui/plotting/figureexport.h"

#include <memory>
#include <stdexcept>

#include <QApplication>
#include <QFileInfo>

namespace qs::cli {

namespace {

const char *kFigureUsage =
    R"(usage: quantscope-cli figure --kind levels|softround|histogram|layer-error|bit-sweep --out FILE.png|svg|pdf
                             [options]

common:   [--bits B] [--signed] [--alpha A] [--preset single|double] [--dpi N]
levels:   [--scheme uniform|pot|apot] [--compare]   (--compare overlays the other schemes at the same bits)
softround:[--method dsq|daq|ewgs] (default: all) [--dsq-alpha a] [--gamma g] [--sigma s]
          [--base uniform|pot|apot] [--delta d] [--grad-sign 1|-1]
model weights (a .qsckpt or a PyTorch state_dict; signed weight grids, weight-normalized as the quantizer):
  histogram:   --weights FILE [--layer NAME] [--scheme S] [--bits B] [--alpha X | --alpha-search]
               [--bins N] [--log] [--overlay uniform|pot|apot]    one layer's histogram, levels, occupancy
  layer-error: --weights FILE [--scheme S] [--bits B] [--alpha X | --alpha-search]   per-layer SQNR
  bit-sweep:   --weights FILE [--alpha-search]      mean SQNR at 2..6 bits for uniform, PoT and APoT
  Clip without --alpha/--alpha-search: the checkpoint's learned alpha per layer, else 3.0.

Writes FILE and its plotted data as FILE.csv (columns panel,series,x,y). Works without a display.
)";

Scheme schemeOption(const ArgParser &parser, const std::string &name, const std::string &fallback)
{
    return *parseScheme(parser.choice(name, {"uniform", "pot", "apot"}, fallback));
}

bool isWeightsKind(const std::string &kind)
{
    return kind == "histogram" || kind == "layer-error" || kind == "bit-sweep";
}

// histogram, layer-error, bit-sweep: every option checked before the file is read (usage errors exit 2,
// an unreadable or unsuitable file exits 1).
ui::FigureSpec buildWeightsFigure(const ArgParser &parser, const std::string &kind)
{
    const std::string weights = parser.required("weights");
    const Scheme scheme = schemeOption(parser, "scheme", "apot");
    const int bits = parser.intValue("bits", 4, 1, 64);
    if (auto why = checkLevelSpec({scheme, bits, true}))
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
    if (kind != "histogram")
        for (const char *option : {"layer", "bins", "overlay"})
            if (parser.has(option) || parser.flag(option))
                throw UsageError(std::string("figure: --") + option + " is for --kind histogram");
    if (kind != "histogram" && parser.flag("log"))
        throw UsageError("figure: --log is for --kind histogram");
    ui::LayerFigureOptions o;
    o.scheme = scheme;
    o.bits = bits;
    o.bins = parser.intValue("bins", 120, 4, 2000);
    o.logScale = parser.flag("log");
    if (parser.has("overlay"))
        o.overlay = schemeOption(parser, "overlay", "uniform");

    const ModelSnapshot snapshot = ModelSnapshot::load(weights); // std::runtime_error: exit 1
    if (kind == "histogram") {
        const auto &layers = snapshot.layers();
        std::string name = parser.value("layer");
        if (name.empty()) {
            name = layers[layers.size() > 2 ? 1 : 0].name; // the first quantized conv, as the GUI
        } else if (!snapshot.layer(name) && snapshot.layer(name + ".weight")) {
            name += ".weight";
        }
        const SnapshotLayer *layer = snapshot.layer(name);
        if (!layer) {
            std::string known;
            for (size_t i = 0; i < layers.size() && i < 6; ++i)
                known += (i ? ", " : "") + layers[i].name;
            throw UsageError("figure: no layer '" + name + "' in " + weights + " (layers: " + known +
                             (layers.size() > 6 ? ", ..." : "") + ")");
        }
        auto a = analyzeWeightValues(name, snapshot.weights(name), layer->shape, {scheme, bits, true},
                                     alpha ? alpha : layer->checkpointAlpha, search);
        if (!alpha && !search && layer->checkpointAlpha)
            a.alphaSource = "checkpoint";
        return ui::makeLayerFigure(a, snapshot, o);
    }
    if (kind == "layer-error") {
        QList<ui::SchemeLayers> schemes;
        schemes.append({scheme, analyzeSnapshot(snapshot, scheme, bits, alpha, search)});
        for (Scheme other : {Scheme::Uniform, Scheme::PoT, Scheme::APoT})
            if (other != scheme && !checkLevelSpec({other, bits, true}))
                schemes.append({other, analyzeSnapshot(snapshot, other, bits, alpha, search)});
        return ui::makeLayerErrorFigure(schemes, bits);
    }
    if (alpha)
        throw UsageError(
            "figure: --kind bit-sweep takes no --alpha (use --alpha-search or the checkpoint's)");
    return ui::makeBitSweepFigure(
        bitSweep(snapshot, {Scheme::Uniform, Scheme::PoT, Scheme::APoT}, 2, 6, search, nullptr), search);
}

ui::FigureSpec buildFigure(const ArgParser &parser, const std::string &kind)
{
    if (isWeightsKind(kind))
        return buildWeightsFigure(parser, kind);
    for (const char *option : {"weights", "layer", "bins", "overlay"})
        if (parser.has(option))
            throw UsageError(std::string("figure: --") + option +
                             " is for the model kinds (histogram, "
                             "layer-error, bit-sweep)");
    if (parser.flag("alpha-search") || parser.flag("log"))
        throw UsageError("figure: --alpha-search and --log are for the model kinds");

    const bool isSigned = parser.flag("signed");
    const double alpha = parser.doubleValue("alpha", 1.0);
    if (!(alpha > 0))
        throw UsageError("figure: --alpha must be positive");
    try {
        if (kind == "levels") {
            ui::LevelsFigureOptions o;
            o.scheme = schemeOption(parser, "scheme", "apot");
            o.isSigned = isSigned;
            o.alpha = alpha;
            o.bits = parser.intValue("bits", 4, 1, 64);
            if (auto why = checkLevelSpec({o.scheme, o.bits, o.isSigned}))
                throw UsageError("figure: " + *why);
            if (parser.flag("compare"))
                o.compareWith = {Scheme::Uniform, Scheme::PoT, Scheme::APoT};
            return ui::makeLevelsFigure(o);
        }
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
    ArgParser parser("figure",
                     {"kind", "out", "scheme", "bits", "alpha", "preset", "dpi", "method", "dsq-alpha",
                      "gamma", "sigma", "base", "delta", "grad-sign", "weights", "layer", "bins", "overlay"},
                     {"signed", "compare", "alpha-search", "log"});
    parser.parse(args);
    const std::string kind = parser.choice(
        "kind", {"levels", "softround", "histogram", "layer-error", "bit-sweep"}, parser.required("kind"));
    const QString outPath = QString::fromStdString(parser.required("out"));
    const auto format = ui::figureFormatForPath(outPath);
    if (!format)
        throw UsageError("figure: --out must end in .png, .svg or .pdf, got '" + outPath.toStdString() + "'");
    ui::ExportOptions options;
    options.format = *format;
    options.preset =
        *ui::paperPresetById(QString::fromStdString(parser.choice("preset", {"single", "double"}, "single")));
    options.dpi = parser.intValue("dpi", 300, ui::kMinDpi, ui::kMaxDpi);

    // Everything is validated before Qt starts, so usage errors are fast and need no platform plugin.
    const ui::FigureSpec figure = buildFigure(parser, kind);
    const bool hadApp = QCoreApplication::instance() != nullptr;
    ensureOffscreenWithoutDisplay();
    static int argc = 1;
    static char name[] = "quantscope-cli";
    static char *argv[] = {name, nullptr};
    std::unique_ptr<QApplication> app;
    if (!hadApp)
        app = std::make_unique<QApplication>(argc, argv);

    if (auto error = ui::exportFigure(figure, outPath, options))
        throw std::runtime_error("figure: " + error->toStdString());
    out << QFileInfo(outPath).absoluteFilePath().toStdString() << '\n'
        << QFileInfo(ui::csvPathFor(outPath)).absoluteFilePath().toStdString() << '\n';
    return 0;
}

} // namespace qs::cli
