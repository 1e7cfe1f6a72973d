#include "ui/threading/workerthread.h"

#include <QThread>

namespace qs::ui {

void WorkerThread::Job::deliver(std::function<void()> f) const
{
    m_owner->post([cancelled = m_cancelled, f = std::move(f)] {
        if (!cancelled->load())
            f();
    });
}

WorkerThread::WorkerThread(const QString &name, std::function<void()> onStarted, QObject *parent)
    : QObject(parent), m_cancelled(std::make_shared<std::atomic<bool>>(false))
{
    m_thread = new QThread;
    m_thread->setObjectName(name);
    m_context = new QObject;
    m_context->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread->start();
    if (onStarted)
        QMetaObject::invokeMethod(m_context, std::move(onStarted)); // first in the queue
}

WorkerThread::~WorkerThread()
{
    stopAndWait();
}

bool WorkerThread::run(std::function<void(const Job &)> job)
{
    if (!m_thread)
        return false;
    auto cancelled = m_cancelled;
    QMetaObject::invokeMethod(m_context, [this, job = std::move(job), cancelled] {
        if (!cancelled->load())
            job(Job(this, cancelled));
    });
    return true;
}

void WorkerThread::cancel()
{
    m_cancelled->store(true);
    m_cancelled = std::make_shared<std::atomic<bool>>(false);
}

void WorkerThread::post(std::function<void()> f)
{
    // Queued to this object: Qt drops it if the object is destroyed first, and the destructor joins the
    // thread before that, so a job never posts to a dead object.
    QMetaObject::invokeMethod(this, std::move(f), Qt::QueuedConnection);
}

void WorkerThread::stopAndWait()
{
    if (!m_thread)
        return;
    cancel();
    m_thread->quit(); // after the running job: queued jobs after it are dropped with the context
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    m_context = nullptr; // deleted by the finished thread's deleteLater
}

} // namespace qs::ui
