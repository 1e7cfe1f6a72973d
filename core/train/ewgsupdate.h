#pragma once
// The EWGS delta update (methods.md 4.2 and 8): Hessian traces of the loss with respect to every quantized
// layer's weight and activation quantizer outputs, by the exact double backward or by finite differences.
// Torch header: the trainer, the benchmarks and the tests include it.

#include "core/torchonly.h"

#include "core/data/datasets.h"
#include "core/nn/models.h"
#include "core/quant/hutchinson.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace qs {

// One batch's base point: a train-mode forward and the gradients with respect to the quantizer outputs
// (weight, activation of each quantized layer in quantLayers() order), and Hessian-vector products there.
// Exact: the gradients are built with create_graph and products are double backwards. Finite difference:
// products are central differences of two replays of the model linearized as the double backward sees it
// (HessianTape); BatchNorm's running statistics are put back after every replay, so they move once per
// batch, as with the exact products.
class QuantizerOutputHessian
{
public:
    QuantizerOutputHessian(ResNet &model, const at::Tensor &images, const at::Tensor &labels,
                           bool finiteDifference);
    ~QuantizerOutputHessian();
    QuantizerOutputHessian(const QuantizerOutputHessian &) = delete;
    QuantizerOutputHessian &operator=(const QuantizerOutputHessian &) = delete;

    const std::vector<at::Tensor> &outputs() const { return m_outputs; }
    const std::vector<at::Tensor> &gradients() const { return m_grads; }
    // output = scale * (quantized value in the quantizer's normalized units), per output
    const std::vector<double> &scales() const { return m_scales; }
    // Probe scales for hutchinsonEstimatesJoint: each output's rms with finite differences (each moves by
    // 4.9e-3 of its own size), empty (1) for the exact products.
    const std::vector<double> &probeScales() const { return m_probeScales; }
    const HessianVectorProduct &product() const { return m_product; }

private:
    ResNet m_model;
    at::Tensor m_images, m_labels;
    std::vector<at::Tensor> m_outputs, m_grads, m_buffersAfterBase;
    std::vector<double> m_scales, m_probeScales;
    std::vector<const void *> m_layers;
    std::unique_ptr<HessianTape> m_tape;
    HessianVectorProduct m_product;
};

// One delta estimate: per batch and layer Tr(H) / N / (3 std(g)) of each quantizer output, averaged over the
// batches and clipped at 0 (EwgsDeltaAccumulator).
struct DeltaEstimateSettings
{
    std::string mode =
        "per-tensor"; // per-tensor | joint (exact, double backward) | finite-difference (joint)
    HutchinsonOptions hutchinson;
    std::function<uint64_t(int64_t batch)> seedFor; // the Rademacher seed of each batch
};
struct DeltaEstimate
{
    std::vector<double> deltas;         // weight and activation of each layer in turn, clipped at 0
    std::vector<double> unclipped;      // the same means before the clip
    std::vector<double> standardErrors; // of each unclipped mean, from the Hutchinson samples' spread
    int64_t products = 0;               // Hessian-vector products (a joint one counts once)
};
DeltaEstimate estimateEwgsDeltas(ResNet &model, const std::function<Batch(int64_t)> &batchAt, int64_t batches,
                                 const DeltaEstimateSettings &settings, const torch::Device &device);

} // namespace qs
