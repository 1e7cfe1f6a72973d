#include "ui/figures/animations.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qs::ui {

AnimationSpec levelsBitsAnimation(const LevelsFigureOptions &options, int fromBits, int toBits)
{
    AnimationSpec animation;
    animation.id = QStringLiteral("levels-bits");
    for (int bits = fromBits; bits <= toBits; ++bits) {
        LevelsFigureOptions frame = options;
        frame.bits = bits;
        try {
            animation.frames << makeLevelsFigure(frame);
        } catch (const std::invalid_argument &) {
            continue; // e.g. PoT or APoT at 1 bit: not a grid of that scheme
        }
    }
    if (animation.frames.isEmpty())
        throw std::invalid_argument("no bit width in " + std::to_string(fromBits) + ".." +
                                    std::to_string(toBits) + " is defined for this scheme");
    animation.frameMs = 900;
    animation.lastFrameMs = 2000;
    return animation;
}

QList<double> dsqAnnealAlphas(double from, double to, int frameCount)
{
    if (!(from > to && to > 0.0 && from <= 0.5))
        throw std::invalid_argument(
            "DSQ alpha anneals from a value in (0, 0.5] down to a smaller positive one");
    if (frameCount < 2 || frameCount > kMaxAnimationFrames)
        throw std::invalid_argument("an annealing animation has 2.." + std::to_string(kMaxAnimationFrames) +
                                    " frames");
    QList<double> alphas;
    const double ratio = std::log(to / from) / (frameCount - 1);
    for (int k = 0; k < frameCount; ++k)
        alphas << (k == frameCount - 1 ? to : from * std::exp(ratio * k));
    return alphas;
}

AnimationSpec dsqAnnealAnimation(const SoftRoundFigureOptions &options, double from, double to,
                                 int frameCount)
{
    AnimationSpec animation;
    animation.id = QStringLiteral("dsq-annealing");
    double slopeMax = 0.0;
    for (double alpha : dsqAnnealAlphas(from, to, frameCount)) {
        SoftRoundFigureOptions frame = options;
        frame.showDsq = true;
        frame.dsqAlpha =
            QString::number(alpha, 'g', 2).toDouble(); // the legend shows it: 0.031, not 0.0314159
        FigureSpec figure = makeSoftRoundFigure(frame);
        for (PanelSpec &panel : figure.panels) {
            if (panel.id == QLatin1String("forward"))
                panel.title += QStringLiteral(" \u00b7 DSQ \u03b1 = %1").arg(frame.dsqAlpha);
            if (panel.id == QLatin1String("backward"))
                slopeMax = std::max(slopeMax, panel.y.max);
        }
        animation.frames << figure;
    }
    // The slope grows as alpha shrinks: one y range for every frame, so only the curve moves.
    for (FigureSpec &figure : animation.frames)
        for (PanelSpec &panel : figure.panels)
            if (panel.id == QLatin1String("backward"))
                panel.y.max = slopeMax;
    animation.frameMs = 500;
    animation.lastFrameMs = 1500;
    return animation;
}

} // namespace qs::ui
