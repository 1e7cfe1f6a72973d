#pragma once
// The Soft rounding tool: DSQ alpha and DAQ gamma/sigma sliders move y(x) and dy/dx live next to the hard
// step; the EWGS panel shows how delta scales the gradient element by element (seed paper Figs. 1, 3, 4).

#include "ui/figures/softroundfigure.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QSettings;
class QSlider;
class QSpinBox;
class QSplitter;
QT_END_NAMESPACE

namespace qs::ui {

class AnimationPlayer;
class FigureWidget;
class PlotAreaAligner;

class SoftRoundView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SoftRoundView)

public:
    explicit SoftRoundView(QWidget *parent = nullptr);

    SoftRoundFigureOptions options() const;
    const FigureSpec &figure() const;
    FigureWidget *figureWidget() const { return m_figure; }
    AnimationPlayer *player() const { return m_player; } // Play: DSQ's alpha annealing towards the hard step

    void saveSettings(QSettings &settings) const;
    void restoreSettings(QSettings &settings);

    // Slider positions are integers; these are the scales the values are read with. Each slider has a spin
    // box beside it (the value, typed or shown) kept in step with it. Arrow keys / Page Up-Down move
    // DSQ alpha 0.01 / 0.05, DAQ gamma and sigma 0.1 / 0.5 (gamma 1.0), EWGS delta 0.05 / 0.25.
    static constexpr double kDsqAlphaScale = 1000.0; // 1..500 -> 0.001..0.5
    static constexpr double kDaqScale = 10.0;        // gamma 1..100 -> 0.1..10, sigma 1..50 -> 0.1..5
    static constexpr double kDeltaScale = 100.0;     // 0..500 -> 0..5

    // The spin box beside a slider (dsqAlphaSlider, daqGammaSlider, daqSigmaSlider, ewgsDeltaSlider).
    QDoubleSpinBox *spinFor(const QSlider *slider) const;

private:
    void rebuild();
    QDoubleSpinBox *pairSpin(QSlider *slider, double scale, double step, int decimals);

    QSpinBox *m_bits = nullptr;
    QCheckBox *m_signed = nullptr;
    QDoubleSpinBox *m_alpha = nullptr;
    QGroupBox *m_dsqGroup = nullptr;
    QSlider *m_dsqAlpha = nullptr;
    QDoubleSpinBox *m_dsqAlphaValue = nullptr;
    QGroupBox *m_daqGroup = nullptr;
    QSlider *m_daqGamma = nullptr;
    QDoubleSpinBox *m_daqGammaValue = nullptr;
    QSlider *m_daqSigma = nullptr;
    QDoubleSpinBox *m_daqSigmaValue = nullptr;
    QGroupBox *m_ewgsGroup = nullptr;
    QComboBox *m_ewgsBase = nullptr;
    QSlider *m_ewgsDelta = nullptr;
    QDoubleSpinBox *m_ewgsDeltaValue = nullptr;
    QComboBox *m_gradSign = nullptr;
    QSplitter *m_splitter = nullptr;
    PlotAreaAligner *m_aligner = nullptr;
    FigureWidget *m_figure = nullptr;
    AnimationPlayer *m_player = nullptr;
    bool m_restoring = false;
};

} // namespace qs::ui
