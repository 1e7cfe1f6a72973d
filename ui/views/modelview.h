#pragma once
// The Model tool: open a checkpoint (QuantScope .qsckpt or a PyTorch state_dict), list its conv/linear
// layers, and see one layer's normalized weight histogram with a grid's levels and clip on it, the exact
// level occupancy, the clip alpha moved live with its MSE and SQNR; per-layer SQNR of the whole model and a
// bit-width sweep of uniform/PoT/APoT run in the background (latest request wins; the sweep can be
// cancelled), with the post-training top-1 at each bit width when the model's data set is at hand; and a
// layer's input activations, recorded from a batch of that data set, against the unsigned grids.
//
// A composer: the left column (ModelSidebar, with the SelectedLayerBox under its list) and four pages
// (ui/views/model/), wired so a grid or selection change reaches every page that shows it.

#include "core/analysis/activations.h"
#include "core/analysis/analysis.h"
#include "core/analysis/modelsnapshot.h"
#include "core/analysis/ptq.h"
#include "core/quant/levels.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/model/activationspage.h"
#include "ui/views/model/bitsweeppage.h"
#include "ui/views/model/layersqnrpage.h"
#include "ui/views/model/layertree.h"
#include "ui/views/model/modelsidebar.h"
#include "ui/views/model/selectedlayerbox.h"

#include <QString>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

QT_BEGIN_NAMESPACE
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
class QTreeWidget;
QT_END_NAMESPACE

namespace qs::ui {

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

    // Loads a model; on failure emits loadFailed(e.what()), keeps the previous model and returns false.
    // No dialogs (openModelDialog() shows them).
    bool openModel(const QString &path);
    // resources/models/default.qsckpt next to the source tree or the executable; empty when neither exists.
    static QString defaultModelPath();

    std::shared_ptr<const ModelSnapshot> snapshot() const { return m_snapshot; }
    QString modelPath() const;

    // A state_dict key, e.g. "layer1.0.conv1.weight".
    bool selectLayer(const QString &name) { return m_sidebar->tree()->selectLayer(name); }
    QString selectedLayer() const { return m_sidebar->tree()->selectedLayer(); }
    // The selected layer's analysis at the current scheme, bits and clip (what the labels and charts show).
    const std::optional<LayerWeightAnalysis> &selectedAnalysis() const { return m_layer->analysis(); }

    void setScheme(Scheme scheme) { m_sidebar->setScheme(scheme); }
    Scheme scheme() const { return m_sidebar->scheme(); }
    void setBits(int bits) { m_sidebar->setBits(bits); }
    int bits() const { return m_sidebar->bits(); }

    // The current page's figure (Ctrl+E exports it), and each page's.
    const FigureSpec &figure() const;
    FigureWidget *layerFigure() const { return m_layer->figure(); }
    FigureWidget *sqnrFigure() const { return m_sqnr->figure(); }
    FigureWidget *sweepFigure() const { return m_sweep->figure(); }
    FigureWidget *activationFigure() const { return m_activations->figure(); }
    void showPage(Page page);
    Page page() const;

    QSlider *alphaSlider() const { return m_layer->alphaSlider(); }
    QDoubleSpinBox *alphaSpin() const { return m_layer->alphaSpin(); }
    QLabel *errorLabel() const { return m_layer->errorLabel(); }
    QTreeWidget *layerTree() const { return m_sidebar->tree(); }
    QSpinBox *binsSpin() const { return m_layer->binsSpin(); }

    bool analysisPending() const { return m_sqnr->analysisPending(); }
    bool sweepRunning() const { return m_sweep->sweepRunning(); }
    const std::vector<SweepPoint> &sweepPoints() const { return m_sweep->sweepPoints(); }

    // The data set the activation capture and the accuracy sweep run on; empty: the checkpoint's own.
    void setDataSpec(const QString &spec) { m_sidebar->setDataSpec(spec); }
    QString dataSpec() const { return m_sidebar->dataSpec(); }

    // Activations page: the last capture of the open model, and the selected layer's analysis against the
    // unsigned grid of the current scheme at activationBits() (what its label and chart show).
    void setCaptureImages(int images) { m_activations->setCaptureImages(images); }
    void setActivationBits(int bits) { m_activations->setActivationBits(bits); }
    int activationBits() const { return m_activations->activationBits(); }
    bool captureRunning() const { return m_activations->captureRunning(); }
    std::shared_ptr<const ActivationCapture> activations() const { return m_activations->capture(); }
    const std::optional<LayerWeightAnalysis> &selectedActivationAnalysis() const
    {
        return m_activations->analysis();
    }
    QDoubleSpinBox *activationAlphaSpin() const { return m_activations->alphaSpin(); }
    QSlider *activationAlphaSlider() const { return m_activations->alphaSlider(); }
    QLabel *activationErrorLabel() const { return m_activations->errorLabel(); }
    QProgressBar *captureProgress() const { return m_activations->captureProgress(); }

    // Bit sweep page: post-training top-1 per scheme and bits (the last finished run).
    void setAccuracyImages(int images) { m_sweep->setAccuracyImages(images); } // 0: the whole test split
    bool accuracyRunning() const { return m_sweep->accuracyRunning(); }
    const std::optional<PtqResult> &accuracy() const { return m_sweep->accuracy(); }
    QProgressBar *accuracyProgress() const { return m_sweep->accuracyProgress(); }
    QLabel *accuracySummary() const { return m_sweep->accuracySummary(); }
    QPushButton *accuracyButton() const { return m_sweep->accuracyButton(); }
    // How the accuracy sweep evaluates the open model (the sidebar's Evaluation box).
    ModelSidebar *sidebar() const { return m_sidebar; }
    EvaluationSetting evaluationSetting() const { return m_sidebar->evaluationSetting(); }
    // The last load error, over the view (wraps; the full text in its tooltip); hidden after a good load.
    QLabel *loadErrorLabel() const { return m_loadError; }
    // Processes events until no background job runs (or the timeout passes); true when idle.
    bool waitUntilIdle(int timeoutMs);

    void saveSettings(QSettings &settings) const;
    void restoreSettings(QSettings &settings); // reopens the last model, else the default one

public Q_SLOTS:
    void openModelDialog(); // File > Open model...: a file dialog, errors in one message box
    void startSweep() { m_sweep->startSweep(); }
    void cancelSweep() { m_sweep->cancelSweep(); }
    void searchAlpha() { m_layer->searchAlpha(); } // the selected layer's MSE-optimal clip
    // A batch of the data set through the model, in the background.
    void startCapture() { m_activations->startCapture(); }
    void cancelCapture() { m_activations->cancelCapture(); }
    // The selected layer's MSE-optimal activation clip.
    void searchActivationAlpha() { m_activations->searchAlpha(); }
    void startAccuracySweep() { m_sweep->startAccuracySweep(); }
    void cancelAccuracySweep() { m_sweep->cancelAccuracySweep(); }

Q_SIGNALS:
    void modelLoaded(const QString &path);
    void loadFailed(const QString &message);

private:
    QWidget *buildEmptyPage();
    void wire();
    void onGridChanged(); // scheme, bits or clip rule: the selected layer, then the whole model again

    std::shared_ptr<const ModelSnapshot> m_snapshot;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_loadError = nullptr;
    QSplitter *m_splitter = nullptr;
    QTabWidget *m_pages = nullptr;
    ModelSidebar *m_sidebar = nullptr;
    SelectedLayerBox *m_layer = nullptr;
    LayerSqnrPage *m_sqnr = nullptr;
    BitSweepPage *m_sweep = nullptr;
    ActivationsPage *m_activations = nullptr;
    QString m_lastDir;
};

} // namespace qs::ui
