#pragma once
// Training from the GUI: one run at a time on the worker's own WorkerThread through core/train/trainer.h (the
// same run directory as `quantscope-cli train`). The engine's callbacks arrive on the worker thread; they are
// turned into value snapshots handed to the GUI thread coalesced (house style: a mutex-protected buffer, one
// queued wake-up, a flush at most every progressInterval): progress and batched step samples at most every
// 100 ms, epoch results and message lines always. Nothing throws across the thread boundary: a failure is
// failed() with core's one-line error.
//
// States: Idle -> Running -> (Pausing ->) Paused -> Running -> Finished | Stopped | Diverged | Failed.
// pause() and stop() both set the engine's stop flag, so the run writes a resumable last.qsckpt after the
// current step; they differ in what the UI offers next (Paused: Resume; Stopped: only "Resume run...").

#include "core/train/trainer.h"
#include "ui/threading/workerthread.h"

#include <QElapsedTimer>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace qs::ui {

class TrainWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrainWorker)

public:
    enum class State
    {
        Idle,
        Running,
        Pausing,  // stop flag set, the engine finishes its step and writes last.qsckpt
        Stopping, // the same, ending in Stopped
        Paused,
        Finished, // completed, or max_steps reached
        Stopped,
        Diverged,
        Failed
    };
    Q_ENUM(State)

    explicit TrainWorker(QObject *parent = nullptr);
    ~TrainWorker() override; // pause semantics: the run stays resumable; joins the thread

    // A new run in runDir (created; must not hold a run). False, with failed(), when a run is in progress.
    // Bad configuration or data arrive as failed(one line) from the worker thread.
    bool start(const TrainConfig &config, const QString &runDir);
    // Continues runDir (default: the current run) from its last.qsckpt.
    bool resume(const QString &runDir = QString());
    void pause();
    void stop();

    State state() const { return m_state; }
    static QString stateName(State state);
    bool isBusy() const; // Running, Pausing or Stopping: the worker thread is in the engine
    QString runDir() const { return m_runDir; }
    std::optional<TrainOutcome> lastOutcome() const { return m_lastOutcome; }
    static bool canResume(const QString &runDir); // last.qsckpt or (a restart) config.ini exists
    // Intra-op threads for a run whose config leaves it to the machine (threads = 0): every core but one.
    static int defaultTrainingThreads();

    // Minimum time between two progress/steps deliveries (default 100 ms).
    void setProgressInterval(int milliseconds);
    int progressInterval() const { return m_progressInterval; }
    // Pauses by itself once the engine reports this global step (0: never). Tests and "run N steps".
    void setPauseAtStep(int64_t step) { m_pauseAtStep.store(step); }
    // Processes events until no run is in progress (or the timeout passes); true when idle.
    bool waitUntilIdle(int timeoutMs);

Q_SIGNALS:
    void stateChanged(qs::ui::TrainWorker::State state);
    void progress(const qs::TrainProgress &progress);  // the latest, throttled
    void steps(const QList<qs::StepSample> &samples);  // every step since the last delivery, in order
    void epochFinished(const qs::EpochSample &sample); // always delivered
    void message(const QString &line);                 // always delivered
    void finished(qs::TrainOutcome outcome, const QString &message);
    void failed(const QString &line);

private:
    void launch(bool resume, const TrainConfig &config, const QString &runDir);
    void setState(State state);
    void postWake(); // worker thread: one queued wake-up per flush
    void onWake();   // GUI thread: flush now or when the interval has passed
    void flush();    // GUI thread: emit what the worker buffered
    void onRunEnded(std::optional<TrainResult> result, const QString &error);

    QTimer *m_flushTimer = nullptr;
    std::atomic<bool> m_stop{false};
    std::atomic<int64_t> m_pauseAtStep{0};
    bool m_stopMeansPause = true;

    // Filled by the worker thread, drained by flush() on the GUI thread.
    std::mutex m_mutex;
    QList<StepSample> m_pendingSteps;
    std::optional<TrainProgress> m_pendingProgress;
    bool m_wakePosted = false;

    // GUI thread only.
    QElapsedTimer m_clock;
    qint64 m_lastFlushMs = -1000000; // long ago: the first delivery goes out at once

    State m_state = State::Idle;
    QString m_runDir;
    std::optional<TrainOutcome> m_lastOutcome;
    int m_progressInterval = 100;

    WorkerThread m_thread; // last: joined before the members the run uses go
};

// Time left from the rate of recent steps (a sliding window, so a slow start or an evaluation pause fades
// out).
class StepRate
{
public:
    explicit StepRate(double windowSeconds = 20.0) : m_window(windowSeconds) {}
    void reset() { m_points.clear(); }
    void add(double seconds, int64_t step);
    // Steps per second over the window; nullopt until two points span some time.
    std::optional<double> rate() const;
    std::optional<double> secondsLeft(int64_t stepsLeft) const;

private:
    double m_window;
    std::deque<std::pair<double, int64_t>> m_points;
};

// Steps still to run after `p` (to the end of the last epoch, or to maxSteps when that comes first).
int64_t stepsLeft(const TrainProgress &p, int64_t maxSteps = 0);
// "mm:ss" or "h:mm:ss".
QString formatDuration(double seconds);
// An engine line for people: core writes numbers in full round-trip precision ("test
// top-1 85.30999999999999%", "loss 2.3025850929940455"); here a percentage gets two decimals and any other
// number with a fraction four significant digits ("85.31%", "2.303"). Integers (steps, epochs) and numbers
// inside words or paths stay.
QString tidyNumbers(const QString &line);

} // namespace qs::ui

Q_DECLARE_METATYPE(qs::StepSample)
Q_DECLARE_METATYPE(qs::EpochSample)
Q_DECLARE_METATYPE(qs::TrainProgress)
Q_DECLARE_METATYPE(qs::TrainOutcome)
