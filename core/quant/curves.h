#pragma once
// Sampled transfer functions y(x) and derivatives dy/dx of every quantizer, for plotting (the seed paper's
// Figs. 1-4). Torch-free (Eigen only): the GUI and `quantscope-cli curve` call this directly.

#include "core/quant/levels.h"

#include <Eigen/Core>

#include <cstdint>
#include <optional>
#include <string>

namespace qs {

enum class CurveMethod
{
    Uniform, // hard quantizers: y = alpha * P(clamp(x / alpha)), dy/dx = 0 almost everywhere
    PoT,
    APoT,
    DSQ,  // tanh soft quantizer (methods.md 5.1): y = soft curve, dy/dx = its slope (the DSQ backward)
    DAQ,  // distance-aware quantizer (methods.md 6.1): y = its forward (equals hard rounding), dy/dx = its
          // backward
    STE,  // hard forward of `base`, backward 1 inside the clip range
    EWGS, // hard forward of `base`, backward 1 + delta * sign(g) * (x_n - x_q) inside the clip range
};

std::string curveMethodName(CurveMethod method);
std::optional<CurveMethod> parseCurveMethod(const std::string &name);

struct CurveParams
{
    CurveMethod method = CurveMethod::Uniform;
    int bits = 2;
    bool isSigned = false;
    bool zeroLevel = true; // false: a signed grid without its zero level (LevelSpec::zeroLevel)
    double alpha =
        1.0; // clip value: the largest level is alpha (DSQ/DAQ range [-alpha, alpha] or [0, alpha])
    Scheme base = Scheme::Uniform; // the hard quantizer under STE and EWGS
    double dsqAlpha = 0.2;         // DSQ characteristic variable, (0, 0.5]
    double daqGamma = 2.0;         // DAQ temperature gamma
    double daqSigma = 1.0;         // DAQ kernel width sigma
    double ewgsDelta = 0.2;        // EWGS scaling factor delta
    double gradSign = 1.0;         // sign of the incoming gradient g for EWGS
    double from = -1.5;
    double to = 1.5;
    int points = 601;
};

struct CurveSamples
{
    Eigen::VectorXd x;
    Eigen::VectorXd y;     // the curve dydx is the slope of (DSQ: its tanh surrogate), else the forward
    Eigen::VectorXd dydx;  // derivative used by the backward pass (0 for pure hard quantizers)
    Eigen::VectorXd yHard; // what the forward pass outputs: the hard staircase (DSQ's forward; DAQ's equal)
};

// Empty when the parameters are valid, else one line saying what is wrong.
std::optional<std::string> checkCurveParams(const CurveParams &params);
// The part of checkCurveParams every curve needs: alpha, the x range and the number of points.
std::optional<std::string> checkCurveSampling(const CurveParams &params);

// Throws std::invalid_argument when checkCurveParams fails.
CurveSamples sampleCurve(const CurveParams &params);

// Closed-form pieces, exposed for tests and tooltips.
double dsqSlopeIntegerUnits(double dsqAlpha, double fracOffsetFromCentre);   // 0.5 s k sech^2(k (frac - 0.5))
double daqBackwardIntegerUnits(double gamma, double sigma, double distance); // gamma/(2 sinh gamma) coth(...)

// An integer grid with a learned step and a straight-through backward (LSQ-style, methods.md 3.2):
// y = s round(clamp(x / s, -qn, qp)) with s = alpha / qp (the largest level is alpha), dy/dx = 1 inside
// [-qn s, qp s] and 0 outside. Uses alpha, from, to and points; throws std::invalid_argument when
// checkCurveSampling fails or qp < 1.
CurveSamples sampleStepGridCurve(const CurveParams &params, int64_t qn, int64_t qp);

// The hard quantizer curve of a grid scheme (Uniform, PoT, APoT).
CurveMethod hardCurveMethod(Scheme scheme);

// The levels the curve's hard quantizer uses (normalized to the largest = 1; DSQ/DAQ: 2^bits uniform on the
// range). The hard staircases round as torch.round does, ties to even, on the uniform grid (and DSQ/DAQ);
// on PoT/APoT grids a tie goes to the lower level.
std::vector<double> curveLevels(const CurveParams &params);

} // namespace qs
