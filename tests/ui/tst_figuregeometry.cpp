// Every exported figure is true: each kind, in each preset and format, puts every plotted vertex where its
// data says. SVG is read back exactly: the axis mapping is fitted from the tick labels as drawn, and every
// polyline vertex and marker centre of the data must lie within half a pixel at 300 dpi (0.5 page units) of
// its data point mapped through it. PDF (rasterized by pdftoppm at 300 dpi) and PNG (300 dpi) are checked by
// sampling: the tick marks are dark where the axis mapping puts them, every marker centre and every line's
// segments are painted in the series' colour. Then what a paper needs: aligned y axes, legends off the data
// with samples of at least 2.5 mm, no label touching another or the data, nothing elided.

#include "runfixtures.h"

#include "core/analysis/activations.h"
#include "core/analysis/analysis.h"
#include "core/analysis/modelsnapshot.h"
#include "core/quant/levels.h"
#include "core/runs/runhistory.h"
#include "ui/figures/activationfigures.h"
#include "ui/figures/levelsfigure.h"
#include "ui/figures/runfigures.h"
#include "ui/figures/softroundfigure.h"
#include "ui/figures/weightfigures.h"
#include "ui/plotting/figureexport.h"
#include "ui/plotting/paperfigure.h"

#include <QFile>
#include <QFontMetricsF>
#include <QImage>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTransform>
#include <QXmlStreamReader>

#include <cmath>
#include <functional>
#include <optional>

using namespace qs;
using namespace qs::ui;
using qs::test::RunFixture;

namespace {

constexpr double kTolerance = 0.5; // page units: half a pixel at 300 dpi

struct SvgPolyline
{
    QColor stroke;
    QPolygonF points;
};

struct SvgMarker
{
    QColor fill;
    QPointF centre;
};

struct SvgText
{
    QString text;
    QPointF origin; // baseline start, page units
    QString family;
    double pixelSize = 0;
    bool bold = false;
    bool rotated = false;
};

struct SvgContent
{
    QList<SvgPolyline> polylines;
    QList<SvgMarker> markers;
    QList<SvgText> texts;
    QString title, desc;
};

QTransform parseMatrix(const QString &attr)
{
    if (!attr.startsWith(QLatin1String("matrix(")))
        return {};
    const QStringList v = attr.mid(7, attr.size() - 8).split(QLatin1Char(','));
    if (v.size() != 6)
        return {};
    return QTransform(v[0].toDouble(), v[1].toDouble(), v[2].toDouble(), v[3].toDouble(), v[4].toDouble(),
                      v[5].toDouble());
}

// QSvgGenerator's output: <g> elements carry the pen, brush, font and transform of what they hold.
SvgContent readSvg(const QByteArray &bytes)
{
    struct State
    {
        QColor stroke, fill;
        QTransform transform;
        double fontSize = 0;
        bool bold = false;
    };
    SvgContent out;
    QList<State> stack{State{}};
    QXmlStreamReader xml(bytes);
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isEndElement() && xml.name() == QLatin1String("g")) {
            stack.removeLast();
            continue;
        }
        if (!xml.isStartElement())
            continue;
        const auto a = xml.attributes();
        const QString name = xml.name().toString();
        if (name == QLatin1String("title")) {
            out.title = xml.readElementText();
            continue;
        }
        if (name == QLatin1String("desc")) {
            out.desc = xml.readElementText();
            continue;
        }
        if (name == QLatin1String("g")) {
            State s = stack.last();
            if (a.hasAttribute(QLatin1String("stroke")))
                s.stroke = QColor(a.value(QLatin1String("stroke")).toString());
            if (a.hasAttribute(QLatin1String("fill")))
                s.fill = QColor(a.value(QLatin1String("fill")).toString());
            if (a.hasAttribute(QLatin1String("transform")))
                s.transform = parseMatrix(a.value(QLatin1String("transform")).toString());
            if (a.hasAttribute(QLatin1String("font-size")))
                s.fontSize = a.value(QLatin1String("font-size")).toDouble();
            if (a.hasAttribute(QLatin1String("font-weight")))
                s.bold = a.value(QLatin1String("font-weight")).toInt() >= 600;
            stack << s;
            continue;
        }
        const State &s = stack.last();
        if (name == QLatin1String("polyline")) {
            SvgPolyline line;
            line.stroke = s.stroke;
            const QStringList pairs =
                a.value(QLatin1String("points")).toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
            for (const QString &pair : pairs) {
                const QStringList xy = pair.split(QLatin1Char(','));
                if (xy.size() == 2)
                    line.points << s.transform.map(QPointF(xy[0].toDouble(), xy[1].toDouble()));
            }
            out.polylines << line;
        } else if (name == QLatin1String("ellipse") || name == QLatin1String("circle")) {
            out.markers << SvgMarker{s.fill,
                                     s.transform.map(QPointF(a.value(QLatin1String("cx")).toDouble(),
                                                             a.value(QLatin1String("cy")).toDouble()))};
        } else if (name == QLatin1String("text")) {
            SvgText t;
            t.family = a.value(QLatin1String("font-family")).toString();
            t.pixelSize = a.hasAttribute(QLatin1String("font-size"))
                              ? a.value(QLatin1String("font-size")).toDouble()
                              : s.fontSize;
            t.bold = a.hasAttribute(QLatin1String("font-weight"))
                         ? a.value(QLatin1String("font-weight")).toInt() >= 600
                         : s.bold;
            t.origin = s.transform.map(
                QPointF(a.value(QLatin1String("x")).toDouble(), a.value(QLatin1String("y")).toDouble()));
            t.rotated = std::abs(s.transform.m12()) > 1e-6;
            t.text = xml.readElementText();
            out.texts << t;
        }
    }
    return out;
}

std::optional<double> tickValue(QString text)
{
    text.replace(QChar(0x2212), QLatin1Char('-'));
    bool ok = false;
    const double v = text.toDouble(&ok);
    return ok ? std::optional(v) : std::nullopt;
}

// Least-squares line page = a + b * value through (value, page) pairs.
struct LinearMap
{
    double a = 0, b = 1;
    double map(double v) const { return a + b * v; }
};

std::optional<LinearMap> fit(const QList<QPointF> &valuePage)
{
    if (valuePage.size() < 2)
        return std::nullopt;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    const double n = double(valuePage.size());
    for (const auto &p : valuePage) {
        sx += p.x();
        sy += p.y();
        sxx += p.x() * p.x();
        sxy += p.x() * p.y();
    }
    const double d = n * sxx - sx * sx;
    if (std::abs(d) < 1e-18)
        return std::nullopt;
    LinearMap m;
    m.b = (n * sxy - sx * sy) / d;
    m.a = (sy - m.b * sx) / n;
    return m;
}

QFont fontOf(const SvgText &t)
{
    QFont f(t.family);
    f.setPixelSize(int(std::lround(t.pixelSize)));
    f.setBold(t.bold);
    f.setHintingPreference(QFont::PreferNoHinting);
    f.setKerning(false);
    return f;
}

// The expected page polylines of a Line series: split at non-finite points, pairs for segments.
QList<QPolygonF> expectedLines(const SeriesSpec &s, const std::function<QPointF(QPointF)> &toPage)
{
    QList<QPolygonF> lines;
    QPolygonF line;
    auto flush = [&] {
        if (line.size() > 1)
            lines << line;
        line.clear();
    };
    for (const QPointF &p : s.points) {
        if (!std::isfinite(p.x()) || !std::isfinite(p.y())) {
            flush();
            continue;
        }
        line << toPage(p);
        if (s.segments && line.size() == 2)
            flush();
    }
    flush();
    return lines;
}

double maxDistance(const QPolygonF &a, const QPolygonF &b)
{
    double worst = 0;
    for (int i = 0; i < a.size(); ++i)
        worst = std::max(worst, QLineF(a[i], b[i]).length());
    return worst;
}

bool sameColor(const QColor &a, const QColor &b)
{
    return a.rgb() == b.rgb();
}

// How well `pixel` reads as `color` drawn with some coverage over white: the coverage (0..1) and the rest.
std::pair<double, double> coverageOf(const QColor &pixel, const QColor &color)
{
    const double p[3] = {pixel.redF(), pixel.greenF(), pixel.blueF()};
    const double c[3] = {color.redF(), color.greenF(), color.blueF()};
    double num = 0, den = 0;
    for (int i = 0; i < 3; ++i) {
        num += (1 - p[i]) * (1 - c[i]);
        den += (1 - c[i]) * (1 - c[i]);
    }
    const double alpha = den > 1e-9 ? std::clamp(num / den, 0.0, 1.0) : (pixel.lightnessF() > 0.97 ? 1 : 0);
    double err = 0;
    for (int i = 0; i < 3; ++i)
        err = std::max(err, std::abs(p[i] - (1 - alpha * (1 - c[i]))));
    return {alpha, err};
}

// Somewhere in the 3x3 pixels around `at`, `color` shows with at least 35 % coverage.
bool paintedWith(const QImage &image, QPointF at, const QColor &color)
{
    const int cx = int(std::floor(at.x())), cy = int(std::floor(at.y()));
    for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
            const int x = cx + dx, y = cy + dy;
            if (x < 0 || y < 0 || x >= image.width() || y >= image.height())
                continue;
            const auto [alpha, err] = coverageOf(image.pixelColor(x, y), color);
            if (alpha >= 0.35 && err <= 0.12)
                return true;
        }
    return false;
}

struct Kind
{
    QString name;
    FigureSpec figure;
};

} // namespace

class TestFigureGeometry final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QList<Kind> m_kinds;
    QString m_activationsSkip;
    std::vector<RunHistory> m_histories;

    const FigureSpec *figureNamed(const QString &name) const
    {
        for (const auto &k : m_kinds)
            if (k.name == name)
                return &k.figure;
        return nullptr;
    }

    // Checks the SVG of `figure` against its layout; returns the number of data vertices checked.
    int checkSvg(const FigureSpec &figure, const PaperLayout &layout, const QByteArray &bytes)
    {
        const SvgContent svg = readSvg(bytes);
        int checked = 0;
        QList<bool> lineUsed(svg.polylines.size(), false), markerUsed(svg.markers.size(), false);
        for (int pi = 0; pi < figure.panels.size(); ++pi) {
            const PanelSpec &spec = figure.panels[pi];
            const PaperPanel &panel = layout.panels[pi];
            const QRectF area = panel.plotArea;
            const QString where = figure.id + QLatin1Char('/') + spec.id;

            // The axis mapping as drawn: fitted from the tick labels' centres read back from the file.
            QList<QPointF> xs, ys;
            for (const SvgText &t : svg.texts) {
                if (t.rotated || !panel.cell.contains(t.origin))
                    continue;
                const auto v = tickValue(t.text);
                if (!v)
                    continue;
                const QFontMetricsF m(fontOf(t));
                if (t.origin.y() > area.bottom() &&
                    t.origin.x() + m.horizontalAdvance(t.text) > area.left() - 1)
                    xs << QPointF(*v, t.origin.x() + m.horizontalAdvance(t.text) / 2);
                else if (t.origin.x() < area.left() && t.origin.y() >= area.top() - 20 &&
                         t.origin.y() <= area.bottom() + 40)
                    ys << QPointF(*v, t.origin.y() - m.ascent() + (m.ascent() + m.descent()) / 2);
            }
            const auto xMap = fit(xs);
            if (!xMap) {
                QTest::qFail(qPrintable(where + QStringLiteral(": fewer than 2 x tick labels")), __FILE__,
                             __LINE__);
                return -1;
            }
            LinearMap yMap;
            if (spec.y.categories.isEmpty()) {
                const auto fitted = fit(ys);
                if (!fitted) {
                    QTest::qFail(qPrintable(where + QStringLiteral(": fewer than 2 y tick labels")), __FILE__,
                                 __LINE__);
                    return -1;
                }
                yMap = *fitted;
            } else {
                // Category rows: the labels are names, the rows' centres are where the layout puts them;
                // checked against the labels' centres below.
                yMap.b = -area.height() / (panel.yMax - panel.yMin);
                yMap.a = area.bottom() - yMap.b * panel.yMin;
            }
            // Each tick label sits on the fitted line (a label off its tick would show as a residual), and
            // the fitted line is the layout's axis.
            for (const auto &p : xs)
                if (std::abs(xMap->map(p.x()) - p.y()) > kTolerance) {
                    QTest::qFail(qPrintable(QStringLiteral("%1: x label %2 at %3, axis says %4")
                                                .arg(where)
                                                .arg(p.x())
                                                .arg(p.y())
                                                .arg(xMap->map(p.x()))),
                                 __FILE__, __LINE__);
                    return -1;
                }
            for (const double v : {panel.xMin, panel.xMax})
                if (std::abs(xMap->map(v) - panel.toPage({v, panel.yMin}).x()) > kTolerance) {
                    QTest::qFail(qPrintable(where + QStringLiteral(": x labels disagree with the plot area")),
                                 __FILE__, __LINE__);
                    return -1;
                }
            auto toPage = [&](QPointF d) { return QPointF(xMap->map(d.x()), yMap.map(d.y())); };

            // Lines: each expected polyline is a polyline in the file, in the series' colour, vertex by
            // vertex.
            for (const SeriesSpec &s : spec.series) {
                if (s.kind == SeriesKind::Scatter)
                    continue;
                for (const QPolygonF &want : expectedLines(s, toPage)) {
                    int best = -1;
                    double bestDistance = 1e300;
                    for (int k = 0; k < svg.polylines.size(); ++k) {
                        const SvgPolyline &got = svg.polylines[k];
                        if (lineUsed[k] || got.points.size() != want.size() ||
                            !sameColor(got.stroke, s.color))
                            continue;
                        const double d = maxDistance(got.points, want);
                        if (d < bestDistance) {
                            bestDistance = d;
                            best = k;
                        }
                    }
                    if (best < 0 || bestDistance > kTolerance) {
                        QTest::qFail(
                            qPrintable(QStringLiteral("%1: series %2 (%3 vertices) not drawn where its "
                                                      "data says; nearest is %4 units off")
                                           .arg(where, s.id)
                                           .arg(want.size())
                                           .arg(best < 0 ? -1.0 : bestDistance)),
                            __FILE__, __LINE__);
                        return -1;
                    }
                    lineUsed[best] = true;
                    checked += int(want.size());
                }
            }
            // Markers: each point inside the axes is a marker centred on it, in the series' colour.
            for (const SeriesSpec &s : spec.series) {
                if (s.kind != SeriesKind::Scatter)
                    continue;
                for (const QPointF &p : s.points) {
                    if (!(p.x() >= panel.xMin && p.x() <= panel.xMax && p.y() >= panel.yMin &&
                          p.y() <= panel.yMax))
                        continue;
                    const QPointF want = toPage(p);
                    int best = -1;
                    double bestDistance = 1e300;
                    for (int k = 0; k < svg.markers.size(); ++k) {
                        if (markerUsed[k] || !sameColor(svg.markers[k].fill, s.color))
                            continue;
                        const double d = QLineF(svg.markers[k].centre, want).length();
                        if (d < bestDistance) {
                            bestDistance = d;
                            best = k;
                        }
                    }
                    if (best < 0 || bestDistance > kTolerance) {
                        QTest::qFail(qPrintable(QStringLiteral("%1: marker of %2 at (%3, %4) is %5 units off")
                                                    .arg(where, s.id)
                                                    .arg(p.x())
                                                    .arg(p.y())
                                                    .arg(best < 0 ? -1.0 : bestDistance)),
                                     __FILE__, __LINE__);
                        return -1;
                    }
                    markerUsed[best] = true;
                    ++checked;
                }
            }
        }
        // Nothing else is drawn on the data: every coloured polyline inside a plot area and every marker
        // inside one belongs to a series (a stray baseline, a retraced segment would be left over).
        for (int k = 0; k < svg.polylines.size(); ++k) {
            const SvgPolyline &got = svg.polylines[k];
            if (lineUsed[k] || got.stroke == QColor(0xDD, 0xDD, 0xDD) || got.points.isEmpty())
                continue;
            for (const PaperPanel &panel : layout.panels) {
                const QRectF inner = panel.plotArea.adjusted(1, 1, -1, -1);
                bool inside = true;
                for (const QPointF &p : got.points)
                    inside = inside && inner.contains(p);
                if (inside && got.points.size() >= 2) {
                    QTest::qFail(
                        qPrintable(QStringLiteral("%1/%2: a %3-vertex %4 line on the data is no series")
                                       .arg(figure.id, panel.id)
                                       .arg(got.points.size())
                                       .arg(got.stroke.name())),
                        __FILE__, __LINE__);
                    return -1;
                }
            }
        }
        for (int k = 0; k < svg.markers.size(); ++k) {
            if (markerUsed[k])
                continue;
            for (const PaperPanel &panel : layout.panels)
                if (panel.plotArea.adjusted(1, 1, -1, -1).contains(svg.markers[k].centre)) {
                    QTest::qFail(
                        qPrintable(figure.id + QStringLiteral(": a marker on the data is no series'")),
                        __FILE__, __LINE__);
                    return -1;
                }
        }
        return checked;
    }

    // Samples a 300 dpi raster of the page: tick marks dark where the axes put them, markers and line
    // segments in their series' colour. Returns the number of samples checked.
    int checkRaster(const FigureSpec &figure, const PaperLayout &layout, const QImage &image)
    {
        if (std::abs(image.width() - layout.size.width()) > 1.0 ||
            std::abs(image.height() - layout.size.height()) > 1.0) {
            QTest::qFail(qPrintable(QStringLiteral("%1: raster %2x%3, page %4x%5")
                                        .arg(figure.id)
                                        .arg(image.width())
                                        .arg(image.height())
                                        .arg(layout.size.width())
                                        .arg(layout.size.height())),
                         __FILE__, __LINE__);
            return -1;
        }
        int checked = 0;
        for (int pi = 0; pi < figure.panels.size(); ++pi) {
            const PanelSpec &spec = figure.panels[pi];
            const PaperPanel &panel = layout.panels[pi];
            const QRectF area = panel.plotArea;
            const QString where = figure.id + QLatin1Char('/') + spec.id;
            auto toPage = [&](QPointF d) { return panel.toPage(d); };
            for (const auto &[v, label] : panel.xTicks) {
                const QPointF tick(toPage({v, panel.yMin}).x(), area.bottom() + 1.5 * kPaperUnitsPerPoint);
                if (!paintedWith(image, tick, Qt::black)) {
                    QTest::qFail(qPrintable(QStringLiteral("%1: no x tick at %2").arg(where, label)),
                                 __FILE__, __LINE__);
                    return -1;
                }
                ++checked;
            }
            // What may cover a point: any series of the panel drawn near it.
            auto coloursNear = [&](QPointF at) {
                QList<QColor> colours;
                for (const SeriesSpec &s : spec.series) {
                    bool near = false;
                    if (s.kind == SeriesKind::Scatter) {
                        const double r = 4.5 * s.markerScale * kPaperUnitsPerPoint / 2 + 1.5;
                        for (const QPointF &p : s.points)
                            near = near || QLineF(toPage(p), at).length() <= r;
                    } else {
                        for (const QPolygonF &line : expectedLines(s, toPage))
                            for (int i = 0; i + 1 < line.size() && !near; ++i) {
                                const QLineF seg(line[i], line[i + 1]);
                                const QPointF d = seg.p2() - seg.p1();
                                const double len2 = QPointF::dotProduct(d, d);
                                const double t =
                                    len2 > 0
                                        ? std::clamp(QPointF::dotProduct(at - seg.p1(), d) / len2, 0.0, 1.0)
                                        : 0.0;
                                near = QLineF(seg.p1() + t * d, at).length() <= 3.0;
                            }
                    }
                    if (near)
                        colours << s.color << s.color.darker(130);
                }
                return colours;
            };
            auto check = [&](QPointF at, const QString &what) {
                for (const QColor &c : coloursNear(at))
                    if (paintedWith(image, at, c))
                        return true;
                QTest::qFail(qPrintable(QStringLiteral("%1: %2 at page (%3, %4) not painted in its colour")
                                            .arg(where, what)
                                            .arg(at.x())
                                            .arg(at.y())),
                             __FILE__, __LINE__);
                return false;
            };
            const QRectF inner = area.adjusted(3, 3, -3, -3);
            for (const SeriesSpec &s : spec.series) {
                if (s.kind == SeriesKind::Scatter) {
                    for (const QPointF &p : s.points) {
                        const QPointF at = toPage(p);
                        if (!inner.contains(at))
                            continue;
                        if (!check(at, s.id + QStringLiteral(" marker")))
                            return -1;
                        ++checked;
                    }
                    continue;
                }
                for (const QPolygonF &line : expectedLines(s, toPage))
                    for (int i = 0; i + 1 < line.size(); ++i) {
                        const QLineF seg(line[i], line[i + 1]);
                        if (seg.length() < 8 || !inner.contains(seg.center()))
                            continue;
                        // Solid lines at their middle; dashed ones wherever a dash falls.
                        bool hit = false;
                        const QList<double> ts =
                            s.penStyle == Qt::SolidLine
                                ? QList<double>{0.5}
                                : QList<double>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
                        for (double t : ts) {
                            const QPointF at = seg.pointAt(t);
                            if (!inner.contains(at))
                                continue;
                            for (const QColor &c : coloursNear(at))
                                hit = hit || paintedWith(image, at, c);
                        }
                        if (!hit) {
                            check(seg.center(), s.id + QStringLiteral(" segment %1").arg(i));
                            return -1;
                        }
                        ++checked;
                    }
            }
        }
        return checked;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_kinds << Kind{QStringLiteral("levels"), makeLevelsFigure({Scheme::APoT, {}, 4, false, 1.0})};
        m_kinds << Kind{
            QStringLiteral("levels-compare"),
            makeLevelsFigure({Scheme::APoT, {Scheme::Uniform, Scheme::PoT, Scheme::APoT}, 4, true, 1.5})};
        m_kinds << Kind{QStringLiteral("softround"), makeSoftRoundFigure({})};

        const std::string model = QUANTSCOPE_DEFAULT_MODEL;
        const ModelSnapshot snapshot = ModelSnapshot::load(model);
        const SnapshotLayer &layer = snapshot.layers()[1];
        LayerWeightAnalysis w = analyzeWeightValues(layer.name, snapshot.weights(layer.name), layer.shape,
                                                    {Scheme::APoT, 4, true}, layer.checkpointAlpha, false);
        LayerFigureOptions lo;
        lo.overlay = Scheme::Uniform;
        m_kinds << Kind{QStringLiteral("histogram"), makeLayerFigure(w, snapshot, lo)};
        // The settings behind it name the checkpoint, the layer and the grid (CSV header, SVG/PDF metadata).
        const auto &settings = m_kinds.last().figure.settings;
        QVERIFY(settings.contains({QStringLiteral("checkpoint"), QString::fromStdString(model)}));
        QVERIFY(settings.contains({QStringLiteral("layer"), QString::fromStdString(layer.name)}));
        QVERIFY(settings.contains({QStringLiteral("bits"), QStringLiteral("4 (signed)")}));
        m_kinds << Kind{QStringLiteral("bit-sweep"),
                        makeBitSweepFigure(bitSweep(snapshot, {Scheme::Uniform, Scheme::PoT, Scheme::APoT}, 2,
                                                    6, false, nullptr),
                                           false, nullptr, false)};
        // Activations need a batch through the model: 16 images of its own data set (Fashion-MNIST, read from
        // disk; synthetic images have 3 channels, the model takes 1).
        try {
            ActivationRequest request;
            request.weights = model;
            request.images = 16;
            const ActivationCapture capture = captureActivations(request, {});
            if (capture.layers.empty())
                throw std::runtime_error("no activation-quantized layer");
            const LayerActivations &a = capture.layers.front();
            const auto analysis =
                analyzeActivationValues(a.name, a.values, {Scheme::APoT, 4, false}, a.checkpointAlpha, false);
            m_kinds << Kind{QStringLiteral("activations"), makeActivationFigure(analysis, a, {})};
        } catch (const std::exception &e) {
            m_activationsSkip = QString::fromUtf8(e.what());
        }

        RunFixture plain, other;
        plain.epochs = other.epochs = 10; // epochs 1..10, as in the report; top-1 from 10 % to 77.5 %
        plain.topOffset = -30;
        other.topOffset = -26;
        other.method = QStringLiteral("uniform");
        other.diverge = true;
        m_histories.push_back(
            loadRunHistory(plain.write(m_dir.filePath(QStringLiteral("runs/apot"))).toStdString()));
        m_histories.push_back(
            loadRunHistory(other.write(m_dir.filePath(QStringLiteral("runs/uniform"))).toStdString()));
        m_histories[1].distinguishFrom(m_histories[0]);
        const std::vector<const RunHistory *> runs{&m_histories[0], &m_histories[1]};
        const std::vector<const RunHistory *> one{&m_histories[0]};
        RunFigureOptions o;
        o.topLayers = 3;
        m_kinds << Kind{QStringLiteral("curves"), makeCurvesFigure(one, o)};
        m_kinds << Kind{QStringLiteral("curves-two"), makeCurvesFigure(runs, o)};
        m_kinds << Kind{QStringLiteral("compare"), makeCompareFigure(runs, o)};
        m_kinds << Kind{QStringLiteral("ewgs"), makeEwgsFigure(one, o)};
        m_kinds << Kind{QStringLiteral("alpha"), makeAlphaFigure(one, o)};
        m_kinds << Kind{QStringLiteral("occupancy"), makeOccupancyFigure(one, o)};
    }

    void verticesLieWhereTheDataSays_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QString>("format");
        for (const char *kind :
             {"levels", "levels-compare", "softround", "histogram", "bit-sweep", "activations", "curves",
              "curves-two", "compare", "ewgs", "alpha", "occupancy"})
            for (const char *preset : {"single", "double"})
                for (const char *format : {"svg", "pdf", "png"})
                    QTest::addRow("%s-%s-%s", kind, preset, format)
                        << QString::fromLatin1(kind) << QString::fromLatin1(preset)
                        << QString::fromLatin1(format);
    }

    void verticesLieWhereTheDataSays()
    {
        QFETCH(QString, kind);
        QFETCH(QString, preset);
        QFETCH(QString, format);
        if (kind == QLatin1String("activations") && !m_activationsSkip.isEmpty())
            QSKIP(qPrintable(QStringLiteral("no activations without the model's data set: ") +
                             m_activationsSkip));
        const FigureSpec *figure = figureNamed(kind);
        QVERIFY(figure);
        ExportOptions options;
        options.preset = *paperPresetById(preset);
        options.format = *figureFormatForPath(QStringLiteral("x.") + format);
        options.dpi = 300;
        const PaperLayout layout = layoutPaperFigure(*figure, options.preset, paperStyle(options));
        const QString path = m_dir.filePath(QStringLiteral("%1-%2.%3").arg(kind, preset, format));
        const auto error = exportFigure(*figure, path, options);
        QVERIFY2(!error, qPrintable(error.value_or(QString())));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        int checked = 0;
        if (format == QLatin1String("svg")) {
            checked = checkSvg(*figure, layout, file.readAll());
        } else {
            QImage image;
            if (format == QLatin1String("png")) {
                image = QImage(path);
            } else {
                const QString pdftoppm = QStandardPaths::findExecutable(QStringLiteral("pdftoppm"));
                if (pdftoppm.isEmpty())
                    QSKIP("pdftoppm (poppler-utils) is not installed: the PDF cannot be rasterized");
                QProcess p;
                p.start(pdftoppm, {QStringLiteral("-png"), QStringLiteral("-r"), QStringLiteral("300"),
                                   QStringLiteral("-singlefile"), path, path + QStringLiteral("-raster")});
                QVERIFY(p.waitForFinished(60000));
                QCOMPARE(p.exitCode(), 0);
                image = QImage(path + QStringLiteral("-raster.png"));
            }
            QVERIFY(!image.isNull());
            checked = checkRaster(*figure, layout, image.convertToFormat(QImage::Format_RGB32));
        }
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(checked > 5, qPrintable(QStringLiteral("only %1 samples checked").arg(checked)));
    }

    // Paper quality: what the layout reports is what is drawn (checked above), so check it here.
    void layoutIsFitForPaper_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("preset");
        QTest::addColumn<bool>("letters");
        for (const char *kind :
             {"levels", "levels-compare", "softround", "histogram", "bit-sweep", "activations", "curves",
              "curves-two", "compare", "ewgs", "alpha", "occupancy"})
            for (const char *preset : {"single", "double"})
                for (bool letters : {false, true})
                    QTest::addRow("%s-%s%s", kind, preset, letters ? "-letters" : "")
                        << QString::fromLatin1(kind) << QString::fromLatin1(preset) << letters;
    }

    void layoutIsFitForPaper()
    {
        QFETCH(QString, kind);
        QFETCH(QString, preset);
        QFETCH(bool, letters);
        if (kind == QLatin1String("activations") && !m_activationsSkip.isEmpty())
            QSKIP(qPrintable(QStringLiteral("no activations without the model's data set: ") +
                             m_activationsSkip));
        const FigureSpec *figure = figureNamed(kind);
        QVERIFY(figure);
        PaperStyle style = PaperStyle::forPreset(*paperPresetById(preset));
        style.panelLetters = letters;
        const PaperLayout layout = layoutPaperFigure(*figure, *paperPresetById(preset), style);
        const double mm = kPaperUnitsPerInch / 25.4;
        const double pt = kPaperUnitsPerPoint;
        QCOMPARE(layout.panels.size(), figure->panels.size());
        const double left = layout.panels.first().plotArea.left() - layout.panels.first().cell.left();
        QList<PaperText> all;
        int letterCount = 0;
        for (const PaperPanel &p : layout.panels) {
            // Every y axis at the same distance from its cell's left edge: stacked panels share x positions.
            QVERIFY2(std::abs(p.plotArea.left() - p.cell.left() - left) < 1e-6,
                     qPrintable(p.id + QStringLiteral(": y axis not aligned with the first panel's")));
            QVERIFY2(p.plotArea.width() > 1.0 * kPaperUnitsPerInch &&
                         p.plotArea.height() > 0.3 * kPaperUnitsPerInch,
                     qPrintable(p.id + QStringLiteral(": plot area too small")));
            for (const PaperPanel &q : layout.panels)
                if (qFuzzyCompare(q.cell.top() + 1, p.cell.top() + 1)) { // side by side: one x axis line
                    QVERIFY2(std::abs(q.plotArea.bottom() - p.plotArea.bottom()) < 1e-6 &&
                                 std::abs(q.plotArea.top() - p.plotArea.top()) < 1e-6,
                             qPrintable(p.id + QStringLiteral(": plot area not aligned with ") + q.id));
                }
            for (const PaperLegendEntry &e : p.legend) {
                QVERIFY2(e.sample.width() >= 2.5 * mm,
                         qPrintable(p.id + QStringLiteral(": legend sample < 2.5 mm")));
                QVERIFY2(!e.sample.intersects(p.plotArea) && !e.label.intersects(p.plotArea),
                         qPrintable(p.id + QStringLiteral(": legend on the data")));
            }
            for (const PaperText &t : p.texts) {
                QVERIFY2(!t.text.contains(QChar(0x2026)),
                         qPrintable(p.id + QStringLiteral(": elided '") + t.text));
                QVERIFY2(t.sizePt >= 6.5 || t.role == PaperText::Title,
                         qPrintable(p.id + QStringLiteral(": text under 6.5 pt: ") + t.text));
                QVERIFY2(QRectF(QPointF(0, 0), layout.size).contains(t.box),
                         qPrintable(p.id + QStringLiteral(": off the page: ") + t.text));
                QVERIFY2(!t.box.intersects(p.plotArea.adjusted(0.5, 0.5, -0.5, -0.5)),
                         qPrintable(p.id + QStringLiteral(": on the data: ") + t.text));
                letterCount += t.role == PaperText::Letter ? 1 : 0;
                all << t;
            }
        }
        QCOMPARE(letterCount, letters && figure->panels.size() > 1 ? int(figure->panels.size()) : 0);
        // Nothing touching: every two labels at least 0.5 pt apart (the origin's "0.0" and "0" included).
        for (int i = 0; i < all.size(); ++i)
            for (int j = i + 1; j < all.size(); ++j)
                QVERIFY2(!all[i]
                              .box.adjusted(-0.25 * pt, -0.25 * pt, 0.25 * pt, 0.25 * pt)
                              .intersects(all[j].box.adjusted(-0.25 * pt, -0.25 * pt, 0.25 * pt, 0.25 * pt)),
                         qPrintable(QStringLiteral("'%1' touches '%2'").arg(all[i].text, all[j].text)));
    }

    // The report: in the single-column preset, compare's top-1 markers at epoch 1 and 10 exactly.
    void compareTopOneAtItsEpochsInTheSingleColumn()
    {
        const FigureSpec *figure = figureNamed(QStringLiteral("compare"));
        QVERIFY(figure);
        ExportOptions options;
        options.preset = *paperPresetById(QStringLiteral("single"));
        options.format = FigureFormat::Svg;
        const QString path = m_dir.filePath(QStringLiteral("compare-report.svg"));
        QVERIFY(!exportFigure(*figure, path, options));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const SvgContent svg = readSvg(file.readAll());
        const PaperLayout layout = layoutPaperFigure(*figure, options.preset, paperStyle(options));
        const PaperPanel &acc = layout.panels[1];
        QCOMPARE(acc.id, QStringLiteral("test-top1"));
        // x of the labels "1"... "10" as drawn, and of the markers of run 0.
        QMap<int, double> labelX;
        for (const SvgText &t : svg.texts)
            if (acc.cell.contains(t.origin) && t.origin.y() > acc.plotArea.bottom() &&
                t.origin.x() + QFontMetricsF(fontOf(t)).horizontalAdvance(t.text) >
                    acc.plotArea.left()) // not a y label
                if (const auto v = tickValue(t.text))
                    labelX[int(*v)] = t.origin.x() + QFontMetricsF(fontOf(t)).horizontalAdvance(t.text) / 2;
        QVERIFY2(labelX.size() >= 2, "no x tick labels");
        const auto xMap = fit([&] {
            QList<QPointF> pts;
            for (auto it = labelX.begin(); it != labelX.end(); ++it)
                pts << QPointF(it.key(), it.value());
            return pts;
        }());
        QVERIFY(xMap);
        QList<double> markerEpochs;
        for (const SvgMarker &m : svg.markers)
            if (acc.plotArea.contains(m.centre) && sameColor(m.fill, runColor(0)))
                markerEpochs << (m.centre.x() - xMap->a) / xMap->b;
        std::sort(markerEpochs.begin(), markerEpochs.end());
        QCOMPARE(markerEpochs.size(), 10);
        const double unitsPerEpoch = xMap->b;
        for (int e = 1; e <= 10; ++e)
            QVERIFY2(std::abs(markerEpochs[e - 1] - e) * unitsPerEpoch <= kTolerance,
                     qPrintable(QStringLiteral("epoch %1 drawn at %2").arg(e).arg(markerEpochs[e - 1])));
    }
};

QTEST_MAIN(TestFigureGeometry)
#include "tst_figuregeometry.moc"
