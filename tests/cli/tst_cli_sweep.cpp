// `quantscope-cli sweep`, `sweep-task` and `compare --sweep` with real short runs of the synthetic preset:
// a local sweep two at a time, rerunning it (skips), a run stopped by SIGTERM (through the sweep) and by
// SIGUSR1 (its task) that resumes to the same records without duplicates, --dry-run for both backends,
// compare --sweep against numbers computed here from the metrics files, and bad grids (exit 2, one line).

#include "testsupport.h"

#include "core/sweep/sweepmanifest.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <cmath>
#include <map>
#include <set>

using qs::test::runQuantscopeCli;

namespace {

QStringList sweepArgs(const QString &out, const QString &grid, int epochs)
{
    return {QStringLiteral("sweep"),
            QStringLiteral("--preset"),
            QStringLiteral("quick-synthetic"),
            QStringLiteral("--grid"),
            grid,
            QStringLiteral("--out"),
            out,
            QStringLiteral("--set"),
            QStringLiteral("epochs=%1").arg(epochs)};
}

// The records of a metrics.jsonl, by type.
std::vector<QJsonObject> records(const QString &runDir, const QString &type = {})
{
    QFile f(runDir + QStringLiteral("/metrics.jsonl"));
    std::vector<QJsonObject> out;
    if (!f.open(QIODevice::ReadOnly))
        return out;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (type.isEmpty() || o.value(QStringLiteral("type")).toString() == type)
            out.push_back(o);
    }
    return out;
}

int countSteps(const QString &runDir)
{
    return int(records(runDir, QStringLiteral("step")).size());
}

// Waits until the run has at least `steps` step records (or the process ends).
bool waitForSteps(QProcess &process, const QString &runDir, int steps)
{
    for (int i = 0; i < 1200; ++i) {
        if (countSteps(runDir) >= steps)
            return true;
        if (process.state() == QProcess::NotRunning)
            return false;
        QTest::qWait(100);
    }
    return false;
}

double sampleStd(const std::vector<double> &v, double mean)
{
    double s = 0;
    for (double x : v)
        s += (x - mean) * (x - mean);
    return std::sqrt(s / double(v.size() - 1));
}

QString oneLine(const QByteArray &err)
{
    return QString::fromUtf8(err).trimmed();
}

} // namespace

class TestCliSweep final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_sweep = m_dir.filePath(QStringLiteral("grid"));
    }

    // Four runs, two at a time: every one finishes, named by the grid, in a manifest the core reads.
    void localSweepFinishesEveryRun()
    {
        QElapsedTimer timer;
        timer.start();
        auto args = sweepArgs(m_sweep, QStringLiteral("wbits=2,3 seed=1,2"), 1);
        args << QStringLiteral("--jobs") << QStringLiteral("2");
        const auto r = runQuantscopeCli(args);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject result = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(result.value(QStringLiteral("finished")).toInt(), 4);
        QCOMPARE(result.value(QStringLiteral("failed")).toInt(), 0);
        const qs::SweepManifest m = qs::readSweepManifest(m_sweep.toStdString());
        QCOMPARE(m.runs.size(), size_t(4));
        QCOMPARE(m.backend, std::string("local"));
        QCOMPARE(m.extraArguments, (std::vector<std::string>{"--set", "epochs=1"}));
        const QStringList names{QStringLiteral("wbits-2_seed-1"), QStringLiteral("wbits-2_seed-2"),
                                QStringLiteral("wbits-3_seed-1"), QStringLiteral("wbits-3_seed-2")};
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(QString::fromStdString(m.runs[size_t(i)].directory), names[i]);
            const QString run = m_sweep + QLatin1Char('/') + names[i];
            QCOMPARE(int(records(run, QStringLiteral("done")).size()), 1);
            QVERIFY(QFile::exists(run + QStringLiteral("/last.qsckpt")));
            QVERIFY(!QFile::exists(run + QStringLiteral("/sweep-task.json"))); // the lock is gone
            QFile config(run + QStringLiteral("/config.ini"));
            QVERIFY(config.open(QIODevice::ReadOnly));
            const QString text = QString::fromUtf8(config.readAll());
            QVERIFY2(text.contains(QStringLiteral("wbits = %1\n").arg(names[i].mid(6, 1))), qPrintable(text));
            QVERIFY(text.contains(QStringLiteral("seed = %1\n").arg(names[i].right(1))));
            QVERIFY(text.contains(QStringLiteral("epochs = 1\n")));
        }
        qInfo("local sweep of 4 runs, 2 at a time: %lld ms", qint64(timer.elapsed()));
    }

    void rerunSkipsFinishedRuns()
    {
        const QString metrics = m_sweep + QStringLiteral("/wbits-2_seed-1/metrics.jsonl");
        const qint64 size = QFileInfo(metrics).size();
        auto args = sweepArgs(m_sweep, QStringLiteral("wbits=2,3 seed=1,2"), 1);
        args << QStringLiteral("--jobs") << QStringLiteral("2");
        const auto r = runQuantscopeCli(args);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(QJsonDocument::fromJson(r.out).object().value(QStringLiteral("to_train")).toInt(), 0);
        QCOMPARE(QString::fromUtf8(r.err).count(QStringLiteral("\tfinished\tskip")), 4);
        QCOMPARE(QFileInfo(metrics).size(), size);
        // The same directory with another grid is refused.
        const auto other = runQuantscopeCli(sweepArgs(m_sweep, QStringLiteral("wbits=4 seed=1,2"), 1));
        QCOMPARE(other.exitCode, 2);
        QVERIFY2(oneLine(other.err).contains(QStringLiteral("holds a different sweep")),
                 other.err.constData());
    }

    // compare --sweep: one row per wbits, the seeds as trials; numbers from the metrics files.
    void compareSweepAggregatesSeeds()
    {
        const auto r = runQuantscopeCli({QStringLiteral("compare"), QStringLiteral("--sweep"), m_sweep,
                                         QStringLiteral("--format"), QStringLiteral("csv")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QStringList lines = QString::fromUtf8(r.out).trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), 3);
        for (int w = 2; w <= 3; ++w) {
            std::vector<double> finals, losses;
            for (int s = 1; s <= 2; ++s) {
                const auto epochs = records(m_sweep + QStringLiteral("/wbits-%1_seed-%2").arg(w).arg(s),
                                            QStringLiteral("epoch"));
                QVERIFY(!epochs.empty());
                finals.push_back(epochs.back().value(QStringLiteral("test_top1")).toDouble());
                losses.push_back(epochs.back().value(QStringLiteral("train_loss")).toDouble());
            }
            const double mean = (finals[0] + finals[1]) / 2, lossMean = (losses[0] + losses[1]) / 2;
            const QStringList cells = lines[w - 1].split(QLatin1Char(','));
            QCOMPARE(cells[0], QStringLiteral("wbits=%1 (2 trials)").arg(w));
            QCOMPARE(cells[1], QStringLiteral("2"));
            QS_COMPARE_NEAR(cells[2].toDouble(), mean, 0.006);
            QS_COMPARE_NEAR(cells[3].toDouble(), sampleStd(finals, mean), 0.006);
            QS_COMPARE_NEAR(cells[6].toDouble(), lossMean, 0.00006);
            QS_COMPARE_NEAR(cells[7].toDouble(), sampleStd(losses, lossMean), 0.00006);
        }
        const auto md = runQuantscopeCli({QStringLiteral("compare"), QStringLiteral("--sweep"), m_sweep});
        QCOMPARE(md.exitCode, 0);
        QVERIFY(QString::fromUtf8(md.out).contains(QStringLiteral("| wbits=2 (2 trials) | 2 | ")));
        QVERIFY(QString::fromUtf8(md.out).contains(QStringLiteral(" ± ")));
        // A coupled axis is labelled key by key (no '|' to break a Markdown table).
        const QString coupled = m_dir.filePath(QStringLiteral("coupled"));
        auto cargs = sweepArgs(coupled, QStringLiteral("wbits+abits=2|3"), 1);
        cargs << QStringLiteral("--set") << QStringLiteral("train_subset=128") << QStringLiteral("--set")
              << QStringLiteral("test_subset=64");
        const auto c = runQuantscopeCli(cargs);
        QVERIFY2(c.exitCode == 0, c.err.constData());
        const auto cmd = runQuantscopeCli({QStringLiteral("compare"), QStringLiteral("--sweep"), coupled});
        QCOMPARE(cmd.exitCode, 0);
        QVERIFY2(QString::fromUtf8(cmd.out).contains(QStringLiteral("| wbits=2 abits=3 | 1 | ")),
                 cmd.out.constData());
        const auto notSweep = runQuantscopeCli({QStringLiteral("compare"), QStringLiteral("--sweep"),
                                                m_dir.filePath(QStringLiteral("nothing"))});
        QCOMPARE(notSweep.exitCode, 1);
        QVERIFY2(oneLine(notSweep.err).contains(QStringLiteral("nothing/sweep.json")),
                 notSweep.err.constData());
        QVERIFY(!oneLine(notSweep.err).contains(QLatin1Char('\n')));
    }

    // SIGTERM to the sweep stops its task with a checkpoint; SIGUSR1 to a task does the same; rerunning the
    // sweep resumes, and the run ends with every step and epoch recorded once.
    void interruptedRunResumesWithoutDuplicates()
    {
        const QString sweep = m_dir.filePath(QStringLiteral("interrupted"));
        const QString run = sweep + QStringLiteral("/seed-7");
        const QStringList args = sweepArgs(sweep, QStringLiteral("seed=7"), 4);
        QProcess process;
        process.start(QStringLiteral(QUANTSCOPE_CLI_PATH), args);
        QVERIFY(process.waitForStarted());
        QVERIFY2(waitForSteps(process, run, 3), "the run did not start");
        ::kill(pid_t(process.processId()), SIGTERM);
        QVERIFY(process.waitForFinished(120000));
        QCOMPARE(process.exitCode(), 130);
        QCOMPARE(int(records(run, QStringLiteral("stop")).size()), 1);
        QVERIFY(records(run, QStringLiteral("done")).empty());
        QVERIFY(QFile::exists(run + QStringLiteral("/last.qsckpt")));

        // The task alone, stopped by Slurm's warning signal.
        QProcess task;
        task.start(QStringLiteral(QUANTSCOPE_CLI_PATH),
                   {QStringLiteral("sweep-task"), sweep, QStringLiteral("0")});
        QVERIFY(task.waitForStarted());
        const int before =
            int(records(run, QStringLiteral("stop")).front().value(QStringLiteral("step")).toInt());
        QVERIFY2(waitForSteps(task, run, before + 3), "the task did not resume");
        ::kill(pid_t(task.processId()), SIGUSR1);
        QVERIFY(task.waitForFinished(120000));
        QCOMPARE(task.exitCode(), 130);
        QCOMPARE(int(records(run, QStringLiteral("stop")).size()), 2);
        QCOMPARE(int(records(run, QStringLiteral("resume")).size()), 1);

        const auto r = runQuantscopeCli(args);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(QString::fromUtf8(r.err).contains(QStringLiteral("\tstopped\tresume")));
        QCOMPARE(int(records(run, QStringLiteral("resume")).size()), 2);
        QCOMPARE(int(records(run, QStringLiteral("done")).size()), 1);
        // quick-synthetic: 512 images, batches of 64: 8 steps an epoch, 4 epochs.
        std::set<int> steps;
        for (const auto &s : records(run, QStringLiteral("step")))
            QVERIFY2(steps.insert(s.value(QStringLiteral("step")).toInt()).second, "a step recorded twice");
        QCOMPARE(int(steps.size()), 32);
        QCOMPARE(*steps.begin(), 1);
        QCOMPARE(*steps.rbegin(), 32);
        std::set<int> epochs;
        for (const auto &e : records(run, QStringLiteral("epoch")))
            QVERIFY2(epochs.insert(e.value(QStringLiteral("epoch")).toInt()).second,
                     "an epoch recorded twice");
        QCOMPARE(int(epochs.size()), 4);
    }

    // train itself: SIGTERM stops it like Ctrl-C (checkpoint, exit 130) and --resume finishes it.
    void trainStopsOnSigterm()
    {
        const QString run = m_dir.filePath(QStringLiteral("train-term"));
        QProcess process;
        process.start(QStringLiteral(QUANTSCOPE_CLI_PATH),
                      {QStringLiteral("train"), QStringLiteral("--preset"), QStringLiteral("quick-synthetic"),
                       QStringLiteral("--set"), QStringLiteral("epochs=2"), QStringLiteral("--out"), run});
        QVERIFY(process.waitForStarted());
        QVERIFY2(waitForSteps(process, run, 2), "the run did not start");
        ::kill(pid_t(process.processId()), SIGTERM);
        QVERIFY(process.waitForFinished(120000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 130);
        QCOMPARE(int(records(run, QStringLiteral("stop")).size()), 1);
        const auto resumed = runQuantscopeCli({QStringLiteral("train"), QStringLiteral("--resume"), run});
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        QCOMPARE(int(records(run, QStringLiteral("done")).size()), 1);
        QCOMPARE(countSteps(run), 16); // 2 epochs of 8 steps, each once
    }

    void dryRunPrintsThePlanAndTheScript()
    {
        const QString fresh = m_dir.filePath(QStringLiteral("dry"));
        auto args = sweepArgs(fresh, QStringLiteral("method=apot,apot-ewgs bits=2,3"), 1);
        args << QStringLiteral("--dry-run") << QStringLiteral("--jobs") << QStringLiteral("2");
        const auto local = runQuantscopeCli(args);
        QVERIFY2(local.exitCode == 0, local.err.constData());
        const QString plan = QString::fromUtf8(local.out);
        QVERIFY2(plan.contains(QStringLiteral("4 runs, 4 to train (local, 2 at a time")), qPrintable(plan));
        QVERIFY(plan.contains(QStringLiteral("0\tmethod-apot_bits-2\tpending\ttrain\n")));
        QVERIFY(plan.contains(QStringLiteral("3\tmethod-apot-ewgs_bits-3\tpending\ttrain\n")));
        QVERIFY(!QFileInfo::exists(fresh)); // nothing written

        auto slurm = sweepArgs(fresh, QStringLiteral("method=apot,apot-ewgs bits=2,3"), 1);
        slurm << QStringLiteral("--dry-run") << QStringLiteral("--backend") << QStringLiteral("slurm")
              << QStringLiteral("--partition") << QStringLiteral("gpu") << QStringLiteral("--gpus")
              << QStringLiteral("1") << QStringLiteral("--time") << QStringLiteral("02:00:00")
              << QStringLiteral("--mem") << QStringLiteral("8G") << QStringLiteral("--signal")
              << QStringLiteral("90") << QStringLiteral("--max-parallel") << QStringLiteral("2")
              << QStringLiteral("--sbatch-option") << QStringLiteral("account=abc");
        const auto s = runQuantscopeCli(slurm);
        QVERIFY2(s.exitCode == 0, s.err.constData());
        const QString script = QString::fromUtf8(s.out);
        for (const char *line :
             {"#!/bin/bash\n", "#SBATCH --array=0-3%2\n", "#SBATCH --partition=gpu\n",
              "#SBATCH --gpus-per-task=1\n", "#SBATCH --time=02:00:00\n", "#SBATCH --mem=8G\n",
              "#SBATCH --signal=B:USR1@90\n", "#SBATCH --requeue\n", "#SBATCH --account=abc\n",
              "sweep-task \"$sweep\" \"$SLURM_ARRAY_TASK_ID\"", "trap 'signalled=1; kill -USR1 \"$child\"",
              "scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\""})
            QVERIFY2(script.contains(QString::fromUtf8(line)), line);
        QVERIFY(script.contains(QStringLiteral("#SBATCH --output=%1/slurm/%A_%a.out").arg(fresh)));
        QVERIFY(!QFileInfo::exists(fresh));

        // On a finished sweep: nothing to train, no script.
        auto done = sweepArgs(m_sweep, QStringLiteral("wbits=2,3 seed=1,2"), 1);
        done << QStringLiteral("--dry-run") << QStringLiteral("--backend") << QStringLiteral("slurm");
        const auto d = runQuantscopeCli(done);
        QCOMPARE(d.exitCode, 0);
        QVERIFY(QString::fromUtf8(d.out).contains(QStringLiteral("4 runs, 0 to train")));
        QVERIFY(!QString::fromUtf8(d.out).contains(QStringLiteral("#SBATCH")));
    }

    void badGridsExitTwoWithOneLine_data()
    {
        QTest::addColumn<QString>("grid");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown key") << QStringLiteral("wbits=2 colour=red")
                                     << QStringLiteral("unknown key 'colour'");
        QTest::newRow("bad value") << QStringLiteral("wbits=2,9") << QStringLiteral("run wbits-9: wbits");
        QTest::newRow("no values") << QStringLiteral("wbits") << QStringLiteral("'wbits' is not key=value");
        QTest::newRow("empty value") << QStringLiteral("wbits=2,,3")
                                     << QStringLiteral("'wbits' has an empty value");
        QTest::newRow("twice") << QStringLiteral("seed=1 seed=2") << QStringLiteral("'seed' is given twice");
        QTest::newRow("not a number") << QStringLiteral("lr=fast") << QStringLiteral("lr");
        QTest::newRow("bad method") << QStringLiteral("method=apot,nope-ewgs") << QStringLiteral("nope");
        QTest::newRow("empty") << QStringLiteral(" ") << QStringLiteral("--grid: no axis");
    }
    void badGridsExitTwoWithOneLine()
    {
        QFETCH(QString, grid);
        QFETCH(QString, expected);
        const QString out = m_dir.filePath(QStringLiteral("bad"));
        const auto r = runQuantscopeCli(sweepArgs(out, grid, 1));
        QCOMPARE(r.exitCode, 2);
        const QString err = oneLine(r.err);
        QVERIFY2(err.contains(expected), qPrintable(err));
        QVERIFY2(!err.contains(QLatin1Char('\n')), qPrintable(err));
        QVERIFY(!QFileInfo::exists(out));
    }

    void sweepTaskUsageErrors()
    {
        const auto r = runQuantscopeCli({QStringLiteral("sweep-task"), m_sweep, QStringLiteral("9")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(oneLine(r.err).contains(QStringLiteral("INDEX '9' is not a run")), r.err.constData());
        const auto skip = runQuantscopeCli({QStringLiteral("sweep-task"), m_sweep, QStringLiteral("1")});
        QCOMPARE(skip.exitCode, 0);
        QVERIFY(QString::fromUtf8(skip.out).contains(QStringLiteral("\"outcome\":\"skipped\"")));
    }

private:
    QTemporaryDir m_dir;
    QString m_sweep;
};

QTEST_GUILESS_MAIN(TestCliSweep)
#include "tst_cli_sweep.moc"
