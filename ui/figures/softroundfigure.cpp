#include "ui/figures/softroundfigure.h"

#include "core/quant/curves.h"
#include "ui/figures/palette.h"
#include "ui/plotting/steps.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <utility>

namespace qs::ui {

namespace {

CurveParams baseParams(const SoftRoundFigureOptions &o, CurveMethod method, double xMin, double xMax)
{
    CurveParams p;
    p.method = method;
    p.bits = o.bits;
    p.isSigned = o.isSigned;
    p.alpha = o.alpha;
    p.dsqAlpha = o.dsqAlpha;
    p.daqGamma = o.daqGamma;
    p.daqSigma = o.daqSigma;
    p.base = o.ewgsBase;
    p.ewgsDelta = o.ewgsDelta;
    p.gradSign = o.gradSign;
    p.from = xMin;
    p.to = xMax;
    p.points = softround::kSamples;
    return p;
}

CurveSamples sampleChecked(const CurveParams &params)
{
    if (auto why = checkCurveParams(params))
        throw std::invalid_argument(curveMethodName(params.method) + ": " + *why);
    return sampleCurve(params);
}

SeriesSpec lineSeries(const QString &id, const QString &name, const QColor &color, QList<QPointF> points,
                      Qt::PenStyle style = Qt::SolidLine, double widthScale = 1.0)
{
    SeriesSpec s;
    s.id = id;
    s.name = name;
    s.color = color;
    s.points = std::move(points);
    s.penStyle = style;
    s.widthScale = widthScale;
    return s;
}

// A y range with ~8% headroom on both sides, always containing `mustContain` (ticks anchor at 0 anyway).
std::pair<double, double> paddedRange(double lo, double hi, double mustContain)
{
    lo = std::min(lo, mustContain);
    hi = std::max(hi, mustContain);
    const double pad = std::max(0.08 * (hi - lo), 1e-3);
    return {lo - pad, hi + pad};
}

} // namespace

FigureSpec makeSoftRoundFigure(const SoftRoundFigureOptions &o)
{
    if (!o.showDsq && !o.showDaq && !o.showEwgs)
        throw std::invalid_argument("nothing to show: enable DSQ, DAQ or EWGS");
    if (!(o.alpha > 0))
        throw std::invalid_argument("alpha must be positive");

    const double a = o.alpha;
    const double xMin = o.isSigned ? -1.25 * a : -0.25 * a;
    const double xMax = 1.25 * a;
    const QString bitsText = QStringLiteral("%1-bit %2")
                                 .arg(o.bits)
                                 .arg(o.isSigned ? QStringLiteral("signed") : QStringLiteral("unsigned"));
    FigureSpec figure;
    figure.id = QStringLiteral("softround");

    if (o.showDsq || o.showDaq) {
        PanelSpec forward;
        forward.id = QStringLiteral("forward");
        forward.title = QStringLiteral("Forward y(x), %1").arg(bitsText);
        forward.x = {QStringLiteral("x"), xMin, xMax, {}};
        forward.y = {QStringLiteral("y"), o.isSigned ? -1.15 * a : -0.1 * a, 1.15 * a, {}};

        PanelSpec backward;
        backward.id = QStringLiteral("backward");
        backward.title = QStringLiteral("Backward dy/dx");
        backward.x = forward.x;

        // The hard step and STE come from the same evenly spaced DSQ/DAQ grid (no zero level when signed).
        const auto reference = sampleChecked(baseParams(o, CurveMethod::DSQ, xMin, xMax));
        forward.series << lineSeries(softround::hardId, QStringLiteral("hard step"), colors::hard,
                                     stepPoints(reference.x, reference.yHard), Qt::SolidLine, 0.7);
        Eigen::VectorXd inside = reference.x.unaryExpr(
            [&](double x) { return (x >= (o.isSigned ? -a : 0.0) && x <= a) ? 1.0 : 0.0; });
        backward.series << lineSeries(softround::steGrad, QStringLiteral("STE"), colors::ste,
                                      stepPoints(reference.x, inside), Qt::DashLine, 0.7);
        double gradMax = 1.0;
        if (o.showDsq) {
            const auto dsq = sampleChecked(baseParams(o, CurveMethod::DSQ, xMin, xMax));
            forward.series << lineSeries(softround::dsqY, QStringLiteral("DSQ (\u03b1=%1)").arg(o.dsqAlpha),
                                         colors::dsq, curvePoints(dsq.x, dsq.y));
            backward.series << lineSeries(softround::dsqGrad, QStringLiteral("DSQ"), colors::dsq,
                                          curvePoints(dsq.x, dsq.dydx));
            gradMax = std::max(gradMax, dsq.dydx.maxCoeff());
        }
        if (o.showDaq) {
            const auto daq = sampleChecked(baseParams(o, CurveMethod::DAQ, xMin, xMax));
            forward.series << lineSeries(
                softround::daqY, QStringLiteral("DAQ (\u03b3=%1, \u03c3=%2)").arg(o.daqGamma).arg(o.daqSigma),
                colors::daq, curvePoints(daq.x, daq.y), Qt::DashLine);
            backward.series << lineSeries(softround::daqGrad, QStringLiteral("DAQ"), colors::daq,
                                          curvePoints(daq.x, daq.dydx), Qt::DashLine);
            gradMax = std::max(gradMax, daq.dydx.maxCoeff());
        }
        const auto [lo, hi] = paddedRange(0.0, gradMax, 0.0);
        backward.y = {QStringLiteral("dy/dx"), lo, hi, {}};
        figure.panels << forward << backward;
    }

    std::optional<std::pair<double, double>> ewgsRange; // g_x / g_q where the STE passes the gradient
    if (o.showEwgs) {
        const auto ewgs = sampleChecked(baseParams(o, CurveMethod::EWGS, xMin, xMax));
        const auto ste = sampleChecked(baseParams(o, CurveMethod::STE, xMin, xMax));
        for (Eigen::Index i = 0; i < ewgs.dydx.size(); ++i)
            if (ste.dydx[i] > 0) {
                const double r = ewgs.dydx[i] / ste.dydx[i];
                ewgsRange =
                    ewgsRange ? std::make_pair(std::min(ewgsRange->first, r), std::max(ewgsRange->second, r))
                              : std::make_pair(r, r);
            }
        PanelSpec scale;
        scale.id = QStringLiteral("ewgs");
        scale.title = QStringLiteral("EWGS on %1 levels, \u03b4 = %2, sign(g) = %3")
                          .arg(schemeLabel(o.ewgsBase))
                          .arg(o.ewgsDelta)
                          .arg(o.gradSign > 0 ? QStringLiteral("+") : QStringLiteral("\u2212"));
        scale.x = {QStringLiteral("x"), xMin, xMax, {}};
        const auto [lo, hi] = paddedRange(ewgs.dydx.minCoeff(), ewgs.dydx.maxCoeff(), 0.0);
        scale.y = {QStringLiteral("g_x / g_q"), lo, std::max(hi, 1.2), {}};
        scale.series << lineSeries(softround::ewgsSte, QStringLiteral("STE"), colors::ste,
                                   stepPoints(ste.x, ste.dydx), Qt::DashLine, 0.7);
        scale.series << lineSeries(softround::ewgsGrad, QStringLiteral("EWGS"), colors::ewgs,
                                   curvePoints(ewgs.x, ewgs.dydx));
        figure.panels << scale;
    }

    QStringList notes;
    if (o.showDsq || o.showDaq) {
        const int levels = 1 << std::clamp(o.bits, 0, 30);
        notes << (o.isSigned
                      ? QStringLiteral("DSQ/DAQ: %1 evenly spaced levels over [\u2212\u03b1, \u03b1], none "
                                       "at 0 (signed, as the reference code).")
                      : QStringLiteral("DSQ/DAQ: %1 evenly spaced levels over [0, \u03b1], 0 included."))
                     .arg(levels);
        if (o.showDaq)
            notes << QStringLiteral(
                "The DAQ forward equals hard rounding, as in the reference code; only its "
                "backward is soft.");
    }
    if (ewgsRange)
        notes << QStringLiteral("EWGS (\u03b4 = %1): the gradient is %2\u2013%3\u00d7 the STE's inside the "
                                "clip range.")
                     .arg(o.ewgsDelta)
                     .arg(ewgsRange->first, 0, 'g', 3)
                     .arg(ewgsRange->second, 0, 'g', 3);
    figure.note = notes.join(QLatin1Char(' '));
    QStringList methods;
    if (o.showDsq)
        methods << QStringLiteral("DSQ (alpha %1)").arg(o.dsqAlpha);
    if (o.showDaq)
        methods << QStringLiteral("DAQ (gamma %1, sigma %2)").arg(o.daqGamma).arg(o.daqSigma);
    if (o.showEwgs)
        methods << QStringLiteral("EWGS (base %1, delta %2, grad sign %3)")
                       .arg(schemeLabel(o.ewgsBase))
                       .arg(o.ewgsDelta)
                       .arg(o.gradSign);
    figure.settings = {{QStringLiteral("methods"), methods.join(QStringLiteral("; "))},
                       {QStringLiteral("bits"), bitsText},
                       {QStringLiteral("alpha"), QString::number(a, 'g', 6)}};
    return figure;
}

} // namespace qs::ui
