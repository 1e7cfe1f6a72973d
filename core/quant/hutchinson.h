#pragma once
// Hutchinson trace estimation and the EWGS scaling factor delta (methods.md 4.2 and 8). Torch header.

#include "core/torchonly.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace qs {

struct HutchinsonOptions
{
    int maxIterations = 50;  // EWGS: 50, PyHessian: 100
    double tolerance = 1e-3; // stop when |mean - previous mean| / (|previous mean| + 1e-6) < tolerance
    bool referenceDenominator = false; // true: EWGS's copy, (previous mean + 1e-6) without abs()
    uint64_t seed = 0;                 // Rademacher vectors come from a generator seeded with this
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

} // namespace qs
