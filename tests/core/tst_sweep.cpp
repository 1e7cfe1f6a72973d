// Sweeps (core/sweep/): the manifest's round trip and its one-line errors for damaged files, and each run's
// state read from its directory.

#include "core/error.h"
#include "core/io/atomicfile.h"
#include "core/sweep/sweepmanifest.h"
#include "core/sweep/sweepstate.h"

#include <QDir>
#include <QString>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <string>
#include <unistd.h>

using namespace qs;

namespace {

SweepManifest twoByTwo()
{
    SweepManifest m;
    m.preset = "quick-synthetic";
    m.backend = "slurm";
    m.axes = {{"wbits", {"3", "2"}}, {"method", {"apot", "apot-ewgs"}}};
    m.extraArguments = {"--set", "epochs=2"};
    int index = 0;
    for (const auto &w : m.axes[0].values)
        for (const auto &method : m.axes[1].values) {
            SweepRun run;
            run.index = index++;
            run.directory = "wbits-" + w + "_method-" + method;
            run.settings = {{"wbits", w}, {"method", method}};
            m.runs.push_back(run);
        }
    return m;
}

// JSON fixtures are written with ' for " (moc does not read raw string literals).
std::string js(const char *text)
{
    std::string s = text;
    for (char &c : s)
        if (c == '\'')
            c = '"';
    return s;
}
QString j(const char *text)
{
    return QString::fromStdString(js(text));
}

void writeText(const std::string &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// The error readSweepManifest throws for a sweep.json holding `text`.
QString manifestError(const QTemporaryDir &dir, const std::string &text)
{
    const std::string d = dir.path().toStdString();
    writeText(d + "/sweep.json", text);
    try {
        readSweepManifest(d);
    } catch (const Error &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestSweep final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void manifestRoundTripKeepsAxisOrder()
    {
        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        QVERIFY(!isSweepDirectory(d));
        const SweepManifest m = twoByTwo();
        writeSweepManifest(d, m);
        QVERIFY(isSweepDirectory(d));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("sweep.json.tmp"))));
        const SweepManifest r = readSweepManifest(d);
        QCOMPARE(r.version, 1);
        QCOMPARE(r.preset, m.preset);
        QCOMPARE(r.backend, m.backend);
        QCOMPARE(r.extraArguments, m.extraArguments);
        QCOMPARE(r.axes.size(), size_t(2));
        QCOMPARE(r.axes[0].key, std::string("wbits")); // not sorted: the order given on --grid
        QCOMPARE(r.axes[0].values, (std::vector<std::string>{"3", "2"}));
        QCOMPARE(r.runs.size(), size_t(4));
        for (size_t i = 0; i < r.runs.size(); ++i) {
            QCOMPARE(r.runs[i].index, int(i));
            QCOMPARE(r.runs[i].directory, m.runs[i].directory);
            QCOMPARE(r.runs[i].settings, m.runs[i].settings);
        }
        // The file itself: the documented field names, settings as an object.
        const std::string text = readWholeFile(d + "/sweep.json");
        QVERIFY(text.find("\"schema\": \"quantscope.sweep\"") != std::string::npos);
        QVERIFY(text.find("\"extra_arguments\"") != std::string::npos);
        QVERIFY(text.find("\"settings\": {") != std::string::npos);
    }

    void settingsFollowAxesNotFileOrder()
    {
        QTemporaryDir dir;
        const QString error = manifestError(
            dir, js("{'schema':'quantscope.sweep','version':1,'preset':'p','backend':'local','axes':[{'key':'"
                    "wbits','values':['2']},{'method':'x','key':'method','values':['apot']}],'runs':[{'index'"
                    ":0,'directory':'a','settings':{'method':'apot','wbits':'2'}}]}"));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const SweepManifest m = readSweepManifest(dir.path().toStdString());
        QCOMPARE(m.runs[0].settings.front().first, std::string("wbits"));
        QVERIFY(m.extraArguments.empty()); // optional
    }

    void damagedManifestsAreOneLineNamingTheFile_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        const QString head = j("{'schema':'quantscope.sweep','version':1,'preset':'p','backend':'local','"
                               "axes':[{'key':'wbits','values':['2','3']}],");
        QTest::newRow("not json") << QStringLiteral("{\"schema\": ") << QStringLiteral("sweep.json: ");
        QTest::newRow("array") << QStringLiteral("[1]") << QStringLiteral("not a JSON object");
        QTest::newRow("schema") << j("{'schema':'other','version':1}")
                                << QStringLiteral("\"schema\" is \"other\"");
        QTest::newRow("version") << j("{'schema':'quantscope.sweep','version':2}")
                                 << QStringLiteral("\"version\" 2 is not 1");
        QTest::newRow("backend")
            << j("{'schema':'quantscope.sweep','version':1,'preset':'p','backend':'pbs'}")
            << QStringLiteral("\"backend\" is \"pbs\"");
        QTest::newRow("no runs") << head + j("'extra_arguments':[]}") << QStringLiteral("missing \"runs\"");
        QTest::newRow("index") << head + j("'runs':[{'index':1,'directory':'a','settings':{'wbits':'2'}}]}")
                               << QStringLiteral("runs[0]: \"index\" 1 is not its position 0");
        QTest::newRow("escape") << head +
                                       j("'runs':[{'index':0,'directory':'../x','settings':{'wbits':'2'}}]}")
                                << QStringLiteral(
                                       "runs[0]: \"directory\" \"../x\" is not a plain directory name");
        QTest::newRow("repeated") << head + j("'runs':[{'index':0,'directory':'a','settings':{'wbits':'2'}},{"
                                              "'index':1,'directory':'a','settings':{'wbits':'3'}}]}")
                                  << QStringLiteral("runs[1]: \"directory\" \"a\" is repeated");
        QTest::newRow("missing setting")
            << head + j("'runs':[{'index':0,'directory':'a','settings':{'method':'apot'}}]}")
            << QStringLiteral("runs[0]: \"settings\" has no string for axis \"wbits\"");
        QTest::newRow("number setting")
            << head + j("'runs':[{'index':0,'directory':'a','settings':{'wbits':2}}]}")
            << QStringLiteral("has no string for axis \"wbits\"");
        QTest::newRow("no axes") << j("{'schema':'quantscope.sweep','version':1,'preset':'p','backend':'"
                                      "local','axes':[],'runs':[]}")
                                 << QStringLiteral("\"axes\" is not a non-empty array");
    }
    void damagedManifestsAreOneLineNamingTheFile()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString error = manifestError(dir, text.toStdString());
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY2(error.startsWith(dir.filePath(QStringLiteral("sweep.json")) + QStringLiteral(": ")),
                 qPrintable(error));
        QVERIFY(!error.contains(QLatin1Char('\n')));
    }

    void missingManifestNamesThePath()
    {
        QTemporaryDir dir;
        try {
            readSweepManifest(dir.path().toStdString());
            QFAIL("no error");
        } catch (const Error &e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(dir.filePath(QStringLiteral("sweep.json"))),
                     e.what());
        }
    }

    void runStatesFromTheRunDirectory()
    {
        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        SweepRun run;
        run.directory = "r";
        const std::string rd = d + "/r";
        QCOMPARE(sweepRunState(d, run), SweepRunState::Pending); // no directory
        QDir().mkpath(QString::fromStdString(rd));
        QCOMPARE(sweepRunState(d, run), SweepRunState::Pending); // no config.ini
        writeText(rd + "/config.ini", "method = apot\n");
        QCOMPARE(sweepRunState(d, run), SweepRunState::Stopped); // killed before its first record
        const std::string start = js("{'type':'start','step':0,'epoch':0}") + "\n";
        writeText(rd + "/metrics.jsonl", start);
        QCOMPARE(sweepRunState(d, run), SweepRunState::Stopped);
        writeText(rd + "/metrics.jsonl",
                  start + js("{'type':'stop','reason':'stopped','step':5,'epoch':0,'batch':5}") + "\n");
        QCOMPARE(sweepRunState(d, run), SweepRunState::Stopped);
        writeText(rd + "/metrics.jsonl",
                  start + js("{'type':'stop','reason':'max_steps','step':5,'epoch':0,'batch':5}") + "\n");
        QCOMPARE(sweepRunState(d, run), SweepRunState::Finished);
        const std::string stopped =
            start + js("{'type':'stop','reason':'stopped','step':5,'epoch':0,'batch':5}") + "\n";
        writeText(rd + "/metrics.jsonl", stopped + js("{'type':'resume','step':5,'epoch':0}") + "\n" +
                                             js("{'type':'done','step':9,'best_top1':50}") + "\n");
        QCOMPARE(sweepRunState(d, run), SweepRunState::Finished);
        writeText(rd + "/metrics.jsonl",
                  start + js("{'type':'divergence','step':3,'epoch':0,'reason':'loss is NaN'}") + "\n");
        const SweepRunStatus diverged = sweepRunStatus(d, run);
        QCOMPARE(diverged.state, SweepRunState::Failed);
        QVERIFY(diverged.diverged);
        QVERIFY2(QString::fromStdString(diverged.detail).contains(QStringLiteral("step 3: loss is NaN")),
                 diverged.detail.c_str());
        // A rollback continues the session: not failed.
        writeText(rd + "/metrics.jsonl",
                  start + js("{'type':'divergence','step':3,'epoch':0,'reason':'loss is NaN'}") + "\n" +
                      js("{'type':'rollback','checkpoint':'last.qsckpt','step':2}") + "\n");
        QCOMPARE(sweepRunState(d, run), SweepRunState::Stopped);

        // A task's error.
        writeText(rd + "/" + kSweepErrorName, "dataset: cannot open x\n");
        QCOMPARE(sweepRunState(d, run), SweepRunState::Failed);
        QCOMPARE(sweepRunStatus(d, run).detail, std::string("dataset: cannot open x"));
        QVERIFY(!sweepRunStatus(d, run).diverged);
        QFile::remove(QString::fromStdString(rd + "/" + kSweepErrorName));

        // Running: a lock naming a live process of this host; a dead pid is a stale lock.
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        writeText(rd + "/" + kSweepTaskLockName,
                  std::string(js("{'host':'")) + host + js("','pid':") + std::to_string(getpid()) + "}");
        QCOMPARE(sweepRunState(d, run), SweepRunState::Running);
        QVERIFY(sweepRunStatus(d, run).detail.find(std::to_string(getpid())) != std::string::npos);
        writeText(rd + "/" + kSweepTaskLockName,
                  std::string(js("{'host':'")) + host + js("','pid':") + std::to_string(0x3ffffff) + "}");
        QCOMPARE(sweepRunState(d, run), SweepRunState::Stopped);
        // Another host's lock: alive while it or the metrics changed recently.
        writeText(rd + "/" + kSweepTaskLockName, js("{'host':'node-that-is-not-this-one','pid':12}"));
        QCOMPARE(sweepRunState(d, run), SweepRunState::Running);
        QCOMPARE(sweepRunStateName(SweepRunState::Running), std::string("running"));
    }
};

QTEST_APPLESS_MAIN(TestSweep)
#include "tst_sweep.moc"
