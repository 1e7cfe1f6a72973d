// The thread helper every background job of the GUI runs on: jobs run off the GUI thread in order, what they
// deliver arrives on the GUI thread, cancel() stops the running job and drops what it delivers (latest wins),
// and the destructor waits for the running job to return.

#include "ui/threading/workerthread.h"

#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

using namespace qs::ui;

namespace {

constexpr int kTimeoutMs = 30000;

// Spins until the job is cancelled (or a generous limit passes, so a broken cancel fails instead of hanging).
void waitForCancel(const WorkerThread::Job &job)
{
    for (int i = 0; i < 60000 && !job.cancelled(); ++i)
        QThread::msleep(1);
}

} // namespace

class TestWorkerThread final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void jobRunsOffTheGuiThreadAndDeliversOnIt()
    {
        QThread *gui = QThread::currentThread();
        std::atomic<QThread *> ranOn{nullptr}, startedOn{nullptr};
        QThread *deliveredOn = nullptr, *postedOn = nullptr;
        int result = 0;
        WorkerThread thread(QStringLiteral("testWorker"), [&] { startedOn = QThread::currentThread(); });
        QVERIFY(thread.run([&](const WorkerThread::Job &job) {
            ranOn = QThread::currentThread();
            QCOMPARE(QThread::currentThread()->objectName(), QStringLiteral("testWorker"));
            const int value = 6 * 7; // the work
            job.deliver([&, value] {
                deliveredOn = QThread::currentThread();
                result = value;
            });
            thread.post([&] { postedOn = QThread::currentThread(); });
        }));
        QTRY_COMPARE_WITH_TIMEOUT(result, 42, kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(postedOn != nullptr, kTimeoutMs);
        QVERIFY(ranOn.load() != nullptr);
        QVERIFY(ranOn.load() != gui);
        QCOMPARE(startedOn.load(), ranOn.load()); // the start hook ran on the same thread, first
        QCOMPARE(deliveredOn, gui);
        QCOMPARE(postedOn, gui);
    }

    void jobsRunInOrder()
    {
        WorkerThread thread(QStringLiteral("ordered"));
        QList<int> order;
        for (int i = 0; i < 5; ++i)
            thread.run(
                [&order, i](const WorkerThread::Job &job) { job.deliver([&order, i] { order << i; }); });
        QTRY_COMPARE_WITH_TIMEOUT(order.size(), 5, kTimeoutMs);
        QCOMPARE(order, (QList<int>{0, 1, 2, 3, 4}));
    }

    void cancelStopsTheJobAndDropsWhatItDelivers()
    {
        WorkerThread thread(QStringLiteral("cancelled"));
        std::atomic<bool> started{false};
        bool delivered = false, returned = false, queuedRan = false, laterDelivered = false;
        thread.run([&](const WorkerThread::Job &job) {
            started = true;
            waitForCancel(job);
            job.deliver([&] { delivered = true; }); // cancelled: dropped
            thread.post([&] { returned = true; });  // post() always arrives
        });
        thread.run([&](const WorkerThread::Job &) { queuedRan = true; }); // cancelled before its turn
        QTRY_VERIFY_WITH_TIMEOUT(started.load(), kTimeoutMs);
        thread.cancel();
        // A job queued after cancel() is not affected: the latest one wins.
        thread.run([&](const WorkerThread::Job &job) { job.deliver([&] { laterDelivered = true; }); });
        QTRY_VERIFY_WITH_TIMEOUT(returned, kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(laterDelivered, kTimeoutMs);
        QVERIFY(!delivered);
        QVERIFY(!queuedRan);
    }

    void destructorWaitsForTheRunningJob()
    {
        auto finished = std::make_shared<std::atomic<bool>>(false);
        auto started = std::make_shared<std::atomic<bool>>(false);
        bool delivered = false;
        {
            auto thread = std::make_unique<WorkerThread>(QStringLiteral("joined"));
            thread->run([finished, started, &delivered](const WorkerThread::Job &job) {
                started->store(true);
                waitForCancel(job);   // the destructor cancels
                QThread::msleep(200); // the job's last step, which the destructor must wait for
                finished->store(true);
                job.deliver([&delivered] { delivered = true; });
            });
            QTRY_VERIFY_WITH_TIMEOUT(started->load(), kTimeoutMs);
        } // ~WorkerThread: cancel, wait
        QVERIFY(finished->load());
        QCoreApplication::processEvents();
        QVERIFY(!delivered); // nothing reaches the GUI after the helper is gone
    }

    void nothingRunsAfterStopAndWait()
    {
        WorkerThread thread(QStringLiteral("stopped"));
        thread.stopAndWait();
        QVERIFY(thread.isStopped());
        bool ran = false;
        QVERIFY(!thread.run([&ran](const WorkerThread::Job &) { ran = true; }));
        thread.stopAndWait(); // idempotent
        QCoreApplication::processEvents();
        QVERIFY(!ran);
    }
};

QTEST_MAIN(TestWorkerThread)
#include "tst_workerthread.moc"
