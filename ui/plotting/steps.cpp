#include "ui/plotting/steps.h"

#include <cmath>

namespace qs::ui {

QList<QPointF> stepPoints(const Eigen::VectorXd &x, const Eigen::VectorXd &y)
{
    QList<QPointF> points;
    const Eigen::Index n = std::min(x.size(), y.size());
    if (n == 0)
        return points;
    points.append({x[0], y[0]});
    for (Eigen::Index i = 1; i < n; ++i) {
        if (y[i] != y[i - 1]) {
            points.append({x[i], y[i - 1]});
            points.append({x[i], y[i]});
        }
    }
    if (points.last().x() != x[n - 1])
        points.append({x[n - 1], y[n - 1]});
    return points;
}

QList<QPointF> curvePoints(const Eigen::VectorXd &x, const Eigen::VectorXd &y)
{
    QList<QPointF> points;
    const Eigen::Index n = std::min(x.size(), y.size());
    points.reserve(int(n));
    for (Eigen::Index i = 0; i < n; ++i) {
        const bool interiorOfFlatRun = i > 0 && i + 1 < n && y[i] == y[i - 1] && y[i] == y[i + 1];
        if (!interiorOfFlatRun)
            points.append({x[i], y[i]});
    }
    return points;
}

double niceTickStep(double min, double max, int targetTicks)
{
    const double span = max - min;
    if (!(span > 0) || targetTicks < 1)
        return 1.0;
    const double raw = span / targetTicks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double fraction = raw / magnitude;
    const double nice = fraction < 1.5 ? 1.0 : fraction < 3.0 ? 2.0 : fraction < 7.0 ? 5.0 : 10.0;
    return nice * magnitude;
}

} // namespace qs::ui
