#pragma once
// CIFAR-style ResNets (20/32/44/56) with quantized convolutions, in the PyTorch C++ module idiom.
// Torch header: core and tests only. Parameter names follow the APoT reference (`act_alpha`,
// `weight_quant.wgt_alpha`, `layerN.M.conv1.weight`, `layerN.0.downsample.{0,1}`, `fc`), so its checkpoints
// map 1:1.

#include "core/torchonly.h"

#include "core/quant/levels.h"
#include "core/quant/quantizers.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace qs {

enum class QuantMethod
{
    FP,
    Uniform,
    LSQ,
    PoT,
    APoT,
    DSQ,
    DAQ
};
std::string quantMethodName(QuantMethod method);
std::optional<QuantMethod> parseQuantMethod(const std::string &name);

enum class EdgeLayers
{
    FullPrecision, // first conv and last linear in float (EWGS/DAQ references)
    MaxScaled8Bit  // round(W / max(W) * 127) / 127 * max(W) with STE (APoT reference, even for its FP model)
};

struct QuantConfig
{
    QuantMethod method = QuantMethod::FP;
    int weightBits = 4;
    int actBits = 4;
    bool ewgs = false; // EWGS backward on the hard quantizers (uniform, lsq, pot, apot); STE otherwise
    double ewgsDeltaInit = 0.0;
    EdgeLayers edges = EdgeLayers::MaxScaled8Bit;
    double weightAlphaInit = 3.0; // APoT reference: wgt_alpha 3.0 on normalized weights
    double actAlphaInit = 8.0;    // APoT reference CIFAR: act_alpha 8.0
    double dsqAlphaInit = 0.2;
    double daqGamma = 2.0, daqSigmaWeight = 1.0, daqSigmaAct = 2.0;
};

// Empty when valid, else one line saying what is wrong (e.g. APoT weights at 9 bits).
std::optional<std::string> checkQuantConfig(const QuantConfig &config);

// What the EWGS delta update needs from one layer after a forward pass with capture on.
struct DiscretizerCapture
{
    at::Tensor weightOut, actOut;         // quantizer outputs, part of the graph
    double weightScale = 1, actScale = 1; // output = scale * (normalized quantized value)
};

class QuantConv2dImpl : public torch::nn::Module
{
public:
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
    torch::nn::Conv2dOptions options() const { return m_options; }

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
    // Quantizer parameters; which exist depends on the method.
    at::Tensor actAlpha, actStep, actLower, actUpper, actDsqAlpha;
    at::Tensor weightStep, weightLower, weightUpper, weightDsqAlpha, outputScale;
    std::shared_ptr<torch::nn::Module> weightQuant; // holds `wgt_alpha` (APoT naming)
    at::Tensor wgtAlpha;

private:
    void lazyInit(const at::Tensor &x);
    at::Tensor quantizeWeight();
    at::Tensor quantizeActivation(const at::Tensor &x);

    QuantConfig m_config;
    torch::nn::Conv2dOptions m_options;
    std::optional<LevelTable> m_weightLevels, m_actLevels;
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
    EdgeLinear m_fc{nullptr};
};
TORCH_MODULE(ResNet);

int64_t parameterCount(torch::nn::Module &module);

// True for the state_dict names of quantizer parameters (act_alpha, wgt_alpha, steps, ranges, DSQ alpha,
// output scale): the names the quantized convs register, matched on the last component.
bool isQuantizerParameterName(const std::string &name);

} // namespace qs
