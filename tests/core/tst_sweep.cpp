// Sweeps (core/sweep/): grid parsing and its errors, run names, each run's config, the Slurm script, the
// manifest's round trip and its one-line errors for damaged files, and each run's state read from its
// directory.

#include "core/error.h"
#include "core/io/atomicfile.h"
#include "core/sweep/sweepmanifest.h"
#include "core/sweep/sweepplan.h"
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
    void gridParsesAxesInOrder()
    {
        const auto axes = parseSweepGrid("  method=apot,apot-ewgs   wbits=2,3,4 seed=1,2,3 ");
        QCOMPARE(axes.size(), size_t(3));
        QCOMPARE(axes[0].key, std::string("method"));
        QCOMPARE(axes[0].values, (std::vector<std::string>{"apot", "apot-ewgs"}));
        QCOMPARE(axes[1].values, (std::vector<std::string>{"2", "3", "4"}));
        QCOMPARE(axes[2].key, std::string("seed"));
        QCOMPARE(parseSweepGrid("preset=quick-synthetic bits=2 dsq_alpha_init=0.2").size(), size_t(3));
    }

    void gridErrorsNameTheKey_data()
    {
        QTest::addColumn<QString>("grid");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown") << QStringLiteral("wbits=2 colour=red")
                                 << QStringLiteral("--grid: unknown key 'colour' (a training config key");
        QTest::newRow("no =") << QStringLiteral("wbits")
                              << QStringLiteral("--grid: 'wbits' is not key=value");
        QTest::newRow("=first") << QStringLiteral("=2") << QStringLiteral("'=2' is not key=value");
        QTest::newRow("empty value") << QStringLiteral("wbits=2,")
                                     << QStringLiteral("key 'wbits' has an empty value");
        QTest::newRow("no value") << QStringLiteral("wbits=")
                                  << QStringLiteral("key 'wbits' has an empty value");
        QTest::newRow("twice") << QStringLiteral("seed=1 seed=2")
                               << QStringLiteral("key 'seed' is given twice");
        QTest::newRow("repeated value")
            << QStringLiteral("seed=1,1") << QStringLiteral("key 'seed' repeats a value");
        QTest::newRow("coupled parts")
            << QStringLiteral("preset+init=quick-synthetic")
            << QStringLiteral("key 'preset+init': value 'quick-synthetic' has 1 parts, not 2");
        QTest::newRow("coupled unknown")
            << QStringLiteral("wbits+hue=2|red") << QStringLiteral("unknown key 'hue'");
        QTest::newRow("nothing") << QStringLiteral("") << QStringLiteral("--grid: no axis");
    }
    void gridErrorsNameTheKey()
    {
        QFETCH(QString, grid);
        QFETCH(QString, expected);
        try {
            parseSweepGrid(grid.toStdString());
            QFAIL("no error");
        } catch (const std::invalid_argument &e) {
            QVERIFY2(QString::fromStdString(e.what()).contains(expected), e.what());
            QVERIFY(QString::fromStdString(e.what()).startsWith(QStringLiteral("--grid: ")));
        }
    }

    void planExpandsTheGridFirstAxisOutermost()
    {
        const auto m =
            planSweep("quick-synthetic", parseSweepGrid("method=apot,apot-ewgs wbits=2,3 seed=1,2"),
                      {"--set", "epochs=1"}, "local");
        QCOMPARE(m.runs.size(), size_t(8));
        QCOMPARE(m.runs[0].directory, std::string("method-apot_wbits-2_seed-1"));
        QCOMPARE(m.runs[1].directory, std::string("method-apot_wbits-2_seed-2"));
        QCOMPARE(m.runs[2].directory, std::string("method-apot_wbits-3_seed-1"));
        QCOMPARE(m.runs[7].directory, std::string("method-apot-ewgs_wbits-3_seed-2"));
        for (size_t i = 0; i < m.runs.size(); ++i)
            QCOMPARE(m.runs[i].index, int(i));
        // Characters that would make a path are replaced; two values that read the same get their index.
        QCOMPARE(sweepRunName({{"init", "runs/fp/best.qsckpt"}, {"lr", "1e-3"}}),
                 std::string("init-runs-fp-best.qsckpt_lr-1e-3"));
        const auto clash = planSweep("quick-synthetic", {{"init", {"a/b", "a b"}}}, {}, "local");
        QCOMPARE(clash.runs[0].directory, std::string("init-a-b"));
        QCOMPARE(clash.runs[1].directory, std::string("init-a-b_1"));
        // The plan round-trips through the manifest.
        QTemporaryDir dir;
        writeSweepManifest(dir.path().toStdString(), m);
        QVERIFY(sameSweep(readSweepManifest(dir.path().toStdString()), m));
        auto other = m;
        other.axes[1].values = {"2", "4"};
        QVERIFY(!sameSweep(other, m));
    }

    void runConfigAppliesPresetExtraAndSettings()
    {
        const auto m = planSweep("quick-synthetic", parseSweepGrid("method=apot,apot-ewgs bits=2,4 seed=5"),
                                 {"--set", "epochs=3"}, "slurm");
        const TrainConfig ste = sweepRunConfig(m, m.runs[0]);
        QCOMPARE(ste.method, std::string("apot"));
        QCOMPARE(ste.backward, std::string("ste"));
        QCOMPARE(ste.wbits, 2);
        QCOMPARE(ste.abits, 2);
        QCOMPARE(ste.epochs, 3);
        QCOMPARE(ste.seed, uint64_t(5));
        QCOMPARE(ste.dataset, std::string("synthetic:512")); // from the preset
        const TrainConfig ewgs = sweepRunConfig(m, m.runs[3]);
        QCOMPARE(ewgs.method, std::string("apot"));
        QCOMPARE(ewgs.backward, std::string("ewgs"));
        QCOMPARE(ewgs.wbits, 4);
        validateSweep(m);
        // A preset axis replaces the sweep's preset for that run.
        const auto presets = planSweep(
            "quick-synthetic", parseSweepGrid("preset=quick-synthetic,seed-table1-apot"), {}, "local");
        QCOMPARE(sweepRunConfig(presets, presets.runs[1]).dataset, std::string("cifar10:data/cifar10"));
        // A coupled axis sets its keys together.
        const auto coupled =
            planSweep("quick-synthetic",
                      parseSweepGrid("dataset+depth=synthetic:64|20,synthetic:128|32 seed=1"), {}, "local");
        QCOMPARE(coupled.runs[1].directory, std::string("dataset+depth-synthetic-128-32_seed-1"));
        const TrainConfig second = sweepRunConfig(coupled, coupled.runs[1]);
        QCOMPARE(second.dataset, std::string("synthetic:128"));
        QCOMPARE(second.depth, 32);
        QCOMPARE(sweepRunConfig(coupled, coupled.runs[0]).depth, 20);
        // Values the config refuses name the run.
        const auto bad = planSweep("quick-synthetic", parseSweepGrid("wbits=2,9"), {}, "local");
        try {
            validateSweep(bad);
            QFAIL("no error");
        } catch (const std::invalid_argument &e) {
            QVERIFY2(QString::fromStdString(e.what()).startsWith(QStringLiteral("run wbits-9: wbits")),
                     e.what());
        }
    }

    void slurmScriptHasTheOptionsAndTheRequeue()
    {
        SlurmOptions o;
        o.jobName = "seed";
        o.partition = "gpu";
        o.gpus = "1";
        o.time = "1-00:00:00";
        o.mem = "16G";
        o.cpusPerTask = 8;
        o.signalSeconds = 300;
        o.maxParallel = 4;
        o.extraLines = {"--account=lab", "--constraint=a100"};
        o.cli = "/opt/quant scope/quantscope-cli";
        o.workDir = "/shared/work";
        const QString s = QString::fromStdString(slurmScript("/shared/sweeps/seed", {0, 1, 2, 5, 7, 8}, o));
        for (const char *line : {"#SBATCH --job-name=seed\n",
                                 "#SBATCH --array=0-2,5,7-8%4\n",
                                 "#SBATCH --output=/shared/sweeps/seed/slurm/%A_%a.out\n",
                                 "#SBATCH --open-mode=append\n",
                                 "#SBATCH --chdir=/shared/work\n",
                                 "#SBATCH --partition=gpu\n",
                                 "#SBATCH --gpus-per-task=1\n",
                                 "#SBATCH --cpus-per-task=8\n",
                                 "#SBATCH --time=1-00:00:00\n",
                                 "#SBATCH --mem=16G\n",
                                 "#SBATCH --signal=B:USR1@300\n",
                                 "#SBATCH --requeue\n",
                                 "#SBATCH --account=lab\n",
                                 "#SBATCH --constraint=a100\n",
                                 "cli='/opt/quant scope/quantscope-cli'\n",
                                 "sweep='/shared/sweeps/seed'\n",
                                 "\"$cli\" sweep-task \"$sweep\" \"$SLURM_ARRAY_TASK_ID\" --threads "
                                 "\"${SLURM_CPUS_PER_TASK:-0}\" &\n",
                                 "trap 'signalled=1; kill -USR1 \"$child\" 2>/dev/null' USR1\n",
                                 "if [ \"$signalled\" = 1 ] && [ \"$rc\" = 130 ]; then\n",
                                 "scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n"})
            QVERIFY2(s.contains(QString::fromUtf8(line)), line);
        QVERIFY(s.startsWith(QStringLiteral("#!/bin/bash\n")));
        // Every #SBATCH line comes before the first command (sbatch stops reading them there).
        const int lastDirective = s.lastIndexOf(QStringLiteral("#SBATCH"));
        QVERIFY(lastDirective < s.indexOf(QStringLiteral("\ncli=")));

        // Without --signal: no trap, no requeue; without options: none of their lines.
        const QString plain = QString::fromStdString(slurmScript("/s", {3}, SlurmOptions{}));
        QVERIFY(plain.contains(QStringLiteral("#SBATCH --array=3\n")));
        for (const char *absent :
             {"--signal", "--requeue", "trap", "scontrol", "--partition", "--gpus", "--mem"})
            QVERIFY2(!plain.contains(QString::fromUtf8(absent)), absent);
        QCOMPARE(arrayRanges({0, 1, 2, 3}), std::string("0-3"));
        QCOMPARE(arrayRanges({4}), std::string("4"));
        QCOMPARE(arrayRanges({1, 3, 4}), std::string("1,3-4"));
    }

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
