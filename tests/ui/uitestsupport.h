#pragma once
// Helpers for the ui/ tests: finding a plotted series by the id its FigureSpec gave it.

#include "ui/plotting/figurewidget.h"

#include <QAbstractSeries>
#include <QChart>
#include <QXYSeries>

namespace qs::test {

inline QXYSeries *findSeries(const qs::ui::FigureWidget *figure, const QString &id)
{
    for (QChart *chart : figure->charts())
        for (QAbstractSeries *series : chart->series())
            if (series->objectName() == id)
                return qobject_cast<QXYSeries *>(series);
    return nullptr;
}

} // namespace qs::test
