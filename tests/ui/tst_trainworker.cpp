// The training worker on real few-step runs (ResNet-20 on 64 synthetic images): snapshots arrive on the GUI
// thread, coalesced; pause leaves a checkpoint that resume continues from; stop and bad configs end cleanly.

#include "trainfixtures.h"
#include "ui/training/trainworker.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>

using namespace qs;
using namespace qs::ui;

namespace {

constexpr int kTimeoutMs = 120000;

TrainConfig tinyConfig(int epochs)
{
    return qs::test::tinyTrainConfig(epochs);
}

QList<QJsonObject> readMetrics(const QString &runDir)
{
    QFile file(QDir(runDir).filePath(QStringLiteral("metrics.jsonl")));
    QList<QJsonObject> records;
    if (!file.open(QIODevice::ReadOnly))
        return records;
    for (const QByteArray &line : file.readAll().split('\n'))
        if (!line.trimmed().isEmpty())
            records << QJsonDocument::fromJson(line).object();
    return records;
}

QList<qint64> stepRecords(const QList<QJsonObject> &records)
{
    QList<qint64> steps;
    for (const auto &r : records)
        if (r.value(QStringLiteral("type")).toString() == QStringLiteral("step"))
            steps << r.value(QStringLiteral("step")).toInteger();
    return steps;
}

} // namespace

class TestTrainWorker final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void engineNumbersAreTidied_data()
    {
        QTest::addColumn<QString>("engine");
        QTest::addColumn<QString>("shown");
        // The engine's own lines (core/train/trainer.cpp), as written with round-trip precision.
        QTest::newRow("epoch") << QStringLiteral("epoch 2/3: train loss 0.9135235607624054, test top-1 53.2%")
                               << QStringLiteral("epoch 2/3: train loss 0.9135, test top-1 53.20%");
        QTest::newRow("percent noise")
            << QStringLiteral("completed 2 epochs; best test top-1 85.30999999999999%")
            << QStringLiteral("completed 2 epochs; best test top-1 85.31%");
        QTest::newRow("integers stay") << QStringLiteral("resuming at epoch 1, batch 3, step 11")
                                       << QStringLiteral("resuming at epoch 1, batch 3, step 11");
        QTest::newRow("integer percent")
            << QStringLiteral("best test top-1 76%") << QStringLiteral("best test top-1 76%");
        QTest::newRow("exponent") << QStringLiteral("lr = 1.0000000000000001e-05.")
                                  << QStringLiteral("lr = 1e-05.");
        QTest::newRow("paths stay")
            << QStringLiteral("warm start from /runs/a-0.123456789/best.qsckpt: 3 tensors")
            << QStringLiteral("warm start from /runs/a-0.123456789/best.qsckpt: 3 tensors");
        QTest::newRow("not finite") << QStringLiteral("diverged at step 7 (epoch 0): loss is NaN")
                                    << QStringLiteral("diverged at step 7 (epoch 0): loss is NaN");
        QTest::newRow("negative, in parentheses") << QStringLiteral("alpha (-0.0012345678) at step 3")
                                                  << QStringLiteral("alpha (-0.001235) at step 3");
    }

    void engineNumbersAreTidied()
    {
        QFETCH(QString, engine);
        QFETCH(QString, shown);
        QCOMPARE(tidyNumbers(engine), shown);
    }

    void snapshotsArriveOnTheGuiThread()
    {
        TrainWorker worker;
        const QString runDir = m_dir.filePath(QStringLiteral("complete"));
        QList<StepSample> samples;
        int stepSignals = 0, progressSignals = 0, offThread = 0;
        std::optional<TrainProgress> lastProgress;
        QList<EpochSample> epochs;
        QStringList messages;
        QThread *gui = QThread::currentThread();
        connect(&worker, &TrainWorker::steps, this, [&](const QList<StepSample> &batch) {
            offThread += QThread::currentThread() != gui;
            ++stepSignals;
            samples << batch;
        });
        connect(&worker, &TrainWorker::progress, this, [&](const TrainProgress &p) {
            offThread += QThread::currentThread() != gui;
            ++progressSignals;
            lastProgress = p;
        });
        connect(&worker, &TrainWorker::epochFinished, this, [&](const EpochSample &e) {
            offThread += QThread::currentThread() != gui;
            epochs << e;
        });
        connect(&worker, &TrainWorker::message, this, [&](const QString &line) { messages << line; });
        QSignalSpy finished(&worker, &TrainWorker::finished);
        QSignalSpy failed(&worker, &TrainWorker::failed);
        QSignalSpy states(&worker, &TrainWorker::stateChanged);

        // An interval longer than the run makes the coalescing visible: the first step goes out at once, the
        // rest wait for the flushes that epoch results and message lines force (so those follow their steps).
        worker.setProgressInterval(60000);
        QElapsedTimer clock;
        clock.start();
        QVERIFY(worker.start(tinyConfig(2), runDir));
        QCOMPARE(worker.state(), TrainWorker::State::Running);
        QVERIFY(worker.isBusy());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        const qint64 elapsed = clock.elapsed();
        QCOMPARE(failed.count(), 0);
        QCOMPARE(finished.first().at(0).value<TrainOutcome>(), TrainOutcome::Completed);
        QCOMPARE(worker.state(), TrainWorker::State::Finished);
        QCOMPARE(worker.lastOutcome(), std::optional<TrainOutcome>(TrainOutcome::Completed));
        QCOMPARE(offThread, 0);

        // Every step, in order, exactly once; the last progress is the end of the last epoch.
        QCOMPARE(samples.size(), 8);
        for (int i = 0; i < samples.size(); ++i)
            QCOMPARE(samples[i].step, qint64(i + 1));
        QVERIFY(lastProgress);
        QCOMPARE(lastProgress->step, qint64(8));
        QCOMPARE(lastProgress->epoch, qint64(1));
        QCOMPARE(lastProgress->batch, lastProgress->batchesPerEpoch);
        QCOMPARE(stepsLeft(*lastProgress), qint64(0));
        // Coalesced: one delivery per interval at most, plus the forced flushes (epochs, messages, the end).
        const int forced = int(epochs.size() + messages.size()) + 1;
        QVERIFY2(stepSignals <= elapsed / 60000 + 1 + forced && stepSignals < samples.size(),
                 qPrintable(QStringLiteral("%1 step deliveries in %2 ms").arg(stepSignals).arg(elapsed)));
        QVERIFY(progressSignals >= 1);
        QVERIFY(progressSignals <= stepSignals);

        QCOMPARE(epochs.size(), 2);
        QCOMPARE(epochs[0].epoch, qint64(0));
        QCOMPARE(epochs[1].epoch, qint64(1));
        QVERIFY(messages.size() >= 2); // "epoch 1/2: ...", "epoch 2/2: ..."
        QVERIFY(messages.last().startsWith(QStringLiteral("epoch 2/2")));
        QCOMPARE(states.first().at(0).value<TrainWorker::State>(), TrainWorker::State::Running);

        // The same run directory as `quantscope-cli train`.
        for (const char *name : {"config.ini", "metrics.jsonl", "last.qsckpt", "best.qsckpt"})
            QVERIFY2(QFile::exists(QDir(runDir).filePath(QString::fromLatin1(name))), name);
        QCOMPARE(stepRecords(readMetrics(runDir)), (QList<qint64>{1, 2, 3, 4, 5, 6, 7, 8}));
    }

    void pauseThenResumeContinues()
    {
        TrainWorker worker;
        const QString runDir = m_dir.filePath(QStringLiteral("paused"));
        QList<qint64> seen;
        connect(&worker, &TrainWorker::steps, this, [&](const QList<StepSample> &batch) {
            for (const auto &s : batch)
                seen << s.step;
        });
        QSignalSpy finished(&worker, &TrainWorker::finished);
        worker.setPauseAtStep(2); // deterministic: the engine is asked to stop right after step 2
        QVERIFY(worker.start(tinyConfig(1), runDir));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QCOMPARE(worker.state(), TrainWorker::State::Paused);
        QCOMPARE(finished.first().at(0).value<TrainOutcome>(), TrainOutcome::Stopped);
        QVERIFY(TrainWorker::canResume(runDir));
        QCOMPARE(seen, (QList<qint64>{1, 2}));

        QVERIFY(worker.resume());
        QCOMPARE(worker.state(), TrainWorker::State::Running);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kTimeoutMs);
        QCOMPARE(finished.last().at(0).value<TrainOutcome>(), TrainOutcome::Completed);
        QCOMPARE(worker.state(), TrainWorker::State::Finished);
        QCOMPARE(seen, (QList<qint64>{1, 2, 3, 4}));

        const auto records = readMetrics(runDir);
        QCOMPARE(stepRecords(records), (QList<qint64>{1, 2, 3, 4}));
        bool sawStop = false, sawResume = false;
        for (const auto &r : records) {
            const QString type = r.value(QStringLiteral("type")).toString();
            if (type == QStringLiteral("stop")) {
                sawStop = true;
                QCOMPARE(r.value(QStringLiteral("step")).toInteger(), qint64(2));
            }
            if (type == QStringLiteral("resume")) {
                sawResume = true;
                QVERIFY(sawStop);
                QCOMPARE(r.value(QStringLiteral("step")).toInteger(), qint64(2));
            }
        }
        QVERIFY(sawResume);
    }

    void pauseAndStopFromTheGui()
    {
        // A run long enough that pause() lands mid-run: the first delivered steps trigger it.
        TrainWorker worker;
        worker.setProgressInterval(0);
        const QString runDir = m_dir.filePath(QStringLiteral("gui-pause"));
        QSignalSpy finished(&worker, &TrainWorker::finished);
        QList<TrainWorker::State> states;
        connect(&worker, &TrainWorker::stateChanged, this, [&](TrainWorker::State s) { states << s; });
        connect(&worker, &TrainWorker::steps, &worker, &TrainWorker::pause);
        QVERIFY(worker.start(tinyConfig(200), runDir));
        QVERIFY(!worker.start(tinyConfig(1), m_dir.filePath(QStringLiteral("busy")))); // one run at a time
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QCOMPARE(states, (QList<TrainWorker::State>{TrainWorker::State::Running, TrainWorker::State::Pausing,
                                                    TrainWorker::State::Paused}));
        QVERIFY(TrainWorker::canResume(runDir));
        // Stop while paused: nothing runs, the state says so and the checkpoint stays.
        worker.stop();
        QCOMPARE(worker.state(), TrainWorker::State::Stopped);
        QVERIFY(TrainWorker::canResume(runDir));

        // Resume it, then stop() for real mid-run.
        disconnect(&worker, &TrainWorker::steps, &worker, &TrainWorker::pause);
        connect(&worker, &TrainWorker::steps, &worker, &TrainWorker::stop);
        QVERIFY(worker.resume(runDir));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kTimeoutMs);
        QCOMPARE(finished.last().at(0).value<TrainOutcome>(), TrainOutcome::Stopped);
        QCOMPARE(worker.state(), TrainWorker::State::Stopped);
        const auto steps = stepRecords(readMetrics(runDir));
        QVERIFY(steps.size() >= 2);
        for (int i = 0; i < steps.size(); ++i)
            QCOMPARE(steps[i], qint64(i + 1)); // continued, never repeated
        QVERIFY(steps.size() < 800);
    }

    void destructorLeavesAResumableRun()
    {
        const QString runDir = m_dir.filePath(QStringLiteral("closed"));
        QElapsedTimer clock;
        {
            auto worker = std::make_unique<TrainWorker>();
            QSignalSpy steps(worker.get(), &TrainWorker::steps);
            QVERIFY(worker->start(tinyConfig(200), runDir));
            QTRY_VERIFY_WITH_TIMEOUT(steps.count() > 0, kTimeoutMs);
            clock.start();
        } // stops after the current step and joins
        QVERIFY2(clock.elapsed() < 30000, "the destructor waited for the whole run");
        QVERIFY(TrainWorker::canResume(runDir));
        QVERIFY(!readMetrics(runDir).isEmpty());
        QCOMPARE(readMetrics(runDir).last().value(QStringLiteral("type")).toString(), QStringLiteral("stop"));
    }

    void badConfigsFailWithOneLine_data()
    {
        QTest::addColumn<QString>("what");
        QTest::newRow("undefined bits") << QStringLiteral("bits");
        QTest::newRow("missing data") << QStringLiteral("data");
        QTest::newRow("run dir taken") << QStringLiteral("taken");
        QTest::newRow("nothing to resume") << QStringLiteral("resume");
    }

    void badConfigsFailWithOneLine()
    {
        QFETCH(QString, what);
        TrainWorker worker;
        QSignalSpy failed(&worker, &TrainWorker::failed);
        QSignalSpy finished(&worker, &TrainWorker::finished);
        TrainConfig config = tinyConfig(1);
        QString runDir = m_dir.filePath(QStringLiteral("bad-") + what);
        bool started = true;
        if (what == QStringLiteral("bits")) {
            config.method = "apot";
            config.wbits = 9;
            started = worker.start(config, runDir);
        } else if (what == QStringLiteral("data")) {
            config.dataset = "cifar10:" + m_dir.filePath(QStringLiteral("no-such-dir")).toStdString();
            started = worker.start(config, runDir);
        } else if (what == QStringLiteral("taken")) {
            runDir = m_dir.filePath(QStringLiteral("complete")); // written by the first test
            QVERIFY(QFile::exists(QDir(runDir).filePath(QStringLiteral("metrics.jsonl"))));
            started = worker.start(config, runDir);
        } else {
            started = worker.resume(runDir);
        }
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
        const QString line = failed.first().at(0).toString();
        QVERIFY(!line.isEmpty());
        QVERIFY2(!line.contains(QLatin1Char('\n')), qPrintable(line));
        QCOMPARE(finished.count(), 0);
        if (started) {
            QCOMPARE(worker.state(), TrainWorker::State::Failed);
        } else {
            QCOMPARE(what, QStringLiteral("resume")); // refused before a thread is involved
            QCOMPARE(worker.state(), TrainWorker::State::Idle);
        }
        if (what == QStringLiteral("bits"))
            QVERIFY2(line.contains(QStringLiteral("wbits")), qPrintable(line));
        if (what == QStringLiteral("data"))
            QVERIFY2(line.contains(QStringLiteral("no-such-dir")), qPrintable(line));
        // The worker is usable again after a failure.
        QVERIFY(!worker.isBusy());
    }

    void timeLeftFromRecentSteps()
    {
        StepRate rate(10.0);
        QVERIFY(!rate.rate());
        rate.add(0.0, 0);
        QVERIFY(!rate.rate());
        rate.add(1.0, 10);
        rate.add(2.0, 20);
        QCOMPARE(*rate.rate(), 10.0);
        QCOMPARE(*rate.secondsLeft(50), 5.0);
        // A slow start falls out of the window.
        rate.add(20.0, 200);
        rate.add(21.0, 210);
        QCOMPARE(*rate.rate(), 10.0);
        // A new session (resume: steps and clock go back) starts over.
        rate.add(0.5, 100);
        QVERIFY(!rate.rate());

        TrainProgress p;
        p.epoch = 1;
        p.epochs = 3;
        p.batch = 5;
        p.batchesPerEpoch = 10;
        p.step = 15;
        QCOMPARE(stepsLeft(p), qint64(15));
        QCOMPARE(stepsLeft(p, 20), qint64(5));
        QCOMPARE(formatDuration(65.4), QStringLiteral("01:05"));
        QCOMPARE(formatDuration(3725), QStringLiteral("1:02:05"));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestTrainWorker)
#include "tst_trainworker.moc"
