#pragma once
// A figure as plain data: panels of named series over fixed axes. The figure builders (ui/figures) produce
// it, the GUI views show it through chartbuilder.h, and figureexport.h renders it to paper and CSV, so the
// screen, the export dialog and `quantscope-cli figure` all draw the same thing.

#include <QColor>
#include <QList>
#include <QPair>
#include <QPointF>
#include <QString>

namespace qs::ui {

enum class SeriesKind
{
    Line,   // polyline through the points (step functions arrive already as vertical/horizontal segments)
    Scatter // markers only, e.g. the levels on a number line
};

struct SeriesSpec
{
    QString id;   // stable key: object name of the chart series, lookup in tests
    QString name; // legend text and the CSV "series" column
    SeriesKind kind = SeriesKind::Line;
    QList<QPointF> points;
    QColor color = Qt::black;
    Qt::PenStyle penStyle = Qt::SolidLine;
    double widthScale = 1.0;  // relative to the style's line width
    double markerScale = 1.0; // relative to the style's marker size
    bool inLegend = true;
    // Line: the points are pairs, each a segment of its own (vertical marks). The screen draws them as one
    // line that retraces each segment; paper draws the segments only.
    bool segments = false;
};

struct AxisSpec
{
    QString title;
    double min = 0.0;
    double max = 1.0;
    // Non-empty: a category axis; each label sits at the centre of [previous end, end].
    QList<QPair<QString, double>> categories;
};

struct PanelSpec
{
    QString id;
    QString title;
    AxisSpec x;
    AxisSpec y;
    QList<SeriesSpec> series;
    double heightWeight = 1.0; // share of the height when panels are stacked
    bool showLegend = true;
};

struct FigureSpec
{
    QString id; // "levels", "softround": default file name
    QList<PanelSpec> panels;
    QString note; // one line of context (what differs from the paper), shown under the charts
    // What the figure was made from ("scheme" -> "APoT", "bits" -> "4", "checkpoint" -> path, ...): written
    // into the CSV header and the SVG/PDF metadata, so a figure in a paper can be reproduced.
    QList<QPair<QString, QString>> settings;
};

// Markers in a line's colour, out of the legend (id "<line id>.markers"): its points, or `points` when given.
inline SeriesSpec markersFor(const SeriesSpec &line, const QString &name, double markerScale,
                             const QList<QPointF> &points = {})
{
    SeriesSpec marks;
    marks.id = line.id + QStringLiteral(".markers");
    marks.name = name;
    marks.kind = SeriesKind::Scatter;
    marks.color = line.color;
    marks.markerScale = markerScale;
    marks.inLegend = false;
    marks.points = points.isEmpty() ? line.points : points;
    return marks;
}

} // namespace qs::ui
