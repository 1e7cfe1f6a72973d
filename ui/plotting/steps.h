#pragma once
// Pure helpers that turn sampled curves into the points a chart should draw.

#include <Eigen/Core>

#include <QList>
#include <QPointF>

namespace qs::ui {

// A piecewise-constant sampled function drawn as a staircase: one horizontal segment per run of equal values
// and a vertical jump where the value changes (at the first sample of the new run). Keeps only the corners,
// so a 600-sample step with 4 levels becomes ~10 points.
QList<QPointF> stepPoints(const Eigen::VectorXd &x, const Eigen::VectorXd &y);

// All samples as points, dropping interior points of straight horizontal runs (exactly equal y).
QList<QPointF> curvePoints(const Eigen::VectorXd &x, const Eigen::VectorXd &y);

// A tick step of 1, 2 or 5 times a power of ten giving about `targetTicks` intervals over [min, max].
double niceTickStep(double min, double max, int targetTicks = 4);

} // namespace qs::ui
