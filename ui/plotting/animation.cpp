#include "ui/plotting/animation.h"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

#include <gif_lib.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <vector>

namespace qs::ui {

std::optional<AnimationFormat> animationFormatForPath(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("gif"))
        return AnimationFormat::Gif;
    if (suffix == QLatin1String("webp"))
        return AnimationFormat::WebP;
    return std::nullopt;
}

QList<QImage> renderAnimationFrames(const AnimationSpec &animation, const ExportOptions &options)
{
    QList<QImage> frames;
    frames.reserve(animation.frames.size());
    for (const FigureSpec &figure : animation.frames)
        frames << renderFigureImage(figure, options.preset, options.dpi, paperStyle(options))
                      .convertToFormat(QImage::Format_RGB32);
    return frames;
}

namespace {

// 5 bits per channel: the key of the colour histogram and of the nearest-colour table.
int colorKey(QRgb c)
{
    return (qRed(c) >> 3) << 10 | (qGreen(c) >> 3) << 5 | (qBlue(c) >> 3);
}

struct GifPalette
{
    std::vector<GifColorType> colors;    // at most 256
    std::vector<GifByteType> indexOfKey; // 32768 entries: colorKey -> palette index
};

// The 256 most used 15-bit colour cells of all frames (each the mean of the exact colours in it): a chart
// is mostly white, grey and a few series colours, so these cover it; antialiased edges take the nearest.
GifPalette makePalette(const QList<QImage> &frames)
{
    constexpr int kCells = 1 << 15;
    std::vector<std::array<uint64_t, 4>> cells(kCells, {0, 0, 0, 0}); // count, sum r, g, b
    for (const QImage &frame : frames)
        for (int y = 0; y < frame.height(); ++y) {
            const auto *row = reinterpret_cast<const QRgb *>(frame.constScanLine(y));
            for (int x = 0; x < frame.width(); ++x) {
                auto &cell = cells[size_t(colorKey(row[x]))];
                ++cell[0];
                cell[1] += uint64_t(qRed(row[x]));
                cell[2] += uint64_t(qGreen(row[x]));
                cell[3] += uint64_t(qBlue(row[x]));
            }
        }
    std::vector<int> used;
    for (int k = 0; k < kCells; ++k)
        if (cells[size_t(k)][0] > 0)
            used.push_back(k);
    const size_t keep = std::min<size_t>(256, used.size());
    std::partial_sort(used.begin(), used.begin() + std::ptrdiff_t(keep), used.end(),
                      [&](int a, int b) { return cells[size_t(a)][0] > cells[size_t(b)][0]; });
    used.resize(keep);
    GifPalette palette;
    for (int k : used) {
        const auto &cell = cells[size_t(k)];
        palette.colors.push_back(
            {GifByteType(cell[1] / cell[0]), GifByteType(cell[2] / cell[0]), GifByteType(cell[3] / cell[0])});
    }
    palette.indexOfKey.resize(kCells);
    for (int k = 0; k < kCells; ++k) {
        const int r = ((k >> 10) & 31) * 8 + 4, g = ((k >> 5) & 31) * 8 + 4, b = (k & 31) * 8 + 4;
        int best = 0;
        int bestDistance = 1 << 30;
        for (size_t i = 0; i < palette.colors.size(); ++i) {
            const int dr = r - palette.colors[i].Red, dg = g - palette.colors[i].Green,
                      db = b - palette.colors[i].Blue;
            const int distance = dr * dr + dg * dg + db * db;
            if (distance < bestDistance) {
                bestDistance = distance;
                best = int(i);
            }
        }
        palette.indexOfKey[size_t(k)] = GifByteType(best);
    }
    // A GIF colour map has a power-of-two size: pad with the last colour.
    while (palette.colors.size() < 256 && (palette.colors.size() & (palette.colors.size() - 1)) != 0)
        palette.colors.push_back(palette.colors.back());
    if (palette.colors.size() < 2)
        palette.colors.resize(2,
                              palette.colors.empty() ? GifColorType{255, 255, 255} : palette.colors.front());
    return palette;
}

int appendToByteArray(GifFileType *gif, const GifByteType *bytes, int length)
{
    static_cast<QByteArray *>(gif->UserData)->append(reinterpret_cast<const char *>(bytes), length);
    return length;
}

QString gifError(int code)
{
    const char *text = GifErrorString(code);
    return QStringLiteral("GIF encoder: %1").arg(QString::fromLatin1(text ? text : "unknown error"));
}

std::optional<QString> encodeGif(const QList<QImage> &frames, const QList<int> &frameMs, QByteArray *out)
{
    const GifPalette palette = makePalette(frames);
    int error = 0;
    GifFileType *gif = EGifOpen(out, appendToByteArray, &error);
    if (!gif)
        return gifError(error);
    // Closes the encoder on every path; EGifCloseFile frees it.
    auto close = [&gif]() -> int {
        int closeError = 0;
        if (gif && EGifCloseFile(gif, &closeError) != GIF_OK)
            return closeError;
        gif = nullptr;
        return 0;
    };
    auto fail = [&](int code) -> std::optional<QString> {
        const int c = code ? code : gif->Error;
        close();
        return gifError(c);
    };
    EGifSetGifVersion(gif, true); // GIF89a: frame delays and looping
    ColorMapObject *map = GifMakeMapObject(int(palette.colors.size()), palette.colors.data());
    if (!map)
        return fail(E_GIF_ERR_NOT_ENOUGH_MEM);
    const int width = frames.front().width(), height = frames.front().height();
    const bool described = EGifPutScreenDesc(gif, width, height, 8, 0, map) == GIF_OK;
    GifFreeMapObject(map);
    if (!described)
        return fail(0);
    // NETSCAPE2.0 application block: loop forever.
    static const GifByteType netscape[] = "NETSCAPE2.0";
    static const GifByteType loopForever[] = {1, 0, 0};
    if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) != GIF_OK ||
        EGifPutExtensionBlock(gif, 11, netscape) != GIF_OK ||
        EGifPutExtensionBlock(gif, 3, loopForever) != GIF_OK || EGifPutExtensionTrailer(gif) != GIF_OK)
        return fail(0);
    std::vector<GifByteType> line(static_cast<size_t>(width));
    for (int f = 0; f < frames.size(); ++f) {
        GraphicsControlBlock control{};
        control.DisposalMode = DISPOSE_DO_NOT;
        control.UserInputFlag = false;
        control.DelayTime = std::max(2, (frameMs[f] + 5) / 10); // hundredths of a second
        control.TransparentColor = NO_TRANSPARENT_COLOR;
        GifByteType extension[4];
        const size_t length = EGifGCBToExtension(&control, extension);
        if (EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, int(length), extension) != GIF_OK ||
            EGifPutImageDesc(gif, 0, 0, width, height, false, nullptr) != GIF_OK)
            return fail(0);
        const QImage &frame = frames[f];
        for (int y = 0; y < height; ++y) {
            const auto *row = reinterpret_cast<const QRgb *>(frame.constScanLine(y));
            for (int x = 0; x < width; ++x)
                line[size_t(x)] = palette.indexOfKey[size_t(colorKey(row[x]))];
            if (EGifPutLine(gif, line.data(), width) != GIF_OK)
                return fail(0);
        }
    }
    if (const int closeError = close())
        return gifError(closeError);
    return std::nullopt;
}

std::optional<QString> encodeWebP(const QList<QImage> &frames, const QList<int> &frameMs, QByteArray *out)
{
    const int width = frames.front().width(), height = frames.front().height();
    WebPAnimEncoderOptions options;
    if (!WebPAnimEncoderOptionsInit(&options))
        return QStringLiteral("WebP encoder: library version mismatch");
    options.anim_params.loop_count = 0; // forever
    std::unique_ptr<WebPAnimEncoder, decltype(&WebPAnimEncoderDelete)> encoder(
        WebPAnimEncoderNew(width, height, &options), WebPAnimEncoderDelete);
    if (!encoder)
        return QStringLiteral("WebP encoder: cannot start (out of memory?)");
    WebPConfig config;
    if (!WebPConfigInit(&config) || !WebPConfigLosslessPreset(&config, 2))
        return QStringLiteral("WebP encoder: library version mismatch");
    int timestamp = 0;
    for (int f = 0; f < frames.size(); ++f) {
        const QImage rgba = frames[f].convertToFormat(QImage::Format_RGBA8888);
        WebPPicture picture;
        if (!WebPPictureInit(&picture))
            return QStringLiteral("WebP encoder: library version mismatch");
        picture.width = width;
        picture.height = height;
        picture.use_argb = 1;
        const bool imported = WebPPictureImportRGBA(&picture, rgba.constBits(), int(rgba.bytesPerLine()));
        const bool added = imported && WebPAnimEncoderAdd(encoder.get(), &picture, timestamp, &config);
        WebPPictureFree(&picture);
        if (!added)
            return QStringLiteral("WebP encoder: frame %1: %2")
                .arg(f + 1)
                .arg(QString::fromLatin1(WebPAnimEncoderGetError(encoder.get())));
        timestamp += frameMs[f];
    }
    if (!WebPAnimEncoderAdd(encoder.get(), nullptr, timestamp, nullptr)) // the last frame's duration
        return QStringLiteral("WebP encoder: %1")
            .arg(QString::fromLatin1(WebPAnimEncoderGetError(encoder.get())));
    WebPData data;
    WebPDataInit(&data);
    if (!WebPAnimEncoderAssemble(encoder.get(), &data))
        return QStringLiteral("WebP encoder: %1")
            .arg(QString::fromLatin1(WebPAnimEncoderGetError(encoder.get())));
    out->append(reinterpret_cast<const char *>(data.bytes), qsizetype(data.size));
    WebPDataClear(&data);
    return std::nullopt;
}

} // namespace

std::optional<QString> writeAnimation(const QList<QImage> &frames, const QList<int> &frameMs,
                                      const QString &path)
{
    const auto format = animationFormatForPath(path);
    if (!format)
        return QStringLiteral("%1: an animation is written as .gif or .webp")
            .arg(QDir::toNativeSeparators(path));
    if (frames.isEmpty() || frames.size() != frameMs.size())
        return QStringLiteral("%1: no frames to write").arg(QDir::toNativeSeparators(path));
    if (frames.size() > kMaxAnimationFrames)
        return QStringLiteral("%1: %2 frames, at most %3")
            .arg(QDir::toNativeSeparators(path))
            .arg(frames.size())
            .arg(kMaxAnimationFrames);
    const QSize size = frames.front().size();
    for (int f = 0; f < frames.size(); ++f) {
        if (frames[f].size() != size || frames[f].isNull())
            return QStringLiteral("%1: frame %2 is %3x%4, the first %5x%6")
                .arg(QDir::toNativeSeparators(path))
                .arg(f + 1)
                .arg(frames[f].width())
                .arg(frames[f].height())
                .arg(size.width())
                .arg(size.height());
        if (frameMs[f] < kMinFrameMs || frameMs[f] > kMaxFrameMs)
            return QStringLiteral("frame time %1 ms is outside %2..%3 ms")
                .arg(frameMs[f])
                .arg(kMinFrameMs)
                .arg(kMaxFrameMs);
    }
    if (size.width() > 0xffff || size.height() > 0xffff)
        return QStringLiteral("%1: %2x%3 pixels is too large for an animation")
            .arg(QDir::toNativeSeparators(path))
            .arg(size.width())
            .arg(size.height());
    QList<QImage> rgb;
    for (const QImage &frame : frames)
        rgb << frame.convertToFormat(QImage::Format_RGB32);
    QByteArray bytes;
    const auto error =
        *format == AnimationFormat::Gif ? encodeGif(rgb, frameMs, &bytes) : encodeWebP(rgb, frameMs, &bytes);
    if (error)
        return QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), *error);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return QStringLiteral("cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
    return std::nullopt;
}

std::optional<QString> exportAnimation(const AnimationSpec &animation, const QString &path,
                                       const ExportOptions &options)
{
    if (animation.frames.isEmpty())
        return QStringLiteral("%1: the animation has no frames").arg(QDir::toNativeSeparators(path));
    if (animation.frames.size() > kMaxAnimationFrames)
        return QStringLiteral("%1: %2 frames, at most %3")
            .arg(QDir::toNativeSeparators(path))
            .arg(animation.frames.size())
            .arg(kMaxAnimationFrames);
    if (!animationFormatForPath(path))
        return QStringLiteral("%1: an animation is written as .gif or .webp")
            .arg(QDir::toNativeSeparators(path));
    if (auto error = checkExportOptions(options))
        return error;
    QList<int> times(animation.frames.size(), animation.frameMs);
    times.back() = std::max(animation.frameMs, animation.lastFrameMs);
    return writeAnimation(renderAnimationFrames(animation, options), times, path);
}

AnimationSpec revealAnimation(const FigureSpec &figure, int frameCount)
{
    frameCount = std::clamp(frameCount, 2, kMaxAnimationFrames);
    AnimationSpec animation;
    animation.id = figure.id + QStringLiteral("-growing");
    for (int k = 1; k <= frameCount; ++k) {
        FigureSpec frame = figure;
        const double t = double(k) / frameCount;
        for (PanelSpec &panel : frame.panels) {
            const double limit = panel.x.min + t * (panel.x.max - panel.x.min);
            for (SeriesSpec &series : panel.series) {
                QList<QPointF> kept;
                if (series.segments) { // pairs stay pairs
                    for (int i = 0; i + 1 < series.points.size(); i += 2)
                        if (series.points[i].x() <= limit && series.points[i + 1].x() <= limit)
                            kept << series.points[i] << series.points[i + 1];
                } else {
                    for (const QPointF &p : series.points)
                        if (p.x() <= limit || k == frameCount)
                            kept << p;
                }
                series.points = kept;
            }
        }
        animation.frames << frame;
    }
    return animation;
}

} // namespace qs::ui
