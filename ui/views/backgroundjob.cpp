#include "ui/views/backgroundjob.h"

#include <QProgressBar>
#include <QPushButton>
#include <QThread>

namespace qs::ui {

namespace {

constexpr int kPermille = 1000;

QString oneLine(QString text)
{
    const auto nl = text.indexOf(QLatin1Char('\n'));
    if (nl >= 0)
        text.truncate(nl);
    return text;
}

} // namespace

BackgroundJob::BackgroundJob(const QString &threadName, QPushButton *startButton, QPushButton *cancelButton,
                             QProgressBar *progress, QObject *parent)
    : QObject(parent), m_startButton(startButton), m_cancelButton(cancelButton), m_progress(progress)
{
    m_thread = new QThread;
    m_thread->setObjectName(threadName);
    m_worker = new QObject;
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
    m_cancelButton->setEnabled(false);
    resetProgress();
}

BackgroundJob::~BackgroundJob()
{
    if (m_cancelFlag)
        m_cancelFlag->store(true);
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

void BackgroundJob::start(std::function<Finish(const Progress &)> work,
                          std::function<void(const QString &)> failed)
{
    cancel();
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    m_cancelFlag = cancelled;
    const int generation = ++m_generation;
    m_running = true;
    m_startButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_progress->setRange(0, kPermille);
    m_progress->setValue(0);
    m_progress->setFormat(QStringLiteral("%p%"));
    QMetaObject::invokeMethod(
        m_worker, [this, work = std::move(work), failed = std::move(failed), cancelled, generation] {
            int lastPermille = -1;
            const Progress progress = [&](int done, int total) {
                if (cancelled->load())
                    return false;
                const int permille = total > 0 ? done * kPermille / total : kPermille;
                if (permille != lastPermille) { // throttled at the source: at most 1000 updates
                    lastPermille = permille;
                    QMetaObject::invokeMethod(
                        this,
                        [this, generation, permille] {
                            if (generation == m_generation)
                                m_progress->setValue(permille);
                        },
                        Qt::QueuedConnection);
                }
                return true;
            };
            Finish finish;
            QString error;
            try {
                finish = work(progress);
            } catch (const std::exception &e) {
                error = oneLine(QString::fromStdString(e.what()));
            }
            QMetaObject::invokeMethod(
                this,
                [this, generation, finish = std::move(finish), failed, error, cancelled] {
                    if (generation != m_generation)
                        return; // cancelled, or superseded by a newer start
                    setIdle();
                    if (!error.isEmpty()) {
                        m_progress->setFormat(QStringLiteral("failed"));
                        failed(error);
                        return;
                    }
                    if (cancelled->load() || !finish) {
                        m_progress->setFormat(QStringLiteral("cancelled at %p%"));
                        return;
                    }
                    m_progress->setValue(kPermille);
                    finish();
                },
                Qt::QueuedConnection);
        });
}

bool BackgroundJob::cancel()
{
    if (m_cancelFlag)
        m_cancelFlag->store(true);
    if (!m_running)
        return false;
    ++m_generation; // the running job's result is ignored from now on
    setIdle();
    m_progress->setFormat(QStringLiteral("cancelled at %p%"));
    return true;
}

void BackgroundJob::resetProgress()
{
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(QStringLiteral("%p%"));
}

void BackgroundJob::setIdle()
{
    m_running = false;
    m_startButton->setEnabled(true);
    m_cancelButton->setEnabled(false);
}

} // namespace qs::ui
