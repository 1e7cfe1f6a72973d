#pragma once
// The Levels figure (seed paper Fig. 2): each scheme's levels on a number line and its hard quantizer's
// staircase y = alpha * P(clamp(x / alpha)), several schemes overlaid at the same bit width.

#include "core/quant/levels.h"
#include "ui/plotting/figure.h"

#include <QList>

namespace qs::ui {

struct LevelsFigureOptions
{
    Scheme scheme = Scheme::APoT; // the scheme the bit range is taken from
    QList<Scheme> compareWith;    // overlaid when defined at these bits, else named in the note
    int bits = 4;
    bool isSigned = false;
    double alpha = 1.0;
};

// Throws std::invalid_argument when the primary scheme is not defined at these bits or alpha <= 0.
FigureSpec makeLevelsFigure(const LevelsFigureOptions &options);

// Series ids, for views and tests.
QString levelsSeriesId(Scheme scheme);    // the number-line markers
QString staircaseSeriesId(Scheme scheme); // the staircase

} // namespace qs::ui
