#pragma once
// The Model tool: open a checkpoint (QuantScope .qsckpt or a PyTorch state_dict), list its conv/linear
// layers, and see one layer's normalized weight histogram with a grid's levels and clip on it, the exact
// level occupancy, the clip alpha moved live with its MSE and SQNR; per-layer SQNR of the whole model and a
// bit-width sweep of uniform/PoT/APoT run in the background (latest request wins; the sweep can be
// cancelled).

#include "core/analysis.h"
#include "core/levels.h"
#include "core/modelsnapshot.h"
#include "ui/figures/weightfigures.h"

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
        BitSweep = 2
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
    void showPage(Page page);

    QSlider *alphaSlider() const { return m_alphaSlider; }
    QDoubleSpinBox *alphaSpin() const { return m_alphaSpin; }
    QLabel *errorLabel() const { return m_errorLabel; }
    QTreeWidget *layerTree() const { return m_tree; }
    QSpinBox *binsSpin() const { return m_bins; }

    bool analysisPending() const { return m_analysisPending; }
    bool sweepRunning() const { return m_sweepRunning; }
    const std::vector<SweepPoint> &sweepPoints() const { return m_sweep; }
    // Processes events until no background job runs (or the timeout passes); true when idle.
    bool waitUntilIdle(int timeoutMs);

    void saveSettings(QSettings &settings) const;
    void restoreSettings(QSettings &settings); // reopens the last model, else the default one

public Q_SLOTS:
    void openModelDialog(); // File > Open model...: a file dialog, errors in one message box
    void startSweep();
    void cancelSweep();
    void searchAlpha(); // the selected layer's MSE-optimal clip

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
    void setAlphaControls(double alpha);
    void rebuildLayerFigure();
    void rebuildSqnrFigure();
    void rebuildSweepFigure();
    int selectedRow() const;

    std::shared_ptr<const ModelSnapshot> m_snapshot;
    std::optional<LayerWeightAnalysis> m_selected;
    std::vector<float> m_selectedNormalized; // of the selected layer; mean/std do not depend on the grid
    std::string m_selectedNormalizedFor;
    std::map<std::string, double> m_alphaOverride;  // per layer, cleared when the grid changes
    std::map<std::string, bool> m_overrideSearched; // the override came from the MSE search
    QList<SchemeLayers> m_modelResults;             // first: the chosen scheme
    std::vector<SweepPoint> m_sweep;
    double m_sliderMax = 8.0;

    QStackedWidget *m_stack = nullptr;
    QLabel *m_emptyLabel = nullptr;
    QLabel *m_description = nullptr;
    QComboBox *m_scheme = nullptr;
    QSpinBox *m_bitsSpin = nullptr;
    QComboBox *m_overlay = nullptr;
    QCheckBox *m_searchAll = nullptr;
    QTreeWidget *m_tree = nullptr;
    QSlider *m_alphaSlider = nullptr;
    QDoubleSpinBox *m_alphaSpin = nullptr;
    QPushButton *m_searchButton = nullptr;
    QPushButton *m_resetAlpha = nullptr;
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

    QThread *m_analysisThread = nullptr; // owned: quit + wait + delete in the destructor
    QThread *m_sweepThread = nullptr;
    QObject *m_analysisWorker = nullptr; // context objects living on those threads
    QObject *m_sweepWorker = nullptr;
    std::shared_ptr<std::atomic<int>> m_generation = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<std::atomic<bool>> m_sweepCancel;
    int m_sweepGeneration = 0;
    bool m_analysisPending = false;
    bool m_sweepRunning = false;
    bool m_sweepSearched = false; // the clip rule of the sweep shown
    bool m_restoring = false;
    QString m_lastDir;
};

} // namespace qs::ui
