#include "ui/views/train/runcontrols.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

#include <algorithm>

namespace qs::ui {

RunControls::RunControls(QWidget *parent) : QWidget(parent)
{
    auto *controlsLayout = new QVBoxLayout(this);
    controlsLayout->setContentsMargins(0, 0, 0, 0);
    m_validation = new QLabel;
    m_validation->setObjectName(QStringLiteral("validationLabel"));
    m_validation->setWordWrap(true);
    m_validation->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_validation->setVisible(false);
    controlsLayout->addWidget(m_validation);
    auto *buttons = new QHBoxLayout;
    m_start = new QPushButton(QStringLiteral("Start"));
    m_start->setObjectName(QStringLiteral("startButton"));
    m_start->setToolTip(QStringLiteral("Start a new run in the run directory (Ctrl+Return)"));
    m_pause = new QPushButton(QStringLiteral("Pause"));
    m_pause->setObjectName(QStringLiteral("pauseButton"));
    m_pause->setToolTip(QStringLiteral("Finish the current step, write last.qsckpt and wait for Resume"));
    m_resume = new QPushButton(QStringLiteral("Resume"));
    m_resume->setObjectName(QStringLiteral("resumeButton"));
    m_resume->setToolTip(QStringLiteral("Continue the paused run exactly where it stopped"));
    m_stop = new QPushButton(QStringLiteral("Stop"));
    m_stop->setObjectName(QStringLiteral("stopButton"));
    m_stop->setToolTip(QStringLiteral(
        "End the run after the current step. Its last.qsckpt stays: \u201cResume run\u2026\u201d (or "
        "quantscope-cli train --resume DIR) continues it."));
    for (QPushButton *b : {m_start, m_pause, m_resume, m_stop})
        buttons->addWidget(b);
    controlsLayout->addLayout(buttons);
    m_resumeRun = new QPushButton(QStringLiteral("Resume run\u2026"));
    m_resumeRun->setObjectName(QStringLiteral("resumeRunButton"));
    m_resumeRun->setToolTip(QStringLiteral("Continue an earlier paused or stopped run: pick its directory"));
    controlsLayout->addWidget(m_resumeRun);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("trainProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(QStringLiteral("idle"));
    m_progress->setTextVisible(true);
    controlsLayout->addWidget(m_progress);
    m_banner = new QLabel;
    m_banner->setObjectName(QStringLiteral("trainBanner"));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fde7e9; color: #8a0010; border: 1px solid "
                                           "#e5a0a8; border-radius: 3px; padding: 4px; }"));
    m_banner->setVisible(false);
    controlsLayout->addWidget(m_banner);
}

void RunControls::setValidation(const QString &why)
{
    m_validation->setText(why);
    m_validation->setVisible(!why.isEmpty());
}

void RunControls::updateButtons(const TrainWorker &worker, bool canStart)
{
    const auto state = worker.state();
    const bool busy = worker.isBusy();
    m_start->setEnabled(canStart);
    m_pause->setEnabled(state == TrainWorker::State::Running);
    m_resume->setEnabled(state == TrainWorker::State::Paused && TrainWorker::canResume(worker.runDir()));
    m_stop->setEnabled(state == TrainWorker::State::Running || state == TrainWorker::State::Pausing ||
                       state == TrainWorker::State::Paused);
    m_resumeRun->setEnabled(!busy);
}

void RunControls::beginRun(int64_t maxSteps, bool fresh)
{
    hideBanner();
    m_rate.reset();
    m_maxSteps = maxSteps;
    m_lastStep = -1; // this session's steps (a resumed run may be another one)
    if (fresh) {
        m_progress->setRange(0, 1);
        m_progress->setValue(0);
    }
    m_progress->setFormat(fresh ? QStringLiteral("loading data\u2026") : QStringLiteral("resuming\u2026"));
}

void RunControls::showProgress(const TrainProgress &p)
{
    m_lastStep = p.step;
    m_rate.add(p.seconds, p.step);
    const int64_t total = std::max<int64_t>(1, p.epochs * p.batchesPerEpoch);
    const int64_t done = p.epoch * p.batchesPerEpoch + p.batch;
    // QProgressBar holds ints; a permille scale is exact enough for any run length.
    m_progress->setRange(0, 1000);
    m_progress->setValue(static_cast<int>(std::min<int64_t>(1000, done * 1000 / total)));
    const auto left = m_rate.secondsLeft(stepsLeft(p, m_maxSteps));
    m_progress->setFormat(QStringLiteral("epoch %1/%2 \u00b7 step %3 \u00b7 %4")
                              .arg(p.epoch + 1)
                              .arg(p.epochs)
                              .arg(p.step)
                              .arg(left ? QStringLiteral("~%1 left").arg(formatDuration(*left))
                                        : QStringLiteral("estimating\u2026")));
}

void RunControls::showState(TrainWorker::State state)
{
    switch (state) {
    case TrainWorker::State::Pausing:
        m_progress->setFormat(QStringLiteral("pausing after this step\u2026"));
        break;
    case TrainWorker::State::Stopping:
        m_progress->setFormat(QStringLiteral("stopping after this step\u2026"));
        break;
    case TrainWorker::State::Paused:
        m_progress->setFormat(QStringLiteral("paused") + atStep());
        break;
    case TrainWorker::State::Stopped:
        m_progress->setFormat(QStringLiteral("stopped") + atStep());
        break;
    default:
        break;
    }
}

void RunControls::showFinished(TrainOutcome outcome, const QString &message, bool paused)
{
    switch (outcome) {
    case TrainOutcome::Completed:
        m_progress->setRange(0, 1000);
        m_progress->setValue(1000);
        m_progress->setFormat(QStringLiteral("done \u00b7 ") + message);
        break;
    case TrainOutcome::MaxSteps:
        m_progress->setFormat(QStringLiteral("step limit reached"));
        break;
    case TrainOutcome::Stopped: {
        // The engine's line says where ("stopped at step N"), also when no step ran in this session.
        static const QRegularExpression at(QStringLiteral("at step (\\d+)"));
        if (const auto m = at.match(message); m.hasMatch())
            m_lastStep = m.captured(1).toLongLong();
        m_progress->setFormat((paused ? QStringLiteral("paused") : QStringLiteral("stopped")) + atStep());
        break;
    }
    case TrainOutcome::Diverged:
        m_progress->setFormat(QStringLiteral("diverged"));
        showBanner(QStringLiteral("Diverged: ") + message);
        break;
    }
}

void RunControls::showFailed(const QString &line, bool busy)
{
    showBanner(QStringLiteral("Failed: ") + line);
    if (!busy)
        m_progress->setFormat(QStringLiteral("failed"));
}

void RunControls::showBanner(const QString &line)
{
    m_banner->setText(line);
    m_banner->setVisible(true);
}

void RunControls::hideBanner()
{
    m_banner->hide();
}

QString RunControls::atStep() const
{
    return m_lastStep >= 0 ? QStringLiteral(" at step %1").arg(m_lastStep) : QString();
}

} // namespace qs::ui
