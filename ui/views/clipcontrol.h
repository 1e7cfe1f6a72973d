#pragma once
// The Model view's clip-alpha control, for weights and activations alike: a slider over [0, sliderMax] (0.01
// per position; arrow keys 0.05, Page Up/Down 0.25) kept in step with a spin box, an "MSE-optimal alpha" and
// a "Reset alpha" button. The view lays the widgets out and runs the analysis; ClipOverrides remembers the
// per-layer clips the user set.

#include <QObject>
#include <QString>

#include <functional>
#include <map>
#include <string>

QT_BEGIN_NAMESPACE
class QDoubleSpinBox;
class QPushButton;
class QSlider;
class QTimer;
class QWidget;
QT_END_NAMESPACE

namespace qs::ui {

// A layer's clip set by the user: typed, dragged, or found by the MSE search.
struct ClipOverride
{
    double alpha = 0;
    bool searched = false;
    const char *source() const
    {
        return searched ? "mse-search" : "manual";
    } // LayerWeightAnalysis::alphaSource
};
using ClipOverrides = std::map<std::string, ClipOverride>; // by layer (state_dict weight key)

struct ClipControlSetup
{
    QString sliderName, spinName, searchName, resetName; // object names (tests and settings find them)
    QString alphaToolTip;                                // the slider's, and the spin box's before the range
    QString searchToolTip, resetToolTip;
    double spinMax = 100.0, spinStep = 0.05;
    double sliderMax = 8.0; // until fitSliderTo
};

class ClipControl final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ClipControl)

public:
    static constexpr double kMinAlpha = 0.01;

    explicit ClipControl(const ClipControlSetup &setup, QObject *parent = nullptr);

    // Created parentless: the view puts them in its layouts.
    QSlider *slider() const { return m_slider; }
    QDoubleSpinBox *spin() const { return m_spin; }
    QPushButton *searchButton() const { return m_search; }
    QPushButton *resetButton() const { return m_reset; }

    // The slider spans [0, max(1, 1.1 * largest)] (rounded up to 0.1); `dataNote` ends the spin box's
    // tooltip.
    void fitSliderTo(double largest, const QString &dataNote);
    double sliderMax() const { return m_sliderMax; }

public Q_SLOTS:
    void setAlpha(double alpha); // shows alpha on both; emits nothing

Q_SIGNALS:
    void alphaEdited(double alpha); // the user moved the slider or the spin box (the value shown)
    void searchRequested();
    void resetRequested();

private:
    int sliderPosition(double alpha) const;
    void updateSliderRange(); // [1, sliderMax] in 0.01 steps, keeping the spin box's value

    QString m_alphaToolTip;
    QSlider *m_slider = nullptr;
    QDoubleSpinBox *m_spin = nullptr;
    QPushButton *m_search = nullptr;
    QPushButton *m_reset = nullptr;
    double m_sliderMax;
};

// Wires `clip` to per-layer overrides for the layer `selected()` names (empty: none shown): an edit becomes
// that layer's override and, coalesced by the returned timer (owned by `context`), runs `recompute`; Reset
// drops the override and recomputes at once; Search runs `search`.
// Every tooltip under `root` (and root's own) through richToolTip(): entities render and long tips wrap.
// For tooltips set at construction; ones set later go through richToolTip() where they are set.
void makeToolTipsRich(QWidget *root);

QTimer *connectClipOverrides(ClipControl *clip, ClipOverrides &overrides,
                             std::function<std::string()> selected, std::function<void()> recompute,
                             std::function<void()> search, QObject *context);

} // namespace qs::ui
