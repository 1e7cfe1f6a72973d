#pragma once
// Animations for slides: a sequence of figures (bits stepping 2 -> 6, DSQ's alpha annealing, a run's curves
// growing) rendered on a paper preset and written as an animated GIF (giflib) or WebP (libwebp), both
// looping. Files go through QSaveFile (temporary name, then rename), so a failed write leaves nothing behind.

#include "ui/plotting/figure.h"
#include "ui/plotting/figureexport.h"

#include <QImage>
#include <QList>
#include <QString>

#include <optional>

namespace qs::ui {

enum class AnimationFormat
{
    Gif,
    WebP
};

std::optional<AnimationFormat> animationFormatForPath(const QString &path); // .gif / .webp, any case

struct AnimationSpec
{
    QString id;               // default file name, e.g. "levels-bits"
    QList<FigureSpec> frames; // every frame on the same axes, so only the data moves
    int frameMs = 600;        // time each frame stays up
    int lastFrameMs = 1500;   // the end state, held longer before the loop starts again
};

inline constexpr int kMinFrameMs = 20; // GIF counts in 1/100 s; browsers clamp faster frames to 100 ms
inline constexpr int kMaxFrameMs = 60000;
inline constexpr int kMaxAnimationFrames = 500;

// Every frame rendered as the PNG export would render it (same preset, DPI and style), all one size.
QList<QImage> renderAnimationFrames(const AnimationSpec &animation, const ExportOptions &options);

// Writes `frames` (all one size, at least one) to path; the format from its suffix. An error line on failure.
// GIF: one 256-colour palette shared by every frame, made from the colours the frames use most (a chart has
// few), each pixel mapped to its nearest palette colour. WebP: lossless, so the pixels come back exactly.
std::optional<QString> writeAnimation(const QList<QImage> &frames, const QList<int> &frameMs,
                                      const QString &path);
// Renders and writes; the frame times from the spec.
std::optional<QString> exportAnimation(const AnimationSpec &animation, const QString &path,
                                       const ExportOptions &options);

// "Reveal" frames of one figure: in frame k (1..frameCount) each panel shows its series' points with
// x <= min + k/frameCount of its x range (axes fixed), so curves grow as they did in training. Points are
// cut, not interpolated: a frame shows only logged values. frameCount is clamped to [2, kMaxAnimationFrames].
AnimationSpec revealAnimation(const FigureSpec &figure, int frameCount);

} // namespace qs::ui
