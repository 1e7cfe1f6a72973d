#pragma once
// Turns a PanelSpec into a Qt Charts QChart for the screen (live views); paper goes through paperfigure.h.
// Live updates go through updateChart(): series are reused and refilled with replace(), axes get the ranges
// the figure builder computed, animations stay off (house style 10).

#include "ui/plotting/figure.h"

#include <QFont>

QT_BEGIN_NAMESPACE
class QChart;
QT_END_NAMESPACE

namespace qs::ui {

struct ChartStyle
{
    QFont titleFont;
    QFont axisTitleFont;
    QFont tickFont;
    QFont legendFont;
    double lineWidth = 2.0;
    double markerSize = 9.0;
    double gridWidth = 1.0;
    double margin = 4.0;
    bool roundedBackground = false;

    // The application font, sized for a monitor.
    static ChartStyle screen();
};

// A new chart owning its series and axes.
QChart *createChart(const PanelSpec &panel, const ChartStyle &style);

// Make `chart` show `panel`: series with the same id and kind keep their objects and get replace()d points.
void updateChart(QChart *chart, const PanelSpec &panel, const ChartStyle &style);

} // namespace qs::ui
