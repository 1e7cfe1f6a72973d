#pragma once
// The Levels tool: pick scheme, bits, signedness and clip value; see the levels on a number line and the
// quantizer's staircase, with the other schemes overlaid at the same bits (seed paper Fig. 2).

#include "ui/figures/levelsfigure.h"

#include <QWidget>

#include <array>

QT_BEGIN_NAMESPACE
class QChart;
class QCheckBox;
class QSlider;
class QComboBox;
class QDoubleSpinBox;
class QSettings;
class QSpinBox;
class QSplitter;
QT_END_NAMESPACE

namespace qs::ui {

class AnimationPlayer;
class FigureWidget;

// Keeps the plot areas of a figure's stacked charts at one left edge and one width, so their x axes line
// up whatever their y labels' widths ("Uniform (15)" beside "-1.0"): after each figure and each resize of
// a chart view, the charts are laid out automatically, then every plot area gets the rightmost left edge
// and the leftmost right edge. Used by the Levels and the Soft rounding views.
class PlotAreaAligner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlotAreaAligner)

public:
    explicit PlotAreaAligner(FigureWidget *figure);

public Q_SLOTS:
    void align(); // now; also after each resize or show of a chart view

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    FigureWidget *m_figure;
    bool m_inEvent = false;
};

class LevelsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LevelsView)

public:
    explicit LevelsView(QWidget *parent = nullptr);

    LevelsFigureOptions options() const;
    const FigureSpec &figure() const;
    FigureWidget *figureWidget() const { return m_figure; }
    QSlider *alphaSlider() const { return m_alphaSlider; }
    QDoubleSpinBox *alphaSpin() const { return m_alpha; }
    AnimationPlayer *player() const { return m_player; } // Play: the bits step 2 -> 6

    // Slider positions per unit of alpha (0.01 resolution; arrow keys 0.05, Page Up/Down 0.25).
    static constexpr double kAlphaScale = 100.0;

    void saveSettings(QSettings &settings) const;
    void restoreSettings(QSettings &settings);

private:
    void updateBitRange();
    void rebuild();

    QComboBox *m_scheme = nullptr;
    QSpinBox *m_bits = nullptr;
    QCheckBox *m_signed = nullptr;
    QCheckBox *m_zeroLevel = nullptr; // signed only: the grid with or without its zero level
    QDoubleSpinBox *m_alpha = nullptr;
    QSlider *m_alphaSlider = nullptr;
    PlotAreaAligner *m_aligner = nullptr;
    std::array<QCheckBox *, 3> m_compare{}; // Uniform, PoT, APoT
    QSplitter *m_splitter = nullptr;
    FigureWidget *m_figure = nullptr;
    AnimationPlayer *m_player = nullptr;
    bool m_restoring = false;
};

} // namespace qs::ui
