#pragma once
// The Soft rounding figure (seed paper Figs. 1, 3, 4): DSQ and DAQ forward curves y(x) and their backward
// dy/dx next to the hard step, and the EWGS gradient scale next to the STE.

#include "core/quant/levels.h"
#include "ui/plotting/figure.h"

namespace qs::ui {

struct SoftRoundFigureOptions
{
    int bits = 2;
    bool isSigned = false;
    double alpha = 1.0; // clip value
    bool showDsq = true;
    bool showDaq = true;
    bool showEwgs = true;
    double dsqAlpha = 0.2;
    double daqGamma = 2.0;
    double daqSigma = 1.0;
    Scheme ewgsBase = Scheme::Uniform;
    double ewgsDelta = 1.0; // large enough to see; the trained delta is often far smaller
    double gradSign = 1.0;
};

// Throws std::invalid_argument for parameters core::checkCurveParams rejects, or when nothing is shown.
FigureSpec makeSoftRoundFigure(const SoftRoundFigureOptions &options);

namespace softround {
inline constexpr int kSamples = 1201;
inline const QString hardId = QStringLiteral("hard.y");
inline const QString dsqY = QStringLiteral("dsq.y");
inline const QString daqY = QStringLiteral("daq.y");
inline const QString steGrad = QStringLiteral("ste.dydx");
inline const QString dsqGrad = QStringLiteral("dsq.dydx");
inline const QString daqGrad = QStringLiteral("daq.dydx");
inline const QString ewgsSte = QStringLiteral("ewgs.ste");
inline const QString ewgsGrad = QStringLiteral("ewgs.dydx");
} // namespace softround

} // namespace qs::ui
