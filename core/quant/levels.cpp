#include "core/quant/levels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace qs {

std::string schemeName(Scheme scheme)
{
    switch (scheme) {
    case Scheme::Uniform:
        return "uniform";
    case Scheme::PoT:
        return "pot";
    case Scheme::APoT:
        return "apot";
    }
    return "unknown";
}

std::optional<Scheme> parseScheme(const std::string &name)
{
    if (name == "uniform")
        return Scheme::Uniform;
    if (name == "pot")
        return Scheme::PoT;
    if (name == "apot")
        return Scheme::APoT;
    return std::nullopt;
}

std::pair<int, int> supportedBits(Scheme scheme, bool isSigned)
{
    // Signed sets spend one bit on the sign, so each range is shifted up by one.
    const int s = isSigned ? 1 : 0;
    switch (scheme) {
    case Scheme::Uniform:
        return {1 + s, 16};
    case Scheme::PoT:
        // 2^-(2^B - 2) must stay a normal float32 number: B <= 7.
        return {1 + s, 7 + s};
    case Scheme::APoT:
        // build_power_value defines B = 2..6; a signed 2-bit weight is ternary (B = 1, uniform), as in the
        // reference.
        return {2, 6 + s};
    }
    return {0, -1};
}

std::optional<std::string> checkLevelSpec(const LevelSpec &spec)
{
    if (!spec.zeroLevel && !spec.isSigned)
        return schemeName(spec.scheme) + " unsigned levels always include 0: only a signed (weight) grid can "
                                         "drop its zero level";
    const auto [lo, hi] = supportedBits(spec.scheme, spec.isSigned);
    if (spec.bits < lo || spec.bits > hi) {
        return schemeName(spec.scheme) + (spec.isSigned ? " signed" : " unsigned") +
               " levels are defined for " + std::to_string(lo) + " to " + std::to_string(hi) + " bits, not " +
               std::to_string(spec.bits);
    }
    return std::nullopt;
}

std::vector<double> buildPowerValue(int B, bool additive)
{
    std::vector<double> a{0.0}, b{0.0}, c{0.0};
    if (additive) {
        // The hand-built lists of quant_layer.py `build_power_value` (methods.md 1.1).
        switch (B) {
        case 2:
            a = {0, std::ldexp(1.0, -1), std::ldexp(1.0, -2), std::ldexp(1.0, -3)};
            break;
        case 3:
            a = {0, std::ldexp(1.0, -1), std::ldexp(1.0, -2), std::ldexp(1.0, -4)};
            b = {0, std::ldexp(1.0, -3)};
            break;
        case 4:
            a = {0, std::ldexp(1.0, -1), std::ldexp(1.0, -3), std::ldexp(1.0, -5)};
            b = {0, std::ldexp(1.0, -2), std::ldexp(1.0, -4), std::ldexp(1.0, -6)};
            break;
        case 5:
            a = {0, std::ldexp(1.0, -1), std::ldexp(1.0, -3), std::ldexp(1.0, -6)};
            b = {0, std::ldexp(1.0, -2), std::ldexp(1.0, -4), std::ldexp(1.0, -7)};
            c = {0, std::ldexp(1.0, -5)};
            break;
        case 6:
            a = {0, std::ldexp(1.0, -1), std::ldexp(1.0, -4), std::ldexp(1.0, -7)};
            b = {0, std::ldexp(1.0, -2), std::ldexp(1.0, -5), std::ldexp(1.0, -8)};
            c = {0, std::ldexp(1.0, -3), std::ldexp(1.0, -6), std::ldexp(1.0, -9)};
            break;
        default:
            throw std::invalid_argument("APoT levels are defined for B = 2..6, not " + std::to_string(B));
        }
    } else {
        if (B < 1 || B > 7)
            throw std::invalid_argument("PoT levels are defined for B = 1..7, not " + std::to_string(B));
        for (int i = 0; i < (1 << B) - 1; ++i)
            a.push_back(std::ldexp(1.0, -(i + 1)));
    }
    std::vector<double> values;
    for (double x : a)
        for (double y : b)
            for (double z : c)
                values.push_back(x + y + z); // sums of powers of two: exact in double
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    const double top = values.back();
    for (double &v : values)
        v /= top;
    return values;
}

namespace {
std::vector<double> uniformMagnitudes(int magnitudeBits)
{
    const int n = (1 << magnitudeBits) - 1;
    std::vector<double> values;
    for (int k = 0; k <= n; ++k)
        values.push_back(double(k) / n);
    return values;
}
} // namespace

namespace {
// The magnitudes of a signed grid with the zero level removed (see LevelSpec::zeroLevel): m -> (m + h) /
// (1 + h), h = m_1 / 2, written (2 m + m_1) / (2 + m_1) so the largest stays exactly 1.
std::vector<double> withoutZero(const LevelSpec &spec, std::vector<double> mags)
{
    if (spec.scheme == Scheme::Uniform) {
        // (2k + 1) / (2^bits - 1), exactly: the official EWGS weight levels mapped to magnitudes.
        const double n = double((int64_t(1) << spec.bits) - 1);
        std::vector<double> out;
        for (size_t k = 0; k < mags.size(); ++k)
            out.push_back(double(2 * k + 1) / n);
        return out;
    }
    const double first = mags.at(1);
    std::vector<double> out;
    for (double m : mags)
        out.push_back((2.0 * m + first) / (2.0 + first));
    return out;
}
} // namespace

std::vector<double> magnitudeLevels(const LevelSpec &spec)
{
    if (auto why = checkLevelSpec(spec))
        throw std::invalid_argument(*why);
    if (!spec.zeroLevel) {
        LevelSpec withZero = spec;
        withZero.zeroLevel = true;
        return withoutZero(spec, magnitudeLevels(withZero));
    }
    const int B = spec.isSigned ? spec.bits - 1 : spec.bits;
    switch (spec.scheme) {
    case Scheme::Uniform:
        return uniformMagnitudes(B);
    case Scheme::PoT:
        // weight_quantize_fn: `power = power if w_bit > 2 else False`, so B = 1 is the uniform {0, 1}; same
        // set.
        return buildPowerValue(B, false);
    case Scheme::APoT:
        if (B == 1)
            return uniformMagnitudes(1); // 2-bit signed weights are ternary in the reference
        return buildPowerValue(B, true);
    }
    return {};
}

std::vector<double> levelSet(const LevelSpec &spec)
{
    const auto mags = magnitudeLevels(spec);
    if (!spec.isSigned)
        return mags;
    std::vector<double> values;
    for (auto it = mags.rbegin(); it != mags.rend(); ++it)
        if (*it > 0)
            values.push_back(-*it);
    values.insert(values.end(), mags.begin(), mags.end());
    return values;
}

double projectToNearest(const std::vector<double> &sortedLevels, double x)
{
    // First level whose upper midpoint is >= x; a tie at a midpoint goes to the lower level.
    auto lo = sortedLevels.begin();
    auto hi = sortedLevels.end() - 1;
    while (lo < hi) {
        auto mid = lo + (hi - lo) / 2;
        if (x <= 0.5 * (*mid + *(mid + 1)))
            hi = mid;
        else
            lo = mid + 1;
    }
    return *lo;
}

} // namespace qs
