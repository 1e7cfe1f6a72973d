#pragma once
// The Train tool: a form for a TrainConfig (preset, model, data, method, backward, bits, optimization, an
// "Advanced" key = value editor for every other key, run directory), Start/Pause/Resume/Stop driving a
// TrainWorker, a progress bar with the time left, the engine's message lines, a divergence banner, and on the
// right a RunDashboard following the run directory as it grows. The run directory is the same as
// `quantscope-cli train --out DIR` writes, so a run started here resumes from the CLI and vice versa.

#include "core/train/trainconfig.h"
#include "ui/training/trainworker.h"

#include <QString>
#include <QWidget>

#include <optional>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSettings;
class QSpinBox;
class QSplitter;
class QToolButton;
class QWidget;
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

    // The form as a configuration; nullopt with one line in *why when the form does not make one.
    std::optional<TrainConfig> config(QString *why = nullptr) const;
    // Fills the form (every key the form has no field for goes to the Advanced editor).
    void setConfig(const TrainConfig &config);
    bool applyPreset(const QString &name); // one of presetNames()

    QString runDirectory() const;
    void setRunDirectory(const QString &dir); // the user's choice: no longer follows the form
    // AppDataLocation/runs/<yyyyMMdd-HHmmss>-<method>-w<W>a<A> (fp: <stamp>-fp).
    static QString defaultRunDirectory(const TrainConfig &config);
    // Where a data set kind is looked for by default (empty: the engine's own default, or none).
    static QString defaultDataLocation(const QString &kind);

    // One line: why Start is disabled (empty when the form is valid).
    QString validationMessage() const;

    TrainWorker *worker() const { return m_worker; }
    RunDashboard *dashboard() const { return m_dashboard; }
    const FigureSpec &figure() const; // the dashboard's current page (Ctrl+E)

    QPushButton *startButton() const { return m_start; }
    QPushButton *pauseButton() const { return m_pause; }
    QPushButton *resumeButton() const { return m_resume; }
    QPushButton *stopButton() const { return m_stop; }
    QProgressBar *progressBar() const { return m_progress; }
    QPlainTextEdit *log() const { return m_log; }
    QLabel *banner() const { return m_banner; }

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
    void fillDatasetKinds();
    void onFormEdited(); // a field changed: validate, preset -> (custom), default run dir follows
    void onDatasetKindChanged();
    void validate();
    void updateButtons();
    void onStateChanged(TrainWorker::State state);
    void onProgress(const TrainProgress &progress);
    void onFinished(TrainOutcome outcome, const QString &message);
    void appendLog(const QString &line);
    void showBanner(const QString &line);
    void followRun(const QString &runDir);
    QString datasetSpec() const;
    void setDatasetSpec(const QString &spec);
    void refreshDefaultRunDirectory();
    QString atStep() const; // " at step N" of the last progress, or empty

    TrainWorker *m_worker = nullptr;
    RunDashboard *m_dashboard = nullptr;
    QSplitter *m_splitter = nullptr;
    QWidget *m_form = nullptr;

    QComboBox *m_preset = nullptr;
    QComboBox *m_depth = nullptr;
    QComboBox *m_shortcut = nullptr;
    QComboBox *m_datasetKind = nullptr;
    QLineEdit *m_dataLocation = nullptr;
    QToolButton *m_browseData = nullptr;
    QComboBox *m_method = nullptr;
    QComboBox *m_backward = nullptr;
    QSpinBox *m_wbits = nullptr;
    QSpinBox *m_abits = nullptr;
    QSpinBox *m_epochs = nullptr;
    QSpinBox *m_batch = nullptr;
    QDoubleSpinBox *m_lr = nullptr;
    QLineEdit *m_init = nullptr;
    QToolButton *m_advancedToggle = nullptr;
    QPlainTextEdit *m_advanced = nullptr;
    QLabel *m_advancedError = nullptr;
    QLineEdit *m_runDir = nullptr;
    QLabel *m_validation = nullptr;

    QPushButton *m_start = nullptr;
    QPushButton *m_pause = nullptr;
    QPushButton *m_resume = nullptr;
    QPushButton *m_stop = nullptr;
    QPushButton *m_resumeRun = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_banner = nullptr;
    QPlainTextEdit *m_log = nullptr;

    StepRate m_rate;
    int64_t m_maxSteps = 0; // of the run in progress (time left stops there)
    int64_t m_lastStep = -1;
    QString m_validationMessage;
    QString m_lastResumeDir;
    bool m_filling = false;      // setConfig() is writing the form: not a user edit
    bool m_runDirEdited = false; // the user typed a run directory: keep it
};

} // namespace qs::ui
