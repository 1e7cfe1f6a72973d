#include "ui/views/train/trainformrules.h"

#include "core/quant/levels.h"
#include "ui/figures/palette.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include <set>
#include <sstream>

namespace qs::ui::trainform {

namespace {

QString sourceDir()
{
#ifdef QUANTSCOPE_SOURCE_DIR
    return QStringLiteral(QUANTSCOPE_SOURCE_DIR);
#else
    return QDir::currentPath();
#endif
}

} // namespace

bool isFormKey(const std::string &key)
{
    static const std::set<std::string> keys = {"depth",      "shortcut", "method",  "backward",
                                               "wbits",      "abits",    "dataset", "epochs",
                                               "batch_size", "lr",       "init"};
    return keys.count(key) > 0;
}

std::string keyOf(const std::string &line)
{
    const auto eq = line.find('=');
    if (eq == std::string::npos)
        return {};
    std::string key = line.substr(0, eq);
    const auto first = key.find_first_not_of(" \t");
    const auto last = key.find_last_not_of(" \t");
    return first == std::string::npos ? std::string() : key.substr(first, last - first + 1);
}

QString formKeyInAdvanced(const std::string &advanced)
{
    std::istringstream lines(advanced);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        const auto hash = line.find('#');
        if (hash == 0 ||
            (hash != std::string::npos && hash > 0 && (line[hash - 1] == ' ' || line[hash - 1] == '\t')))
            line.resize(hash);
        const std::string key = keyOf(line);
        if (isFormKey(key))
            return QStringLiteral("Advanced, line %1: %2 is set in the form above")
                .arg(number)
                .arg(QString::fromStdString(key));
    }
    return {};
}

std::string advancedText(const TrainConfig &config)
{
    std::string advanced;
    std::istringstream lines(serializeTrainConfig(config));
    for (std::string line; std::getline(lines, line);)
        if (!isFormKey(keyOf(line)))
            advanced += line + '\n';
    return advanced;
}

bool holdsRun(const QString &dir)
{
    const QDir d(dir);
    return QFileInfo::exists(d.filePath(QStringLiteral("metrics.jsonl"))) ||
           QFileInfo::exists(d.filePath(QStringLiteral("last.qsckpt")));
}

QString methodToolTip(const QString &method)
{
    if (method == QStringLiteral("fp"))
        return QStringLiteral("<b>Full precision</b>: no quantizer; the baseline a quantized run is compared "
                              "with (and a good warm start for it).");
    if (method == QStringLiteral("uniform"))
        return schemeToolTip(Scheme::Uniform) +
               QStringLiteral("<br>Learned clip &alpha; with the RCF gradient (APoT reference).");
    if (method == QStringLiteral("pot"))
        return schemeToolTip(Scheme::PoT) +
               QStringLiteral("<br>Weights normalized (w &minus; &mu;)/&sigma; first; learned clip &alpha;.");
    if (method == QStringLiteral("apot"))
        return schemeToolTip(Scheme::APoT) +
               QStringLiteral("<br>Weights normalized (w &minus; &mu;)/&sigma; first; learned clip &alpha; "
                              "(RCF gradient).");
    if (method == QStringLiteral("lsq"))
        return QStringLiteral("<b>LSQ</b> (learned step size): x<sub>q</sub> = s&middot;round(clamp(x/s, "
                              "&minus;Q<sub>N</sub>, Q<sub>P</sub>)); the step s is learned with gradient "
                              "scale 1/&radic;(N&middot;Q<sub>P</sub>).");
    if (method == QStringLiteral("dsq"))
        return formulas::dsq();
    if (method == QStringLiteral("daq"))
        return formulas::daq();
    return QString();
}

QString defaultRunDirectory(const TrainConfig &config)
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (base.isEmpty())
        base = QDir::home().filePath(QStringLiteral(".quantscope"));
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    const QString method = QString::fromStdString(config.method);
    const QString name =
        config.method == "fp"
            ? QStringLiteral("%1-fp").arg(stamp)
            : QStringLiteral("%1-%2-w%3a%4").arg(stamp, method).arg(config.wbits).arg(config.abits);
    QString dir = QDir(base).filePath(QStringLiteral("runs/") + name);
    // Two runs started within one second get distinct directories.
    for (int i = 2; holdsRun(dir); ++i)
        dir = QDir(base).filePath(QStringLiteral("runs/%1-%2").arg(name).arg(i));
    return dir;
}

QString defaultDataLocation(const QString &kind)
{
    if (kind == QStringLiteral("cifar10")) {
        // The real CIFAR-10 images at hand, converted to the binary layout (README: cifar10-jpeg-to-bin).
        const QDir src(sourceDir());
        const QStringList candidates = {src.filePath(QStringLiteral("data/cifar10")),
                                        src.filePath(QStringLiteral("../shared/data/cifar10")),
                                        src.filePath(QStringLiteral("../shared/data/cifar10-bin"))};
        for (const QString &c : candidates)
            if (QFileInfo(QDir(c).filePath(QStringLiteral("data_batch_1.bin"))).isFile())
                return QDir::cleanPath(c);
    }
    return QString(); // fashion-mnist: the engine's default; synthetic: 512 images
}

QString dataLocationProblem(const QString &kind, const QString &location)
{
    if (kind == QStringLiteral("synthetic")) {
        bool ok = true;
        if (!location.isEmpty() && (location.toLongLong(&ok) <= 0 || !ok))
            return QStringLiteral("synthetic: the location is an image count, not '%1'").arg(location);
    } else if (kind == QStringLiteral("fashion-mnist") && location.isEmpty()) {
        if (!QFileInfo(QString::fromLatin1(kFashionDefault)).isDir())
            return QStringLiteral("Fashion-MNIST is not in %1: apt-get install dataset-fashion-mnist, "
                                  "or choose its directory")
                .arg(QString::fromLatin1(kFashionDefault));
    } else if (location.isEmpty()) {
        return kind == QStringLiteral("cifar10")
                   ? QStringLiteral("cifar10: choose the directory with data_batch_1..5.bin (convert "
                                    "../shared/data/cifar10-jpeg.tar.gz with cifar10-jpeg-to-bin)")
                   : QStringLiteral("%1: choose the data directory").arg(kind);
    } else if (!QFileInfo(location).isDir()) {
        return QStringLiteral("%1: %2 is not a directory").arg(kind, location);
    }
    return {};
}

} // namespace qs::ui::trainform
