// `quantscope-cli figure`: the GUI's figures without a display, built by the same code in ui/figures.

#include "argparse.h"

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>
#include "commands.h"

#include "core/curves.h"
#include "core/levels.h"
#include "ui/figures/levelsfigure.h"
#include "ui/figures/softroundfigure.h"
#include "ui/plotting/figureexport.h"

#include <memory>
#include <stdexcept>

#include <QApplication>
#include <QFileInfo>

namespace qs::cli {

namespace {

const char *kFigureUsage =
    R"(usage: quantscope-cli figure --kind levels|softround --out FILE.png|svg|pdf [options]

common:   [--bits B] [--signed] [--alpha A] [--preset single|double] [--dpi N]
levels:   [--scheme uniform|pot|apot] [--compare]   (--compare overlays the other schemes at the same bits)
softround:[--method dsq|daq|ewgs] (default: all) [--dsq-alpha a] [--gamma g] [--sigma s]
          [--base uniform|pot|apot] [--delta d] [--grad-sign 1|-1]

Writes FILE and its plotted data as FILE.csv (columns panel,series,x,y). Works without a display.
)";

Scheme schemeOption(const ArgParser &parser, const std::string &name, const std::string &fallback)
{
    return *parseScheme(parser.choice(name, {"uniform", "pot", "apot"}, fallback));
}

ui::FigureSpec buildFigure(const ArgParser &parser, const std::string &kind)
{
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
                      "gamma", "sigma", "base", "delta", "grad-sign"},
                     {"signed", "compare"});
    parser.parse(args);
    const std::string kind = parser.choice("kind", {"levels", "softround"}, parser.required("kind"));
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
