#pragma once
// The Levels tool: pick scheme, bits, signedness and clip value; see the levels on a number line and the
// quantizer's staircase, with the other schemes overlaid at the same bits (seed paper Fig. 2).

#include "ui/figures/levelsfigure.h"

#include <QWidget>

#include <array>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSettings;
class QSpinBox;
class QSplitter;
QT_END_NAMESPACE

namespace qs::ui {

class FigureWidget;

class LevelsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LevelsView)

public:
    explicit LevelsView(QWidget *parent = nullptr);

    LevelsFigureOptions options() const;
    const FigureSpec &figure() const;
    FigureWidget *figureWidget() const { return m_figure; }

    void saveSettings(QSettings &settings) const;
    void restoreSettings(QSettings &settings);

private:
    void updateBitRange();
    void rebuild();

    QComboBox *m_scheme = nullptr;
    QSpinBox *m_bits = nullptr;
    QCheckBox *m_signed = nullptr;
    QDoubleSpinBox *m_alpha = nullptr;
    std::array<QCheckBox *, 3> m_compare{}; // Uniform, PoT, APoT
    QSplitter *m_splitter = nullptr;
    FigureWidget *m_figure = nullptr;
    bool m_restoring = false;
};

} // namespace qs::ui
