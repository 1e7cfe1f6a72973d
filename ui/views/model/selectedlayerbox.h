#pragma once
// The selected layer's weights: the "Selected layer" box of the Model view's left column (clip alpha with its
// MSE search and reset, MSE/SQNR line, histogram bins and log counts) and the "Layer weights" page it drives
// (normalized histogram with the grid's levels and the clip, exact level occupancy; the clip line drags).
// Analysed synchronously: one layer is fast.

#include "core/analysis/analysis.h"
#include "ui/figures/weightfigures.h" // BulkPercentiles
#include "ui/views/clipcontrol.h"

#include <QGroupBox>

#include <memory>
#include <optional>
#include <string>
#include <vector>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSettings;
class QSlider;
class QSpinBox;
class QTimer;
QT_END_NAMESPACE

namespace qs {
class ModelSnapshot;
}

namespace qs::ui {

class ClipDrag;
class FigureWidget;
class ModelSidebar;

class SelectedLayerBox final : public QGroupBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SelectedLayerBox)

public:
    // Reads the grid and the selected layer from `sidebar`.
    explicit SelectedLayerBox(const ModelSidebar *sidebar, QWidget *parent = nullptr);

    FigureWidget *figure() const { return m_figure; } // the "Layer weights" page, for the composer to place
    void setModel(std::shared_ptr<const ModelSnapshot> snapshot); // forgets the clips the user set

    // The selected layer's analysis at the current grid and clip (what the label and the page show).
    const std::optional<LayerWeightAnalysis> &analysis() const { return m_selected; }
    const ClipOverrides &overrides() const { return m_overrides; }
    void clearOverrides() { m_overrides.clear(); } // the grid changed

    QSlider *alphaSlider() const { return m_clip->slider(); }
    QDoubleSpinBox *alphaSpin() const { return m_clip->spin(); }
    QLabel *errorLabel() const { return m_errorLabel; }
    QSpinBox *binsSpin() const { return m_bins; }
    // The histogram's span: the bulk (0.1-99.9 percentiles, plus the clip), the full range, or a chosen
    // [lo, hi]; the mouse wheel over the histogram zooms about the pointer (a chosen range).
    QComboBox *rangeCombo() const { return m_range; }
    QDoubleSpinBox *rangeLoSpin() const { return m_rangeLo; }
    QDoubleSpinBox *rangeHiSpin() const { return m_rangeHi; }
    // Zooms the histogram's x range by `factor` (< 1 in) about x = `centre`, as a wheel step does.
    void zoomHistogram(double centre, double factor);
    bool recomputePending() const;

    void saveSettings(QSettings &settings) const; // bins, log, histRange, histLo, histHi
    void restoreSettings(QSettings &settings);    // emits nothing

public Q_SLOTS:
    void recompute();   // the selected layer at the current grid; analysed() unless it fails
    void searchAlpha(); // the selected layer's MSE-optimal clip
    void rebuildFigure();

Q_SIGNALS:
    void analysed(); // analysis() is new: the tree row and the whole-model page follow it

private:
    const ModelSidebar *m_sidebar;
    std::shared_ptr<const ModelSnapshot> m_snapshot;
    std::optional<LayerWeightAnalysis> m_selected;
    std::vector<float> m_normalized; // of the selected layer; mean/std do not depend on the grid
    std::string m_normalizedFor;
    std::optional<BulkPercentiles> m_bulk; // of m_normalized, computed on first use
    ClipOverrides m_overrides;             // per layer, cleared when the grid changes

    ClipControl *m_clip = nullptr;
    QLabel *m_errorLabel = nullptr;
    QSpinBox *m_bins = nullptr;
    QCheckBox *m_logScale = nullptr;
    QComboBox *m_range = nullptr;
    QDoubleSpinBox *m_rangeLo = nullptr, *m_rangeHi = nullptr;
    QObject *m_wheel = nullptr; // the histogram's wheel zoom
    FigureWidget *m_figure = nullptr;
    ClipDrag *m_drag = nullptr;
    QTimer *m_recomputeTimer = nullptr;
};

} // namespace qs::ui
