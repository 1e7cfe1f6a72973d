#pragma once
// The Train view's run controls, under the form and enabled while it is locked: why Start is disabled, Start
// / Pause / Resume / Stop, "Resume run...", the progress bar with the time left, and the failure or
// divergence banner.

#include "ui/training/trainworker.h"

#include <QString>
#include <QWidget>

#include <cstdint>

QT_BEGIN_NAMESPACE
class QLabel;
class QProgressBar;
class QPushButton;
QT_END_NAMESPACE

namespace qs::ui {

class RunControls final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunControls)

public:
    explicit RunControls(QWidget *parent = nullptr);

    QPushButton *startButton() const { return m_start; }
    QPushButton *pauseButton() const { return m_pause; }
    QPushButton *resumeButton() const { return m_resume; }
    QPushButton *stopButton() const { return m_stop; }
    QPushButton *resumeRunButton() const { return m_resumeRun; }
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *banner() const { return m_banner; }

    void setValidation(const QString &why); // empty: Start may start
    // Start when `canStart` (no run in progress or paused, the form valid); the others from the worker's
    // state.
    void updateButtons(const TrainWorker &worker, bool canStart);

    // A run starting (fresh: the step count starts over) or resuming; the time left stops at maxSteps (0:
    // the last epoch).
    void beginRun(int64_t maxSteps, bool fresh);
    void showProgress(const TrainProgress &progress);
    void showState(TrainWorker::State state);
    void showFinished(TrainOutcome outcome, const QString &message, bool paused);
    void showFailed(const QString &line, bool busy);
    void showBanner(const QString &line);
    void hideBanner();

private:
    QString atStep() const; // " at step N" of the last progress, or empty

    QLabel *m_validation = nullptr;
    QPushButton *m_start = nullptr;
    QPushButton *m_pause = nullptr;
    QPushButton *m_resume = nullptr;
    QPushButton *m_stop = nullptr;
    QPushButton *m_resumeRun = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_banner = nullptr;
    StepRate m_rate;
    int64_t m_maxSteps = 0;
    int64_t m_lastStep = -1;
};

} // namespace qs::ui
