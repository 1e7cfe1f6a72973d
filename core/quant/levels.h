#pragma once
// Level sets of the hard quantizers, exactly as the reference code builds them (methods.md 1.1, 1.2, 2, 3).
// Torch-free: the GUI and the plotting code use this header directly.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qs {

enum class Scheme
{
    Uniform,
    PoT,
    APoT
};

std::string schemeName(Scheme scheme);
std::optional<Scheme> parseScheme(const std::string &name);

struct LevelSpec
{
    Scheme scheme = Scheme::Uniform;
    int bits = 4;
    bool isSigned = false; // signed (weights): 1 sign bit + bits-1 magnitude bits, 2^bits - 1 levels
    // false: the signed grid without its zero level (2^bits levels, none at 0): each magnitude m becomes
    // (m + h) / (1 + h) with h half the gap next to zero, so the levels keep their spacing, the gap across 0
    // is the grid's first gap and the largest is still 1. On the uniform grid this is the official EWGS
    // weight grid, 2^bits evenly spaced levels on [-1, 1] (2 bits: -1, -1/3, 1/3, 1). Signed grids only.
    bool zeroLevel = true;
};

// Inclusive bit range the reference code defines for a scheme and signedness.
std::pair<int, int> supportedBits(Scheme scheme, bool isSigned);

// Empty when the combination is defined, else one line saying why not.
std::optional<std::string> checkLevelSpec(const LevelSpec &spec);

// Sorted, distinct levels normalized so the largest is exactly 1; symmetric about 0 when signed.
// Throws std::invalid_argument for an undefined combination (see checkLevelSpec).
std::vector<double> levelSet(const LevelSpec &spec);

// Sorted non-negative magnitudes (0 first, 1 last) that the reference projects |x| onto.
// For a signed spec these are the magnitudes of bits-1 bits; the 2-bit signed set is ternary {0, 1}.
// Without the zero level (zeroLevel false) they are all positive: the shifted set described at LevelSpec.
std::vector<double> magnitudeLevels(const LevelSpec &spec);

// The raw `build_power_value(B, additive)` of the APoT reference, de-duplicated and normalized by its max.
// B in 2..6 when additive, 1..7 otherwise.
std::vector<double> buildPowerValue(int B, bool additive);

// Nearest level of a sorted set (ties go to the lower level); projection through midpoints, O(log L).
double projectToNearest(const std::vector<double> &sortedLevels, double x);

} // namespace qs
