#pragma once
// Figures on paper: a FigureSpec laid out and painted with QPainter in page units, so what the layout says
// (plot areas, axis ranges, ticks, every label's box) is exactly what is drawn in PNG, SVG and PDF.
// Qt Charts stays the screen's renderer; on paper it placed series with a stale plot area once panels were
// aligned (QChart::setPlotArea after layout), had 1 mm legend markers and let the origin labels touch.

#include "ui/plotting/figure.h"

#include <QList>
#include <QPair>
#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QString>

QT_BEGIN_NAMESPACE
class QPainter;
QT_END_NAMESPACE

namespace qs::ui {

// Page units: the figure is laid out at this many units per inch whatever the output, so text measured during
// layout is the text painted; SVG and PDF are written in these units, PNG scales them to its DPI.
inline constexpr double kPaperUnitsPerInch = 300.0;
inline constexpr double kPaperUnitsPerPoint = kPaperUnitsPerInch / 72.0;

// One look for every exported figure: a journal column or the full text width, one font family, fixed sizes.
struct PaperPreset
{
    QString id;           // "single", "double"
    QString label;        // for the export dialog
    double widthIn;       // figure width in inches
    double panelHeightIn; // height of one panel of weight 1
    double fontPt;        // axis titles; panel titles bold; ticks and legend 1 pt smaller
    double lineWidthPt;
    int columns; // panels per row; an odd last panel spans the row
};

// Typography and lines of an exported figure; every size in points.
struct PaperStyle
{
    QString fontFamily = QStringLiteral("DejaVu Sans");
    double fontPt = 8.0;       // panel and axis titles; tick labels and legend 1 pt smaller (at least 5 pt)
    double lineWidthPt = 1.0;  // a series of widthScale 1
    bool panelLetters = false; // "(a)", "(b)", ... before each panel's title

    static PaperStyle forPreset(const PaperPreset &preset);
};

inline constexpr double kMinFontPt = 5.0;
inline constexpr double kMaxFontPt = 24.0;
inline constexpr double kMinLineWidthPt = 0.25;
inline constexpr double kMaxLineWidthPt = 6.0;

// A label as painted: its text, font size in points, bold, and its box in page units.
struct PaperText
{
    enum Role
    {
        Title,
        Letter,
        XTick,
        YTick,
        XTitle,
        YTitle,
        Legend
    };
    Role role = Title;
    QString text;
    QRectF box;
    double sizePt = 8.0;
    bool bold = false;
    bool rotated = false; // the y axis title, read bottom to top
};

struct PaperLegendEntry
{
    int series = -1; // index in the panel's series
    QRectF sample;   // the line or marker sample
    QRectF label;
};

struct PaperPanel
{
    QString id;
    QRectF cell;     // the panel's share of the page
    QRectF plotArea; // where the axis ranges map to, page units
    double xMin = 0, xMax = 1, yMin = 0, yMax = 1;
    QList<QPair<double, QString>> xTicks, yTicks; // value and label (categories: label at the centre)
    QList<double> yCategoryEnds;                  // a category y axis: the boundaries between rows
    QList<PaperText> texts;
    QList<PaperLegendEntry> legend;

    QPointF toPage(const QPointF &data) const;
};

struct PaperLayout
{
    QSizeF size; // page units
    QList<PaperPanel> panels;
};

// Panel cells in inches: stacked in one column, or `columns` per row with an odd last panel spanning the row.
QList<QRectF> paperCellsInches(const FigureSpec &figure, const PaperPreset &preset, QSizeF *total);

PaperLayout layoutPaperFigure(const FigureSpec &figure, const PaperPreset &preset, const PaperStyle &style);

// Paints in page units: the caller maps them to the device (identity for SVG and PDF at 300 dpi).
void paintPaperFigure(QPainter &painter, const FigureSpec &figure, const PaperLayout &layout,
                      const PaperStyle &style);

// A tick label of `value` for a step of `step` (as many decimals as the step needs, a true minus sign).
QString paperTickLabel(double value, double step);

} // namespace qs::ui
