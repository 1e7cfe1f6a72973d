#pragma once
// One kind of cancellable background job of a view (the Model view's sweeps and activation capture): its own
// WorkerThread, the Run and Cancel buttons and the progress bar that go with it. Latest start wins: a job's
// progress and result reach the GUI only while it is the current one.

#include "ui/threading/workerthread.h"

#include <QObject>
#include <QString>

#include <functional>

QT_BEGIN_NAMESPACE
class QProgressBar;
class QPushButton;
QT_END_NAMESPACE

namespace qs::ui {

class BackgroundJob final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BackgroundJob)

public:
    // Called by the work after each step; false once the job is cancelled (the work should stop).
    using Progress = std::function<bool(int done, int total)>;
    // What the work hands back to apply its result on the GUI thread.
    using Finish = std::function<void()>;

    // Any of the buttons and the bar may be null: a job the view starts by itself (the Deploy page's plan,
    // which follows every setting) has no Run button, and one that cannot report steps has no bar.
    BackgroundJob(const QString &threadName, QPushButton *startButton, QPushButton *cancelButton,
                  QProgressBar *progress, QObject *parent = nullptr);
    ~BackgroundJob() override; // cancels the running job and waits for the thread

    bool running() const { return m_running; }

    // Cancels the running job, then runs `work` on the job's thread. The Finish it returns runs on the GUI
    // thread (the bar at 100 %) unless the job was cancelled by then; a std::exception thrown by `work`
    // reaches `failed` with its what() instead (the bar reads "failed").
    void start(std::function<Finish(const Progress &)> work, std::function<void(const QString &)> failed);
    // True when a job was running: its result is dropped from now on and the GUI is free at once.
    bool cancel();
    void resetProgress(); // an empty bar, e.g. for a new model

private:
    void setIdle();

    QPushButton *m_startButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QProgressBar *m_progress = nullptr;
    bool m_running = false;
    WorkerThread m_thread; // last: joined before the members above go
};

} // namespace qs::ui
