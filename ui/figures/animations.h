#pragma once
// The teaching moments as animations (ui/plotting/animation.h writes them as GIF or WebP; the views' Play
// buttons step through the same frames on screen): the level grid as the bits step 2 -> 6, DSQ's soft curve
// annealing to the hard step as its alpha shrinks, and a run's curves (EWGS delta, loss) growing step by
// step.

#include "ui/figures/levelsfigure.h"
#include "ui/figures/softroundfigure.h"
#include "ui/plotting/animation.h"

#include <QList>

namespace qs::ui {

// One frame per bit width in [fromBits, toBits] at which the primary scheme is defined (others are skipped);
// throws std::invalid_argument when none is.
AnimationSpec levelsBitsAnimation(const LevelsFigureOptions &options, int fromBits = 2, int toBits = 6);

// DSQ's alpha from `from` down to `to`, geometrically, in `frameCount` frames (DSQ shown, its other curves as
// the options say). Throws std::invalid_argument for alphas outside (0, 0.5] or from <= to.
AnimationSpec dsqAnnealAnimation(const SoftRoundFigureOptions &options, double from = 0.5, double to = 0.002,
                                 int frameCount = 12);
QList<double> dsqAnnealAlphas(double from, double to, int frameCount);

} // namespace qs::ui
