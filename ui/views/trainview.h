#pragma once
// The Train tool: a form for a TrainConfig (preset, model, data, method, backward, bits, optimization, an
// "Advanced" key = value editor for every other key, run directory), Start/Pause/Resume/Stop driving a
// TrainWorker, a progress bar with the time left, the engine's message lines, a divergence banner, and on the
// right a RunDashboard following the run directory as it grows (and the worker's samples before the file has
// them). The run directory is the same as `quantscope-cli train --out DIR` writes, so a run started here
// resumes from the CLI and vice versa.
//
// A composer of ui/views/train/: TrainForm (in a scroll area) over RunControls on the left, DashboardHost
// on the right; it starts, pauses and resumes the worker's runs.

#include "core/train/trainconfig.h"
#include "ui/training/trainworker.h"
#include "ui/views/train/dashboardhost.h"
#include "ui/views/train/runcontrols.h"
#include "ui/views/train/trainform.h"

#include <QString>
#include <QWidget>

#include <optional>

QT_BEGIN_NAMESPACE
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSettings;
class QSplitter;
QT_END_NAMESPACE

namespace qs::ui {

class RunDashboard;
struct FigureSpec;

class TrainView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrainView)

public:
    explicit TrainView(QWidget *parent = nullptr);
    ~TrainView() override;

    // The first launch's recipe where Fashion-MNIST is installed (resources/presets/).
    static constexpr const char *kTeachingPreset = "classroom-fashion-mnist";

    // The form as a configuration; nullopt with one line in *why when the form does not make one.
    std::optional<TrainConfig> config(QString *why = nullptr) const { return m_form->config(why); }
    // Fills the form (every key the form has no field for goes to the Advanced editor).
    void setConfig(const TrainConfig &config) { m_form->setConfig(config); }
    bool applyPreset(const QString &name) { return m_form->applyPreset(name); } // one of presetNames()

    QString runDirectory() const { return m_form->runDirectory(); }
    // The user's choice: no longer follows the form.
    void setRunDirectory(const QString &dir) { m_form->setRunDirectory(dir); }
    // AppDataLocation/runs/<yyyyMMdd-HHmmss>-<method>-w<W>a<A> (fp: <stamp>-fp).
    static QString defaultRunDirectory(const TrainConfig &config);
    // Where a data set kind is looked for by default (empty: the engine's own default, or none).
    static QString defaultDataLocation(const QString &kind);

    // One line: why Start is disabled (empty when the form is valid).
    QString validationMessage() const { return m_validationMessage; }

    TrainWorker *worker() const { return m_worker; }
    RunDashboard *dashboard() const { return m_host->dashboard(); }
    const FigureSpec &figure() const; // the dashboard's current page (Ctrl+E)

    QPushButton *startButton() const { return m_controls->startButton(); }
    QPushButton *pauseButton() const { return m_controls->pauseButton(); }
    QPushButton *resumeButton() const { return m_controls->resumeButton(); }
    QPushButton *stopButton() const { return m_controls->stopButton(); }
    QProgressBar *progressBar() const { return m_controls->progressBar(); }
    QPlainTextEdit *log() const { return m_host->log(); }
    QLabel *banner() const { return m_controls->banner(); }

    void saveSettings(QSettings &settings) const;
    void restoreSettings(QSettings &settings);

    // The window is closing: pause (the run stays resumable) and wait for the engine to write last.qsckpt.
    void shutdown();

public Q_SLOTS:
    bool startTraining();
    void pauseTraining();
    void resumeTraining();
    void stopTraining();
    bool resumeRun(const QString &runDir); // an earlier paused or stopped run, without a dialog
    void resumeRunDialog();                // "Resume run...": pick a directory holding last.qsckpt

Q_SIGNALS:
    void runStarted(const QString &runDir);

private:
    void buildUi();
    void wire();
    void validate();
    void updateButtons();
    void onStateChanged(TrainWorker::State state);
    void onFinished(TrainOutcome outcome, const QString &message);
    // After a run in `ended` is over: a run directory that does not hold a run for the next Start.
    void offerFreshRunDirectory(const QString &ended);

    TrainWorker *m_worker = nullptr;
    TrainForm *m_form = nullptr;
    RunControls *m_controls = nullptr;
    DashboardHost *m_host = nullptr;
    QSplitter *m_splitter = nullptr;
    QString m_validationMessage;
    QString m_lastResumeDir;
    // The run the view started or resumed, until it is over (set while running, pausing and paused).
    QString m_activeRunDir;
};

} // namespace qs::ui
