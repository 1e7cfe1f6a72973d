#pragma once
// One colour per scheme and method (Okabe-Ito, readable in colour-blind vision and in greyscale print),
// and the names and formulas the views, the legends and the tooltips share.

#include "core/quant/levels.h"

#include <QColor>
#include <QString>

namespace qs::ui {

QColor schemeColor(Scheme scheme);
QString schemeLabel(Scheme scheme);   // "Uniform", "PoT", "APoT"
QString schemeToolTip(Scheme scheme); // what the levels are, as rich text

namespace colors {
inline const QColor hard{0x55, 0x55, 0x55};
inline const QColor dsq{0x00, 0x72, 0xB2};
inline const QColor daq{0xE6, 0x9F, 0x00};
inline const QColor ewgs{0xD5, 0x5E, 0x00};
inline const QColor ste{0x55, 0x55, 0x55};
inline const QColor reference{0xB0, 0xB0, 0xB0};
} // namespace colors

namespace formulas {
QString dsq();
QString daq();
QString ewgs();
QString ste();
QString staircase();
} // namespace formulas

} // namespace qs::ui
