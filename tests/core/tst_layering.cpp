// The layering rules of docs/architecture.md, checked on the source tree itself: core has no Qt and never
// includes ui/ or app/; nothing under ui/ or app/ reaches a LibTorch header, directly or through a core
// header; every core header that pulls torch starts with the core/torchonly.h guard. The build enforces most
// of this (quantcore links torch PRIVATE, quantui defines QUANTSCOPE_TORCH_FREE); this test names the
// offending include chain when a rule is broken.

#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QtTest>

#include <map>
#include <set>

namespace {

const QString kRoot = QStringLiteral(QUANTSCOPE_SOURCE_DIR);

struct SourceFile
{
    QStringList localIncludes;  // "core/x/y.h" style includes that name a file of this repository
    QStringList systemIncludes; // <...> includes
};

// Every .h/.cpp under the given top-level folders, keyed by its path relative to the repository root.
std::map<QString, SourceFile> scan(const QStringList &folders)
{
    static const QRegularExpression include(QStringLiteral("^\\s*#\\s*include\\s*([<\"])([^>\"]+)[>\"]"));
    std::map<QString, SourceFile> files;
    for (const auto &folder : folders) {
        QDirIterator it(kRoot + QLatin1Char('/') + folder, {QStringLiteral("*.h"), QStringLiteral("*.cpp")},
                        QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly))
                continue;
            SourceFile source;
            const auto lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
            for (const auto &line : lines) {
                const auto m = include.match(line);
                if (!m.hasMatch())
                    continue;
                if (m.captured(1) == QLatin1String("<"))
                    source.systemIncludes << m.captured(2);
                else
                    source.localIncludes << m.captured(2);
            }
            files[path.mid(kRoot.size() + 1)] = source;
        }
    }
    return files;
}

bool isTorchHeader(const QString &include)
{
    for (const char *prefix : {"torch/", "ATen/", "c10/", "caffe2/"})
        if (include.startsWith(QLatin1String(prefix)))
            return true;
    return false;
}

bool isQtHeader(const QString &include)
{
    return include.startsWith(QLatin1Char('Q')) || include.startsWith(QLatin1String("Qt"));
}

} // namespace

class TestLayering : public QObject
{
    Q_OBJECT

private:
    std::map<QString, SourceFile> m_files;

    // The first chain of repository includes from `path` that ends in a torch include, empty when none.
    QStringList torchChain(const QString &path, std::set<QString> &visited) const
    {
        if (!visited.insert(path).second)
            return {};
        const auto it = m_files.find(path);
        if (it == m_files.end())
            return {};
        for (const auto &sys : it->second.systemIncludes)
            if (isTorchHeader(sys))
                return {path, QLatin1Char('<') + sys + QLatin1Char('>')};
        for (const auto &local : it->second.localIncludes) {
            auto chain = torchChain(local, visited);
            if (!chain.isEmpty()) {
                chain.prepend(path);
                return chain;
            }
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_files = scan({QStringLiteral("core"), QStringLiteral("ui"), QStringLiteral("app")});
        QVERIFY2(m_files.size() > 50, "the source tree was not found");
        QVERIFY(m_files.count(QStringLiteral("core/quant/levels.h")));
    }

    void coreHasNoQtAndNoUpwardIncludes()
    {
        for (const auto &[path, file] : m_files) {
            if (!path.startsWith(QLatin1String("core/")))
                continue;
            for (const auto &sys : file.systemIncludes)
                QVERIFY2(!isQtHeader(sys), qPrintable(path + QStringLiteral(" includes Qt: ") + sys));
            for (const auto &local : file.localIncludes)
                QVERIFY2(!local.startsWith(QLatin1String("ui/")) && !local.startsWith(QLatin1String("app/")),
                         qPrintable(path + QStringLiteral(" includes ") + local));
        }
    }

    void uiAndAppNeverReachTorch()
    {
        int checked = 0;
        for (const auto &[path, file] : m_files) {
            if (path.startsWith(QLatin1String("core/")))
                continue;
            std::set<QString> visited;
            const auto chain = torchChain(path, visited);
            QVERIFY2(chain.isEmpty(),
                     qPrintable(QStringLiteral("torch reached: ") + chain.join(QLatin1String(" -> "))));
            ++checked;
        }
        QVERIFY(checked > 40);
    }

    void coreTorchHeadersCarryTheGuard()
    {
        int guarded = 0;
        for (const auto &[path, file] : m_files) {
            if (!path.startsWith(QLatin1String("core/")) || !path.endsWith(QLatin1String(".h")) ||
                path == QLatin1String("core/pch.h"))
                continue;
            const bool pullsTorch =
                std::any_of(file.systemIncludes.begin(), file.systemIncludes.end(), isTorchHeader);
            if (!pullsTorch)
                continue;
            QVERIFY2(!file.localIncludes.isEmpty() &&
                         file.localIncludes.first() == QLatin1String("core/torchonly.h"),
                     qPrintable(path + QStringLiteral(" includes torch without core/torchonly.h first")));
            ++guarded;
        }
        QVERIFY(guarded >= 5);
    }

    // The check itself can fail: a made-up ui file that includes a torch header of core is caught.
    void aTorchIncludeFromUiIsCaught()
    {
        m_files[QStringLiteral("ui/fake.cpp")] = SourceFile{{QStringLiteral("core/nn/models.h")}, {}};
        std::set<QString> visited;
        const auto chain = torchChain(QStringLiteral("ui/fake.cpp"), visited);
        m_files.erase(QStringLiteral("ui/fake.cpp"));
        QVERIFY(chain.size() >= 3);
        QCOMPARE(chain.first(), QStringLiteral("ui/fake.cpp"));
        QVERIFY(isTorchHeader(chain.last().mid(1, chain.last().size() - 2)));
    }
};

QTEST_APPLESS_MAIN(TestLayering)
#include "tst_layering.moc"
