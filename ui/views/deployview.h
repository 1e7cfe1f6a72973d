#pragma once
// The Deploy tool (issue 15): a quantized CIFAR ResNet as integer-only shift-add C for a Cortex-M, planned
// by core/deploy/deploy.h. It follows the checkpoint open in the Model tab (or opens its own), plans it in
// the background whenever the model, scheme or bits change (latest request wins), and shows the plan: a
// per-layer table of flash, RAM and operations with a total row, the flash and RAM bars against
// microcontroller budgets and the float32 size, the selected layer's weight levels as the shifts and adds the
// C computes, and the plan's notes. "Export C…" writes the C project into a directory, also in the
// background.

#include "core/deploy/deploy.h"
#include "ui/plotting/figure.h"

#include <QString>
#include <QWidget>

#include <optional>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSettings;
class QSpinBox;
class QSplitter;
class QTableWidget;
class QTimer;
QT_END_NAMESPACE

namespace qs::ui {

class BackgroundJob;
class FigureWidget;

class DeployView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DeployView)

public:
    // The layer table's columns; the last row is the total.
    enum Column
    {
        LayerColumn = 0,
        KindColumn,
        ArithmeticColumn,
        WeightBitsColumn,
        WeightsColumn,
        FlashColumn,
        RamColumn,
        MultipliesColumn,
        ShiftsColumn,
        AddsColumn,
        ColumnCount
    };
    // The levels table's columns.
    enum LevelColumn
    {
        LevelColumn = 0,
        IntegerColumn,
        ProductColumn,
        LevelColumnCount
    };
    // Each number cell of the layer table holds its exact value under this role (the text is grouped).
    static constexpr int kValueRole = Qt::UserRole;

    explicit DeployView(QWidget *parent = nullptr);
    ~DeployView() override; // drops the jobs' results and joins their threads

    // The checkpoint to plan (the Model tab's, or one opened here); empty: none. Plans in the background.
    void setModel(const QString &path);
    QString modelPath() const { return m_modelPath; }

    // "" (as trained), "uniform", "pot" or "apot"; bits 0: as trained.
    void setScheme(const QString &scheme);
    QString scheme() const;
    void setWeightBits(int bits);
    void setActivationBits(int bits);
    DeployOptions options() const; // what the next plan and export use

    // The plan on screen (empty while there is none: no model, or the last plan failed) and the options it
    // was made with.
    const std::optional<DeployPlan> &plan() const { return m_plan; }
    const DeployOptions &plannedOptions() const { return m_plannedOptions; }
    bool planPending() const; // a plan is requested or running
    bool exportRunning() const;
    // Processes events until no plan or export is pending (or the timeout passes); true when idle.
    bool waitUntilIdle(int timeoutMs);

    // The layer whose levels the levels table shows (a state_dict prefix such as "layer1.0.conv1"); empty:
    // none (the total row, or no plan).
    QString selectedLayer() const;
    bool selectLayer(const QString &name);

    const FigureSpec &figure() const; // Ctrl+E exports it
    FigureWidget *figureWidget() const { return m_figure; }
    QTableWidget *layerTable() const { return m_table; }
    QTableWidget *levelsTable() const { return m_levels; }
    QLabel *levelsCaption() const { return m_levelsCaption; }
    QLabel *notesLabel() const { return m_notes; }
    // The last plan or export error, over the page (wraps, never widens the window); hidden after a good
    // plan.
    QLabel *errorLabel() const { return m_error; }
    QLabel *exportStatus() const { return m_exportStatus; }
    QComboBox *schemeCombo() const { return m_scheme; }
    QSpinBox *weightBitsSpin() const { return m_wbits; }
    QSpinBox *activationBitsSpin() const { return m_abits; }
    QPushButton *exportButton() const { return m_export; }
    QPushButton *cancelExportButton() const { return m_cancelExport; }
    QProgressBar *exportProgress() const { return m_exportProgress; }
    QString lastExportDirectory() const { return m_exportDir; }

    void saveSettings(QSettings &settings) const;
    void restoreSettings(QSettings &settings);

public Q_SLOTS:
    void openModelDialog(); // a file dialog; the model opens on this page only
    void exportDialog();    // a directory dialog, then exportTo()
    // Writes the C project for options() into `directory` in the background (no dialog).
    void exportTo(const QString &directory);
    void cancelExport(); // the export's result is dropped (files already written stay)
    void requestPlan();  // coalesced: plans once the settings stop changing

Q_SIGNALS:
    void planned();                            // a plan is on screen
    void planFailed(const QString &message);   // its error is on screen
    void exported(const QString &directory);   // every file written
    void exportFailed(const QString &message); // its error is on screen

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void startPlan();
    void showPlan(DeployPlan plan, const DeployOptions &options);
    void clearPlan();
    void showLevels();
    void setPlanStatus(const QString &text); // hidden when empty
    void showError(const QString &message);
    void hideError();
    void updateControls();

    QString m_modelPath;
    QString m_modelDir; // where the file dialog starts
    QString m_exportDir;
    std::optional<DeployPlan> m_plan;
    DeployOptions m_plannedOptions;
    bool m_restoring = false;

    QLabel *m_error = nullptr;
    QLabel *m_modelLabel = nullptr;
    QLabel *m_modelDescription = nullptr;
    QComboBox *m_scheme = nullptr;
    QSpinBox *m_wbits = nullptr;
    QSpinBox *m_abits = nullptr;
    QLabel *m_planStatus = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_cancelExport = nullptr;
    QProgressBar *m_exportProgress = nullptr;
    QLabel *m_exportStatus = nullptr;
    QLabel *m_notes = nullptr;
    QTableWidget *m_table = nullptr;
    QLabel *m_levelsCaption = nullptr;
    QTableWidget *m_levels = nullptr;
    FigureWidget *m_figure = nullptr;
    QSplitter *m_splitter = nullptr;      // controls | plan
    QSplitter *m_planSplitter = nullptr;  // table over the chart and levels
    QSplitter *m_lowerSplitter = nullptr; // chart | levels
    QTimer *m_planTimer = nullptr;
    BackgroundJob *m_planJob = nullptr; // deleted (joined) first in the destructor
    BackgroundJob *m_exportJob = nullptr;
};

} // namespace qs::ui
