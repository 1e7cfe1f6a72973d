#pragma once
// Hutchinson trace estimation and the EWGS scaling factor delta (methods.md 4.2 and 8). Torch header.

#include "core/torchonly.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace qs {

struct HutchinsonOptions
{
    int maxIterations = 50;  // EWGS: 50, PyHessian: 100
    double tolerance = 1e-3; // stop when |mean - previous mean| / (|previous mean| + 1e-6) < tolerance
    // true: EWGS's stopping rule exactly, |mean - previous| / (previous + 1e-6) < tolerance without abs(),
    // checked from the first sample on (previous = 0 there); a negative running mean stops at once.
    bool referenceDenominator = false;
    uint64_t seed = 0; // Rademacher vectors come from a generator seeded with this
};

// Block-diagonal traces Tr(d2L / dp_i^2), one per tensor, as the reference computes them: for each tensor its
// own Rademacher vectors and one Hessian-vector product per sample. `grads[i]` = dL/dp_i built with
// create_graph.
std::vector<double> hutchinsonTracesPerTensor(const std::vector<at::Tensor> &grads,
                                              const std::vector<at::Tensor> &params,
                                              const HutchinsonOptions &opts);

// The same traces from one Hessian-vector product per sample for all tensors together: v = (v_1, ..., v_k)
// with independent Rademacher blocks gives E[v_i^T (H v)_i] = Tr(H_ii) without bias. Each tensor's running
// mean stops at its own tolerance, like the reference; the loop ends when every tensor has stopped.
std::vector<double> hutchinsonTracesJoint(const std::vector<at::Tensor> &grads,
                                          const std::vector<at::Tensor> &params,
                                          const HutchinsonOptions &opts);

// One tensor's trace with the spread of its samples (sampleVariance: unbiased, 0 with one sample).
struct TraceEstimate
{
    double trace = 0;
    int samples = 0;
    double sampleVariance = 0;
    double standardError() const; // sqrt(sampleVariance / samples)
};

// Hessian-vector products for all tensors at once: returns (H v)_i for the probes v_i.
using HessianVectorProduct = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor> &probes)>;

// The joint estimator on any Hessian-vector product (exact double backward or finite differences): one
// product per sample for all tensors, each tensor's running mean stopping at its own tolerance. `like` gives
// the probes' shapes and options. Tensors that have stopped get zero probes. probeScales (optional, one per
// tensor): probes u_i = c_i v_i and samples u_i . (H u)_i / c_i^2 = v_i . (H C v)_i / c_i, still unbiased for
// Tr(H_ii) (the cross blocks weighted by c_j / c_i): how finite differences move each tensor on its own
// scale.
std::vector<TraceEstimate> hutchinsonEstimatesJoint(const HessianVectorProduct &hvp,
                                                    const std::vector<at::Tensor> &like,
                                                    const HutchinsonOptions &opts,
                                                    const std::vector<double> &probeScales = {});
// The per-tensor estimator (the reference's loop: one double backward per tensor and sample), with spreads.
std::vector<TraceEstimate> hutchinsonEstimatesPerTensor(const std::vector<at::Tensor> &grads,
                                                        const std::vector<at::Tensor> &params,
                                                        const HutchinsonOptions &opts);

// The exact product by double backward: autograd::grad(grads, params, v). `grads` built with create_graph.
HessianVectorProduct exactHessianVectorProduct(const std::vector<at::Tensor> &grads,
                                               const std::vector<at::Tensor> &params);

// Gradients of the loss with respect to tensors moved by offsets[i] (what a finite difference evaluates).
using OffsetGradient = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor> &offsets)>;

// Central finite differences of the gradient: H u ~ (g(x + h u) - g(x - h u)) / (2 h), every tensor moved by
// h times its probe u_i. Two gradient evaluations per product.
HessianVectorProduct centralDifferenceProduct(const OffsetGradient &gradientAt, double step);

// The relative step of central differences in float32: cbrt(machine epsilon) = 4.9e-3, applied to probes
// scaled by the tensors' rms (finiteDifferenceProbeScale). Why: the error of (g(x+h) - g(x-h)) / 2h is
// h^2 |g3| / 6 from truncation (g3 the third derivative) plus eps |g| / h from rounding; they balance at
// h ~ cbrt(3 eps |g| / |g3|), cbrt(eps) times the length over which g changes, taken as the rms.
double centralDifferenceRelativeStep();
// rms(x), or 1 if x is all zero.
double finiteDifferenceProbeScale(const at::Tensor &x);

// EWGS delta of one layer and one batch: (Tr(H) / N) / (3 std(g)), std unbiased. Not yet clipped.
double ewgsDeltaSample(double trace, int64_t numel, const at::Tensor &grad);

// Averages per-batch delta samples and clips at 0, as `update_grad_scales` does after its loop.
class EwgsDeltaAccumulator
{
public:
    explicit EwgsDeltaAccumulator(size_t layers) : m_sums(layers, 0.0) {}
    void add(size_t layer, double sample) { m_sums.at(layer) += sample; }
    void finishBatch() { ++m_batches; }
    std::vector<double> deltas() const;

private:
    std::vector<double> m_sums;
    int m_batches = 0;
};

// The model as autograd's double backward sees it, for finite-difference Hessian-vector products. Autograd's
// Hessian of the loss with respect to the quantizer outputs keeps every ReLU mask fixed (relu's backward has
// no derivative in its input) and carries a perturbation through each quantizer downstream by its backward
// (STE, EWGS, DSQ's slope...), not its piecewise-constant forward. A tape recorded on the base forward pass
// replays the model that way: each ReLU with its recorded mask, each activation quantizer as
// q0 + J0 (x - x0) with J0 its backward's elementwise factor, every quantizer output moved by an offset. With
// the same function on both sides, the finite difference converges to the exact product (tst_hutchinson).
// The model's layers call the static hooks; with no tape active on the thread they change nothing.
class HessianTape
{
public:
    HessianTape();
    ~HessianTape(); // deactivates
    HessianTape(const HessianTape &) = delete;
    HessianTape &operator=(const HessianTape &) = delete;

    // Active on this thread from here: run the base forward, then finishRecording().
    void startRecording();
    // Computes each activation quantizer's factor J0 = d(output)/d(input) from its own backward, and
    // deactivates. Call before the base graph is freed. EWGS's factor 1 + delta sign(g) (x_n - x_q) depends
    // on the sign of the gradient it is given, which in the double backward is the sign of the second-order
    // adjoint; J0 = (B(1) - B(-1)) / 2 of the backward B averages the two signs to 1 (the STE), the expected
    // factor; any other backward is linear and B(1) is its factor. The difference to the exact product is at
    // most delta / 2 of the levels' spacing, relative, per element.
    void finishRecording();
    // Layer keys in the order the forward met them.
    std::vector<const void *> layers() const;
    // The recorded (or, after a replay, the replayed) quantizer outputs of a layer: weight, activation.
    std::pair<at::Tensor, at::Tensor> outputs(const void *layer) const;
    // Active from here: forwards replay the linearized model with offsets {weight, activation} added to the
    // quantizer outputs of layers[i].
    void startReplay(const std::vector<const void *> &layers,
                     const std::vector<std::pair<at::Tensor, at::Tensor>> &offsets);
    void stop();

    // Hooks for the model. relu(x): torch::relu, or x times the recorded mask when replaying.
    static at::Tensor relu(const at::Tensor &x);
    // When replaying: sets w, a to the replayed quantizer outputs of `layer` (input x) and returns true.
    static bool replayQuantizers(const void *layer, const at::Tensor &x, at::Tensor &w, at::Tensor &a);
    // When recording: keeps the layer's input and quantizer outputs.
    static void recordQuantizers(const void *layer, const at::Tensor &x, const at::Tensor &w,
                                 const at::Tensor &a);

    struct State; // defined in hutchinson.cpp

private:
    std::unique_ptr<State> m_state;
};

} // namespace qs
