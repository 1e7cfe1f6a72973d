// Damaged files, full disks, kills and absurd settings: `quantscope-cli train` and `compare` end with one
// line and the right exit status within seconds, never crash, hang or accept damage silently, and lose
// nothing a checkpoint already held.

#include "core/io/atomicfile.h"
#include "core/io/modelio.h"
#include "core/quant/methods.h"
#include "core/runs/metrics.h"
#include "core/runs/runreader.h"
#include "core/train/trainconfig.h"
#include "core/train/trainer.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <map>
#include <thread>
#include <sys/mount.h>
#include <unistd.h>

namespace {

// A run of seconds: ResNet-20 APoT W3A3 on 64 synthetic images, batch 16: 4 steps per epoch.
const QStringList kQuickRun = {
    QStringLiteral("--preset"),      QStringLiteral("quick-synthetic"), QStringLiteral("--set"),
    QStringLiteral("threads=1"),     QStringLiteral("--set"),           QStringLiteral("train_subset=64"),
    QStringLiteral("--set"),         QStringLiteral("test_subset=32"),  QStringLiteral("--set"),
    QStringLiteral("batch_size=16"), QStringLiteral("--set"),           QStringLiteral("eval_batch_size=32")};

qs::test::CliRun runCli(const QStringList &args, int timeoutMs = 60000)
{
    return qs::test::runQuantscopeCli(args, qs::test::Display::Inherit, timeoutMs);
}

QStringList trainArgs(const QString &out, const QStringList &extra)
{
    QStringList args{QStringLiteral("train")};
    args << kQuickRun;
    for (const QString &set : extra)
        args << QStringLiteral("--set") << set;
    return args << QStringLiteral("--out") << out;
}

// stderr is one line: one newline, at its end.
bool oneLine(const QByteArray &err)
{
    return err.count('\n') == 1 && err.endsWith('\n');
}

// The error is one line, the last (progress lines such as "resuming at epoch 1" may come before it), and no
// LibTorch message or backtrace is anywhere.
bool oneErrorLine(const QByteArray &err)
{
    const auto lines = err.trimmed().split('\n');
    const auto errors =
        std::count_if(lines.begin(), lines.end(), [](const QByteArray &l) { return l.contains("error"); });
    return err.endsWith('\n') && errors == 1 && lines.last().startsWith("quantscope-cli: error: ") &&
           !err.contains("c10") && !err.contains("terminate") && !err.contains("Exception");
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeAll(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

std::vector<QJsonObject> records(const QString &runDir)
{
    std::vector<QJsonObject> out;
    for (const QByteArray &line : readAll(runDir + QStringLiteral("/metrics.jsonl")).split('\n'))
        if (!line.isEmpty())
            out.push_back(QJsonDocument::fromJson(line).object());
    return out;
}

qs::ResNet loadRunModel(const std::string &checkpoint)
{
    const auto state = qs::readCheckpointState(checkpoint);
    qs::ResNet model(qs::resnetOptionsFromConfig(qs::parseTrainConfig(state.configText), state.inputChannels,
                                                 state.numClasses));
    qs::loadCheckpoint(checkpoint, model, nullptr, nullptr);
    return model;
}

} // namespace

class TestFaults : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    QElapsedTimer m_clock;

    QString dir(const QString &name) const { return m_tmp.path() + QLatin1Char('/') + name; }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_clock.start();
    }
    void cleanupTestCase() { qInfo("tst_faults took %.1f s", double(m_clock.elapsed()) / 1000.0); }

    // ---- settings ----

    // Every numeric key, given an absurd value, is refused naming the key: by the parser (a malformed or
    // overflowing number) or by checkTrainConfig (out of its range). String keys accept any text and are
    // checked by value elsewhere (method, schedule, ...: tst_trainer).
    void everyKeyRefusesAbsurdValues()
    {
        // Every key a config file may hold: the engine's, and every registered method's own.
        std::vector<std::string> keys;
        for (const QString &line : QString::fromStdString(qs::serializeTrainConfig(qs::TrainConfig{}))
                                       .split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            keys.push_back(line.section(QLatin1Char('='), 0, 0).trimmed().toStdString());
        for (const auto &method : qs::quantMethods())
            for (const auto &k : method.configKeys)
                if (std::find(keys.begin(), keys.end(), k.key) == keys.end())
                    keys.push_back(k.key);
        int numericKeys = 0;
        for (const std::string &key : keys) {
            auto refusal = [&](const std::string &value) -> std::string {
                qs::TrainConfig c;
                try {
                    qs::applyConfigOverride(c, key + "=" + value);
                } catch (const std::invalid_argument &e) {
                    return e.what();
                }
                return qs::checkTrainConfig(c).value_or(std::string());
            };
            if (refusal("abc").empty())
                continue; // a string key
            ++numericKeys;
            for (const char *value : {"abc", "1e300", "-1e300", "nan", "inf", "-inf", "1e999", "12x"}) {
                const std::string why = refusal(value);
                QVERIFY2(!why.empty(), (key + " = " + value + " was accepted").c_str());
                QVERIFY2(why.find(key) != std::string::npos, (key + " = " + value + ": " + why).c_str());
                QVERIFY2(why.find('\n') == std::string::npos, why.c_str());
            }
        }
        QVERIFY(numericKeys >= 35);
    }

    // A thread count from elsewhere (eval --threads, a damaged checkpoint's config) is capped, not started.
    void threadRequestsAreCapped()
    {
        const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
        QCOMPARE(qs::configureThreads(100000), qs::kMaxThreadsPerCore * cores);
        QCOMPARE(at::get_num_threads(), qs::kMaxThreadsPerCore * cores);
        QCOMPARE(qs::configureThreads(1), 1);
    }

    void extremeSettingsEndWithinSeconds_data()
    {
        QTest::addColumn<QStringList>("sets");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("fragment"); // in the one stderr line (exit 2) or the last one
        auto row = [](const char *name, QStringList sets, int code, const char *fragment) {
            QTest::newRow(name) << sets << code << QString::fromLatin1(fragment);
        };
        row("momentum 1e308", {QStringLiteral("momentum=1e308")}, 2, "momentum must lie in [0, 1]");
        row("lr 1e308", {QStringLiteral("lr=1e308")}, 2, "lr must lie in");
        row("threads 100000", {QStringLiteral("threads=100000")}, 2, "threads must lie in [0, 1024]");
        row("batch 1e9", {QStringLiteral("batch_size=1e9")}, 2, "batch_size");
        row("epochs -1", {QStringLiteral("epochs=-1")}, 2, "epochs must lie in");
        row("wbits 99", {QStringLiteral("wbits=99")}, 2, "wbits");
        row("data set", {QStringLiteral("dataset=synthetic:-3")}, 2, "dataset");
        // Allowed, and ends at once: a divergence on the second step (NaN weights recorded without sorting
        // them), and a billion epochs cut by max_steps.
        row("lr 1e30 diverges", {QStringLiteral("lr=1e30")}, 3, "diverged at step");
        row("epochs 1e9 with max_steps", {QStringLiteral("epochs=1000000000"), QStringLiteral("max_steps=2")},
            0, "step limit reached");
    }
    void extremeSettingsEndWithinSeconds()
    {
        QFETCH(QStringList, sets);
        QFETCH(int, exitCode);
        QFETCH(QString, fragment);
        QElapsedTimer timer;
        timer.start();
        const auto r = runCli(
            trainArgs(
                dir(QStringLiteral("extreme/") +
                    QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_'))),
                sets),
            30000);
        QVERIFY2(timer.elapsed() < 30000, "took more than 30 s");
        QVERIFY2(r.exitCode == exitCode, r.err.constData());
        QVERIFY2(QString::fromUtf8(r.err).contains(fragment), r.err.constData());
        if (exitCode == 2)
            QVERIFY2(oneLine(r.err), r.err.constData());
    }

    void badValueInAConfigFileIsAUsageError()
    {
        writeAll(dir(QStringLiteral("bad.ini")), "dataset = synthetic:64\nepochs = 1\nmomentum = 1e308\n");
        const auto r =
            runCli({QStringLiteral("train"), QStringLiteral("--config"), dir(QStringLiteral("bad.ini")),
                    QStringLiteral("--out"), dir(QStringLiteral("badconfig"))});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(oneLine(r.err) && r.err.contains("momentum"), r.err.constData());
        writeAll(dir(QStringLiteral("bad2.ini")), "epochs = 1\nlr = 1e999\n");
        const auto r2 =
            runCli({QStringLiteral("train"), QStringLiteral("--config"), dir(QStringLiteral("bad2.ini")),
                    QStringLiteral("--out"), dir(QStringLiteral("badconfig2"))});
        QCOMPARE(r2.exitCode, 2);
        QVERIFY2(oneLine(r2.err) && r2.err.contains("line 2: lr"), r2.err.constData());
    }

    // ---- kill -9 and resume ----

    // An uninterrupted run, and the same run killed at random moments and resumed (or restarted, when killed
    // before its first checkpoint) until it completes: the same final weights, and each step recorded once.
    void killedRunsResumeToTheSameWeights()
    {
        const QStringList sets = {QStringLiteral("epochs=2")};
        const QString straight = dir(QStringLiteral("kill/straight")),
                      killed = dir(QStringLiteral("kill/killed"));
        QElapsedTimer timer;
        timer.start();
        const auto a = runCli(trainArgs(straight, sets));
        QVERIFY2(a.exitCode == 0, a.err.constData());
        const qint64 runMs = timer.elapsed();

        QRandomGenerator random(QRandomGenerator::global()->generate());
        int kills = 0, attempts = 0;
        bool done = false;
        while (!done && attempts < 12) {
            const QStringList args =
                // Killed before config.ini was written, nothing of the run exists: the same command again.
                !QFile::exists(killed + QStringLiteral("/config.ini"))
                    ? trainArgs(killed, sets)
                    : QStringList{QStringLiteral("train"), QStringLiteral("--resume"), killed};
            ++attempts;
            QProcess process;
            process.start(QStringLiteral(QUANTSCOPE_CLI_PATH), args);
            QVERIFY(process.waitForStarted());
            // Three kills at random moments of the run (start-up, training, checkpoint writes), then let it
            // end.
            // Within the first 80% of a run's time, so a kill usually lands before the run ends.
            const int delay =
                kills < 3 ? int(random.bounded(qint64(150), std::max<qint64>(300, runMs * 4 / 5))) : -1;
            bool finished = delay > 0 && process.waitForFinished(delay);
            if (delay > 0 && !finished) {
                ::kill(pid_t(process.processId()), SIGKILL);
                process.waitForFinished();
                ++kills;
                qInfo("killed after %d ms", delay);
                continue;
            }
            if (!finished)
                QVERIFY(process.waitForFinished(60000));
            const QByteArray err = process.readAllStandardError();
            QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
                     err.constData());
            if (kills == 0) { // it ended before the kill came: start over, the test is about a killed run
                QVERIFY(QDir(killed).removeRecursively());
                continue;
            }
            done = true;
        }
        QVERIFY(done);
        QVERIFY(kills >= 1);

        auto modelA = loadRunModel((straight + QStringLiteral("/last.qsckpt")).toStdString());
        auto modelB = loadRunModel((killed + QStringLiteral("/last.qsckpt")).toStdString());
        const auto dictA = qs::exportStateDict(modelA), dictB = qs::exportStateDict(modelB);
        QCOMPARE(dictA.size(), dictB.size());
        for (size_t i = 0; i < dictA.size(); ++i) {
            QCOMPARE(dictA[i].name, dictB[i].name);
            QVERIFY2(torch::equal(dictA[i].tensor, dictB[i].tensor), dictA[i].name.c_str());
        }
        QVERIFY(torch::equal(
            loadRunModel((straight + QStringLiteral("/best.qsckpt")).toStdString())->parameters()[0],
            loadRunModel((killed + QStringLiteral("/best.qsckpt")).toStdString())->parameters()[0]));

        // Each step and epoch once, in order, as in the uninterrupted run; no half line; no temporary file.
        auto stepsOf = [](const QString &runDir, const char *type) {
            std::vector<int> steps;
            for (const auto &r : records(runDir))
                if (r.value(QStringLiteral("type")).toString() == QLatin1String(type))
                    steps.push_back(
                        r.value(QLatin1String(std::strcmp(type, "epoch") == 0 ? "epoch" : "step")).toInt());
            return steps;
        };
        QCOMPARE(stepsOf(killed, "step"), stepsOf(straight, "step"));
        QCOMPARE(stepsOf(killed, "epoch"), stepsOf(straight, "epoch"));
        QCOMPARE(stepsOf(straight, "step").size(), size_t(8));
        QVERIFY(readAll(killed + QStringLiteral("/metrics.jsonl")).endsWith('\n'));
        QVERIFY(!QFile::exists(killed + QStringLiteral("/last.qsckpt.tmp")));
    }

    void aRunKilledBeforeItsFirstCheckpointRestarts()
    {
        // What a kill before the first checkpoint leaves: config.ini and some records, no checkpoint.
        const QString run = dir(QStringLiteral("early"));
        qs::TrainConfig config = qs::parseTrainConfig(*qs::presetText("quick-synthetic"));
        for (int i = 2; i < kQuickRun.size(); i += 2)
            qs::applyConfigOverride(config, kQuickRun[i + 1].toStdString());
        config.epochs = 1;
        writeAll(run + QStringLiteral("/config.ini"),
                 QByteArray::fromStdString(qs::serializeTrainConfig(config)));
        writeAll(run + QStringLiteral("/metrics.jsonl"),
                 "{\"type\":\"start\",\"step\":0,\"epoch\":0}\n"
                 "{\"type\":\"step\",\"step\":1,\"epoch\":0,\"loss\":9}\n"
                 "{\"type\":\"st");
        const auto again = runCli(trainArgs(run, {QStringLiteral("epochs=1")}));
        QCOMPARE(again.exitCode, 1); // --out refuses a directory that holds a run
        QVERIFY2(oneLine(again.err) && again.err.contains("already holds a run"), again.err.constData());
        const auto resumed = runCli({QStringLiteral("train"), QStringLiteral("--resume"), run});
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        QVERIFY2(resumed.err.contains("no checkpoint yet; restarting the run from the start"),
                 resumed.err.constData());
        std::vector<int> steps;
        for (const auto &r : records(run))
            if (r.value(QStringLiteral("type")).toString() == QLatin1String("step"))
                steps.push_back(r.value(QStringLiteral("step")).toInt());
        QCOMPARE(steps, std::vector<int>({1, 2, 3, 4}));
    }

    // ---- full disk ----

    void fullDisk_data()
    {
        QTest::addColumn<QString>("size");
        QTest::newRow("1 MiB: no checkpoint fits") << QStringLiteral("1m");
        QTest::newRow("3 MiB: last fits, best does not") << QStringLiteral("3m");
    }
    void fullDisk()
    {
        QFETCH(QString, size);
        if (::geteuid() != 0)
            QSKIP("mounting a small tmpfs needs root (CI runs this test as root)");
        const QString mountPoint = dir(QStringLiteral("disk-") + size);
        QVERIFY(QDir().mkpath(mountPoint));
        const QByteArray options = "size=" + size.toLatin1();
        if (::mount("tmpfs", mountPoint.toLocal8Bit().constData(), "tmpfs", 0, options.constData()) != 0)
            QSKIP(qPrintable(QStringLiteral("cannot mount a tmpfs: %1")
                                 .arg(QString::fromLocal8Bit(std::strerror(errno)))));
        struct Unmount
        {
            QByteArray path;
            ~Unmount() { ::umount2(path.constData(), MNT_DETACH); }
        } unmount{mountPoint.toLocal8Bit()};

        const QString run = mountPoint + QStringLiteral("/run");
        const auto r = runCli(trainArgs(run, {QStringLiteral("epochs=3")}));
        QVERIFY2(r.exitCode == 1, r.err.constData());
        QVERIFY2(oneErrorLine(r.err), r.err.constData());
        QVERIFY2(r.err.contains("No space left on device"), r.err.constData());
        for (const QString &name : QDir(run).entryList(QDir::Files))
            QVERIFY2(!name.endsWith(QLatin1String(".tmp")), qPrintable(name));
        // Whatever checkpoint was written is whole; metrics.jsonl holds whole lines only.
        for (const char *name : {"last.qsckpt", "best.qsckpt"}) {
            const QString path = run + QLatin1Char('/') + QLatin1String(name);
            if (QFile::exists(path))
                QVERIFY(loadRunModel(path.toStdString())->parameters().size() > 0);
        }
        const QByteArray metrics = readAll(run + QStringLiteral("/metrics.jsonl"));
        QVERIFY(metrics.isEmpty() || metrics.endsWith('\n'));
        if (size == QLatin1String("3m"))
            QVERIFY(QFile::exists(run + QStringLiteral("/last.qsckpt")));

        // Resuming on the still-full disk: one line, exit 1, and still no half line.
        const auto resumed = runCli({QStringLiteral("train"), QStringLiteral("--resume"), run});
        QVERIFY2(resumed.exitCode == 1 && oneErrorLine(resumed.err), resumed.err.constData());
        const QByteArray after = readAll(run + QStringLiteral("/metrics.jsonl"));
        QVERIFY(after.isEmpty() || after.endsWith('\n'));
        if (QFile::exists(run + QStringLiteral("/last.qsckpt")))
            QVERIFY(loadRunModel((run + QStringLiteral("/last.qsckpt")).toStdString())->parameters().size() >
                    0);
    }

    // ---- damaged run files ----

    // One `compare` over a clean run and six damaged ones: each damaged file named on one stderr line with
    // what is wrong, its bad lines left out of the table, and a run with no valid record not tabulated.
    void compareReportsDamagedFiles()
    {
        const QByteArray good =
            "{\"type\":\"start\",\"step\":0,\"epoch\":0}\n"
            "{\"type\":\"epoch\",\"epoch\":0,\"step\":4,\"train_loss\":2.1,\"train_top1\":20,"
            "\"test_loss\":2.2,\"test_top1\":18.5,\"test_top5\":60,\"best_top1\":18.5}\n";
        QByteArray binary(600, '\0');
        for (int i = 0; i < binary.size(); ++i)
            binary[i] = char((i * 37 + 11) % 256 == '\n' ? 0 : (i * 37 + 11) % 256);
        struct Case
        {
            const char *name;
            QByteArray metrics;
            const char *fragment; // in the stderr line naming RUN/metrics.jsonl; empty: none
            bool tabulated;       // the run still has valid records
        };
        const Case cases[] = {
            {"clean", good, "", true},
            {"empty", QByteArray(""), "metrics.jsonl: no valid record", false},
            {"binary", binary, "metrics.jsonl: no valid record (line 1: incomplete last line", false},
            {"epoch-1e308", good + "{\"type\":\"epoch\",\"epoch\":1e308,\"step\":8,\"test_top1\":20}\n",
             "metrics.jsonl: line 3: \"epoch\" 1e+308 is not an integer in range", true},
            {"top1-250", good + "{\"type\":\"epoch\",\"epoch\":1,\"step\":8,\"test_top1\":250}\n",
             "metrics.jsonl: line 3: \"test_top1\" 250 is not a percentage in [0, 100]", true},
            {"not-json", good + "{\"type\":\"epoch\",\"ep\n" + good,
             "metrics.jsonl: line 3: not JSON (syntax error at column", true},
            {"cut-last-line", good + "{\"type\":\"epoch\",\"epoch\":1,",
             "metrics.jsonl: line 3: incomplete last line (no newline)", true},
        };
        QStringList args{QStringLiteral("compare"), QStringLiteral("--format"), QStringLiteral("csv"),
                         QStringLiteral("--runs")};
        for (const Case &c : cases) {
            const QString run = dir(QStringLiteral("damaged/") + QLatin1String(c.name));
            writeAll(run + QStringLiteral("/config.ini"), "method = apot\nwbits = 3\nabits = 3\n");
            writeAll(run + QStringLiteral("/metrics.jsonl"), c.metrics);
            args << run;
        }
        const auto r = runCli(args);
        QCOMPARE(r.exitCode, 1);
        const QString err = QString::fromUtf8(r.err), out = QString::fromUtf8(r.out);
        QCOMPARE(err.count(QLatin1Char('\n')), int(std::size(cases)) - 1); // one line per damaged file
        for (const Case &c : cases) {
            const QString run = dir(QStringLiteral("damaged/") + QLatin1String(c.name));
            if (*c.fragment)
                QVERIFY2(err.contains(QStringLiteral("compare: ") + run + QLatin1Char('/') +
                                      QString::fromUtf8(c.fragment)),
                         qPrintable(QLatin1String(c.name) + QStringLiteral(": ") + err));
            else
                QVERIFY(!err.contains(run + QLatin1Char('/')));
            // The valid records only: one epoch, 4 steps.
            QCOMPARE(out.contains(run + QStringLiteral(",apot W3A3,1,4,18.50,18.50,2.1000,\n")), c.tabulated);
            QCOMPARE(out.contains(run + QLatin1Char(',')), c.tabulated);
        }
    }

    void labelsAreSanitized()
    {
        const QString run = dir(QStringLiteral("nul-label"));
        const char configText[] = "method = ap\0ot\nbackward = ste\n";
        writeAll(run + QStringLiteral("/config.ini"), QByteArray(configText, int(sizeof configText) - 1));
        writeAll(run + QStringLiteral("/metrics.jsonl"),
                 "{\"type\":\"epoch\",\"epoch\":0,\"step\":4,\"test_top1\":10,\"best_top1\":10}\n");
        const auto r = runCli({QStringLiteral("compare"), QStringLiteral("--format"), QStringLiteral("csv"),
                               QStringLiteral("--runs"), run});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("config.ini: line 1: not a 'key = value' line"), r.err.constData());
        QVERIFY(!r.out.contains('\0'));
        qs::RunSummary s = qs::summarizeRun(run.toStdString());
        QVERIFY(s.label.find('\0') == std::string::npos);
        std::map<std::string, std::string> config{{"method", std::string("lsq\0\x1b[2J", 8)}, {"wbits", "2"}};
        const std::string label = qs::runLabel(config, "x");
        QVERIFY2(std::none_of(label.begin(), label.end(),
                              [](char c) { return static_cast<unsigned char>(c) < 0x20; }),
                 label.c_str());
    }

    // ---- the writers ----

    void resumeDropsTheRecordsPastTheCheckpoint()
    {
        const QString path = dir(QStringLiteral("drop/metrics.jsonl"));
        writeAll(path, "{\"type\":\"start\",\"step\":0,\"epoch\":0}\n"
                       "{\"type\":\"step\",\"step\":1,\"epoch\":0}\n"
                       "{\"type\":\"step\",\"step\":2,\"epoch\":0}\n"
                       "{\"type\":\"epoch\",\"step\":2,\"epoch\":0}\n"
                       "{\"type\":\"layers\",\"step\":2,\"epoch\":0}\n"
                       "{\"type\":\"ewgs_update\",\"step\":2,\"epoch\":1}\n"
                       "{\"type\":\"step\",\"step\":3,\"epoch\":1}\n"
                       "{\"type\":\"st");
        QCOMPARE(qs::dropRecordsAfterCheckpoint(path.toStdString(), 2), int64_t(3));
        QCOMPARE(readAll(path), QByteArray("{\"type\":\"start\",\"step\":0,\"epoch\":0}\n"
                                           "{\"type\":\"step\",\"step\":1,\"epoch\":0}\n"
                                           "{\"type\":\"step\",\"step\":2,\"epoch\":0}\n"
                                           "{\"type\":\"epoch\",\"step\":2,\"epoch\":0}\n"
                                           "{\"type\":\"layers\",\"step\":2,\"epoch\":0}\n"));
    }

    void atomicWritesReplaceWholeFiles()
    {
        const std::string path = dir(QStringLiteral("atomic.bin")).toStdString();
        qs::writeFileAtomically(path, "first");
        qs::writeFileAtomically(path, "second");
        QCOMPARE(qs::readWholeFile(path), std::string("second"));
        QVERIFY(!QFile::exists(QString::fromStdString(path + ".tmp")));
        qs::copyFileAtomically(path, path + ".copy");
        QCOMPARE(qs::readWholeFile(path + ".copy"), std::string("second"));
        try {
            qs::writeFileAtomically(dir(QStringLiteral("no/such/dir/x")).toStdString(), "x");
            QFAIL("no error");
        } catch (const qs::Error &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("No such file or directory")),
                     e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
