#pragma once
// The Model tool: open a checkpoint (QuantScope .qsckpt or a PyTorch state_dict), list its conv/linear
// layers, and see one layer's normalized weight histogram with a grid's levels and clip on it, the exact
// level occupancy, the clip alpha moved live with its MSE and SQNR; per-layer SQNR of the whole model and a
// bit-width sweep of uniform/PoT/APoT run in the background (latest request wins; the sweep can be
// cancelled), with the post-training top-1 at each bit width when the model's data set is at hand; and a
// layer's input activations, recorded from a batch of that data set, against the unsigned grids.

#include "core/analysis/activations.h"
#include "core/analysis/analysis.h"
#include "core/quant/levels.h"
#include "core/analysis/modelsnapshot.h"
#include "core/analysis/ptq.h"
#include "ui/figures/activationfigures.h"
#include "ui/figures/weightfigures.h"
#include "ui/views/clipcontrol.h"

#include <QList>
#include <QString>
#include <QWidget>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSettings;
class QSlider;
class QSpinBox;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QThread;
class QTimer;
class QTreeWidget;
QT_END_NAMESPACE

namespace qs::ui {

class BackgroundJob;
class FigureWidget;

class ModelView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelView)

public:
    enum class Page
    {
        Layer = 0,
        LayerSqnr = 1,
        BitSweep = 2,
        Activations = 3
    };

    explicit ModelView(QWidget *parent = nullptr);
    ~ModelView() override;

    // Loads a model; on failure emits loadFailed(one line), keeps the previous model and returns false.
    // No dialogs (openModelDialog() shows them).
    bool openModel(const QString &path);
    // resources/models/default.qsckpt next to the source tree or the executable; empty when neither exists.
    static QString defaultModelPath();

    std::shared_ptr<const ModelSnapshot> snapshot() const { return m_snapshot; }
    QString modelPath() const;

    bool selectLayer(const QString &name); // a state_dict key, e.g. "layer1.0.conv1.weight"
    QString selectedLayer() const;
    // The selected layer's analysis at the current scheme, bits and clip (what the labels and charts show).
    const std::optional<LayerWeightAnalysis> &selectedAnalysis() const { return m_selected; }

    void setScheme(Scheme scheme);
    Scheme scheme() const;
    void setBits(int bits);
    int bits() const;

    // The current page's figure (Ctrl+E exports it), and each page's.
    const FigureSpec &figure() const;
    FigureWidget *layerFigure() const { return m_layerFigure; }
    FigureWidget *sqnrFigure() const { return m_sqnrFigure; }
    FigureWidget *sweepFigure() const { return m_sweepFigure; }
    FigureWidget *activationFigure() const { return m_actFigure; }
    void showPage(Page page);
    Page page() const;

    QSlider *alphaSlider() const;
    QDoubleSpinBox *alphaSpin() const;
    QLabel *errorLabel() const { return m_errorLabel; }
    QTreeWidget *layerTree() const { return m_tree; }
    QSpinBox *binsSpin() const { return m_bins; }

    bool analysisPending() const { return m_analysisPending; }
    bool sweepRunning() const;
    const std::vector<SweepPoint> &sweepPoints() const { return m_sweep; }

    // The data set the activation capture and the accuracy sweep run on; empty: the checkpoint's own.
    void setDataSpec(const QString &spec);
    QString dataSpec() const;

    // Activations page: the last capture of the open model, and the selected layer's analysis against the
    // unsigned grid of the current scheme at activationBits() (what its label and chart show).
    void setCaptureImages(int images);
    void setActivationBits(int bits);
    int activationBits() const;
    bool captureRunning() const;
    std::shared_ptr<const ActivationCapture> activations() const { return m_capture; }
    const std::optional<LayerWeightAnalysis> &selectedActivationAnalysis() const { return m_actSelected; }
    QDoubleSpinBox *activationAlphaSpin() const;
    QSlider *activationAlphaSlider() const;
    QLabel *activationErrorLabel() const { return m_actErrorLabel; }
    QProgressBar *captureProgress() const { return m_captureProgress; }

    // Bit sweep page: post-training top-1 per scheme and bits (the last finished run).
    void setAccuracyImages(int images); // 0: the whole test split
    bool accuracyRunning() const;
    const std::optional<PtqResult> &accuracy() const { return m_accuracy; }
    QProgressBar *accuracyProgress() const { return m_accuracyProgress; }
    // Processes events until no background job runs (or the timeout passes); true when idle.
    bool waitUntilIdle(int timeoutMs);

    void saveSettings(QSettings &settings) const;
    void restoreSettings(QSettings &settings); // reopens the last model, else the default one

public Q_SLOTS:
    void openModelDialog(); // File > Open model...: a file dialog, errors in one message box
    void startSweep();
    void cancelSweep();
    void searchAlpha();  // the selected layer's MSE-optimal clip
    void startCapture(); // a batch of the data set through the model, in the background
    void cancelCapture();
    void searchActivationAlpha(); // the selected layer's MSE-optimal activation clip
    void startAccuracySweep();
    void cancelAccuracySweep();

Q_SIGNALS:
    void modelLoaded(const QString &path);
    void loadFailed(const QString &message);

protected:
    // Dragging the ±alpha clip line on the histogram sets alpha, like the slider.
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void attachClipDrag();
    bool m_draggingClip = false;
    void buildUi();
    LevelSpec spec() const;
    void updateBitRange();
    void fillTree();
    void updateTreeRow(int row);
    void onGridChanged(); // scheme, bits or alpha mode: new whole-model analysis, new selected analysis
    void requestModelAnalysis(); // background, latest request wins
    void applyModelAnalysis(int generation, const QList<SchemeLayers> &results);
    void recomputeSelected(); // synchronous, the selected layer only
    // Wires a clip control to its layer's overrides; returns the timer that coalesces edits into one
    // `recompute`.
    QTimer *connectClip(ClipControl *clip, ClipOverrides &overrides,
                        const std::optional<LayerWeightAnalysis> &selected, void (ModelView::*recompute)(),
                        void (ModelView::*search)());
    void rebuildLayerFigure();
    void rebuildSqnrFigure();
    void rebuildSweepFigure();
    int selectedRow() const;
    void updateActivationBitRange();
    void updateDataPlaceholder();
    void maybeStartCapture();   // on showing the Activations page: once per model, when a data set is known
    void recomputeActivation(); // synchronous, the selected layer only
    void rebuildActivationFigure();

    std::shared_ptr<const ModelSnapshot> m_snapshot;
    std::optional<LayerWeightAnalysis> m_selected;
    std::vector<float> m_selectedNormalized; // of the selected layer; mean/std do not depend on the grid
    std::string m_selectedNormalizedFor;
    ClipOverrides m_weightOverrides;    // per layer, cleared when the grid changes
    QList<SchemeLayers> m_modelResults; // first: the chosen scheme
    std::vector<SweepPoint> m_sweep;

    QStackedWidget *m_stack = nullptr;
    QLabel *m_emptyLabel = nullptr;
    QLabel *m_description = nullptr;
    QComboBox *m_scheme = nullptr;
    QSpinBox *m_bitsSpin = nullptr;
    QComboBox *m_overlay = nullptr;
    QCheckBox *m_searchAll = nullptr;
    QTreeWidget *m_tree = nullptr;
    ClipControl *m_weightClip = nullptr;
    QLabel *m_errorLabel = nullptr;
    QSpinBox *m_bins = nullptr;
    QCheckBox *m_logScale = nullptr;
    QSplitter *m_splitter = nullptr;
    QTabWidget *m_pages = nullptr;
    FigureWidget *m_layerFigure = nullptr;
    FigureWidget *m_sqnrFigure = nullptr;
    FigureWidget *m_sweepFigure = nullptr;
    QPushButton *m_sweepButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QProgressBar *m_progress = nullptr;
    QTimer *m_recomputeTimer = nullptr;

    // Activations page.
    QLineEdit *m_dataEdit = nullptr;
    QSpinBox *m_captureImages = nullptr;
    QPushButton *m_captureButton = nullptr;
    QPushButton *m_captureCancel = nullptr;
    QProgressBar *m_captureProgress = nullptr;
    QSpinBox *m_actBitsSpin = nullptr;
    ClipControl *m_actClip = nullptr;
    QCheckBox *m_actLogScale = nullptr;
    QLabel *m_actErrorLabel = nullptr;
    FigureWidget *m_actFigure = nullptr;
    QTimer *m_actRecomputeTimer = nullptr;
    std::shared_ptr<const ActivationCapture> m_capture;
    std::optional<LayerWeightAnalysis> m_actSelected;
    std::string m_actSelectedFor; // the layer the activation slider's range was fitted to
    ClipOverrides m_actOverrides; // per layer, cleared when the grid changes
    QString m_captureError;

    // Accuracy sweep (bit sweep page).
    QPushButton *m_accuracyButton = nullptr;
    QPushButton *m_accuracyCancel = nullptr;
    QSpinBox *m_accuracyImages = nullptr;
    QProgressBar *m_accuracyProgress = nullptr;
    std::optional<PtqResult> m_accuracy;
    bool m_accuracySearched = false; // the clip rule of the accuracy shown

    QThread *m_analysisThread = nullptr; // owned: quit + wait + delete in the destructor
    QObject *m_analysisWorker = nullptr; // context object living on that thread
    std::shared_ptr<std::atomic<int>> m_generation = std::make_shared<std::atomic<int>>(0);
    bool m_analysisPending = false;
    std::unique_ptr<BackgroundJob> m_sweepJob, m_captureJob, m_accuracyJob;
    bool m_sweepSearched = false; // the clip rule of the sweep shown
    bool m_restoring = false;
    QString m_lastDir;
};

} // namespace qs::ui
