#include "core/train/ewgsupdate.h"

#include <torch/torch.h>

#include <cmath>

namespace qs {

namespace {
at::Tensor crossEntropy(ResNet &model, const at::Tensor &images, const at::Tensor &labels)
{
    return torch::nn::functional::cross_entropy(model->forward(images), labels);
}
} // namespace

QuantizerOutputHessian::QuantizerOutputHessian(ResNet &model, const at::Tensor &images,
                                               const at::Tensor &labels, bool finiteDifference)
    : m_model(model), m_images(images), m_labels(labels)
{
    auto layers = m_model->quantLayers();
    for (auto &[name, layer] : layers)
        layer->setCapture(true);
    at::Tensor loss;
    if (finiteDifference) {
        m_tape = std::make_unique<HessianTape>();
        m_tape->startRecording();
    }
    try {
        loss = crossEntropy(m_model, m_images, m_labels);
    } catch (...) {
        for (auto &[name, layer] : layers)
            layer->setCapture(false);
        if (m_tape)
            m_tape->stop();
        throw;
    }
    for (auto &[name, layer] : layers) {
        m_layers.push_back(layer.get());
        m_outputs.push_back(layer->capture().weightOut);
        m_scales.push_back(layer->capture().weightScale);
        m_outputs.push_back(layer->capture().actOut);
        m_scales.push_back(layer->capture().actScale);
        layer->setCapture(false);
    }
    if (!finiteDifference) {
        m_grads = torch::autograd::grad({loss}, m_outputs, {}, /*retain_graph=*/true, /*create_graph=*/true);
        m_product = exactHessianVectorProduct(m_grads, m_outputs);
        return;
    }
    m_tape->finishRecording(); // reads the quantizers' backward factors from the base graph
    m_grads = torch::autograd::grad({loss}, m_outputs, {}, /*retain_graph=*/false, /*create_graph=*/false,
                                    /*allow_unused=*/true);
    // One step for all outputs, relative to their joint rms: per-output steps (each output's own rms) were
    // measured worse against the double backward (raw LSQ/DSQ weights, rms ~0.05, then move by so little that
    // float32 rounding of their gradients dominates: 4% instead of 1%).
    for (auto &output : m_outputs)
        output = output.detach();
    m_probeScales.assign(m_outputs.size(), finiteDifferenceProbeScale(torch::cat([this] {
                             std::vector<at::Tensor> flat;
                             for (const auto &o : m_outputs)
                                 flat.push_back(o.flatten());
                             return flat;
                         }())));
    for (const auto &buffer : m_model->buffers())
        m_buffersAfterBase.push_back(buffer.detach().clone());
    const OffsetGradient gradientAt = [this](const std::vector<at::Tensor> &offsets) {
        std::vector<std::pair<at::Tensor, at::Tensor>> perLayer;
        for (size_t i = 0; i < m_layers.size(); ++i)
            perLayer.emplace_back(offsets[2 * i], offsets[2 * i + 1]);
        m_tape->startReplay(m_layers, perLayer);
        at::Tensor replayLoss;
        try {
            replayLoss = crossEntropy(m_model, m_images, m_labels);
        } catch (...) {
            m_tape->stop();
            throw;
        }
        m_tape->stop();
        std::vector<at::Tensor> replayed;
        for (const auto *layer : m_layers) {
            const auto [w, a] = m_tape->outputs(layer);
            replayed.push_back(w);
            replayed.push_back(a);
        }
        const auto grads = torch::autograd::grad({replayLoss}, replayed, {}, /*retain_graph=*/false,
                                                 /*create_graph=*/false, /*allow_unused=*/true);
        {
            // BatchNorm in train mode moved its running statistics: put them back (after the backward, which
            // checks that its saved inputs were not modified).
            torch::NoGradGuard noGrad;
            const auto buffers = m_model->buffers();
            for (size_t i = 0; i < buffers.size(); ++i)
                buffers[i].copy_(m_buffersAfterBase[i]);
        }
        return grads;
    };
    m_product = centralDifferenceProduct(gradientAt, centralDifferenceRelativeStep());
}

QuantizerOutputHessian::~QuantizerOutputHessian() = default;

DeltaEstimate estimateEwgsDeltas(ResNet &model, const std::function<Batch(int64_t)> &batchAt, int64_t batches,
                                 const DeltaEstimateSettings &settings, const torch::Device &device)
{
    model->train(); // as the reference: batch statistics, running stats updated once per batch
    const size_t outputs = 2 * model->quantLayers().size();
    EwgsDeltaAccumulator acc(outputs);
    std::vector<double> variances(outputs, 0.0), unclippedSums(outputs, 0.0);
    DeltaEstimate result;
    for (int64_t b = 0; b < batches; ++b) {
        const auto batch = batchAt(b);
        QuantizerOutputHessian point(model, batch.images.to(device), batch.labels.to(device),
                                     settings.mode == "finite-difference");
        auto hopts = settings.hutchinson;
        hopts.seed = settings.seedFor ? settings.seedFor(b) : uint64_t(b);
        const auto traces =
            settings.mode == "per-tensor"
                ? hutchinsonEstimatesPerTensor(point.gradients(), point.outputs(), hopts)
                : hutchinsonEstimatesJoint(point.product(), point.outputs(), hopts, point.probeScales());
        int64_t products = 0;
        for (size_t i = 0; i < outputs; ++i) {
            // delta is defined on the discretizer output in normalized units: output = scale * x_q, so
            // Tr(H_q) / N / (3 std(g_q)) = scale * Tr(H_out) / N / (3 std(g_out)).
            const double perTrace =
                point.scales()[i] * ewgsDeltaSample(1.0, point.outputs()[i].numel(), point.gradients()[i]);
            acc.add(i, perTrace * traces[i].trace);
            unclippedSums[i] += perTrace * traces[i].trace;
            variances[i] += std::pow(perTrace * traces[i].standardError(), 2);
            products = settings.mode == "per-tensor" ? products + traces[i].samples
                                                     : std::max<int64_t>(products, traces[i].samples);
        }
        result.products += products;
        acc.finishBatch();
    }
    result.deltas = acc.deltas();
    for (size_t i = 0; i < outputs; ++i)
        result.unclipped.push_back(unclippedSums[i] / double(std::max<int64_t>(1, batches)));
    for (double v : variances)
        result.standardErrors.push_back(std::sqrt(v) / double(std::max<int64_t>(1, batches)));
    return result;
}

} // namespace qs
