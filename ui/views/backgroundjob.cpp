#include "ui/views/backgroundjob.h"

#include <QProgressBar>
#include <QPushButton>

#include <optional>

namespace qs::ui {

namespace {
constexpr int kPermille = 1000;
} // namespace

BackgroundJob::BackgroundJob(const QString &threadName, QPushButton *startButton, QPushButton *cancelButton,
                             QProgressBar *progress, QObject *parent)
    : QObject(parent), m_startButton(startButton), m_cancelButton(cancelButton), m_progress(progress),
      m_thread(threadName)
{
    if (m_cancelButton)
        m_cancelButton->setEnabled(false);
    resetProgress();
}

BackgroundJob::~BackgroundJob()
{
    m_thread.stopAndWait();
}

void BackgroundJob::start(std::function<Finish(const Progress &)> work,
                          std::function<void(const QString &)> failed)
{
    cancel();
    m_running = true;
    if (m_startButton)
        m_startButton->setEnabled(false);
    if (m_cancelButton)
        m_cancelButton->setEnabled(true);
    if (m_progress) {
        m_progress->setRange(0, kPermille);
        m_progress->setValue(0);
        m_progress->setFormat(QStringLiteral("%p%"));
    }
    // What the job delivers reaches the GUI only while it is the current one (WorkerThread::Job::deliver).
    m_thread.run([this, work = std::move(work), failed = std::move(failed)](const WorkerThread::Job &job) {
        int lastPermille = -1;
        const Progress progress = [&](int done, int total) {
            if (job.cancelled())
                return false;
            const int permille = total > 0 ? done * kPermille / total : kPermille;
            if (m_progress && permille != lastPermille) { // throttled at the source: at most 1000 updates
                lastPermille = permille;
                job.deliver([this, permille] { m_progress->setValue(permille); });
            }
            return true;
        };
        Finish finish;
        std::optional<QString> error;
        try {
            finish = work(progress);
        } catch (const std::exception &e) {
            error = QString::fromStdString(e.what());
        }
        job.deliver([this, finish = std::move(finish), failed, error] {
            setIdle();
            if (error) {
                if (m_progress)
                    m_progress->setFormat(QStringLiteral("failed"));
                failed(*error);
                return;
            }
            if (!finish) {
                if (m_progress)
                    m_progress->setFormat(QStringLiteral("cancelled at %p%"));
                return;
            }
            if (m_progress)
                m_progress->setValue(kPermille);
            finish();
        });
    });
}

bool BackgroundJob::cancel()
{
    m_thread.cancel(); // the running job's progress and result are dropped from now on
    if (!m_running)
        return false;
    setIdle();
    if (m_progress)
        m_progress->setFormat(QStringLiteral("cancelled at %p%"));
    return true;
}

void BackgroundJob::resetProgress()
{
    if (!m_progress)
        return;
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(QStringLiteral("%p%"));
}

void BackgroundJob::setIdle()
{
    m_running = false;
    if (m_startButton)
        m_startButton->setEnabled(true);
    if (m_cancelButton)
        m_cancelButton->setEnabled(false);
}

} // namespace qs::ui
