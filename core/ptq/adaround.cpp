#include "core/ptq/adaround.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace qs::ptq {

namespace {

constexpr int kShrinkSteps = 80;
constexpr double kScoreP = 2.4;

// `perChannel` [C] viewed so it broadcasts along dim 0 of a tensor with `dims` dimensions.
at::Tensor alongDim0(const at::Tensor &perChannel, int64_t dims)
{
    std::vector<int64_t> shape(size_t(std::max<int64_t>(dims, 1)), 1);
    shape[0] = -1;
    return perChannel.reshape(shape);
}

// Nearest level index and both neighbouring indices of u in the sorted levels (ties to the lower level).
struct Neighbours
{
    at::Tensor lowerIndex, upperIndex;
};

Neighbours neighbours(const at::Tensor &u, const at::Tensor &levels)
{
    const int64_t last = levels.size(0) - 1;
    // Index of the last level <= u: -1 below the grid.
    const auto index = torch::searchsorted(levels, u.contiguous(), /*out_int32=*/false, /*right=*/true) - 1;
    const auto below = index < 0;
    auto lower = index.clamp(0, last);
    auto upper = torch::where(below, torch::zeros_like(index), (index + 1).clamp(0, last));
    return {lower, upper};
}

} // namespace

at::Tensor rectifiedSigmoid(const at::Tensor &v)
{
    return (torch::sigmoid(v) * (kZeta - kGamma) + kGamma).clamp(0, 1);
}

at::Tensor initialV(const at::Tensor &rest)
{
    return -torch::log((kZeta - kGamma) / (rest - kGamma) - 1);
}

double roundingBeta(int64_t t, int64_t iterations)
{
    const double startB = 20, endB = 2;
    const double startDecay = 0.2 * double(iterations);
    if (double(t) < startDecay)
        return startB;
    const double relative = (double(t) - startDecay) / (double(iterations) - startDecay);
    return endB + (startB - endB) * std::max(0.0, 1.0 - relative);
}

bool roundingRegularizerOn(int64_t t, int64_t iterations)
{
    return !(double(t) < 0.2 * double(iterations));
}

at::Tensor lpLoss(const at::Tensor &pred, const at::Tensor &target, double p)
{
    return (pred - target).abs().pow(p).sum(1).mean();
}

UniformGrid mseUniformInit(const at::Tensor &x, int bits, bool channelWise)
{
    torch::NoGradGuard noGrad;
    const auto rows = (channelWise ? x.reshape({x.size(0), -1}) : x.reshape({1, -1})).to(torch::kFloat32);
    const auto xMax = std::get<0>(rows.max(1, /*keepdim=*/true));
    const auto xMin = std::get<0>(rows.min(1, /*keepdim=*/true));
    const double top = std::pow(2.0, bits) - 1;
    // A fallback where every score is NaN (a channel of one value): the full range, never a zero step.
    auto bestDelta = ((xMax - xMin) / top).clamp_min(1e-8);
    auto bestZero = (-xMin / bestDelta).round();
    auto bestScore = torch::full_like(xMax, 1e10);
    for (int i = 0; i < kShrinkSteps; ++i) {
        const double shrink = 1.0 - double(i) * 0.01; // python float, applied as float32 like the reference
        const auto newMax = xMax * shrink;
        const auto newMin = xMin * shrink;
        const auto delta = (newMax - newMin) / top;
        const auto zero = (-newMin / delta).round();
        const auto q = ((torch::round(rows / delta) + zero).clamp(0, top) - zero) * delta;
        const auto score = (rows - q).abs().pow(kScoreP).mean(1, /*keepdim=*/true);
        const auto better = score < bestScore;
        bestScore = torch::where(better, score, bestScore);
        bestDelta = torch::where(better, delta, bestDelta);
        bestZero = torch::where(better, zero, bestZero);
    }
    UniformGrid grid;
    grid.bits = bits;
    grid.delta = channelWise ? bestDelta.flatten() : bestDelta.reshape({});
    grid.zeroPoint = channelWise ? bestZero.flatten() : bestZero.reshape({});
    return grid;
}

at::Tensor uniformQuantize(const at::Tensor &x, const UniformGrid &grid)
{
    const double top = std::pow(2.0, grid.bits) - 1;
    const bool perChannel = grid.delta.dim() == 1;
    const auto delta = perChannel ? alongDim0(grid.delta, x.dim()) : grid.delta;
    const auto zero = perChannel ? alongDim0(grid.zeroPoint, x.dim()) : grid.zeroPoint;
    return ((torch::round(x / delta) + zero).clamp(0, top) - zero) * delta;
}

at::Tensor mseLevelScale(const at::Tensor &w, const std::vector<double> &levelValues)
{
    torch::NoGradGuard noGrad;
    const auto levels = torch::tensor(levelValues, torch::kFloat64).to(torch::kFloat32);
    const auto rows = w.reshape({w.size(0), -1}).to(torch::kFloat32);
    const auto maxAbs = std::get<0>(rows.abs().max(1, /*keepdim=*/true));
    auto bestScale = maxAbs.clamp_min(1e-8);
    auto bestScore = torch::full_like(maxAbs, 1e10);
    for (int i = 0; i < kShrinkSteps; ++i) {
        const auto scale = maxAbs * (1.0 - double(i) * 0.01);
        const auto u = rows / scale;
        const auto n = neighbours(u, levels);
        const auto lower = levels.index({n.lowerIndex}), upper = levels.index({n.upperIndex});
        const auto q = torch::where(u - lower > upper - u, upper, lower) * scale;
        const auto score = (rows - q).abs().pow(kScoreP).mean(1, /*keepdim=*/true);
        const auto better = score < bestScore;
        bestScore = torch::where(better, score, bestScore);
        bestScale = torch::where(better, scale, bestScale);
    }
    return bestScale.flatten();
}

RoundingGrid uniformRoundingGrid(const at::Tensor &w, const UniformGrid &grid)
{
    torch::NoGradGuard noGrad;
    const double top = std::pow(2.0, grid.bits) - 1;
    const auto delta = alongDim0(grid.delta, w.dim());
    const auto zero = alongDim0(grid.zeroPoint, w.dim());
    const auto x = w / delta;
    const auto floorX = torch::floor(x);
    // floor + h clamped into [-zp, 2^b - 1 - zp], as the reference clamps W_int + zp into [0, 2^b - 1].
    const auto lowest = -zero, highest = top - zero;
    const auto lowerInt = torch::maximum(torch::minimum(floorX, highest), lowest);
    const auto upperInt = torch::maximum(torch::minimum(floorX + 1, highest), lowest);
    RoundingGrid g;
    g.lower = lowerInt * delta;
    g.upper = upperInt * delta;
    g.rest = x - floorX;
    g.nearest = torch::maximum(torch::minimum(torch::round(x), highest), lowest) * delta;
    return g;
}

RoundingGrid levelRoundingGrid(const at::Tensor &w, const at::Tensor &scale,
                               const std::vector<double> &levelValues)
{
    torch::NoGradGuard noGrad;
    const auto levels = torch::tensor(levelValues, torch::kFloat64).to(torch::kFloat32);
    const auto s = alongDim0(scale, w.dim());
    const auto u = w / s;
    const auto n = neighbours(u.flatten(), levels);
    const auto lower = levels.index({n.lowerIndex}).view_as(u),
               upper = levels.index({n.upperIndex}).view_as(u);
    const auto gap = upper - lower;
    RoundingGrid g;
    g.lower = lower * s;
    g.upper = upper * s;
    g.rest = torch::where(gap > 0, (u - lower) / gap.clamp_min(1e-30), torch::zeros_like(u)).clamp(0, 1);
    g.nearest = torch::where(u - lower > upper - u, upper, lower) * s;
    return g;
}

AdaRoundWeight::AdaRoundWeight(RoundingGrid grid) : m_grid(std::move(grid))
{
    torch::NoGradGuard noGrad;
    v = initialV(m_grid.rest).detach().clone().requires_grad_(true);
}

at::Tensor AdaRoundWeight::soft() const
{
    return m_grid.lower + rectifiedSigmoid(v) * (m_grid.upper - m_grid.lower);
}

at::Tensor AdaRoundWeight::hard() const
{
    torch::NoGradGuard noGrad;
    return torch::where(v >= 0, m_grid.upper, m_grid.lower);
}

at::Tensor AdaRoundWeight::regularizer(double beta) const
{
    return (1 - ((rectifiedSigmoid(v) - 0.5).abs() * 2).pow(beta)).sum();
}

std::pair<at::Tensor, at::Tensor> foldBatchNorm(const at::Tensor &weight, const at::Tensor &bnWeight,
                                                const at::Tensor &bnBias, const at::Tensor &runningMean,
                                                const at::Tensor &runningVar, double eps)
{
    torch::NoGradGuard noGrad;
    const auto safeStd = torch::sqrt(runningVar + eps);
    const auto folded = weight * alongDim0(bnWeight / safeStd, weight.dim());
    const auto bias = bnBias - bnWeight * runningMean / safeStd;
    return {folded.contiguous(), bias.contiguous()};
}

} // namespace qs::ptq
