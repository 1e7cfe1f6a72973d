#pragma once
// Quantizers as LibTorch autograd functions, forward and backward exactly as methods.md describes the
// reference code. Torch header: core's .cpp files and the tests include it, ui/ never does.
//
// Conventions shared by every hard quantizer here:
// - `alpha`/`step`/`lower`/`upper`/`dsqAlpha` are 0-dim tensors (learnable when they require grad).
// - `ewgsDelta` selects the backward: 0 is the straight-through estimator (STE), > 0 is EWGS
//   g_x = g_q (1 + delta sign(g_q) (x_n - x_q)), with x_n, x_q in the quantizer's normalized domain (largest
//   level 1).
// - CPU float/double tensors take one fused pass over the data; other devices (CUDA) use tensor ops, same
// math.

#include "core/torchonly.h"

#include "core/quant/levels.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace qs {

// A sorted level set with its midpoints: projection to the nearest level is a binary search, O(N log L).
class LevelTable
{
public:
    explicit LevelTable(std::vector<double> sortedLevels);
    const std::vector<double> &levels() const { return m_levels; }
    const std::vector<double> &midpoints() const { return m_mids; }
    size_t size() const { return m_levels.size(); }

private:
    std::vector<double> m_levels, m_mids;
};

// (W - mean(W.data)) / std(W.data): APoT's weight normalization, statistics detached, unbiased std, no
// epsilon.
at::Tensor weightNormalize(const at::Tensor &w);

// APoT/PoT weight path `_pq` (methods.md 1.3) applied to already-normalized weights `wn`.
// `magnitudes` are the non-negative levels |x| projects onto (qs::magnitudeLevels of a signed spec; without
// a zero level, 0 goes to the smallest positive level with the sign of the zero, +0 up).
// Forward alpha * sign(xc) P(|xc|), xc = clamp(wn / alpha, -1, 1). Weight STE unclipped; alpha gets the RCF
// gradient.
at::Tensor powerQuantizeWeight(const at::Tensor &wn, const at::Tensor &alpha, const LevelTable &magnitudes,
                               double ewgsDelta = 0.0);

// APoT/PoT activation path `_uq` (methods.md 1.4): alpha * P(min(x / alpha, 1)); clipped STE; RCF alpha
// gradient.
at::Tensor powerQuantizeActivation(const at::Tensor &x, const at::Tensor &alpha, const LevelTable &levels,
                                   double ewgsDelta = 0.0);

// Uniform quantizer with learnable clip alpha (methods.md 3.1, the APoT ImageNet `uniform_quantization`):
// alpha * round(clamp(x / alpha) * n) / n, n = 2^(bits-1) - 1 signed (clamp to [-1, 1]) or 2^bits - 1
// unsigned (clamp to [0, 1]); the gradient is autograd's through clamp (closed interval) with a round STE.
at::Tensor uniformQuantize(const at::Tensor &x, const at::Tensor &alpha, int bits, bool isSigned,
                           double ewgsDelta = 0.0);

// LSQ (methods.md 3.2): round(clamp(x / s, -Qn, Qp)) * s with the step gradient scaled by gradScale.
struct LsqRange
{
    int64_t qn, qp;
};
LsqRange lsqRange(int bits, bool isSigned);
double lsqGradScale(int64_t numel, int bits, bool isSigned);             // 1 / sqrt(N Qp)
at::Tensor lsqInitialStep(const at::Tensor &x, int bits, bool isSigned); // 2 mean|x| / sqrt(Qp)
at::Tensor lsqQuantize(const at::Tensor &x, const at::Tensor &step, int bits, bool isSigned, double gradScale,
                       double ewgsDelta = 0.0);

// LSQ+ activations (methods/lsqplus.cpp): s round(clamp((x - beta) / s, 0, qp)) + beta, straight-through
// round (EWGS when delta > 0, x_n - x_q divided by qp); dx = f inside [0, qp], 0 outside; ds = q - u f
// inside, q outside; dbeta = 1 - f inside, 1 outside; ds and dbeta scaled by gradScale.
at::Tensor lsqPlusActivationQuantize(const at::Tensor &x, const at::Tensor &step, const at::Tensor &offset,
                                     double qp, double gradScale, double ewgsDelta = 0.0);

// The APoT reference's first/last layer: round(W / m * 127) / 127 * m with m = max(W) (not abs-max), STE.
at::Tensor maxScaled8BitQuantize(const at::Tensor &w);

// DSQ (methods.md 5.1): hard forward l + Delta round(t); backward the tanh slope, including the gradients of
// the range [lower, upper] and of the characteristic variable dsqAlpha (kept in (0, 0.5] by the caller).
at::Tensor dsqQuantize(const at::Tensor &x, const at::Tensor &lower, const at::Tensor &upper,
                       const at::Tensor &dsqAlpha, int bits);

// DAQ (methods.md 6.1): two candidates, distance score, Gaussian kernel, detached temperature, per-element
// max. Returns Qw = (2y - br) / br in [-1, 1] when isSigned, else Qa = y / br in [0, 1]; lower/upper get
// gradients.
at::Tensor daqQuantize(const at::Tensor &x, const at::Tensor &lower, const at::Tensor &upper, int bits,
                       bool isSigned, double gamma, double sigma);

// EWGS's official QConv quantizer before its weights' map to [-1, 1] (methods.md 4): x_n = clamp((x - lower)
// / (upper - lower), 0, 1), x_q = round(x_n (levels - 1)) / (levels - 1) in [0, 1], ties to even; backward
// EWGS in those [0, 1] units (ewgsDelta 0: the official STE_discretizer), with lower/upper's gradients
// through the normalization. One fused pass where the others take five tensor ops.
at::Tensor ewgsRangeQuantize(const at::Tensor &x, const at::Tensor &lower, const at::Tensor &upper,
                             int64_t levels, double ewgsDelta);

namespace detail {
// Tests and benchmarks compare the fused CPU kernels with the tensor-op path used on other devices.
void setForceTensorOpPath(bool force);
bool forceTensorOpPath();
} // namespace detail

} // namespace qs
