#pragma once
// The Model view's "Activations" page: a batch of the data set run through the model in the background
// (once per model when the page is first shown, or on Run batch), and the selected layer's recorded input
// activations against the unsigned grid of the sidebar's scheme at activationBits(), with its own clip.

#include "core/analysis/activations.h"
#include "core/analysis/analysis.h"
#include "ui/figures/weightfigures.h" // BulkPercentiles
#include "ui/views/clipcontrol.h"
#include "ui/views/model/capturebar.h"

#include <QString>
#include <QWidget>

#include <functional>
#include <memory>
#include <optional>
#include <string>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QSettings;
class QSlider;
class QSpinBox;
class QTimer;
QT_END_NAMESPACE

namespace qs {
class ModelSnapshot;
}

namespace qs::ui {

class FigureWidget;
class ModelSidebar;

class ActivationsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ActivationsPage)

public:
    // `bins`: the histogram bins the weights page uses, shared by this page's histogram.
    ActivationsPage(const ModelSidebar *sidebar, std::function<int()> bins, QWidget *parent = nullptr);

    // A new model: the capture cancelled, the last one and the user's clips dropped.
    void setModel(std::shared_ptr<const ModelSnapshot> snapshot);

    FigureWidget *figure() const { return m_figure; }
    void setCaptureImages(int images) { m_captureBar->setImages(images); }
    void setActivationBits(int bits);
    int activationBits() const;
    bool captureRunning() const { return m_captureBar->running(); }
    bool recomputePending() const;
    std::shared_ptr<const ActivationCapture> capture() const { return m_captureBar->capture(); }
    const std::optional<LayerWeightAnalysis> &analysis() const { return m_selected; }
    QDoubleSpinBox *alphaSpin() const { return m_clip->spin(); }
    QSlider *alphaSlider() const { return m_clip->slider(); }
    QLabel *errorLabel() const { return m_errorLabel; }
    QProgressBar *captureProgress() const { return m_captureBar->progress(); }

    void saveSettings(QSettings &settings) const; // captureImages, activationBits, activationLog
    void restoreSettings(QSettings &settings);    // emits nothing

public Q_SLOTS:
    void startCapture() { m_captureBar->start(); }
    void cancelCapture() { m_captureBar->cancel(); }
    void maybeStartCapture(); // once per model, when a data set is known and no capture failed
    void searchAlpha();       // the selected layer's MSE-optimal activation clip
    void recompute();         // the selected layer's analysis, synchronously
    void schemeChanged();     // new bit range; the user's clips no longer apply
    void dataEdited();        // a new data set may work: the page says what to do next

private:
    void updateBitRange();
    void rebuildFigure();
    QString placeholderNote() const;

    const ModelSidebar *m_sidebar;
    std::function<int()> m_bins;
    std::shared_ptr<const ModelSnapshot> m_snapshot;
    std::optional<LayerWeightAnalysis> m_selected;
    BulkPercentiles m_bulk; // of m_bulkLayer's values in m_bulkCapture
    std::weak_ptr<const ActivationCapture> m_bulkCapture;
    std::string m_bulkLayer;
    std::string m_selectedFor; // the layer the slider's range was fitted to
    ClipOverrides m_overrides; // per layer, cleared when the grid changes

    CaptureBar *m_captureBar = nullptr;
    QSpinBox *m_bitsSpin = nullptr;
    ClipControl *m_clip = nullptr;
    QCheckBox *m_logScale = nullptr;
    QLabel *m_errorLabel = nullptr;
    FigureWidget *m_figure = nullptr;
    QTimer *m_recomputeTimer = nullptr;
};

} // namespace qs::ui
