#pragma once
// CIFAR-style ResNets (20/32/44/56) with quantized convolutions, in the PyTorch C++ module idiom.
// Torch header: core and tests only. Parameter names follow the APoT reference (`act_alpha`,
// `weight_quant.wgt_alpha`, `layerN.M.conv1.weight`, `layerN.0.downsample.{0,1}`, `fc`), so its checkpoints
// map 1:1. What a quantized conv quantizes with comes from its method (core/quant/methods.h); QuantConfig,
// EdgeLayers and the quantizer parameter names are in core/quant/layerquantizer.h.

#include "core/torchonly.h"

#include "core/quant/layerquantizer.h"
#include "core/quant/levels.h"
#include "core/quant/quantizers.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qs {

class QuantConv2dImpl : public torch::nn::Module
{
public:
    // Registers the method's quantizer tensors (core/quant/methods/) on this module under their state_dict
    // names and holds the method's per-layer quantizer.
    QuantConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                    const QuantConfig &config);
    at::Tensor forward(const at::Tensor &x);

    // The weights as the forward pass uses them (normalized and quantized, times the clip), without grad.
    at::Tensor effectiveWeight();
    const QuantConfig &config() const { return m_config; }
    // The weight quantizer's input and output in the same units (for MSE/SQNR and level occupancy), no grad.
    std::pair<at::Tensor, at::Tensor> weightQuantizationPair();
    // The learned range of weights and activations: alpha (uniform/PoT/APoT), step * Qp (LSQ), upper
    // (DSQ/DAQ).
    double weightClip() const;
    double actClip() const;
    // The clips as the views show them (LayerClips: the weight clip on normalized weights).
    LayerClips learnedClips() const;
    torch::nn::Conv2dOptions options() const { return m_options; }

    // The quantizer tensors the method registered here (names relative to this module), with their specs.
    struct QuantizerTensor
    {
        const QuantizerTensorSpec *spec;
        at::Tensor tensor;
    };
    const std::vector<QuantizerTensor> &quantizerTensors() const { return m_quantizerTensors; }

    // EWGS scaling factors (buffers `ewgs_delta_w`, `ewgs_delta_a`).
    void setEwgsDeltas(double deltaW, double deltaA);
    double ewgsDeltaW() const;
    double ewgsDeltaA() const;

    void setCapture(bool on) { m_capture = on; }
    // Learned ranges came from a checkpoint: skip the first-batch initialization that would overwrite them.
    void markInitialized();
    const DiscretizerCapture &capture() const { return m_captured; }
    // Called with the layer's input (what the activation quantizer sees) at every forward while set; the
    // activation analysis records it. An empty function turns it off.
    void setInputRecorder(std::function<void(const at::Tensor &)> recorder)
    {
        m_inputRecorder = std::move(recorder);
    }

    at::Tensor weight;

private:
    at::Tensor convolve(const at::Tensor &x, const at::Tensor &w) const;

    QuantConfig m_config;
    const MethodInfo *m_method;
    const MethodImplementation *m_implementation;
    torch::nn::Conv2dOptions m_options;
    std::vector<QuantizerTensor> m_quantizerTensors;
    std::unique_ptr<LayerQuantizer> m_quantizer;
    at::Tensor m_initialized, m_deltaW, m_deltaA;
    bool m_capture = false;
    DiscretizerCapture m_captured;
    std::function<void(const at::Tensor &)> m_inputRecorder;
};
TORCH_MODULE(QuantConv2d);

// First conv / last linear: plain, or the APoT reference's 8-bit max-scaled weights.
class EdgeConv2dImpl : public torch::nn::Module
{
public:
    EdgeConv2dImpl(int64_t in, int64_t out, EdgeLayers edges);
    at::Tensor forward(const at::Tensor &x);
    at::Tensor weight;

private:
    EdgeLayers m_edges;
};
TORCH_MODULE(EdgeConv2d);

class EdgeLinearImpl : public torch::nn::Module
{
public:
    EdgeLinearImpl(int64_t in, int64_t out, EdgeLayers edges);
    at::Tensor forward(const at::Tensor &x);
    at::Tensor weight, bias;

private:
    EdgeLayers m_edges;
};
TORCH_MODULE(EdgeLinear);

enum class Shortcut
{
    A, // zero-padded identity with stride-2 subsampling (parameter-free)
    B  // 1x1 quantized conv + BN where the shape changes (the APoT reference)
};

class BasicBlockImpl : public torch::nn::Module
{
public:
    BasicBlockImpl(int64_t in, int64_t planes, int64_t stride, Shortcut shortcut, const QuantConfig &config);
    at::Tensor forward(const at::Tensor &x);

private:
    QuantConv2d m_conv1{nullptr}, m_conv2{nullptr};
    torch::nn::BatchNorm2d m_bn1{nullptr}, m_bn2{nullptr};
    torch::nn::Sequential m_downsample{nullptr};
    int64_t m_padChannels = 0;
    int64_t m_stride = 1;
};
TORCH_MODULE(BasicBlock);

struct ResNetOptions
{
    int depth = 20; // 20, 32, 44, 56 (6n + 2)
    int64_t inputChannels = 3;
    int64_t numClasses = 10;
    Shortcut shortcut = Shortcut::A;
    QuantConfig quant;
};
std::optional<std::string> checkResNetOptions(const ResNetOptions &options);

class ResNetImpl : public torch::nn::Module
{
public:
    explicit ResNetImpl(const ResNetOptions &options);
    at::Tensor forward(const at::Tensor &x);
    const ResNetOptions &options() const { return m_options; }

    // Every quantized conv with its state_dict prefix (e.g. "layer2.0.conv1"), in forward order.
    std::vector<std::pair<std::string, QuantConv2d>> quantLayers();

private:
    ResNetOptions m_options;
    EdgeConv2d m_conv1{nullptr};
    torch::nn::BatchNorm2d m_bn1{nullptr};
    torch::nn::Sequential m_layer1{nullptr}, m_layer2{nullptr}, m_layer3{nullptr};
    torch::nn::BatchNorm1d m_bn2{nullptr}; // before the classifier where the method's reference has it (EWGS)
    EdgeLinear m_fc{nullptr};
};
TORCH_MODULE(ResNet);

int64_t parameterCount(torch::nn::Module &module);

// The model's parameters as the optimizers group them: the model's own, and the quantizer parameters in the
// activation and weight groups their methods declare (QuantizerTensorSpec::group), each in parameter order.
struct ParameterGroups
{
    std::vector<at::Tensor> model, activationQuantizer, weightQuantizer;
};
ParameterGroups parameterGroups(ResNetImpl &model);

} // namespace qs
