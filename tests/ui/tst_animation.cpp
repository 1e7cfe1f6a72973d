// Animated figures for slides: what giflib and libwebp's own decoders read back from our files (frame count,
// size, times, looping, pixels), the errors, and the teaching frames (bits 2 -> 6, DSQ annealing, curves
// growing).
#include "core/quant/levels.h"
#include "ui/figures/animations.h"
#include "ui/plotting/animation.h"

#include <QDir>
#include <QFile>
#include <QPainter>
#include <QTemporaryDir>
#include <QTest>

#include <gif_lib.h>
#include <webp/demux.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

using namespace qs;
using namespace qs::ui;

namespace {

const QList<QColor> kColors = {QColor(0, 114, 178), QColor(213, 94, 0), QColor(0, 158, 115)};

// White frames with one coloured square each, at a different place, so frames differ and pixels are known.
QList<QImage> squareFrames()
{
    QList<QImage> frames;
    for (int f = 0; f < 3; ++f) {
        QImage image(64, 48, QImage::Format_RGB32);
        image.fill(Qt::white);
        QPainter painter(&image);
        painter.fillRect(QRect(8 + 16 * f, 8, 12, 12), kColors[f]);
        frames << image;
    }
    return frames;
}

struct GifCloser
{
    void operator()(GifFileType *gif) const
    {
        int error = 0;
        DGifCloseFile(gif, &error);
    }
};

QRgb gifPixel(const GifFileType *gif, int frame, int x, int y)
{
    const SavedImage &image = gif->SavedImages[frame];
    const ColorMapObject *map = image.ImageDesc.ColorMap ? image.ImageDesc.ColorMap : gif->SColorMap;
    const GifByteType index = image.RasterBits[y * image.ImageDesc.Width + x];
    const GifColorType &c = map->Colors[index];
    return qRgb(c.Red, c.Green, c.Blue);
}

// Mean |y_dsq(x) - hard(x)| over the DSQ curve's points; hard = nearest of the 2^b evenly spaced unsigned
// levels on [0, alpha] (the DSQ/DAQ grid of softroundfigure.h), clipped.
double distanceFromHardStep(const FigureSpec &figure, int bits, double alpha)
{
    const int steps = (1 << bits) - 1;
    for (const PanelSpec &panel : figure.panels)
        for (const SeriesSpec &series : panel.series)
            if (series.id == QLatin1String("dsq.y")) {
                double sum = 0;
                for (const QPointF &p : series.points) {
                    const double clipped = std::clamp(p.x() / alpha, 0.0, 1.0);
                    sum += std::abs(p.y() - alpha * std::round(clipped * steps) / steps);
                }
                return sum / series.points.size();
            }
    return -1;
}

} // namespace

class TestAnimation final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void gifReadsBackWithGiflib()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("a.gif"));
        QVERIFY(!writeAnimation(squareFrames(), {100, 200, 1500}, path));
        int error = 0;
        std::unique_ptr<GifFileType, GifCloser> gif(
            DGifOpenFileName(QFile::encodeName(path).constData(), &error));
        QVERIFY2(gif, GifErrorString(error));
        QCOMPARE(DGifSlurp(gif.get()), GIF_OK);
        QCOMPARE(gif->ImageCount, 3);
        QCOMPARE(gif->SWidth, 64);
        QCOMPARE(gif->SHeight, 48);
        const int expectedDelay[] = {10, 20, 150}; // hundredths of a second
        bool loops = false;
        for (int f = 0; f < 3; ++f) {
            GraphicsControlBlock control;
            QCOMPARE(DGifSavedExtensionToGCB(gif.get(), f, &control), GIF_OK);
            QCOMPARE(control.DelayTime, expectedDelay[f]);
            for (int e = 0; e < gif->SavedImages[f].ExtensionBlockCount; ++e) {
                const ExtensionBlock &block = gif->SavedImages[f].ExtensionBlocks[e];
                if (block.Function == APPLICATION_EXT_FUNC_CODE && block.ByteCount == 11 &&
                    std::memcmp(block.Bytes, "NETSCAPE2.0", 11) == 0)
                    loops = true;
            }
            // Few colours: the palette holds them exactly.
            QCOMPARE(gifPixel(gif.get(), f, 8 + 16 * f + 6, 14), kColors[f].rgb());
            QCOMPARE(gifPixel(gif.get(), f, 60, 40), qRgb(255, 255, 255));
        }
        QVERIFY2(loops, "no NETSCAPE2.0 loop block");
    }

    void webpReadsBackExactly()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("a.WEBP"));
        const QList<QImage> frames = squareFrames();
        QVERIFY(!writeAnimation(frames, {100, 200, 1500}, path));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        WebPData data{reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size())};
        WebPAnimDecoderOptions options;
        QVERIFY(WebPAnimDecoderOptionsInit(&options));
        options.color_mode = MODE_RGBA;
        std::unique_ptr<WebPAnimDecoder, decltype(&WebPAnimDecoderDelete)> decoder(
            WebPAnimDecoderNew(&data, &options), WebPAnimDecoderDelete);
        QVERIFY(decoder);
        WebPAnimInfo info;
        QVERIFY(WebPAnimDecoderGetInfo(decoder.get(), &info));
        QCOMPARE(info.frame_count, 3u);
        QCOMPARE(info.canvas_width, 64u);
        QCOMPARE(info.canvas_height, 48u);
        QCOMPARE(info.loop_count, 0u); // forever
        const int expectedEnd[] = {100, 300, 1800};
        for (int f = 0; f < 3; ++f) {
            uint8_t *rgba = nullptr;
            int timestamp = 0;
            QVERIFY(WebPAnimDecoderGetNext(decoder.get(), &rgba, &timestamp));
            QCOMPARE(timestamp, expectedEnd[f]);
            const QImage decoded(rgba, 64, 48, QImage::Format_RGBA8888);
            QCOMPARE(decoded.convertToFormat(QImage::Format_RGB32), frames[f]); // lossless
        }
    }

    void badRequestsAreOneLineAndWriteNothing()
    {
        QTemporaryDir dir;
        const QList<QImage> frames = squareFrames();
        const QString gif = dir.filePath(QStringLiteral("x.gif"));
        auto error = writeAnimation(frames, {100, 100, 100}, dir.filePath(QStringLiteral("x.png")));
        QVERIFY(error && error->contains(QStringLiteral(".gif or .webp")));
        error = writeAnimation({}, {}, gif);
        QVERIFY(error && error->contains(QStringLiteral("no frames")));
        QList<QImage> mixed = frames;
        mixed[1] = mixed[1].scaled(32, 24);
        error = writeAnimation(mixed, {100, 100, 100}, gif);
        QVERIFY2(error && error->contains(QStringLiteral("frame 2 is 32x24")),
                 qPrintable(error.value_or(QString())));
        error = writeAnimation(frames, {100, 5, 100}, gif);
        QVERIFY(error && error->contains(QStringLiteral("5 ms")));
        error = writeAnimation(frames, {100, 100, 100}, dir.filePath(QStringLiteral("missing/x.gif")));
        QVERIFY2(error && error->startsWith(QStringLiteral("cannot write")),
                 qPrintable(error.value_or(QString())));
        for (const QString &message : {error.value_or(QString())})
            QVERIFY(!message.contains(QLatin1Char('\n')));
        QVERIFY(!QFile::exists(gif));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList());
    }

    void levelsStepThroughTheBits()
    {
        LevelsFigureOptions options;
        options.scheme = Scheme::APoT;
        options.isSigned = true;
        const AnimationSpec animation = levelsBitsAnimation(options, 2, 6);
        QCOMPARE(animation.frames.size(), 5);
        for (int f = 0; f < 5; ++f) {
            const int bits = 2 + f;
            const FigureSpec &frame = animation.frames[f];
            QVERIFY2(frame.panels.front().title.startsWith(QStringLiteral("%1-bit").arg(bits)),
                     qPrintable(frame.panels.front().title));
            for (const SeriesSpec &series : frame.panels.front().series)
                if (series.id == levelsSeriesId(Scheme::APoT))
                    QCOMPARE(size_t(series.points.size()), levelSet({Scheme::APoT, bits, true}).size());
            // Same axes in every frame: only the data moves.
            QCOMPARE(frame.panels.front().x.min, animation.frames.front().panels.front().x.min);
            QCOMPARE(frame.panels.front().x.max, animation.frames.front().panels.front().x.max);
        }
        // PoT/APoT are not defined at 1 bit: the frame is skipped, not an error.
        QCOMPARE(levelsBitsAnimation(options, 1, 3).frames.size(), 2);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, levelsBitsAnimation(options, 1, 1));
    }

    void dsqAnnealsTowardsTheHardStep()
    {
        const QList<double> alphas = dsqAnnealAlphas(0.5, 0.002, 12);
        QCOMPARE(alphas.size(), 12);
        QCOMPARE(alphas.front(), 0.5);
        QCOMPARE(alphas.back(), 0.002);
        for (int k = 1; k < alphas.size(); ++k) // geometric: a constant ratio
            QVERIFY(std::abs(alphas[k] / alphas[k - 1] - std::pow(0.002 / 0.5, 1.0 / 11)) < 1e-12);
        SoftRoundFigureOptions options;
        options.showDaq = options.showEwgs = false;
        const AnimationSpec animation = dsqAnnealAnimation(options, 0.5, 0.002, 12);
        QCOMPARE(animation.frames.size(), 12);
        double previous = 1e9;
        for (const FigureSpec &frame : animation.frames) {
            const double distance = distanceFromHardStep(frame, options.bits, options.alpha);
            QVERIFY(distance >= 0);
            QVERIFY2(distance < previous, "each frame is closer to the hard step than the one before");
            previous = distance;
            QCOMPARE(frame.panels[1].y.max, animation.frames.front().panels[1].y.max); // one slope axis
        }
        QVERIFY(distanceFromHardStep(animation.frames.back(), 2, 1.0) <
                0.5 * distanceFromHardStep(animation.frames.front(), 2, 1.0));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, dsqAnnealAlphas(0.6, 0.1, 5));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, dsqAnnealAlphas(0.1, 0.2, 5));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, dsqAnnealAlphas(0.5, 0.1, 1));
    }

    void revealGrowsEachCurve()
    {
        FigureSpec figure;
        figure.id = QStringLiteral("curves");
        PanelSpec panel;
        panel.x = {QStringLiteral("step"), 0, 100, {}};
        SeriesSpec line;
        line.id = QStringLiteral("loss");
        for (int s = 0; s <= 100; s += 10)
            line.points << QPointF(s, 100 - s);
        SeriesSpec marks;
        marks.id = QStringLiteral("marks");
        marks.segments = true;
        marks.points = {QPointF(30, 0), QPointF(30, 1), QPointF(80, 0), QPointF(80, 1)};
        panel.series << line << marks;
        figure.panels << panel;
        const AnimationSpec animation = revealAnimation(figure, 4);
        QCOMPARE(animation.frames.size(), 4);
        const int expectedLine[] = {3, 6, 8, 11}; // x <= 25, 50, 75, 100
        const int expectedMarks[] = {0, 2, 2, 4};
        for (int k = 0; k < 4; ++k) {
            const PanelSpec &p = animation.frames[k].panels.front();
            QCOMPARE(p.series[0].points.size(), expectedLine[k]);
            QCOMPARE(p.series[1].points.size(), expectedMarks[k]);
            QCOMPARE(p.x.max, 100.0);
        }
        QCOMPARE(animation.frames.back().panels.front().series[0].points, line.points);
        QCOMPARE(revealAnimation(figure, 1).frames.size(), 2); // clamped
    }

    void exportRendersEveryFrame()
    {
        QTemporaryDir dir;
        LevelsFigureOptions options;
        AnimationSpec animation = levelsBitsAnimation(options, 2, 4);
        ExportOptions exportOptions;
        exportOptions.dpi = 100;
        const QString path = dir.filePath(QStringLiteral("levels.gif"));
        QVERIFY(!exportAnimation(animation, path, exportOptions));
        int error = 0;
        std::unique_ptr<GifFileType, GifCloser> gif(
            DGifOpenFileName(QFile::encodeName(path).constData(), &error));
        QVERIFY(gif);
        QCOMPARE(DGifSlurp(gif.get()), GIF_OK);
        QCOMPARE(gif->ImageCount, 3);
        const QSize size = figurePixelSize(animation.frames.front(), exportOptions.preset, 100);
        QCOMPARE(QSize(gif->SWidth, gif->SHeight), size);
        GraphicsControlBlock last;
        QCOMPARE(DGifSavedExtensionToGCB(gif.get(), 2, &last), GIF_OK);
        QCOMPARE(last.DelayTime, animation.lastFrameMs / 10); // the end state is held longer
        // Frames differ (the grid changes), so the animation is not one picture three times.
        QVERIFY(std::memcmp(gif->SavedImages[0].RasterBits, gif->SavedImages[2].RasterBits,
                            size_t(size.width() * size.height())) != 0);
    }
};

QTEST_MAIN(TestAnimation)
#include "tst_animation.moc"
