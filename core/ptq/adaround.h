#pragma once
// The pieces of AdaRound/BRECQ (methods.md 7) that the reconstruction and the `ptq` method share: the
// 'mse' scale init of BRECQ's UniformAffineQuantizer, the rectified sigmoid h(V) and its init, the β
// schedule, the lp loss, BatchNorm folding, and a weight tensor's two neighbouring grid values (uniform per
// channel with a zero point, or a PoT/APoT level set times a per-channel scale). Torch header: core's .cpp
// files and the tests.

#include "core/torchonly.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace qs::ptq {

constexpr double kZeta = 1.1, kGamma = -0.1;

// h(V) = clamp(sigmoid(V) (ζ - γ) + γ, 0, 1).
at::Tensor rectifiedSigmoid(const at::Tensor &v);
// V with h(V) == rest for rest in [0, 1): -log((ζ - γ) / (rest - γ) - 1).
at::Tensor initialV(const at::Tensor &rest);

// LinearTempDecay as the code (not its docstring): β = 20 until 0.2 T, then linear to 2 at T; t counts
// from 1.
double roundingBeta(int64_t t, int64_t iterations);
// The regularizer is off during the warm-up: t < 0.2 T.
bool roundingRegularizerOn(int64_t t, int64_t iterations);

// lp_loss(pred, tgt, p) with reduction 'none': |pred - tgt|^p summed over dim 1, mean over the rest.
at::Tensor lpLoss(const at::Tensor &pred, const at::Tensor &target, double p = 2.0);

// UniformAffineQuantizer's 'mse' init on one tensor per channel along dim 0 (channelWise) or as a whole:
// for i in 0..79, [min, max] * (1 - 0.01 i), Δ = (max - min) / (2^b - 1), zero point round(-min / Δ),
// score mean |x - Q(x)|^2.4, the first strict minimum wins. Float32 like the reference. delta and zeroPoint
// have shape [C] (or [] for a whole tensor).
struct UniformGrid
{
    at::Tensor delta, zeroPoint;
    int bits = 8;
};
UniformGrid mseUniformInit(const at::Tensor &x, int bits, bool channelWise);
// Nearest rounding on that grid: (clamp(round(x / Δ) + zp, 0, 2^b - 1) - zp) Δ, per channel along dim 0 when
// delta has one entry per channel.
at::Tensor uniformQuantize(const at::Tensor &x, const UniformGrid &grid);

// Per-output-channel scale for a signed level set in [-1, 1] (PoT/APoT): the same 'mse' search over
// max|w_c| (1 - 0.01 i), i in 0..79, with nearest-level projection (ties to the lower level). Shape [C].
at::Tensor mseLevelScale(const at::Tensor &w, const std::vector<double> &levels);

// A weight tensor's choice between its two neighbouring grid values: soft = lower + h(V) (upper - lower),
// hard = upper where V >= 0, else lower. Beyond the grid's ends both are the end level (what the reference's
// clamp gives). `rest` is where the weight lies between them (the fractional part on the uniform grid),
// `nearest` the nearest-rounded weight. All in weight units, shaped like the weight; hard and nearest values
// are bit-identical grid values, so they compare exactly.
struct RoundingGrid
{
    at::Tensor lower, upper, rest, nearest;
};
RoundingGrid uniformRoundingGrid(const at::Tensor &w, const UniformGrid &grid);
RoundingGrid levelRoundingGrid(const at::Tensor &w, const at::Tensor &scale,
                               const std::vector<double> &levels);

// One layer's learned rounding (AdaRoundQuantizer): V starts where h(V) equals the grid's rest.
class AdaRoundWeight
{
public:
    explicit AdaRoundWeight(RoundingGrid grid);
    at::Tensor soft() const; // differentiable in v
    at::Tensor hard() const;
    const at::Tensor &nearest() const { return m_grid.nearest; }
    const RoundingGrid &grid() const { return m_grid; }
    // Σ (1 - |2 h(V) - 1|^β)
    at::Tensor regularizer(double beta) const;
    at::Tensor v; // the learned tensor (requires grad)

private:
    RoundingGrid m_grid;
};

// BatchNorm (eval statistics) folded into the conv before it: W' = W γ / sqrt(var + eps) per output channel,
// b' = β - μ γ / sqrt(var + eps). Returns {W', b'}.
std::pair<at::Tensor, at::Tensor> foldBatchNorm(const at::Tensor &weight, const at::Tensor &bnWeight,
                                                const at::Tensor &bnBias, const at::Tensor &runningMean,
                                                const at::Tensor &runningVar, double eps);

} // namespace qs::ptq
