#pragma once
// The Deploy page's two tables (ui/views/deployview): the plan per layer with a total row, and one layer's
// weight levels with the shifts and adds (or the multiply) the C computes each product with. Columns:
// DeployView::Column and DeployView::LevelColumn; every number cell holds its exact value under
// DeployView::kValueRole, its text grouped ("36,864").

#include "core/deploy/deploy.h"

#include <QString>

QT_BEGIN_NAMESPACE
class QTableWidget;
QT_END_NAMESPACE

namespace qs::ui {

// Empty tables with their headers, header tooltips and sizing (cells never wrap or elide; columns as wide as
// their text).
QTableWidget *createLayerTable();
QTableWidget *createLevelsTable();

// One row per layer in forward order, then the total: the plan's flash (weights + parameters), arena (the
// RAM total: the peak of the buffers alive at once, not their sum), multiplies, shifts and adds, in bold.
void fillLayerTable(QTableWidget *table, const DeployPlan &plan);
// The layer's levels, largest first (none for a layer without a level grid); returns the caption (rich
// text) that says what they are.
QString fillLevelsTable(QTableWidget *table, const DeployLayer &layer);

} // namespace qs::ui
