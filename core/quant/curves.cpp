#include "core/quant/curves.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qs {

namespace {
Scheme hardScheme(const CurveParams &p)
{
    switch (p.method) {
    case CurveMethod::PoT:
        return Scheme::PoT;
    case CurveMethod::APoT:
        return Scheme::APoT;
    case CurveMethod::STE:
    case CurveMethod::EWGS:
        return p.base;
    default:
        return Scheme::Uniform;
    }
}

// DSQ/DAQ work on 2^bits evenly spaced levels over [l, u] (no zero level when signed: the EWGS/DAQ
// convention).
struct UniformRange
{
    double l, u, delta;
    int n; // number of intervals, 2^bits - 1
};

UniformRange uniformRange(const CurveParams &p)
{
    UniformRange r;
    r.l = p.isSigned ? -p.alpha : 0.0;
    r.u = p.alpha;
    r.n = (1 << p.bits) - 1;
    r.delta = (r.u - r.l) / r.n;
    return r;
}
} // namespace

std::string curveMethodName(CurveMethod method)
{
    switch (method) {
    case CurveMethod::Uniform:
        return "uniform";
    case CurveMethod::PoT:
        return "pot";
    case CurveMethod::APoT:
        return "apot";
    case CurveMethod::DSQ:
        return "dsq";
    case CurveMethod::DAQ:
        return "daq";
    case CurveMethod::STE:
        return "ste";
    case CurveMethod::EWGS:
        return "ewgs";
    }
    return "unknown";
}

std::optional<CurveMethod> parseCurveMethod(const std::string &name)
{
    for (auto m : {CurveMethod::Uniform, CurveMethod::PoT, CurveMethod::APoT, CurveMethod::DSQ,
                   CurveMethod::DAQ, CurveMethod::STE, CurveMethod::EWGS})
        if (curveMethodName(m) == name)
            return m;
    return std::nullopt;
}

std::optional<std::string> checkCurveSampling(const CurveParams &p)
{
    if (!(p.alpha > 0) || !std::isfinite(p.alpha))
        return "alpha must be a positive number, not " + std::to_string(p.alpha);
    if (!(p.from < p.to) || !std::isfinite(p.from) || !std::isfinite(p.to))
        return "the x range needs from < to, got " + std::to_string(p.from) + " .. " + std::to_string(p.to);
    if (p.points < 2 || p.points > 1000000)
        return "points must be between 2 and 1000000, not " + std::to_string(p.points);
    return std::nullopt;
}

std::optional<std::string> checkCurveParams(const CurveParams &p)
{
    if (auto why = checkCurveSampling(p))
        return why;
    if (p.method == CurveMethod::DSQ || p.method == CurveMethod::DAQ) {
        if (p.bits < 1 || p.bits > 8)
            return curveMethodName(p.method) + " is defined here for 1 to 8 bits, not " +
                   std::to_string(p.bits);
    } else if (auto why = checkLevelSpec({hardScheme(p), p.bits, p.isSigned, p.zeroLevel})) {
        return why;
    }
    if (p.method == CurveMethod::DSQ && !(p.dsqAlpha > 0 && p.dsqAlpha <= 0.5))
        return "DSQ alpha must lie in (0, 0.5], not " + std::to_string(p.dsqAlpha);
    if (p.method == CurveMethod::DAQ) {
        if (!(p.daqGamma > 0) || p.daqGamma > 50)
            return "DAQ gamma must lie in (0, 50], not " + std::to_string(p.daqGamma);
        if (!(p.daqSigma > 0) || p.daqSigma > 100)
            return "DAQ sigma must lie in (0, 100], not " + std::to_string(p.daqSigma);
    }
    if (p.method == CurveMethod::EWGS) {
        if (!std::isfinite(p.ewgsDelta) || p.ewgsDelta < 0)
            return "EWGS delta must be a finite number >= 0, not " + std::to_string(p.ewgsDelta);
        if (p.gradSign != 1.0 && p.gradSign != -1.0)
            return "the gradient sign must be +1 or -1, not " + std::to_string(p.gradSign);
    }
    return std::nullopt;
}

std::vector<double> curveLevels(const CurveParams &p)
{
    if (p.method == CurveMethod::DSQ || p.method == CurveMethod::DAQ) {
        const auto r = uniformRange(p);
        std::vector<double> levels;
        for (int i = 0; i <= r.n; ++i)
            levels.push_back((r.l + i * r.delta) / p.alpha);
        return levels;
    }
    return levelSet({hardScheme(p), p.bits, p.isSigned, p.zeroLevel});
}

double dsqSlopeIntegerUnits(double a, double fracOffset)
{
    const double s = 1.0 / (1.0 - a);
    const double k = std::log(2.0 / a - 1.0);
    const double ch = std::cosh(k * fracOffset);
    return 0.5 * s * k / (ch * ch);
}

double daqBackwardIntegerUnits(double gamma, double sigma, double d)
{
    const double z = (1.0 + 1.0 / (sigma * sigma) - 2.0 * d) / 2.0;
    return gamma / (2.0 * std::sinh(gamma)) / std::tanh(z);
}

namespace {
// One DAQ element in interval coordinates t (methods.md 6.1, written as the reference computes it).
// Returns {y, dy/dt}.
std::pair<double, double> daqElement(double t, double gamma, double sigma)
{
    const double f0 = std::floor(t);
    const double f = t - f0;
    const double m0 = std::exp(-std::abs(f)), m1 = std::exp(-std::abs(f - 1.0));
    const double jStar = m0 >= m1 ? 0.0 : 1.0; // argmax takes the first on a tie
    const double k0 = std::exp(-(0.0 - jStar) * (0.0 - jStar) / (sigma * sigma));
    const double k1 = std::exp(-(1.0 - jStar) * (1.0 - jStar) / (sigma * sigma));
    const double s0 = m0 * k0, s1 = m1 * k1;
    const double T = gamma / std::abs(s0 - s1);
    const double top = std::max(T * s0, T * s1); // per-element max, not the reference's global max
    const double e0 = std::exp(T * s0 - top), e1 = std::exp(T * s1 - top);
    const double p0 = e0 / (e0 + e1), p1 = e1 / (e0 + e1);
    const double c = 1.0 / std::expm1(gamma);
    const double y = p0 * (0.0 - c) + p1 * (1.0 + c) + f0;
    const double dydt = (1.0 + 2.0 * c) * p0 * p1 * T * (k1 * std::exp(f - 1.0) + k0 * std::exp(-f));
    return {y, dydt};
}
} // namespace

CurveMethod hardCurveMethod(Scheme scheme)
{
    switch (scheme) {
    case Scheme::PoT:
        return CurveMethod::PoT;
    case Scheme::APoT:
        return CurveMethod::APoT;
    case Scheme::Uniform:
        break;
    }
    return CurveMethod::Uniform;
}

CurveSamples sampleStepGridCurve(const CurveParams &p, int64_t qn, int64_t qp)
{
    if (auto why = checkCurveSampling(p))
        throw std::invalid_argument(*why);
    if (qp < 1 || qn < 0)
        throw std::invalid_argument("a step grid needs qp >= 1 and qn >= 0");
    CurveSamples out;
    out.x = Eigen::VectorXd::LinSpaced(p.points, p.from, p.to);
    out.y.resize(p.points);
    out.dydx.resize(p.points);
    out.yHard.resize(p.points);
    const double step = p.alpha / double(qp), lo = qn > 0 ? -double(qn) : 0.0, hi = double(qp); // no -0
    for (int i = 0; i < p.points; ++i) {
        const double v = out.x[i] / step;
        out.y[i] = out.yHard[i] = step * std::nearbyint(std::clamp(v, lo, hi));
        out.dydx[i] = v >= lo && v <= hi ? 1.0 : 0.0; // autograd clamp passes the closed interval
    }
    return out;
}

CurveSamples sampleCurve(const CurveParams &p)
{
    if (auto why = checkCurveParams(p))
        throw std::invalid_argument(*why);
    CurveSamples out;
    out.x = Eigen::VectorXd::LinSpaced(p.points, p.from, p.to);
    out.y.resize(p.points);
    out.dydx.resize(p.points);
    out.yHard.resize(p.points);

    if (p.method == CurveMethod::DSQ || p.method == CurveMethod::DAQ) {
        const auto r = uniformRange(p);
        const double s = 1.0 / (1.0 - p.dsqAlpha);
        const double k = std::log(2.0 / p.dsqAlpha - 1.0);
        for (int i = 0; i < p.points; ++i) {
            const double tRaw = (out.x[i] - r.l) / r.delta;
            const bool inside = tRaw >= 0.0 && tRaw <= r.n; // autograd clamp passes the closed interval
            const double t = std::clamp(tRaw, 0.0, double(r.n));
            out.yHard[i] = r.l + r.delta * std::nearbyint(t);
            if (p.method == CurveMethod::DSQ) {
                const double cell = std::min(std::floor(t), double(r.n - 1));
                const double z = k * (t - cell - 0.5);
                out.y[i] = r.l + r.delta * (cell + 0.5 * s * std::tanh(z) + 0.5);
                const double ch = std::cosh(z);
                out.dydx[i] = inside ? 0.5 * s * k / (ch * ch) : 0.0;
            } else {
                const auto [y, dydt] = daqElement(t, p.daqGamma, p.daqSigma);
                out.y[i] = r.l + r.delta * y;
                out.dydx[i] = inside ? dydt : 0.0;
            }
        }
        return out;
    }

    const auto levels = curveLevels(p);
    const double lo = levels.front(), hi = levels.back();
    // The uniform grid with its zero level is {k / n}: torch.round(x n) / n, ties to even, as the quantizer.
    const bool rounds = hardScheme(p) == Scheme::Uniform && p.zeroLevel;
    const double n = double(p.isSigned ? (1 << (p.bits - 1)) - 1 : (1 << p.bits) - 1);
    for (int i = 0; i < p.points; ++i) {
        const double xn = out.x[i] / p.alpha;
        const double xc = std::clamp(xn, lo, hi);
        const double q = rounds ? std::nearbyint(xc * n) / n : projectToNearest(levels, xc);
        const bool inside = xn >= lo && xn <= hi;
        out.yHard[i] = p.alpha * q;
        out.y[i] = out.yHard[i];
        switch (p.method) {
        case CurveMethod::STE:
            out.dydx[i] = inside ? 1.0 : 0.0;
            break;
        case CurveMethod::EWGS:
            out.dydx[i] = inside ? 1.0 + p.ewgsDelta * p.gradSign * (xc - q) : 0.0;
            break;
        default:
            out.dydx[i] = 0.0;
        }
    }
    return out;
}

} // namespace qs
