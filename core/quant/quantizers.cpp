#include "core/quant/quantizers.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

namespace qs {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace detail {
namespace {
std::atomic<bool> g_forceTensorOps{false};
}
void setForceTensorOpPath(bool force)
{
    g_forceTensorOps = force;
}
bool forceTensorOpPath()
{
    return g_forceTensorOps;
}
} // namespace detail

LevelTable::LevelTable(std::vector<double> sortedLevels) : m_levels(std::move(sortedLevels))
{
    TORCH_CHECK(!m_levels.empty(), "LevelTable: empty level set");
    for (size_t i = 1; i < m_levels.size(); ++i) {
        TORCH_CHECK(m_levels[i - 1] < m_levels[i], "LevelTable: levels must be sorted and distinct");
        m_mids.push_back(0.5 * (m_levels[i - 1] + m_levels[i]));
    }
}

namespace {

constexpr int64_t kGrain = 32768;

bool useFusedKernel(const at::Tensor &t)
{
    return !detail::forceTensorOpPath() && t.device().is_cpu() &&
           (t.scalar_type() == at::kFloat || t.scalar_type() == at::kDouble);
}

template <typename T> inline T signOf(T v)
{
    return T((T(0) < v) - (v < T(0)));
}

// Nearest level by a branchless binary search over midpoints padded to 2^k - 1 entries with +inf.
// Returns the level with (number of midpoints < m) as index: a tie at a midpoint goes to the lower level,
// as torch::bucketize(right=false) does on the tensor-op path.
template <typename T> class Projector
{
public:
    explicit Projector(const std::vector<double> &levels)
    {
        for (double v : levels)
            m_levels.push_back(T(v));
        size_t size = 1;
        while (size < levels.size())
            size <<= 1;
        m_half = int(size / 2);
        m_mids.assign(size > 1 ? size - 1 : 1, std::numeric_limits<T>::infinity());
        for (size_t i = 0; i + 1 < levels.size(); ++i)
            m_mids[i] = T(0.5 * (levels[i] + levels[i + 1]));
        m_levels.resize(size, m_levels.back());
    }
    inline T nearest(T m) const
    {
        int idx = 0;
        for (int step = m_half; step > 0; step >>= 1)
            idx += (m_mids[idx + step - 1] < m) ? step : 0;
        return m_levels[idx];
    }

private:
    std::vector<T> m_levels, m_mids;
    int m_half = 0;
};

// Branch-free select through the bit patterns: GCC turns a lone `c ? a : b` into a branch, which stops
// vectorization and mispredicts on random data (2-bit weights ran 4x slower than 4-bit ones).
template <typename T> inline T selectIf(bool condition, T ifTrue, T ifFalse)
{
    using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    Bits a, b;
    std::memcpy(&a, &ifTrue, sizeof a);
    std::memcpy(&b, &ifFalse, sizeof b);
    const Bits mask = Bits(0) - Bits(condition);
    const Bits r = (a & mask) | (b & ~mask);
    T out;
    std::memcpy(&out, &r, sizeof out);
    return out;
}

// For small level sets: q = levels[#(mids < m)] as K compare-and-select steps that the compiler vectorizes
// (no gather, no data-dependent branch). Unused midpoints are +inf, so they never select.
template <typename T, int K> struct SelectChain
{
    T mids[K];
    T levels[K + 1];
    explicit SelectChain(const std::vector<double> &lv)
    {
        for (int j = 0; j <= K; ++j)
            levels[j] = T(lv[std::min(size_t(j), lv.size() - 1)]);
        for (int j = 0; j < K; ++j)
            mids[j] = size_t(j + 1) < lv.size() ? T(0.5 * (lv[size_t(j)] + lv[size_t(j) + 1]))
                                                : std::numeric_limits<T>::infinity();
    }
    inline T nearest(T m) const
    {
        T q = levels[0];
        for (int j = 0; j < K; ++j)
            q = selectIf(mids[j] < m, levels[j + 1], q);
        return q;
    }
};

// The evenly spaced grid {0, 1/n, ..., 1}: round(m n) / n with ties to even, as torch.round does in the
// official code (APoT's uniform_quant, EWGS's discretizer), computed in T as they compute it. Below 0 it
// gives the lowest level, 0, as the projection does. Adding and subtracting 1.5 * 2^(digits - 1) rounds half
// to even in the default rounding mode (no -ffast-math here) and, unlike nearbyint, vectorizes; m n <= n <
// 2^22. It needs m * n rounded before the add, which -ffp-contract=off on this file guarantees in every
// instruction-set clone (a fused multiply-add would round once, and differently).
template <typename T> struct UniformRounder
{
    T n;
    inline T nearest(T m) const
    {
        constexpr T magic = T(1.5) * T(1ull << (std::numeric_limits<T>::digits - 1));
        const T v = std::max(m, T(0)) * n;
        return ((v + magic) - magic) / n;
    }
};

// n when `levels` is exactly {k / n}, k = 0..n (the uniform grid as qs::levelSet builds it), else 0.
inline int uniformSteps(const std::vector<double> &levels)
{
    const int n = int(levels.size()) - 1;
    for (int k = 0; k <= n; ++k)
        if (levels[size_t(k)] != double(k) / double(n))
            return 0;
    return n;
}

// Calls fn with the fastest projector for this level count: rounding for the uniform grid, a select chain up
// to 16 levels, else binary search.
template <typename T, typename Fn> void withProjector(const std::vector<double> &levels, const Fn &fn)
{
    const size_t mids = levels.size() - 1;
    if (const int n = levels.size() > 1 ? uniformSteps(levels) : 0)
        fn(UniformRounder<T>{T(n)});
    else if (mids <= 1)
        fn(SelectChain<T, 1>(levels));
    else if (mids <= 3)
        fn(SelectChain<T, 3>(levels));
    else if (mids <= 7)
        fn(SelectChain<T, 7>(levels));
    else if (mids <= 15)
        fn(SelectChain<T, 15>(levels));
    else
        fn(Projector<T>(levels));
}

// One pass over [b, e) of the APoT/PoT forward. The projector is copied so the compiler knows it does not
// alias the output.
template <bool Weight, typename T, typename Proj>
__attribute__((always_inline)) inline void powerForwardRangeImpl(const T *__restrict in, T *__restrict out,
                                                                 int64_t b, int64_t e, T a,
                                                                 const Proj &shared)
{
    const Proj proj = shared;
    for (int64_t i = b; i < e; ++i) {
        const T x = in[i] / a;
        if constexpr (Weight) {
            const T xc = std::min(std::max(x, T(-1)), T(1)); // min/max, not ?:, so it vectorizes
            out[i] = std::copysign(proj.nearest(std::abs(xc)), xc) * a;
        } else {
            out[i] = proj.nearest(std::min(x, T(1))) * a;
        }
    }
}

// One pass over [b, e) of the APoT/PoT backward: writes the input gradient, returns this range's alpha
// gradient. Eight partial sums let the compiler vectorize the reduction without reassociating floating point
// on its own.
template <bool Weight, typename T, typename Proj>
__attribute__((always_inline)) inline double
powerBackwardRangeImpl(const T *__restrict in, const T *__restrict g, T *__restrict gi, int64_t b, int64_t e,
                       T a, T delta, const Proj &shared)
{
    const Proj proj = shared;
    // One simd loop with a declared reduction (-fopenmp-simd): branch-free selects, so it vectorizes.
    T total = 0;
#pragma omp simd reduction(+ : total)
    for (int64_t i = b; i < e; ++i) {
        const T x = in[i] / a;
        const T gv = g[i];
        const T sg = T((T(0) < gv) - (gv < T(0)));
        if constexpr (Weight) {
            const T xc = std::min(std::max(x, T(-1)), T(1));
            const T q = std::copysign(proj.nearest(std::abs(xc)), xc);
            const T f = T(1) + delta * sg * (xc - q);
            gi[i] = gv * f; // unclipped STE: "grad for weights will not be clipped"
            total += selectIf(std::abs(x) > T(1), gv * q, gv * (q - x * f));
        } else {
            const T xc = std::min(x, T(1));
            const T q = proj.nearest(xc);
            const T f = T(1) + delta * sg * (xc - q);
            const bool clipped = x > T(1);
            gi[i] = selectIf(clipped, T(0), gv * f);
            total += selectIf(clipped, gv, gv * (q - x * f));
        }
    }
    return total;
}

// The generic kernels, for double tensors and large level sets.
template <bool Weight, typename T, typename Proj>
void powerForwardRange(std::integral_constant<bool, Weight>, const T *in, T *out, int64_t b, int64_t e, T a,
                       const Proj &proj)
{
    powerForwardRangeImpl<Weight>(in, out, b, e, a, proj);
}

template <bool Weight, typename T, typename Proj>
double powerBackwardRange(std::integral_constant<bool, Weight>, const T *in, const T *g, T *gi, int64_t b,
                          int64_t e, T a, T delta, const Proj &proj)
{
    return powerBackwardRangeImpl<Weight>(in, g, gi, b, e, a, delta, proj);
}

// float32 with up to 16 levels or the uniform grid, the training case: one clone per instruction set
// (AVX-512, AVX2, baseline), picked at load time, so the same binary runs everywhere and uses the wide
// registers where they exist.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define QS_TARGET_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define QS_TARGET_CLONES // other architectures and compilers: one build for the baseline
#endif
#define QS_CLONED_POWER_KERNELS(W, Proj)                                                                     \
    QS_TARGET_CLONES void powerForwardRange(std::integral_constant<bool, W>, const float *in, float *out,    \
                                            int64_t b, int64_t e, float a, const Proj &proj)                 \
    {                                                                                                        \
        powerForwardRangeImpl<W>(in, out, b, e, a, proj);                                                    \
    }                                                                                                        \
    QS_TARGET_CLONES double powerBackwardRange(std::integral_constant<bool, W>, const float *in,             \
                                               const float *g, float *gi, int64_t b, int64_t e, float a,     \
                                               float delta, const Proj &proj)                                \
    {                                                                                                        \
        return powerBackwardRangeImpl<W>(in, g, gi, b, e, a, delta, proj);                                   \
    }
using SelectChain1 = SelectChain<float, 1>;
using SelectChain3 = SelectChain<float, 3>;
using SelectChain7 = SelectChain<float, 7>;
using SelectChain15 = SelectChain<float, 15>;
QS_CLONED_POWER_KERNELS(true, SelectChain1)
QS_CLONED_POWER_KERNELS(true, SelectChain3)
QS_CLONED_POWER_KERNELS(true, SelectChain7)
QS_CLONED_POWER_KERNELS(true, SelectChain15)
QS_CLONED_POWER_KERNELS(true, UniformRounder<float>)
QS_CLONED_POWER_KERNELS(false, SelectChain1)
QS_CLONED_POWER_KERNELS(false, SelectChain3)
QS_CLONED_POWER_KERNELS(false, SelectChain7)
QS_CLONED_POWER_KERNELS(false, SelectChain15)
QS_CLONED_POWER_KERNELS(false, UniformRounder<float>)
#undef QS_CLONED_POWER_KERNELS
#undef QS_TARGET_CLONES

// Runs fn(begin, end, sums) over fixed chunks in parallel and adds the per-chunk sums in chunk order, so the
// result does not depend on the thread count (a resumed run must match an uninterrupted one).
template <size_t K, typename Fn> std::array<double, K> chunkedReduce(int64_t n, const Fn &fn)
{
    const int64_t chunks = std::max<int64_t>(1, (n + kGrain - 1) / kGrain);
    std::vector<std::array<double, K>> partial(size_t(chunks), std::array<double, K>{});
    at::parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c)
            fn(c * kGrain, std::min(n, (c + 1) * kGrain), partial[size_t(c)]);
    });
    std::array<double, K> total{};
    for (const auto &p : partial)
        for (size_t k = 0; k < K; ++k)
            total[k] += p[k];
    return total;
}

template <typename Fn> void elementwise(int64_t n, const Fn &fn)
{
    at::parallel_for(0, n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
            fn(i);
    });
}

at::Tensor scalarLike(double v, const at::Tensor &like)
{
    return torch::full({}, v, like.options());
}

at::Tensor levelTensor(const std::vector<double> &v, const at::Tensor &like)
{
    return torch::tensor(v, torch::dtype(torch::kDouble)).to(like.options());
}

// The EWGS factor 1 + delta sign(g) (xn - xq); exactly 1 (plain STE) when delta is 0. Differentiable in g.
at::Tensor ewgsFactor(const at::Tensor &g, const at::Tensor &xn, const at::Tensor &xq, double delta)
{
    if (delta == 0.0)
        return torch::ones_like(g);
    return 1 + delta * torch::sign(g).detach() * (xn - xq);
}

template <typename T> inline T ewgsFactor(T g, T xn, T xq, T delta)
{
    return T(1) + delta * signOf(g) * (xn - xq);
}

// ---------------------------------------------------------------------------------------------------------------
// APoT / PoT, weights (`_pq`) and activations (`_uq`).

class PowerQuantizeFn : public torch::autograd::Function<PowerQuantizeFn>
{
public:
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &input, const at::Tensor &alpha,
                              const std::vector<double> &levels, bool weight, double delta)
    {
        TORCH_CHECK(alpha.numel() == 1, "power quantizer: alpha must hold one value");
        TORCH_CHECK(alpha.item<double>() > 0, "power quantizer: alpha must be positive, got ",
                    alpha.item<double>());
        ctx->save_for_backward({input, alpha});
        ctx->saved_data["levels"] = levels;
        ctx->saved_data["weight"] = weight;
        ctx->saved_data["delta"] = delta;
        const auto x = input.contiguous();
        if (!useFusedKernel(x))
            return tensorOpForward(x, alpha, levels, weight);
        auto out = torch::empty_like(x);
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "powerQuantizeForward", [&] {
            const auto a = scalar_t(alpha.item<double>());
            const scalar_t *in = x.data_ptr<scalar_t>();
            scalar_t *o = out.data_ptr<scalar_t>();
            withProjector<scalar_t>(levels, [&](const auto &proj) {
                at::parallel_for(0, x.numel(), kGrain, [&](int64_t b, int64_t e) {
                    if (weight)
                        powerForwardRange(std::true_type{}, in, o, b, e, a, proj);
                    else
                        powerForwardRange(std::false_type{}, in, o, b, e, a, proj);
                });
            });
        });
        return out;
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto &input = saved[0];
        const auto &alpha = saved[1];
        const auto levels = ctx->saved_data["levels"].toDoubleVector();
        const bool weight = ctx->saved_data["weight"].toBool();
        const double delta = ctx->saved_data["delta"].toDouble();
        const auto g = grads[0].contiguous();
        at::Tensor gInput, gAlpha;
        // Under create_graph (EWGS's Hessian step) the backward must be made of differentiable tensor ops.
        if (!useFusedKernel(g) || torch::GradMode::is_enabled()) {
            at::Tensor x, xc, q, outside;
            {
                torch::NoGradGuard noGrad;
                x = input / alpha;
                xc = weight ? x.clamp(-1, 1) : x.clamp_max(1);
                q = project(xc, levels, weight);
                outside = weight ? x.abs() > 1 : x > 1;
            }
            const auto e = ewgsFactor(g, xc, q, delta);
            gInput = weight ? g * e : torch::where(outside, torch::zeros_like(g), g * e);
            const auto rcf = weight ? q : torch::ones_like(q);
            gAlpha = torch::where(outside, g * rcf, g * (q - x * e)).sum().reshape(alpha.sizes());
        } else {
            gInput = torch::empty_like(g);
            AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "powerQuantizeBackward", [&] {
                const auto a = scalar_t(alpha.item<double>());
                const auto d = scalar_t(delta);
                const auto xin = input.contiguous();
                const scalar_t *in = xin.data_ptr<scalar_t>();
                const scalar_t *gp = g.data_ptr<scalar_t>();
                scalar_t *gi = gInput.data_ptr<scalar_t>();
                withProjector<scalar_t>(levels, [&](const auto &proj) {
                    const auto sums =
                        chunkedReduce<1>(g.numel(), [&](int64_t b, int64_t e, std::array<double, 1> &acc) {
                            acc[0] +=
                                weight ? powerBackwardRange(std::true_type{}, in, gp, gi, b, e, a, d, proj)
                                       : powerBackwardRange(std::false_type{}, in, gp, gi, b, e, a, d, proj);
                        });
                    gAlpha = scalarLike(sums[0], alpha).reshape(alpha.sizes());
                });
            });
        }
        return {gInput, gAlpha, at::Tensor(), at::Tensor(), at::Tensor()};
    }

    static at::Tensor project(const at::Tensor &xc, const std::vector<double> &levels, bool weight)
    {
        std::vector<double> mids;
        for (size_t i = 0; i + 1 < levels.size(); ++i)
            mids.push_back(0.5 * (levels[i] + levels[i + 1]));
        const auto levelsT = levelTensor(levels, xc);
        if (mids.empty())
            return torch::zeros_like(xc) + levels[0];
        if (const int n = uniformSteps(levels)) // torch.round, ties to even (see UniformRounder)
            return weight ? torch::copysign(torch::round(xc.abs() * n) / n, xc)
                          : torch::round(xc.clamp_min(0) * n) / n;
        const auto midsT = levelTensor(mids, xc);
        if (weight) {
            const auto idx = torch::bucketize(xc.abs(), midsT);
            // copysign, as the fused kernel: a grid without a zero level sends 0 to its smallest positive
            // level
            return torch::copysign(levelsT.index_select(0, idx.flatten()).view_as(xc), xc);
        }
        const auto idx = torch::bucketize(xc, midsT);
        return levelsT.index_select(0, idx.flatten()).view_as(xc);
    }

    static at::Tensor tensorOpForward(const at::Tensor &x, const at::Tensor &alpha,
                                      const std::vector<double> &levels, bool weight)
    {
        const auto xn = x / alpha;
        const auto xc = weight ? xn.clamp(-1, 1) : xn.clamp_max(1);
        return project(xc, levels, weight) * alpha;
    }
};

// ---------------------------------------------------------------------------------------------------------------
// Single-pass kernels of the grid (uniform, LSQ, LSQ+), DSQ and DAQ quantizers. Each is one loop with
// branch-free selects and a declared reduction, so GCC vectorizes it; float32 gets AVX-512/AVX2/baseline
// clones. They compute the tensor-op formulas below them element by element (tst_quantizers compares the two
// paths).

// Round half to even, as std::nearbyint and torch::round, for |v| < 2^22 (float) or 2^51 (double): adding and
// subtracting 1.5 * 2^mantissa leaves the rounded value in round-to-nearest mode; it vectorizes, nearbyint
// does not. Callers clamp first (at most 2^16 levels).
template <typename T> inline T roundHalfEven(T v)
{
    const T magic = sizeof(T) == 4 ? T(12582912.0) : T(6755399441055744.0);
    return (v + magic) - magic;
}

// floor(v) for |v| < 2^22 (float): GCC vectorizes std::floor only without -ftrapping-math, so it would
// leave the DSQ and DAQ loops scalar (measured 15x slower).
template <typename T> inline T floorOf(T v)
{
    const T r = roundHalfEven(v);
    return r - selectIf(r > v, T(1), T(0));
}

// exp(x) for x in [-87, 0] (float) by range reduction x = n ln2 + r, |r| <= ln2 / 2, and a degree-7 Taylor
// polynomial (error 5e-9 relative, below float's 6e-8); 2^n built in the exponent bits. Vectorizes, unlike
// std::exp without -ffast-math. Double tensors use std::exp.
inline float expNonPositive(float x)
{
    x = std::max(x, -87.0f);
    const float n = roundHalfEven(x * 1.44269504088896341f);
    const float r = (x - n * 0.693145751953125f) - n * 1.42860682030941723212e-6f; // Cody-Waite ln2 split
    float p = 1.0f / 5040;
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const int32_t bits = (int32_t(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

// tanh(z) = sign(z) (1 - e) / (1 + e), e = exp(-2|z|): absolute error ~1e-7 in float.
template <typename T> inline T tanhOf(T z)
{
    if constexpr (std::is_same_v<T, double>) {
        return std::tanh(z);
    } else {
        const T e = expNonPositive(T(-2) * std::abs(z));
        return std::copysign((T(1) - e) / (T(1) + e), z);
    }
}

// exp(-f) and exp(f - 1) for f in [0, 1], DAQ's two candidate distances: e^(-1/2) E(-u), e^(-1/2) E(u) with
// u = f - 1/2 and E the degree-8 Taylor polynomial of exp (|u| <= 1/2: error 5.4e-9 relative).
template <typename T> inline void unitDistanceExps(T f, T &m0, T &m1)
{
    if constexpr (std::is_same_v<T, double>) {
        m0 = std::exp(-f);
        m1 = std::exp(f - 1);
    } else {
        const T u = f - T(0.5), u2 = u * u;
        const T even =
            T(1) + u2 * (T(1.0 / 2) + u2 * (T(1.0 / 24) + u2 * (T(1.0 / 720) + u2 * T(1.0 / 40320))));
        const T odd = u * (T(1) + u2 * (T(1.0 / 6) + u2 * (T(1.0 / 120) + u2 * T(1.0 / 5040))));
        const T c = T(0.60653065971263342); // e^(-1/2)
        m0 = c * (even - odd);
        m1 = c * (even + odd);
    }
}

// The grid quantizers: u = (x - offset) / scale, uc = clamp(u, lo, hi), q = round(uc n) / n,
// out = q scale + offset. Backward with f = 1 + delta sign(g) (uc - q) / norm (1 for the STE):
// dx = g f inside [lo, hi], 0 outside; sums of d scale (g (q - u f) inside, g q outside) and d offset
// (g (1 - f) inside, g outside), both before LSQ's gradient scale.
template <typename T> struct GridParams
{
    T scale, offset, lo, hi, n, invNorm, delta;
};

template <typename T>
__attribute__((always_inline)) inline void gridForwardImpl(const T *__restrict in, T *__restrict out,
                                                           int64_t b, int64_t e, const GridParams<T> &params)
{
    const GridParams<T> p = params; // a local copy: the stores to the output cannot alias it
#pragma omp simd
    for (int64_t i = b; i < e; ++i) {
        const T uc = std::min(std::max((in[i] - p.offset) / p.scale, p.lo), p.hi);
        out[i] = roundHalfEven(uc * p.n) / p.n * p.scale + p.offset;
    }
}

template <typename T>
__attribute__((always_inline)) inline void gridBackwardImpl(const T *__restrict in, const T *__restrict g,
                                                            T *__restrict gi, int64_t b, int64_t e,
                                                            const GridParams<T> &params, double *sums)
{
    const GridParams<T> p = params;     // a local copy: the stores to the output cannot alias it
    double sumScale = 0, sumOffset = 0; // double: chunks of 32768 float terms
#pragma omp simd reduction(+ : sumScale, sumOffset)
    for (int64_t i = b; i < e; ++i) {
        const T u = (in[i] - p.offset) / p.scale;
        const T uc = std::min(std::max(u, p.lo), p.hi);
        const T q = roundHalfEven(uc * p.n) / p.n;
        const T gv = g[i];
        const T f = T(1) + p.delta * signOf(gv) * (uc * p.invNorm - q * p.invNorm);
        const bool inside = (u >= p.lo) & (u <= p.hi);
        gi[i] = selectIf(inside, gv * f, T(0));
        sumScale += selectIf(inside, gv * (q - u * f), gv * q);
        sumOffset += selectIf(inside, gv * (T(1) - f), gv);
    }
    sums[0] += sumScale;
    sums[1] += sumOffset;
}

// DSQ (methods.md 5.1): forward l + Delta round(clamp((x - l) / Delta, 0, n)); backward the tanh slope with
// s = 1 / (1 - alpha), k = ln(2 / alpha - 1) and the sums for lower, upper and alpha (DsqFn's tensor ops).
template <typename T> struct DsqParams
{
    T lower, step, n, s, k, dsda, dkda;
    T upper; // the range's closed end, tested on x itself (x = u keeps its gradient, as DsqFn's tensor ops)
};

template <typename T>
__attribute__((always_inline)) inline void dsqForwardImpl(const T *__restrict in, T *__restrict out,
                                                          int64_t b, int64_t e, const DsqParams<T> &params)
{
    const DsqParams<T> p = params; // a local copy: the stores to the output cannot alias it
#pragma omp simd
    for (int64_t i = b; i < e; ++i) {
        const T t = std::min(std::max((in[i] - p.lower) / p.step, T(0)), p.n);
        out[i] = roundHalfEven(t) * p.step + p.lower;
    }
}

template <typename T>
__attribute__((always_inline)) inline void dsqBackwardImpl(const T *__restrict in, const T *__restrict g,
                                                           T *__restrict gi, int64_t b, int64_t e,
                                                           const DsqParams<T> &params, double *sums)
{
    const DsqParams<T> p = params; // a local copy: the stores to the output cannot alias it
    double sumLower = 0, sumUpper = 0, sumAlpha = 0;
    const T invN = T(1) / p.n;
#pragma omp simd reduction(+ : sumLower, sumUpper, sumAlpha)
    for (int64_t i = b; i < e; ++i) {
        const T t = (in[i] - p.lower) / p.step;
        const bool inside = (in[i] >= p.lower) & (in[i] <= p.upper);
        const T tc = std::min(std::max(t, T(0)), p.n);
        const T cell = std::min(floorOf(tc), p.n - T(1));
        const T offset = tc - cell - T(0.5);
        const T th = tanhOf(p.k * offset);
        const T sech2 = T(1) - th * th;
        const T soft = cell + T(0.5) * p.s * th + T(0.5);
        const T slope = selectIf(inside, T(0.5) * p.s * p.k * sech2, T(0));
        const T dSoftdA = T(0.5) * (p.dsda * th + p.s * sech2 * offset * p.dkda);
        const T gv = g[i];
        gi[i] = gv * slope;
        sumLower += gv * (T(1) - soft * invN + slope * (t - p.n) * invN);
        sumUpper += gv * (soft * invN - slope * t * invN);
        sumAlpha += gv * dSoftdA;
    }
    sums[0] += sumLower;
    sums[1] += sumUpper;
    sums[2] += sumAlpha;
}

// DAQ (methods.md 6.1) with t = (x - l) / Delta, tc = clamp(t, 0, br), f0 = floor(tc), f = tc - f0. Its two
// scores s0 = e^-f k0 and s1 = e^(f-1) k1 (k = 1 for the nearer candidate, e^(-1/sigma^2) for the other) and
// T = gamma / |s0 - s1| put the logits exactly gamma apart, so the softmax is the constant pair
// 1 / (1 + e^-gamma), e^-gamma / (1 + e^-gamma), with p0 p1 = e^-gamma / (1 + e^-gamma)^2: y = f0 + [f > 1/2]
// (the reference's forward; a tie picks the first candidate) and dy/dt = (1 + 2c) p0 p1 T (k1 e^(f-1) +
// k0 e^-f) inside [0, br], c = 1 / (e^gamma - 1).
template <typename T> struct DaqParams
{
    T lower, step, br, outScale, outShift, kFar, slopeConst; // slopeConst = (1 + 2c) p0 p1 gamma
};

template <typename T>
__attribute__((always_inline)) inline void daqForwardImpl(const T *__restrict in, T *__restrict out,
                                                          int64_t b, int64_t e, const DaqParams<T> &params)
{
    const DaqParams<T> p = params; // a local copy: the stores to the output cannot alias it
#pragma omp simd
    for (int64_t i = b; i < e; ++i) {
        const T tc = std::min(std::max((in[i] - p.lower) / p.step, T(0)), p.br);
        const T f0 = floorOf(tc);
        const T y = f0 + selectIf(tc - f0 > T(0.5), T(1), T(0));
        out[i] = y * p.outScale - p.outShift;
    }
}

template <typename T>
__attribute__((always_inline)) inline void daqBackwardImpl(const T *__restrict in, const T *__restrict g,
                                                           T *__restrict gi, int64_t b, int64_t e,
                                                           const DaqParams<T> &params, double *sums)
{
    const DaqParams<T> p = params; // a local copy: the stores to the output cannot alias it
    double sumLower = 0, sumUpper = 0;
    const T invRange = T(1) / (p.step * p.br);
#pragma omp simd reduction(+ : sumLower, sumUpper)
    for (int64_t i = b; i < e; ++i) {
        const T t = (in[i] - p.lower) / p.step;
        const bool inside = (t >= T(0)) & (t <= p.br);
        const T tc = std::min(std::max(t, T(0)), p.br);
        const T f = tc - floorOf(tc);
        T m0, m1;
        unitDistanceExps(f, m0, m1);
        const bool upper = m1 > m0; // the reference's argmax: the first candidate on a tie
        const T k0 = selectIf(upper, p.kFar, T(1)), k1 = selectIf(upper, T(1), p.kFar);
        const T dydt = p.slopeConst / std::abs(m0 * k0 - m1 * k1) * (k1 * m1 + k0 * m0);
        const T gt = selectIf(inside, g[i] * dydt * p.outScale, T(0));
        gi[i] = gt * p.br * invRange;
        sumLower += gt * (t - p.br) * invRange;
        sumUpper += gt * (-t) * invRange;
    }
    sums[0] += sumLower;
    sums[1] += sumUpper;
}

// EWGS's normalize-and-round, the official QConv's activation path and its weight path before the map to
// [-1, 1]: xn = clamp((x - l) / d, 0, 1) with d = u - l, xq = round(xn n) / n with n = 2^b - 1, in the
// reference's float order. Backward as autograd runs the reference's ops: g2 = g (1 + delta sign(g)
// (xn - xq)) where (x - l) / d lies in [0, 1] (clamp), else 0; dx = g2 / d; through the sub and the div,
// dl = -g2 / d + g2 (x - l) / d^2 and du = -g2 (x - l) / d^2, summed.
template <typename T> struct EwgsParams
{
    T lower, range, n, delta;
};

template <typename T>
__attribute__((always_inline)) inline void ewgsForwardImpl(const T *__restrict in, T *__restrict out,
                                                           int64_t b, int64_t e, const EwgsParams<T> &params)
{
    const EwgsParams<T> p = params; // a local copy: the stores to the output cannot alias it
#pragma omp simd
    for (int64_t i = b; i < e; ++i) {
        const T xn = std::min(std::max((in[i] - p.lower) / p.range, T(0)), T(1));
        out[i] = roundHalfEven(xn * p.n) / p.n;
    }
}

template <typename T>
__attribute__((always_inline)) inline void ewgsBackwardImpl(const T *__restrict in, const T *__restrict g,
                                                            T *__restrict gi, int64_t b, int64_t e,
                                                            const EwgsParams<T> &params, double *sums)
{
    const EwgsParams<T> p = params; // a local copy: the stores to the output cannot alias it
    const T rangeSquared = p.range * p.range;
    double sumLower = 0, sumUpper = 0;
#pragma omp simd reduction(+ : sumLower, sumUpper)
    for (int64_t i = b; i < e; ++i) {
        const T shifted = in[i] - p.lower;
        const T r = shifted / p.range;
        const bool inside = (r >= T(0)) & (r <= T(1));
        const T xn = std::min(std::max(r, T(0)), T(1));
        const T xq = roundHalfEven(xn * p.n) / p.n;
        const T gv = g[i];
        const T g2 = selectIf(inside, gv * (T(1) + p.delta * signOf(gv) * (xn - xq)), T(0));
        const T gx = g2 / p.range;
        const T gRange = -g2 * shifted / rangeSquared;
        gi[i] = gx;
        sumLower += -gx - gRange;
        sumUpper += gRange;
    }
    sums[0] += sumLower;
    sums[1] += sumUpper;
}

// Generic instantiations (double), and float clones per instruction set.
#define QS_KERNEL_WRAPPERS(NAME, PARAMS)                                                                     \
    template <typename T> void NAME##Forward(const T *in, T *out, int64_t b, int64_t e, const PARAMS<T> &p)  \
    {                                                                                                        \
        NAME##ForwardImpl(in, out, b, e, p);                                                                 \
    }                                                                                                        \
    template <typename T>                                                                                    \
    void NAME##Backward(const T *in, const T *g, T *gi, int64_t b, int64_t e, const PARAMS<T> &p,            \
                        double *sums)                                                                        \
    {                                                                                                        \
        NAME##BackwardImpl(in, g, gi, b, e, p, sums);                                                        \
    }                                                                                                        \
    template <>                                                                                              \
    QS_KERNEL_CLONES void NAME##Forward<float>(const float *in, float *out, int64_t b, int64_t e,            \
                                               const PARAMS<float> &p)                                       \
    {                                                                                                        \
        NAME##ForwardImpl(in, out, b, e, p);                                                                 \
    }                                                                                                        \
    template <>                                                                                              \
    QS_KERNEL_CLONES void NAME##Backward<float>(const float *in, const float *g, float *gi, int64_t b,       \
                                                int64_t e, const PARAMS<float> &p, double *sums)             \
    {                                                                                                        \
        NAME##BackwardImpl(in, g, gi, b, e, p, sums);                                                        \
    }
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define QS_KERNEL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define QS_KERNEL_CLONES
#endif
QS_KERNEL_WRAPPERS(grid, GridParams)
QS_KERNEL_WRAPPERS(dsq, DsqParams)
QS_KERNEL_WRAPPERS(daq, DaqParams)
QS_KERNEL_WRAPPERS(ewgs, EwgsParams)
#undef QS_KERNEL_WRAPPERS
#undef QS_KERNEL_CLONES

// Runs a forward kernel over x in parallel chunks.
template <typename T, typename Params, typename Kernel>
at::Tensor runForwardKernel(const at::Tensor &x, const Params &params, Kernel kernel)
{
    auto out = torch::empty_like(x);
    const T *in = x.data_ptr<T>();
    T *o = out.data_ptr<T>();
    at::parallel_for(0, x.numel(), kGrain, [&](int64_t b, int64_t e) { kernel(in, o, b, e, params); });
    return out;
}

// Runs a backward kernel: fills the input gradient, returns the K sums (added in chunk order, so the result
// does not depend on the thread count).
template <size_t K, typename T, typename Params, typename Kernel>
std::array<double, K> runBackwardKernel(const at::Tensor &x, const at::Tensor &g, at::Tensor &gInput,
                                        const Params &params, Kernel kernel)
{
    gInput = torch::empty_like(g);
    const T *in = x.data_ptr<T>();
    const T *gp = g.data_ptr<T>();
    T *gi = gInput.data_ptr<T>();
    return chunkedReduce<K>(g.numel(), [&](int64_t b, int64_t e, std::array<double, K> &acc) {
        double sums[K] = {};
        kernel(in, gp, gi, b, e, params, sums);
        for (size_t k = 0; k < K; ++k)
            acc[k] += sums[k];
    });
}

bool fusedPair(const at::Tensor &x, const at::Tensor &g)
{
    return useFusedKernel(x) && useFusedKernel(g) && x.scalar_type() == g.scalar_type() &&
           !torch::GradMode::is_enabled();
}

// ---------------------------------------------------------------------------------------------------------------
// Uniform with learnable clip, and LSQ. Both are "integer grid between lo and hi" quantizers; they differ in
// units.

struct GridSpec
{
    double lo, hi; // clamp range in the input's normalized units (x / scale)
    double n;      // levels per unit: q = round(clamp(x / scale) * n) / n
    double norm;   // divide (x_n - x_q) by this for EWGS so the largest level is 1
    bool lsq;      // LSQ: outside the range the scale gradient is the clamp value; uniform: the level
};

class GridQuantizeFn : public torch::autograd::Function<GridQuantizeFn>
{
public:
    // offset: a 0-dim tensor (LSQ+'s learned beta; a constant 0 for uniform and LSQ).
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &input, const at::Tensor &scale,
                              const at::Tensor &offset, double lo, double hi, double n, double norm,
                              double gradScale, double delta)
    {
        TORCH_CHECK(scale.numel() == 1 && offset.numel() == 1,
                    "grid quantizer: the scale and the offset must hold one value each");
        TORCH_CHECK(scale.item<double>() > 0, "grid quantizer: the scale must be positive, got ",
                    scale.item<double>());
        ctx->save_for_backward({input, scale, offset});
        ctx->saved_data["spec"] = std::vector<double>{lo, hi, n, norm, gradScale, delta};
        const auto x = input.contiguous();
        if (!useFusedKernel(x)) {
            const auto xc = ((x - offset) / scale).clamp(lo, hi);
            return torch::round(xc * n) / n * scale + offset;
        }
        at::Tensor out;
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gridQuantizeForward", [&] {
            const GridParams<scalar_t> p{scalar_t(scale.item<double>()),
                                         scalar_t(offset.item<double>()),
                                         scalar_t(lo),
                                         scalar_t(hi),
                                         scalar_t(n),
                                         scalar_t(1.0 / norm),
                                         scalar_t(delta)};
            out = runForwardKernel<scalar_t>(x, p, gridForward<scalar_t>);
        });
        return out;
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto &input = saved[0];
        const auto &scale = saved[1];
        const auto &offset = saved[2];
        const auto spec = ctx->saved_data["spec"].toDoubleVector();
        const double lo = spec[0], hi = spec[1], n = spec[2], norm = spec[3], gradScale = spec[4],
                     delta = spec[5];
        const auto g = grads[0].contiguous();
        const auto xin = input.contiguous();
        at::Tensor gInput, gScale, gOffset;
        if (!fusedPair(xin, g)) {
            // Under create_graph (EWGS's Hessian step) the backward must be made of differentiable tensor
            // ops.
            at::Tensor x, xc, q, inside;
            {
                torch::NoGradGuard noGrad;
                x = (input - offset) / scale;
                xc = x.clamp(lo, hi);
                q = torch::round(xc * n) / n;
                inside = (x >= lo).logical_and(x <= hi);
            }
            const auto e = ewgsFactor(g, xc / norm, q / norm, delta);
            gInput = torch::where(inside, g * e, torch::zeros_like(g));
            gScale = (torch::where(inside, g * (q - x * e), g * q).sum() * gradScale).reshape(scale.sizes());
            gOffset = (torch::where(inside, g * (1 - e), g).sum() * gradScale).reshape(offset.sizes());
        } else {
            AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "gridQuantizeBackward", [&] {
                const GridParams<scalar_t> p{scalar_t(scale.item<double>()),
                                             scalar_t(offset.item<double>()),
                                             scalar_t(lo),
                                             scalar_t(hi),
                                             scalar_t(n),
                                             scalar_t(1.0 / norm),
                                             scalar_t(delta)};
                const auto sums = runBackwardKernel<2, scalar_t>(xin, g, gInput, p, gridBackward<scalar_t>);
                gScale = scalarLike(sums[0] * gradScale, scale).reshape(scale.sizes());
                gOffset = scalarLike(sums[1] * gradScale, offset).reshape(offset.sizes());
            });
        }
        return {gInput,       gScale,       gOffset,      at::Tensor(), at::Tensor(),
                at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

// ---------------------------------------------------------------------------------------------------------------
// 8-bit max-scaled first/last layer weights, straight-through.

class MaxScaledFn : public torch::autograd::Function<MaxScaledFn>
{
public:
    static at::Tensor forward(AutogradContext *, const at::Tensor &w)
    {
        const double m = w.max().item<double>();
        TORCH_CHECK(m > 0, "8-bit max-scaled quantizer: the largest weight must be positive, got ", m,
                    " (the reference divides by max(W), not max|W|)");
        return torch::round(w / m * 127) / 127 * m;
    }
    static variable_list backward(AutogradContext *, variable_list grads) { return {grads[0]}; }
};

// ---------------------------------------------------------------------------------------------------------------
// DSQ: hard forward, tanh-slope backward for x, the range and the characteristic variable.

class DsqFn : public torch::autograd::Function<DsqFn>
{
public:
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &input, const at::Tensor &lower,
                              const at::Tensor &upper, const at::Tensor &dsqAlpha, int64_t bits)
    {
        const double l = lower.item<double>(), u = upper.item<double>(), a = dsqAlpha.item<double>();
        TORCH_CHECK(u > l, "DSQ: the range needs lower < upper, got ", l, " .. ", u);
        TORCH_CHECK(a > 0 && a < 1, "DSQ: alpha must lie in (0, 1), got ", a);
        TORCH_CHECK(bits >= 1 && bits <= 16, "DSQ: bits must be 1..16, got ", bits);
        ctx->save_for_backward({input, lower, upper, dsqAlpha});
        ctx->saved_data["bits"] = bits;
        const double n = double((int64_t(1) << bits) - 1);
        const double step = (u - l) / n;
        const auto x = input.contiguous();
        if (!useFusedKernel(x))
            return torch::round(((input - l) / step).clamp(0, n)) * step + l;
        at::Tensor out;
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "dsqForward", [&] {
            const DsqParams<scalar_t> p{scalar_t(l), scalar_t(step), scalar_t(n), 0, 0, 0, 0, scalar_t(u)};
            out = runForwardKernel<scalar_t>(x, p, dsqForward<scalar_t>);
        });
        return out;
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto &input = saved[0];
        const double l = saved[1].item<double>(), u = saved[2].item<double>(), a = saved[3].item<double>();
        const double n = double((int64_t(1) << ctx->saved_data["bits"].toInt()) - 1);
        const double step = (u - l) / n;
        const double s = 1.0 / (1.0 - a);
        const double k = std::log(2.0 / a - 1.0);
        const double dsda = s * s, dkda = -2.0 / (a * (2.0 - a));
        const auto &g = grads[0];
        if (const auto xin = input.contiguous(), gc = g.contiguous(); fusedPair(xin, gc)) {
            at::Tensor gInput;
            std::array<double, 3> sums{};
            AT_DISPATCH_FLOATING_TYPES(gc.scalar_type(), "dsqBackward", [&] {
                const DsqParams<scalar_t> p{scalar_t(l), scalar_t(step), scalar_t(n),    scalar_t(s),
                                            scalar_t(k), scalar_t(dsda), scalar_t(dkda), scalar_t(u)};
                sums = runBackwardKernel<3, scalar_t>(xin, gc, gInput, p, dsqBackward<scalar_t>);
            });
            return {gInput, scalarLike(sums[0], saved[1]).reshape(saved[1].sizes()),
                    scalarLike(sums[1], saved[2]).reshape(saved[2].sizes()),
                    scalarLike(sums[2] * step, saved[3]).reshape(saved[3].sizes()), at::Tensor()};
        }
        at::Tensor slope, soft, t, inside, dSoftdA;
        {
            torch::NoGradGuard noGrad;
            t = (input - l) / step;
            // The clamp's closed interval on x itself: x = u must not fall outside through t's rounding.
            inside = (input >= l).logical_and(input <= u);
            const auto tc = t.clamp(0, n);
            const auto cell = torch::floor(tc).clamp_max(n - 1);
            const auto offset = tc - cell - 0.5;
            const auto z = k * offset;
            const auto th = torch::tanh(z);
            const auto sech2 = 1 - th * th;
            soft = cell + 0.5 * s * th + 0.5;
            slope = torch::where(inside, 0.5 * s * k * sech2, torch::zeros_like(sech2));
            dSoftdA = 0.5 * (dsda * th + s * sech2 * offset * dkda);
        }
        const auto gInput = g * slope;
        const auto gLower = (g * (1 - soft / n + slope * (t - n) / n)).sum();
        const auto gUpper = (g * (soft / n - slope * t / n)).sum();
        const auto gAlpha = (g * dSoftdA).sum() * step;
        return {gInput, gLower.reshape(saved[1].sizes()), gUpper.reshape(saved[2].sizes()),
                gAlpha.reshape(saved[3].sizes()), at::Tensor()};
    }
};

// ---------------------------------------------------------------------------------------------------------------
// DAQ: the reference's two-candidate soft assignment. Its forward is exactly hard rounding (methods.md 6.1),
// so we compute it as written; the backward is the derivative of that expression with the temperature held
// fixed.

struct DaqTerms
{
    at::Tensor y, dydt, t, inside;
};

DaqTerms daqTerms(const at::Tensor &input, double l, double u, double br, double gamma, double sigma)
{
    torch::NoGradGuard noGrad;
    DaqTerms r;
    const double step = (u - l) / br;
    r.t = (input - l) / step;
    r.inside = (r.t >= 0).logical_and(r.t <= br);
    const auto tc = r.t.clamp(0, br);
    const auto f0 = torch::floor(tc);
    const auto f = tc - f0;
    const auto m0 = torch::exp(-f.abs());
    const auto m1 = torch::exp(-(f - 1).abs());
    const auto jStar = (m1 > m0).to(f.dtype()); // argmax picks the first candidate on a tie
    const double inv = 1.0 / (sigma * sigma);
    const auto k0 = torch::exp(-jStar * jStar * inv);
    const auto k1 = torch::exp(-(1 - jStar) * (1 - jStar) * inv);
    const auto s0 = m0 * k0, s1 = m1 * k1;
    const auto T = gamma / (s0 - s1).abs();
    const auto z0 = T * s0, z1 = T * s1;
    const auto top = torch::max(z0, z1); // per-element max: the reference's global max can underflow to 0/0
    const auto e0 = torch::exp(z0 - top), e1 = torch::exp(z1 - top);
    const auto p0 = e0 / (e0 + e1), p1 = e1 / (e0 + e1);
    const double c = 1.0 / std::expm1(gamma);
    r.y = p0 * (0 - c) + p1 * (1 + c) + f0;
    r.dydt =
        torch::where(r.inside, (1 + 2 * c) * p0 * p1 * T * (k1 * torch::exp(f - 1) + k0 * torch::exp(-f)),
                     torch::zeros_like(f));
    return r;
}

class DaqFn : public torch::autograd::Function<DaqFn>
{
public:
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &input, const at::Tensor &lower,
                              const at::Tensor &upper, int64_t bits, bool isSigned, double gamma,
                              double sigma)
    {
        const double l = lower.item<double>(), u = upper.item<double>();
        TORCH_CHECK(u > l, "DAQ: the range needs lower < upper, got ", l, " .. ", u);
        TORCH_CHECK(bits >= 1 && bits <= 16, "DAQ: bits must be 1..16, got ", bits);
        TORCH_CHECK(gamma > 0 && sigma > 0, "DAQ: gamma and sigma must be positive");
        ctx->save_for_backward({input, lower, upper});
        ctx->saved_data["spec"] = std::vector<double>{double(bits), isSigned ? 1.0 : 0.0, gamma, sigma};
        const double br = double((int64_t(1) << bits) - 1);
        const auto x = input.contiguous();
        if (useFusedKernel(x)) {
            at::Tensor out;
            AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "daqForward", [&] {
                out = runForwardKernel<scalar_t>(x, daqParams<scalar_t>(l, u, br, isSigned, gamma, sigma),
                                                 daqForward<scalar_t>);
            });
            return out;
        }
        const auto y = daqTerms(input, l, u, br, gamma, sigma).y;
        return isSigned ? (2 * y - br) / br : y / br;
    }

    template <typename T>
    static DaqParams<T> daqParams(double l, double u, double br, bool isSigned, double gamma, double sigma)
    {
        const double c = 1.0 / std::expm1(gamma), e = std::exp(-gamma);
        const double p0p1 = e / ((1 + e) * (1 + e));
        return {T(l),
                T((u - l) / br),
                T(br),
                T(isSigned ? 2.0 / br : 1.0 / br),
                T(isSigned ? 1.0 : 0.0),
                T(std::exp(-1.0 / (sigma * sigma))),
                T((1 + 2 * c) * p0p1 * gamma)};
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto spec = ctx->saved_data["spec"].toDoubleVector();
        const double br = double((int64_t(1) << int64_t(spec[0])) - 1);
        const bool isSigned = spec[1] != 0;
        const double l = saved[1].item<double>(), u = saved[2].item<double>();
        if (const auto xin = saved[0].contiguous(), gc = grads[0].contiguous(); fusedPair(xin, gc)) {
            at::Tensor gInput;
            std::array<double, 2> sums{};
            AT_DISPATCH_FLOATING_TYPES(gc.scalar_type(), "daqBackward", [&] {
                sums = runBackwardKernel<2, scalar_t>(
                    xin, gc, gInput, daqParams<scalar_t>(l, u, br, isSigned, spec[2], spec[3]),
                    daqBackward<scalar_t>);
            });
            return {gInput,
                    scalarLike(sums[0], saved[1]).reshape(saved[1].sizes()),
                    scalarLike(sums[1], saved[2]).reshape(saved[2].sizes()),
                    at::Tensor(),
                    at::Tensor(),
                    at::Tensor(),
                    at::Tensor()};
        }
        const auto terms = daqTerms(saved[0], l, u, br, spec[2], spec[3]);
        const double outScale = isSigned ? 2.0 / br : 1.0 / br; // dQ/dy
        const auto gt = grads[0] * terms.dydt * outScale;       // dL/dt (zero outside the clamp)
        const auto gInput = gt * (br / (u - l));
        const auto gLower = (gt * (terms.t - br) / (u - l)).sum();
        const auto gUpper = (gt * (-terms.t) / (u - l)).sum();
        return {gInput,
                gLower.reshape(saved[1].sizes()),
                gUpper.reshape(saved[2].sizes()),
                at::Tensor(),
                at::Tensor(),
                at::Tensor(),
                at::Tensor()};
    }
};

// ---------------------------------------------------------------------------------------------------------------
// EWGS's normalize-and-round (the official EWGS_discretizer after its QConv's normalization), fused.

class EwgsRangeFn : public torch::autograd::Function<EwgsRangeFn>
{
public:
    static at::Tensor forward(AutogradContext *ctx, const at::Tensor &input, const at::Tensor &lower,
                              const at::Tensor &upper, int64_t levels, double delta)
    {
        TORCH_CHECK(levels >= 2 && levels <= 65536, "EWGS: 2 to 65536 levels, got ", levels);
        ctx->save_for_backward({input, lower, upper});
        ctx->saved_data["levels"] = levels;
        ctx->saved_data["delta"] = delta;
        const auto x = input.contiguous();
        if (!useFusedKernel(x) || x.scalar_type() != lower.scalar_type()) {
            const auto xn = ((x - lower) / (upper - lower)).clamp(0, 1);
            return torch::round(xn * (levels - 1)) / (levels - 1);
        }
        at::Tensor out;
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "ewgsRangeForward", [&] {
            out = runForwardKernel<scalar_t>(x, params<scalar_t>(lower, upper, levels, delta),
                                             ewgsForward<scalar_t>);
        });
        return out;
    }

    static variable_list backward(AutogradContext *ctx, variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const auto &input = saved[0], &lower = saved[1], &upper = saved[2];
        const int64_t levels = ctx->saved_data["levels"].toInt();
        const double delta = ctx->saved_data["delta"].toDouble();
        const auto xin = input.contiguous(), g = grads[0].contiguous();
        at::Tensor gInput, gLower, gUpper;
        if (fusedPair(xin, g) && xin.scalar_type() == lower.scalar_type()) {
            AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "ewgsRangeBackward", [&] {
                const auto sums = runBackwardKernel<2, scalar_t>(
                    xin, g, gInput, params<scalar_t>(lower, upper, levels, delta), ewgsBackward<scalar_t>);
                gLower = scalarLike(sums[0], lower).reshape(lower.sizes());
                gUpper = scalarLike(sums[1], upper).reshape(upper.sizes());
            });
        } else {
            // Under create_graph (the delta update's exact Hessian products) the backward is made of tensor
            // ops, differentiable in g as the reference's: its x_n - x_q, clamp mask and range are constants.
            at::Tensor shifted, range, scale, inside;
            {
                torch::NoGradGuard noGrad;
                range = upper - lower;
                shifted = xin - lower;
                const auto r = shifted / range;
                inside = (r >= 0).logical_and(r <= 1);
                const auto xn = r.clamp(0, 1);
                scale = xn - torch::round(xn * (levels - 1)) / (levels - 1);
            }
            const auto g2 =
                torch::where(inside, g * (1 + delta * torch::sign(g) * scale), torch::zeros_like(g));
            gInput = g2 / range;
            const auto gRange = -g2 * shifted / (range * range);
            gLower = (-gInput - gRange).sum().reshape(lower.sizes());
            gUpper = gRange.sum().reshape(upper.sizes());
        }
        return {gInput, gLower, gUpper, at::Tensor(), at::Tensor()};
    }

private:
    // The range in the tensor's type first, as the reference's (u - l) on float scalars.
    template <typename T>
    static EwgsParams<T> params(const at::Tensor &lower, const at::Tensor &upper, int64_t levels,
                                double delta)
    {
        const T l = lower.item<T>(), u = upper.item<T>();
        return {l, T(u - l), T(levels - 1), T(delta)};
    }
};

} // namespace

// ---------------------------------------------------------------------------------------------------------------

at::Tensor weightNormalize(const at::Tensor &w)
{
    const auto data = w.detach();
    return (w - data.mean()) / data.std();
}

at::Tensor powerQuantizeWeight(const at::Tensor &wn, const at::Tensor &alpha, const LevelTable &magnitudes,
                               double ewgsDelta)
{
    TORCH_CHECK(magnitudes.levels().front() >= 0.0 && magnitudes.levels().back() == 1.0,
                "powerQuantizeWeight: magnitudes must be non-negative, the largest 1");
    return PowerQuantizeFn::apply(wn, alpha, magnitudes.levels(), true, ewgsDelta);
}

at::Tensor powerQuantizeActivation(const at::Tensor &x, const at::Tensor &alpha, const LevelTable &levels,
                                   double ewgsDelta)
{
    TORCH_CHECK(levels.levels().front() == 0.0 && levels.levels().back() == 1.0,
                "powerQuantizeActivation: levels must run from 0 to 1");
    return PowerQuantizeFn::apply(x, alpha, levels.levels(), false, ewgsDelta);
}

at::Tensor uniformQuantize(const at::Tensor &x, const at::Tensor &alpha, int bits, bool isSigned,
                           double ewgsDelta)
{
    TORCH_CHECK(bits >= (isSigned ? 2 : 1) && bits <= 16,
                "uniformQuantize: ", isSigned ? "signed" : "unsigned", " bits must be ", isSigned ? 2 : 1,
                "..16, got ", bits);
    const double n = isSigned ? double((1 << (bits - 1)) - 1) : double((1 << bits) - 1);
    return GridQuantizeFn::apply(x, alpha, torch::zeros({}, alpha.options().requires_grad(false)),
                                 isSigned ? -1.0 : 0.0, 1.0, n, 1.0, 1.0, ewgsDelta);
}

LsqRange lsqRange(int bits, bool isSigned)
{
    TORCH_CHECK(bits >= (isSigned ? 2 : 1) && bits <= 16, "LSQ: bits out of range: ", bits);
    if (isSigned)
        return {int64_t(1) << (bits - 1), (int64_t(1) << (bits - 1)) - 1};
    return {0, (int64_t(1) << bits) - 1};
}

double lsqGradScale(int64_t numel, int bits, bool isSigned)
{
    return 1.0 / std::sqrt(double(numel) * double(lsqRange(bits, isSigned).qp));
}

at::Tensor lsqInitialStep(const at::Tensor &x, int bits, bool isSigned)
{
    return 2 * x.detach().abs().mean() / std::sqrt(double(lsqRange(bits, isSigned).qp));
}

at::Tensor lsqQuantize(const at::Tensor &x, const at::Tensor &step, int bits, bool isSigned, double gradScale,
                       double ewgsDelta)
{
    const auto r = lsqRange(bits, isSigned);
    return GridQuantizeFn::apply(x, step, torch::zeros({}, step.options().requires_grad(false)),
                                 -double(r.qn), double(r.qp), 1.0, double(r.qp), gradScale, ewgsDelta);
}

at::Tensor lsqPlusActivationQuantize(const at::Tensor &x, const at::Tensor &step, const at::Tensor &offset,
                                     double qp, double gradScale, double ewgsDelta)
{
    return GridQuantizeFn::apply(x, step, offset, 0.0, qp, 1.0, qp, gradScale, ewgsDelta);
}

at::Tensor maxScaled8BitQuantize(const at::Tensor &w)
{
    return MaxScaledFn::apply(w);
}

at::Tensor dsqQuantize(const at::Tensor &x, const at::Tensor &lower, const at::Tensor &upper,
                       const at::Tensor &dsqAlpha, int bits)
{
    return DsqFn::apply(x, lower, upper, dsqAlpha, int64_t(bits));
}

at::Tensor daqQuantize(const at::Tensor &x, const at::Tensor &lower, const at::Tensor &upper, int bits,
                       bool isSigned, double gamma, double sigma)
{
    return DaqFn::apply(x, lower, upper, int64_t(bits), isSigned, gamma, sigma);
}

at::Tensor ewgsRangeQuantize(const at::Tensor &x, const at::Tensor &lower, const at::Tensor &upper,
                             int64_t levels, double ewgsDelta)
{
    return EwgsRangeFn::apply(x, lower, upper, levels, ewgsDelta);
}

} // namespace qs
