#include "ui/views/train/trainformrules.h"

#include "core/quant/levels.h"
#include "core/quant/methods.h"
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
    // The registry's one line with the formula, and where the implementation follows the official code.
    const MethodInfo *info = findQuantMethod(method.toStdString());
    if (!info)
        return QString();
    QString tip = QStringLiteral("<b>%1</b>: %2")
                      .arg(QString::fromStdString(info->title).toHtmlEscaped(),
                           QString::fromStdString(info->description).toHtmlEscaped());
    if (!info->codeNote.empty())
        tip += QStringLiteral("<br><i>Official code:</i> ") +
               QString::fromStdString(info->codeNote).toHtmlEscaped();
    return QStringLiteral("<p style='white-space:pre-wrap'>") + tip + QStringLiteral("</p>");
}

bool methodQuantizes(const std::string &method)
{
    const MethodInfo *info = findQuantMethod(method);
    return info && info->quantizes;
}

QString defaultRunDirectory(const TrainConfig &config)
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (base.isEmpty())
        base = QDir::home().filePath(QStringLiteral(".quantscope"));
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    const QString method = QString::fromStdString(config.method);
    const QString name =
        !methodQuantizes(config.method)
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
