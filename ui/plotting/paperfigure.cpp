#include "ui/plotting/paperfigure.h"

#include "ui/plotting/steps.h"

#include <QFont>
#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>
#include <QPen>

#include <algorithm>
#include <cmath>

namespace qs::ui {

namespace {

constexpr double u = kPaperUnitsPerPoint;
// Distances in points.
constexpr double kPad = 2.0;               // around a panel's content
constexpr double kTickLength = 2.5;        // outward ticks
constexpr double kTickGap = 1.5;           // tick to its label
constexpr double kTitleGap = 3.0;          // title to the plot, axis title to the tick labels
constexpr double kLegendGap = 3.5;         // x axis title to the legend
constexpr double kLegendLineSample = 18.0; // a line's sample in the legend (6.4 mm)
constexpr double kLegendMarker = 7.2;      // a marker's sample (2.5 mm)
constexpr double kLegendSpacing = 8.0;     // between entries of one row
constexpr double kMarkerPt = 4.5;          // a scatter marker of markerScale 1
constexpr double kGridPt = 0.4;
constexpr double kAxisPt = 0.6;

QFont paperFont(const QString &family, double pt, bool bold = false)
{
    QFont font(family);
    font.setPixelSize(std::max(1, int(std::lround(pt * u))));
    font.setBold(bold);
    font.setHintingPreference(QFont::PreferNoHinting); // same advance widths at every scale
    font.setKerning(false); // SVG and PDF viewers place glyphs by their own advances
    return font;
}

double effectivePt(const QFont &font)
{
    return font.pixelSize() / u;
}

struct Fonts
{
    QFont title, axis, tick, legend;
    explicit Fonts(const PaperStyle &s)
        : title(paperFont(s.fontFamily, s.fontPt, true)), axis(paperFont(s.fontFamily, s.fontPt)),
          tick(paperFont(s.fontFamily, std::max(kMinFontPt, s.fontPt - 1.0))),
          legend(paperFont(s.fontFamily, std::max(kMinFontPt, s.fontPt - 1.0)))
    {}
};

// A label whose baseline starts at (x, baseline).
PaperText textAt(PaperText::Role role, const QString &text, const QFont &font, double x, double baseline)
{
    const QFontMetricsF m(font);
    PaperText t;
    t.role = role;
    t.text = text;
    t.sizePt = effectivePt(font);
    t.bold = font.bold();
    t.box = QRectF(x, baseline - m.ascent(), m.horizontalAdvance(text), m.ascent() + m.descent());
    return t;
}

// A label centred on (cx, cy).
PaperText textCentred(PaperText::Role role, const QString &text, const QFont &font, double cx, double cy)
{
    const QFontMetricsF m(font);
    const double w = m.horizontalAdvance(text), h = m.ascent() + m.descent();
    return textAt(role, text, font, cx - w / 2, cy - h / 2 + m.ascent());
}

struct Ticks
{
    QList<QPair<double, QString>> labelled;
    double step = 1;
};

// Ticks at multiples of a nice step inside [min, max]; the step grows (1-2-5) until the labels fit `room`
// (horizontal axis: label widths plus a gap; vertical: label heights plus a gap).
Ticks valueTicks(double min, double max, const QFont &font, double room, bool horizontal)
{
    const QFontMetricsF m(font);
    Ticks ticks;
    for (int target : {4, 3, 2, 1}) {
        ticks.labelled.clear();
        ticks.step = niceTickStep(min, max, target);
        const double eps = 1e-9 * ticks.step;
        for (double k = std::ceil((min - eps) / ticks.step); k * ticks.step <= max + eps; k += 1.0)
            ticks.labelled.append({k * ticks.step, paperTickLabel(k * ticks.step, ticks.step)});
        if (ticks.labelled.size() < 2 || max <= min)
            break;
        double need = 0;
        for (const auto &[v, label] : ticks.labelled)
            need = std::max(need, horizontal ? m.horizontalAdvance(label) + 4.0 * u : m.height() + 2.0 * u);
        const double spacing = room * ticks.step / (max - min);
        if (spacing >= need)
            break;
    }
    return ticks;
}

struct Insets
{
    double left = 0, right = 0, top = 0, bottom = 0;
};

struct LegendItem
{
    int series = -1;
    QStringList lines; // the name, wrapped
    double width = 0;  // sample, gap and the widest line
};

// What a panel needs around its plot area, before alignment with its neighbours.
struct PanelPlan
{
    Insets insets;
    QString title;
    QFont titleFont;
    double legendHeight = 0;
    QList<QList<LegendItem>> legendRows;
};

bool inLegend(const SeriesSpec &s)
{
    return s.inLegend && !s.name.isEmpty() && !s.points.isEmpty();
}

double legendSampleWidth(const SeriesSpec &s)
{
    return (s.kind == SeriesKind::Scatter ? kLegendMarker : kLegendLineSample) * u;
}

// Words of `text` on as few lines of at most `width` as they fit (a word wider than that stays whole).
QStringList wrapped(const QString &text, const QFontMetricsF &m, double width)
{
    QStringList lines;
    QString line;
    for (const QString &word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        const QString longer = line.isEmpty() ? word : line + QLatin1Char(' ') + word;
        if (!line.isEmpty() && m.horizontalAdvance(longer) > width) {
            lines << line;
            line = word;
        } else {
            line = longer;
        }
    }
    if (!line.isEmpty())
        lines << line;
    return lines;
}

// The lines of one wrapped legend name are this far apart (the font's height and 0.6 pt of leading).
double legendLineStep(const QFont &font)
{
    return QFontMetricsF(font).height() + 0.6 * u;
}

// A row of the legend: its lines of text (or the marker sample) and 1 pt between rows.
double legendRowHeight(const QFont &font, int lines)
{
    return std::max(QFontMetricsF(font).height() + legendLineStep(font) * (lines - 1), kLegendMarker * u) +
           1.0 * u;
}

// Entries flow into rows as wide as the cell allows; a name too long for a row of its own wraps at spaces.
QList<QList<LegendItem>> legendRows(const PanelSpec &panel, const QFont &font, double width)
{
    QList<QList<LegendItem>> rows;
    if (!panel.showLegend)
        return rows;
    const QFontMetricsF m(font);
    double x = 0;
    for (int i = 0; i < panel.series.size(); ++i) {
        const SeriesSpec &s = panel.series[i];
        if (!inLegend(s))
            continue;
        LegendItem item;
        item.series = i;
        const double textRoom = width - legendSampleWidth(s) - 2.0 * u;
        item.lines = wrapped(s.name, m, textRoom);
        double textW = 0;
        for (const QString &line : item.lines)
            textW = std::max(textW, m.horizontalAdvance(line));
        item.width = legendSampleWidth(s) + 2.0 * u + textW;
        if (rows.isEmpty() || (x > 0 && x + kLegendSpacing * u + item.width > width) ||
            item.lines.size() > 1 || (!rows.last().isEmpty() && rows.last().last().lines.size() > 1)) {
            rows.append(QList<LegendItem>());
            x = 0;
        } else if (x > 0) {
            x += kLegendSpacing * u;
        }
        rows.last() << item;
        x += item.width;
    }
    return rows;
}

QString categoryLabel(const AxisSpec &axis, int i)
{
    return axis.categories[i].first;
}

PanelPlan planPanel(const PanelSpec &panel, const QRectF &cell, const Fonts &fonts, const QString &letter)
{
    PanelPlan plan;
    const QFontMetricsF tickM(fonts.tick), axisM(fonts.axis);
    const double tickH = tickM.ascent() + tickM.descent();

    // Left: y title, the widest y tick label, the gap and the tick.
    double yLabelW = 0;
    if (!panel.y.categories.isEmpty()) {
        for (int i = 0; i < panel.y.categories.size(); ++i)
            yLabelW = std::max(yLabelW, tickM.horizontalAdvance(categoryLabel(panel.y, i)));
    } else {
        const Ticks y = valueTicks(panel.y.min, panel.y.max, fonts.tick, cell.height() * 0.6, false);
        for (const auto &[v, label] : y.labelled)
            yLabelW = std::max(yLabelW, tickM.horizontalAdvance(label));
    }
    plan.insets.left = kPad * u + (panel.y.title.isEmpty() ? 0.0 : axisM.height() + kTitleGap * u) + yLabelW +
                       (kTickGap + kTickLength) * u;

    // Right: half the widest x label may stand past the plot's right edge.
    double xLabelW = 0;
    if (panel.x.categories.isEmpty()) {
        const Ticks x = valueTicks(panel.x.min, panel.x.max, fonts.tick, cell.width() * 0.7, true);
        for (const auto &[v, label] : x.labelled)
            xLabelW = std::max(xLabelW, tickM.horizontalAdvance(label));
    }
    plan.insets.right = std::max(kPad * u + 0.5 * xLabelW, 6.0 * u);

    // Top: the title (shrunk down to 6 pt, then elided, to fit the cell), and half a y label.
    plan.titleFont = fonts.title;
    plan.title = panel.title;
    const double letterW =
        letter.isEmpty() ? 0.0 : QFontMetricsF(fonts.title).horizontalAdvance(letter) + 3 * u;
    const double titleRoom = cell.width() - 2 * kPad * u - letterW;
    while (!plan.title.isEmpty() && QFontMetricsF(plan.titleFont).horizontalAdvance(plan.title) > titleRoom &&
           plan.titleFont.pixelSize() > int(6.0 * u))
        plan.titleFont.setPixelSize(plan.titleFont.pixelSize() - 1);
    plan.title = QFontMetricsF(plan.titleFont).elidedText(plan.title, Qt::ElideRight, titleRoom);
    const bool hasTitle = !plan.title.isEmpty() || !letter.isEmpty();
    plan.insets.top = kPad * u + (hasTitle ? QFontMetricsF(fonts.title).height() : 0.0) +
                      std::max(kTitleGap * u, tickH / 2 + 1.0 * u);

    // Bottom: ticks, their labels (low enough to clear the lowest y label), the x title, the legend.
    const double xLabelTop = std::max((kTickLength + kTickGap) * u, tickH / 2 + 1.5 * u);
    plan.insets.bottom = xLabelTop + tickH + (panel.x.title.isEmpty() ? 0.0 : kTickGap * u + axisM.height());
    plan.legendRows = legendRows(panel, fonts.legend, cell.width() - 2 * kPad * u);
    if (!plan.legendRows.isEmpty()) {
        for (const auto &row : plan.legendRows)
            plan.legendHeight += legendRowHeight(fonts.legend, int(row.first().lines.size()));
        plan.insets.bottom += kLegendGap * u + plan.legendHeight;
    }
    plan.insets.bottom += kPad * u;
    return plan;
}

} // namespace

PaperStyle PaperStyle::forPreset(const PaperPreset &preset)
{
    PaperStyle style;
    style.fontPt = preset.fontPt;
    style.lineWidthPt = preset.lineWidthPt;
    return style;
}

QString paperTickLabel(double value, double step)
{
    const int decimals = std::clamp(int(std::ceil(-std::log10(step) - 1e-9)), 0, 8);
    if (std::abs(value) < 1e-9 * step)
        value = 0.0; // never "-0"
    QString text = QString::number(value, 'f', decimals);
    if (text.startsWith(QLatin1Char('-')))
        text.replace(0, 1, QChar(0x2212));
    return text;
}

QPointF PaperPanel::toPage(const QPointF &data) const
{
    const double fx = (data.x() - xMin) / (xMax - xMin);
    const double fy = (data.y() - yMin) / (yMax - yMin);
    return {plotArea.left() + fx * plotArea.width(), plotArea.bottom() - fy * plotArea.height()};
}

QList<QRectF> paperCellsInches(const FigureSpec &figure, const PaperPreset &preset, QSizeF *total)
{
    QList<QRectF> rects;
    const int n = int(figure.panels.size());
    const int columns = std::max(1, std::min(preset.columns, n));
    double y = 0.0;
    if (columns == 1) {
        for (const auto &panel : figure.panels) {
            const double h = preset.panelHeightIn * panel.heightWeight;
            rects << QRectF(0.0, y, preset.widthIn, h);
            y += h;
        }
    } else {
        for (int first = 0; first < n; first += columns) {
            const int inRow = std::min(columns, n - first);
            const double cellW = preset.widthIn / inRow; // an odd last panel spans the row
            for (int i = 0; i < inRow; ++i)
                rects << QRectF(i * cellW, y, cellW, preset.panelHeightIn);
            y += preset.panelHeightIn;
        }
    }
    // A whole number of points: a PDF page is, so the three formats have the same size (the last row takes
    // the fraction).
    const double height = std::ceil(y * 72.0 - 1e-6) / 72.0;
    if (!rects.isEmpty())
        for (auto &r : rects)
            if (qFuzzyCompare(r.bottom() + 1.0, y + 1.0))
                r.setBottom(height);
    if (total)
        *total = QSizeF(preset.widthIn, height);
    return rects;
}

PaperLayout layoutPaperFigure(const FigureSpec &figure, const PaperPreset &preset, const PaperStyle &style)
{
    PaperLayout layout;
    QSizeF inches;
    const QList<QRectF> cellsIn = paperCellsInches(figure, preset, &inches);
    layout.size = inches * kPaperUnitsPerInch;
    const Fonts fonts(style);
    const QFontMetricsF tickM(fonts.tick), axisM(fonts.axis), legendM(fonts.legend);
    const double tickH = tickM.ascent() + tickM.descent();

    QList<QRectF> cells;
    QList<PanelPlan> plans;
    for (int i = 0; i < figure.panels.size(); ++i) {
        const QRectF &r = cellsIn[i];
        cells << QRectF(r.topLeft() * kPaperUnitsPerInch, r.size() * kPaperUnitsPerInch);
        const QString letter = style.panelLetters && figure.panels.size() > 1
                                   ? QStringLiteral("(%1)").arg(QChar(QLatin1Char(char('a' + i % 26))))
                                   : QString();
        plans << planPanel(figure.panels[i], cells.last(), fonts, letter);
    }
    // One left and one right inset for the whole figure, so every panel's y axis sits at the same distance
    // from its cell's edge (stacked panels share their x positions); per row one top and one bottom inset,
    // so panels side by side share their x axis line.
    double left = 0, right = 0;
    for (const auto &p : plans) {
        left = std::max(left, p.insets.left);
        right = std::max(right, p.insets.right);
    }
    for (int i = 0; i < plans.size(); ++i) {
        double top = 0, bottom = 0;
        for (int j = 0; j < plans.size(); ++j)
            if (qFuzzyCompare(cells[j].top() + 1.0, cells[i].top() + 1.0)) {
                top = std::max(top, plans[j].insets.top);
                bottom = std::max(bottom, plans[j].insets.bottom);
            }
        plans[i].insets = {left, right, top, bottom};
    }

    for (int i = 0; i < figure.panels.size(); ++i) {
        const PanelSpec &spec = figure.panels[i];
        const PanelPlan &plan = plans[i];
        const QRectF cell = cells[i];
        PaperPanel panel;
        panel.id = spec.id;
        panel.cell = cell;
        panel.plotArea =
            QRectF(QPointF(cell.left() + plan.insets.left, cell.top() + plan.insets.top),
                   QPointF(cell.right() - plan.insets.right, cell.bottom() - plan.insets.bottom));
        panel.xMin = spec.x.min;
        panel.xMax = spec.x.max > spec.x.min ? spec.x.max : spec.x.min + 1.0;
        panel.yMin = spec.y.min;
        panel.yMax = spec.y.max > spec.y.min ? spec.y.max : spec.y.min + 1.0;
        const QRectF &area = panel.plotArea;

        // Title row: the letter at the cell's left, the title centred over the plot area (kept clear of the
        // letter and inside the cell).
        const double titleBaseline = cell.top() + kPad * u + QFontMetricsF(fonts.title).ascent();
        double letterRight = cell.left() + kPad * u;
        if (style.panelLetters && figure.panels.size() > 1) {
            const QString letter = QStringLiteral("(%1)").arg(QChar(QLatin1Char(char('a' + i % 26))));
            panel.texts << textAt(PaperText::Letter, letter, fonts.title, cell.left() + kPad * u,
                                  titleBaseline);
            letterRight = panel.texts.last().box.right() + 3 * u;
        }
        if (!plan.title.isEmpty()) {
            const double w = QFontMetricsF(plan.titleFont).horizontalAdvance(plan.title);
            const double x = std::clamp(area.center().x() - w / 2, letterRight, cell.right() - kPad * u - w);
            panel.texts << textAt(PaperText::Title, plan.title, plan.titleFont, x, titleBaseline);
        }

        // x axis.
        const double xLabelTop = area.bottom() + std::max((kTickLength + kTickGap) * u, tickH / 2 + 1.5 * u);
        if (spec.x.categories.isEmpty()) {
            const Ticks x = valueTicks(panel.xMin, panel.xMax, fonts.tick, area.width(), true);
            panel.xTicks = x.labelled;
            for (const auto &[v, label] : x.labelled) {
                const double cx = panel.toPage({v, panel.yMin}).x();
                panel.texts << textAt(PaperText::XTick, label, fonts.tick,
                                      cx - tickM.horizontalAdvance(label) / 2, xLabelTop + tickM.ascent());
            }
        }
        double below = xLabelTop + tickH;
        if (!spec.x.title.isEmpty()) {
            below += kTickGap * u;
            panel.texts << textAt(PaperText::XTitle, spec.x.title, fonts.axis,
                                  area.center().x() - axisM.horizontalAdvance(spec.x.title) / 2,
                                  below + axisM.ascent());
            below += axisM.height();
        }

        // y axis: value ticks, or category labels centred in their rows.
        double yLabelW = 0;
        if (!spec.y.categories.isEmpty()) {
            double from = spec.y.min;
            for (int c = 0; c < spec.y.categories.size(); ++c) {
                const double to = spec.y.categories[c].second;
                panel.yTicks.append({(from + to) / 2, categoryLabel(spec.y, c)});
                panel.yCategoryEnds << to;
                from = to;
            }
        } else {
            panel.yTicks = valueTicks(panel.yMin, panel.yMax, fonts.tick, area.height(), false).labelled;
        }
        for (const auto &[v, label] : panel.yTicks) {
            const double w = tickM.horizontalAdvance(label);
            yLabelW = std::max(yLabelW, w);
            const double cy = panel.toPage({panel.xMin, v}).y();
            panel.texts << textAt(PaperText::YTick, label, fonts.tick,
                                  area.left() - (kTickLength + kTickGap) * u - w,
                                  cy - tickH / 2 + tickM.ascent());
        }
        if (!spec.y.title.isEmpty()) {
            // Rotated: its box is the rotated text's, centred on the plot area's height.
            const double w =
                std::min(axisM.horizontalAdvance(spec.y.title), area.height() + plan.insets.bottom);
            const QString title = axisM.elidedText(spec.y.title, Qt::ElideRight, w + 0.5);
            const double x =
                area.left() - (kTickLength + kTickGap + kTitleGap) * u - yLabelW - axisM.height();
            PaperText t;
            t.role = PaperText::YTitle;
            t.text = title;
            t.sizePt = effectivePt(fonts.axis);
            t.rotated = true;
            const double tw = axisM.horizontalAdvance(title);
            t.box = QRectF(x, area.center().y() - tw / 2, axisM.height(), tw);
            panel.texts << t;
        }

        // Legend rows under the x title, centred on the cell.
        double rowTop = below + kLegendGap * u;
        for (const auto &row : plan.legendRows) {
            const double rowH = legendRowHeight(fonts.legend, int(row.first().lines.size()));
            double width = 0;
            for (int k = 0; k < row.size(); ++k)
                width += (k ? kLegendSpacing * u : 0.0) + row[k].width;
            double x = std::max(cell.left() + kPad * u, cell.center().x() - width / 2);
            for (const LegendItem &item : row) {
                const SeriesSpec &series = spec.series[item.series];
                PaperLegendEntry e;
                e.series = item.series;
                const double sw = legendSampleWidth(series);
                // The sample beside the first line.
                const double textH =
                    legendM.height() + legendLineStep(fonts.legend) * (item.lines.size() - 1);
                const double firstCy =
                    rowTop + legendM.height() / 2 + std::max(0.0, (rowH - 1.0 * u - textH) / 2);
                e.sample = series.kind == SeriesKind::Scatter ? QRectF(x, firstCy - sw / 2, sw, sw)
                                                              : QRectF(x, firstCy, sw, 0.0); // a line: its y
                QRectF labelBox;
                for (int l = 0; l < item.lines.size(); ++l) {
                    PaperText label = textCentred(PaperText::Legend, item.lines[l], fonts.legend, 0,
                                                  firstCy + l * legendLineStep(fonts.legend));
                    label.box.moveLeft(x + sw + 2 * u);
                    labelBox = labelBox.isNull() ? label.box : labelBox.united(label.box);
                    panel.texts << label;
                }
                e.label = labelBox;
                panel.legend << e;
                x += item.width + kLegendSpacing * u;
            }
            rowTop += rowH;
        }
        layout.panels << panel;
    }
    return layout;
}

namespace {

void drawText(QPainter &painter, const PaperText &t, const PaperStyle &style)
{
    QFont font = paperFont(style.fontFamily, t.sizePt, t.bold);
    font.setPixelSize(int(std::lround(t.sizePt * u)));
    painter.setFont(font);
    painter.setPen(Qt::black);
    const QFontMetricsF m(font);
    if (t.rotated) {
        painter.save();
        painter.translate(t.box.left() + m.ascent(), t.box.bottom());
        painter.rotate(-90);
        painter.drawText(QPointF(0, 0), t.text);
        painter.restore();
        return;
    }
    painter.drawText(QPointF(t.box.left(), t.box.top() + m.ascent()), t.text);
}

QPen seriesPen(const SeriesSpec &s, const PaperStyle &style)
{
    QPen pen(s.color, std::max(0.1, style.lineWidthPt * s.widthScale) * u, s.penStyle, Qt::FlatCap,
             Qt::RoundJoin);
    if (s.penStyle == Qt::DashLine) // Qt's default dashes scale with the width; fixed 3 pt dashes read better
        pen.setDashPattern({3.0 / std::max(0.1, style.lineWidthPt * s.widthScale),
                            2.0 / std::max(0.1, style.lineWidthPt * s.widthScale)});
    return pen;
}

void drawMarker(QPainter &painter, const QPointF &centre, double diameter, const QColor &color)
{
    painter.setPen(QPen(color.darker(130), 0.4 * u));
    painter.setBrush(color);
    painter.drawEllipse(centre, diameter / 2, diameter / 2);
}

void paintPanel(QPainter &painter, const PanelSpec &spec, const PaperPanel &panel, const PaperStyle &style)
{
    const QRectF &area = panel.plotArea;
    // Grid under everything, then the data clipped to the plot area, then the axes on top.
    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(QColor(0xDD, 0xDD, 0xDD), kGridPt * u, Qt::SolidLine, Qt::FlatCap));
    if (spec.y.categories.isEmpty())
        for (const auto &[v, label] : panel.yTicks) {
            const double y = panel.toPage({panel.xMin, v}).y();
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
        }
    for (const auto &[v, label] : panel.xTicks) {
        const double x = panel.toPage({v, panel.yMin}).x();
        painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
    }
    for (double end : panel.yCategoryEnds) {
        const double y = panel.toPage({panel.xMin, end}).y();
        if (y > area.top() + 0.5 && y < area.bottom() - 0.5)
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
    }

    painter.save();
    painter.setClipRect(area);
    for (const SeriesSpec &s : spec.series) {
        if (s.kind == SeriesKind::Scatter)
            continue;
        painter.setPen(seriesPen(s, style));
        painter.setBrush(Qt::NoBrush);
        QPolygonF line;
        auto flush = [&] {
            if (line.size() > 1)
                painter.drawPolyline(line);
            line.clear();
        };
        for (int k = 0; k < s.points.size(); ++k) {
            const QPointF &p = s.points[k];
            if (!std::isfinite(p.x()) || !std::isfinite(p.y())) {
                flush();
                continue;
            }
            line << panel.toPage(p);
            if (s.segments && line.size() == 2)
                flush();
        }
        flush();
    }
    painter.restore();
    for (const SeriesSpec &s : spec.series) {
        if (s.kind != SeriesKind::Scatter)
            continue;
        const double d = kMarkerPt * s.markerScale * u;
        for (const QPointF &p : s.points) {
            if (!std::isfinite(p.x()) || !std::isfinite(p.y()))
                continue;
            const QPointF c = panel.toPage(p);
            if (area.adjusted(-0.01, -0.01, 0.01, 0.01).contains(c))
                drawMarker(painter, c, d, s.color);
        }
    }

    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(Qt::black, kAxisPt * u, Qt::SolidLine, Qt::SquareCap));
    painter.drawLine(area.bottomLeft(), area.topLeft());
    painter.drawLine(area.bottomLeft(), area.bottomRight());
    painter.setPen(QPen(Qt::black, kAxisPt * u, Qt::SolidLine, Qt::FlatCap));
    for (const auto &[v, label] : panel.xTicks) {
        const double x = panel.toPage({v, panel.yMin}).x();
        painter.drawLine(QPointF(x, area.bottom()), QPointF(x, area.bottom() + kTickLength * u));
    }
    if (spec.y.categories.isEmpty())
        for (const auto &[v, label] : panel.yTicks) {
            const double y = panel.toPage({panel.xMin, v}).y();
            painter.drawLine(QPointF(area.left() - kTickLength * u, y), QPointF(area.left(), y));
        }

    for (const PaperLegendEntry &e : panel.legend) {
        const SeriesSpec &s = spec.series[e.series];
        if (s.kind == SeriesKind::Scatter) {
            drawMarker(painter, e.sample.center(), e.sample.width(), s.color);
        } else {
            QPen pen = seriesPen(s, style);
            pen.setWidthF(std::max(pen.widthF(), 0.8 * u)); // a hairline sample would not show its colour
            painter.setPen(pen);
            painter.drawLine(e.sample.topLeft(), e.sample.topRight());
        }
    }
    for (const PaperText &t : panel.texts)
        drawText(painter, t, style);
}

} // namespace

void paintPaperFigure(QPainter &painter, const FigureSpec &figure, const PaperLayout &layout,
                      const PaperStyle &style)
{
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    painter.fillRect(QRectF(QPointF(0, 0), layout.size), Qt::white);
    for (int i = 0; i < layout.panels.size() && i < figure.panels.size(); ++i)
        paintPanel(painter, figure.panels[i], layout.panels[i], style);
    painter.restore();
}

} // namespace qs::ui
