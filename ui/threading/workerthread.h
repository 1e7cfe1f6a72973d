#pragma once
// One thread owned by a GUI-thread object, for work that must not block the GUI: jobs run on it one after
// the other, each with a cancel flag it polls; what a job hands back runs on the GUI thread. The destructor
// cancels, lets the running job return and joins, so no job outlives its owner. Used by the training worker,
// the Model view's background jobs and its whole-model analysis.

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QThread;
QT_END_NAMESPACE

namespace qs::ui {

class WorkerThread final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkerThread)

public:
    // What a running job sees of itself.
    class Job
    {
    public:
        bool cancelled() const { return m_cancelled->load(); }
        // For an engine that polls a flag itself.
        const std::atomic<bool> *cancelFlag() const { return m_cancelled.get(); }
        // Runs `f` on the GUI thread, unless this job is cancelled by then: the latest job wins.
        void deliver(std::function<void()> f) const;

    private:
        friend class WorkerThread;
        Job(WorkerThread *owner, std::shared_ptr<std::atomic<bool>> cancelled)
            : m_owner(owner), m_cancelled(std::move(cancelled))
        {}
        WorkerThread *m_owner;
        std::shared_ptr<std::atomic<bool>> m_cancelled;
    };

    // Starts the thread at once; `onStarted`, when given, runs on it before any job (e.g. to lower its
    // priority).
    explicit WorkerThread(const QString &name, std::function<void()> onStarted = {},
                          QObject *parent = nullptr);
    ~WorkerThread() override; // stopAndWait()

    // Queues `job` behind the ones before it and returns at once. A job cancelled before its turn is skipped.
    // False (and nothing queued) after stopAndWait().
    bool run(std::function<void(const Job &)> job);
    // Cancels every job queued or running now; jobs run() later are not affected.
    void cancel();
    // Runs `f` on the GUI thread whether or not the job was cancelled (dropped only once this object is
    // gone). Safe from any thread.
    void post(std::function<void()> f);
    // Cancels, waits for the running job to return and ends the thread. Idempotent; the owner's destructor
    // calls it before the members its jobs use go away.
    void stopAndWait();

    bool isStopped() const { return m_thread == nullptr; }

private:
    QThread *m_thread = nullptr;
    QObject *m_context = nullptr; // lives on m_thread: jobs are functors invoked on it
    std::shared_ptr<std::atomic<bool>> m_cancelled;
};

} // namespace qs::ui
