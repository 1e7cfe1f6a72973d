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
    bool zeroLevel = true; // false (signed only): every grid without its zero level (LevelSpec::zeroLevel)
};

// Throws std::invalid_argument when the primary scheme is not defined at these bits or alpha <= 0.
// The note is levelsCaption()'s (plus why a scheme asked for is not drawn).
FigureSpec makeLevelsFigure(const LevelsFigureOptions &options);

// What the drawn level sets show, from the sets themselves: schemes whose sets are equal at these bits are
// named as one grid ("At 3 bits signed, PoT and APoT are the same grid"); otherwise, per scheme, how many
// levels lie within +-alpha/4 and its largest step, and which one crowds levels near 0. Empty when fewer
// than two schemes are drawn and nothing needs saying.
QString levelsCaption(const LevelsFigureOptions &options);

// A tooltip as rich text that wraps: HTML fragments (tags or entities such as &alpha;) are kept, plain
// text is escaped, and the whole is wrapped in <qt>, so Qt renders the entities and word-wraps the tip
// (QToolTip wraps only text it takes for rich text).
QString richToolTip(const QString &text);

// Series ids, for views and tests.
QString levelsSeriesId(Scheme scheme);    // the number-line markers
QString staircaseSeriesId(Scheme scheme); // the staircase

} // namespace qs::ui
