#include "ui/training/trainworker.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QRegularExpression>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cerrno>
#include <cmath>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace qs::ui {

namespace {

// The training thread (and the intra-op threads it spawns, which inherit it) yields to the GUI thread: at
// nice +5 a nice-0 thread weighs about 3x as much for the scheduler, so input is handled promptly while every
// core trains. Throughput is unchanged when the GUI is idle. QUANTSCOPE_TRAIN_NICE=0 turns it off.
void yieldToGui()
{
#ifdef Q_OS_LINUX
    bool ok = false;
    int increment = qEnvironmentVariableIntValue("QUANTSCOPE_TRAIN_NICE", &ok);
    if (!ok)
        increment = 5;
    if (increment <= 0)
        return;
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    errno = 0;
    const int current = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0)
        ::setpriority(PRIO_PROCESS, tid, std::min(current + increment, 19));
#endif
}

// LibTorch's OpenMP workers meet at a barrier in every parallel region, so one of them preempted by the GUI
// thread stalls them all: with as many workers as cores a training step in the GUI ran many times slower than
// in the CLI. Unless the run asks for a count, the GUI leaves one core to itself.
int trainingThreads(int configured)
{
    return configured > 0 ? configured : TrainWorker::defaultTrainingThreads();
}

} // namespace

int TrainWorker::defaultTrainingThreads()
{
    return std::max(1, QThread::idealThreadCount() - 1);
}

TrainWorker::TrainWorker(QObject *parent)
    : QObject(parent), m_thread(QStringLiteral("training"), [] { yieldToGui(); })
{
    qRegisterMetaType<qs::StepSample>();
    qRegisterMetaType<qs::EpochSample>();
    qRegisterMetaType<qs::TrainProgress>();
    qRegisterMetaType<qs::TrainOutcome>();
    qRegisterMetaType<QList<qs::StepSample>>();

    m_clock.start();
    m_flushTimer = new QTimer(this);
    m_flushTimer->setSingleShot(true);
    connect(m_flushTimer, &QTimer::timeout, this, &TrainWorker::flush);
}

TrainWorker::~TrainWorker()
{
    // Pause semantics: the engine writes last.qsckpt after its current step, so closing the window never
    // loses a run. What the run posts to the GUI after now is dropped with the thread helper.
    m_stop.store(true);
    m_thread.stopAndWait();
}

QString TrainWorker::stateName(State state)
{
    switch (state) {
    case State::Idle:
        return QStringLiteral("idle");
    case State::Running:
        return QStringLiteral("running");
    case State::Pausing:
        return QStringLiteral("pausing");
    case State::Stopping:
        return QStringLiteral("stopping");
    case State::Paused:
        return QStringLiteral("paused");
    case State::Finished:
        return QStringLiteral("finished");
    case State::Stopped:
        return QStringLiteral("stopped");
    case State::Diverged:
        return QStringLiteral("diverged");
    case State::Failed:
        return QStringLiteral("failed");
    }
    return QString();
}

bool TrainWorker::isBusy() const
{
    return m_state == State::Running || m_state == State::Pausing || m_state == State::Stopping;
}

bool TrainWorker::canResume(const QString &runDir)
{
    // A run killed before its first checkpoint has only config.ini: resuming restarts it in place.
    const QDir dir(runDir);
    return !runDir.isEmpty() && (QFileInfo(dir.filePath(QStringLiteral("last.qsckpt"))).isFile() ||
                                 QFileInfo(dir.filePath(QStringLiteral("config.ini"))).isFile());
}

void TrainWorker::setProgressInterval(int milliseconds)
{
    m_progressInterval = std::max(0, milliseconds);
}

bool TrainWorker::start(const TrainConfig &config, const QString &runDir)
{
    if (isBusy()) {
        Q_EMIT failed(QStringLiteral("a run is in progress; pause or stop it first"));
        return false;
    }
    if (runDir.isEmpty()) {
        Q_EMIT failed(QStringLiteral("no run directory given"));
        return false;
    }
    launch(false, config, runDir);
    return true;
}

bool TrainWorker::resume(const QString &runDir)
{
    if (isBusy()) {
        Q_EMIT failed(QStringLiteral("a run is in progress; pause or stop it first"));
        return false;
    }
    const QString dir = runDir.isEmpty() ? m_runDir : runDir;
    if (!canResume(dir)) {
        Q_EMIT failed(dir.isEmpty() ? QStringLiteral("no run to resume")
                                    : QStringLiteral("%1: no last.qsckpt or config.ini to resume from")
                                          .arg(QDir::toNativeSeparators(dir)));
        return false;
    }
    launch(true, TrainConfig{}, dir);
    return true;
}

void TrainWorker::pause()
{
    if (m_state != State::Running)
        return;
    m_stopMeansPause = true;
    m_stop.store(true);
    setState(State::Pausing);
}

void TrainWorker::stop()
{
    if (m_state == State::Running || m_state == State::Pausing) {
        m_stopMeansPause = false;
        m_stop.store(true);
        setState(State::Stopping);
    } else if (m_state == State::Paused) {
        setState(State::Stopped); // nothing runs; the run dir stays resumable through "Resume run..."
    }
}

bool TrainWorker::waitUntilIdle(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (isBusy() && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    QCoreApplication::processEvents();
    return !isBusy();
}

void TrainWorker::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void TrainWorker::launch(bool resume, const TrainConfig &config, const QString &runDir)
{
    m_stop.store(false);
    m_stopMeansPause = true;
    m_runDir = runDir;
    m_lastOutcome.reset();
    {
        std::lock_guard lock(m_mutex);
        m_pendingSteps.clear();
        m_pendingProgress.reset();
        m_wakePosted = false;
    }
    m_flushTimer->stop();
    setState(State::Running);

    const std::string dir = runDir.toStdString();
    // The run's end always reaches the GUI (post, not the job's deliver): pause and stop end a run through
    // the engine's own stop flag, never by cancelling the job.
    m_thread.run([this, resume, config, dir](const WorkerThread::Job &) {
        // Worker thread from here on: touch only m_mutex-guarded members and atomics; everything else goes
        // back through m_thread.post, which is dropped if this object is gone.
        TrainCallbacks callbacks;
        callbacks.onStep = [this](const StepSample &sample) {
            {
                std::lock_guard lock(m_mutex);
                m_pendingSteps.push_back(sample);
            }
            int64_t at = m_pauseAtStep.load();
            if (at > 0 && sample.step >= at && m_pauseAtStep.compare_exchange_strong(at, 0))
                m_stop.store(true); // m_stopMeansPause is true unless stop() ran: ends as Paused
            postWake();
        };
        callbacks.onProgress = [this](const TrainProgress &p) {
            {
                std::lock_guard lock(m_mutex);
                m_pendingProgress = p;
            }
            postWake();
        };
        callbacks.onEpoch = [this](const EpochSample &sample) {
            m_thread.post([this, sample] {
                flush(); // the epoch's steps first
                Q_EMIT epochFinished(sample);
            });
        };
        callbacks.onMessage = [this](const std::string &text) {
            const QString line = tidyNumbers(QString::fromStdString(text));
            m_thread.post([this, line] {
                flush();
                Q_EMIT message(line);
            });
        };
        std::optional<TrainResult> result;
        QString error;
        try {
            result = resume ? resumeTraining(dir, &m_stop, callbacks, trainingThreads(0))
                            : runTraining(config, dir, &m_stop, callbacks, trainingThreads(config.threads));
        } catch (const std::exception &e) {
            error = QString::fromStdString(e.what());
            if (error.isEmpty())
                error = QStringLiteral("training failed");
        } catch (...) {
            error = QStringLiteral("training failed with an unknown error");
        }
        m_thread.post([this, result, error] { onRunEnded(result, error); });
    });
}

void TrainWorker::postWake()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_wakePosted)
            return;
        m_wakePosted = true;
    }
    m_thread.post([this] { onWake(); });
}

void TrainWorker::onWake()
{
    const qint64 since = m_clock.elapsed() - m_lastFlushMs;
    if (since >= m_progressInterval)
        flush();
    else if (!m_flushTimer->isActive())
        m_flushTimer->start(int(m_progressInterval - since));
}

void TrainWorker::flush()
{
    QList<StepSample> samples;
    std::optional<TrainProgress> latest;
    {
        std::lock_guard lock(m_mutex);
        samples.swap(m_pendingSteps);
        latest.swap(m_pendingProgress);
        m_wakePosted = false;
    }
    m_flushTimer->stop();
    if (samples.isEmpty() && !latest)
        return;
    m_lastFlushMs = m_clock.elapsed();
    if (!samples.isEmpty())
        Q_EMIT steps(samples);
    if (latest)
        Q_EMIT progress(*latest);
}

void TrainWorker::onRunEnded(std::optional<TrainResult> result, const QString &error)
{
    flush();
    if (!result) {
        setState(State::Failed);
        Q_EMIT failed(error);
        return;
    }
    m_lastOutcome = result->outcome;
    switch (result->outcome) {
    case TrainOutcome::Completed:
    case TrainOutcome::MaxSteps:
        setState(State::Finished);
        break;
    case TrainOutcome::Stopped:
        setState(m_stopMeansPause ? State::Paused : State::Stopped);
        break;
    case TrainOutcome::Diverged:
        setState(State::Diverged);
        break;
    }
    Q_EMIT finished(result->outcome, tidyNumbers(QString::fromStdString(result->message)));
}

void StepRate::add(double seconds, int64_t step)
{
    if (!m_points.empty() && (step < m_points.back().second || seconds < m_points.back().first))
        m_points.clear(); // a new session (resume): its clock and steps start over
    m_points.emplace_back(seconds, step);
    while (m_points.size() > 2 && m_points.front().first < seconds - m_window)
        m_points.pop_front();
}

std::optional<double> StepRate::rate() const
{
    if (m_points.size() < 2)
        return std::nullopt;
    const double dt = m_points.back().first - m_points.front().first;
    const auto ds = m_points.back().second - m_points.front().second;
    if (dt <= 0 || ds <= 0)
        return std::nullopt;
    return double(ds) / dt;
}

std::optional<double> StepRate::secondsLeft(int64_t left) const
{
    const auto r = rate();
    if (!r)
        return std::nullopt;
    return double(std::max<int64_t>(0, left)) / *r;
}

int64_t stepsLeft(const TrainProgress &p, int64_t maxSteps)
{
    int64_t left = (p.epochs - p.epoch - 1) * p.batchesPerEpoch + (p.batchesPerEpoch - p.batch);
    if (maxSteps > 0)
        left = std::min(left, maxSteps - p.step);
    return std::max<int64_t>(0, left);
}

QString formatDuration(double seconds)
{
    const auto total = int64_t(std::llround(std::max(0.0, seconds)));
    const int64_t h = total / 3600, m = total / 60 % 60, s = total % 60;
    if (h > 0)
        return QStringLiteral("%1:%2:%3")
            .arg(h)
            .arg(m, 2, 10, QLatin1Char('0'))
            .arg(s, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(m, 2, 10, QLatin1Char('0')).arg(s, 2, 10, QLatin1Char('0'));
}

QString tidyNumbers(const QString &line)
{
    // A number with a fraction or an exponent, standing alone: after the start, a space, '(', '=' or ':' and
    // before the end, a space, '%', ',', ';', ')' or a sentence's full stop.
    static const QRegularExpression number(
        QStringLiteral("(?<=^|[\\s(=:])(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)(?=$|[\\s%,;)]|\\.(?:$|\\s))"));
    QString out;
    qsizetype last = 0;
    auto it = number.globalMatch(line);
    while (it.hasNext()) {
        const auto m = it.next();
        const QString text = m.captured(1);
        out += line.mid(last, m.capturedStart(1) - last);
        last = m.capturedEnd(1);
        const bool fractional = text.contains(QLatin1Char('.')) || text.contains(QLatin1Char('e')) ||
                                text.contains(QLatin1Char('E'));
        bool ok = false;
        const double value = text.toDouble(&ok);
        if (!fractional || !ok || !std::isfinite(value)) {
            out += text;
            continue;
        }
        const bool percent = last < line.size() && line.at(last) == QLatin1Char('%');
        out += percent ? QString::number(value, 'f', 2) : QString::number(value, 'g', 4);
    }
    out += line.mid(last);
    return out;
}

} // namespace qs::ui
