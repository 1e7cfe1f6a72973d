#pragma once
// The torch side of a quantization method (core/quant/methods/*.cpp): the tensors it registers on a quantized
// conv, the per-layer quantizer object the conv holds, and the registry entry that builds both. Torch header:
// core's .cpp files and the tests include it, ui/ never does.

#include "core/torchonly.h"

#include "core/quant/methods.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qs {

enum class EdgeLayers
{
    FullPrecision, // first conv and last linear in float (EWGS/DAQ references)
    MaxScaled8Bit  // round(W / max(W) * 127) / 127 * max(W) with STE (APoT reference, even for its FP model)
};

struct QuantConfig
{
    std::string method = "fp"; // a registered method (quantMethods())
    int weightBits = 4;
    int actBits = 4;
    bool ewgs = false; // EWGS backward on the hard quantizers (MethodInfo::ewgs); STE otherwise
    double ewgsDeltaInit = 0.0;
    // x_n - x_q of the weights' EWGS backward in these units of the quantizer's own (ewgs_distance_units):
    // 1 = its normalized grid, 0.5 = [0, 1] for a signed grid in [-1, 1].
    double ewgsWeightDistanceScale = 1.0;
    EdgeLayers edges = EdgeLayers::MaxScaled8Bit;
    // The method's config keys (MethodInfo::configKeys) by key; a key not given takes its default.
    std::map<std::string, double> options;

    // options[key], else the key's registered default. Throws std::invalid_argument when the method does not
    // declare the key.
    double option(const std::string &key) const;
};

// Empty when valid, else one line saying what is wrong (an unknown method, APoT weights at 9 bits, ...).
std::optional<std::string> checkQuantConfig(const QuantConfig &config);

// What the EWGS delta update needs from one layer after a forward pass with capture on.
struct DiscretizerCapture
{
    at::Tensor weightOut, actOut;         // quantizer outputs, part of the graph
    double weightScale = 1, actScale = 1; // output = scale * (normalized quantized value)
};

// The optimizer group a quantizer parameter trains in: TrainConfig's act_alpha_lr / wgt_alpha_lr groups, or
// the separate quantizer Adam that holds both.
enum class QuantizerGroup
{
    Activation,
    Weight
};

// One tensor a method registers on the quantized conv, under the name checkpoints and state_dicts use.
struct QuantizerTensorSpec
{
    std::string name; // e.g. "act_alpha"; "weight_quant.wgt_alpha" lives in submodule weight_quant (APoT)
    QuantizerGroup group = QuantizerGroup::Weight;
    bool buffer = false;           // not learned (DSQ/DAQ act_lower)
    bool mustStayPositive = false; // a clip or step: the trainer stops the run when a step pushes it to <= 0
    std::string meaning;           // a few words for messages: "clip alpha", "step size", ...
    std::function<double(const QuantConfig &)> initialValue; // before the first-batch initialization
};

// One layer's quantizer tensors by spec name, with its weight and, when known, its bits: what a method reads
// its clips from (a PyTorch state_dict does not say the bits).
struct QuantizerTensors
{
    at::Tensor weight;
    std::map<std::string, at::Tensor> byName;
    std::optional<int> weightBits, actBits;

    const at::Tensor &at(const std::string &name) const; // throws std::out_of_range naming it
    bool has(const std::string &name) const { return byName.count(name) > 0; }
};

// The layer's convolution (its stride and padding) applied to an input and a weight.
using ConvolveFn = std::function<at::Tensor(const at::Tensor &input, const at::Tensor &weight)>;

// A method's quantizer for one conv. It holds handles to the tensors registered on the conv (they stay
// valid across Module::to) and the conv's weight.
class LayerQuantizer
{
public:
    LayerQuantizer(const QuantConfig &config, QuantizerTensors tensors)
        : m_config(config), m_tensors(std::move(tensors))
    {}
    virtual ~LayerQuantizer() = default;
    LayerQuantizer(const LayerQuantizer &) = delete;
    LayerQuantizer &operator=(const LayerQuantizer &) = delete;

    // Learned ranges from the first training batch `x` (LSQ, DSQ, DAQ), under no-grad. Nothing by default.
    virtual void initialize(const at::Tensor &x, const ConvolveFn &convolve);
    // Forward with autograd. `ewgsDelta` is 0 unless EWGS is on; the scales go to `capture`.
    virtual at::Tensor quantizeWeight(double ewgsDelta, DiscretizerCapture &capture) = 0;
    virtual at::Tensor quantizeActivation(const at::Tensor &x, double ewgsDelta,
                                          DiscretizerCapture &capture) = 0;
    // The weight the conv uses from the discretizer output quantizeWeight() put in capture.weightOut, for
    // methods that capture one (EWGS: w_q in [0, 1] -> 2 (w_q - 0.5)); the finite-difference Hessian replay
    // perturbs that output, as the exact estimator differentiates at it. Identity otherwise.
    virtual at::Tensor weightFromDiscretizerOutput(const at::Tensor &captured) const { return captured; }
    // The conv output, rescaled where the method learns an output scale (DAQ).
    virtual at::Tensor scaleOutput(const at::Tensor &out) { return out; }
    // The weight quantizer's input and output in the same units, under no-grad. Default: raw weights.
    virtual std::pair<at::Tensor, at::Tensor> weightQuantizationPair();
    // The learned range as metrics.jsonl records it: alpha (uniform/PoT/APoT), step * Qp (LSQ), upper
    // (DSQ/DAQ); 0 for fp.
    virtual double weightClip() const = 0;
    virtual double actClip() const = 0;

    const QuantConfig &config() const { return m_config; }
    const QuantizerTensors &tensors() const { return m_tensors; }

protected:
    const at::Tensor &weight() const { return m_tensors.weight; }
    at::Tensor tensor(const std::string &name) const { return m_tensors.at(name); }

private:
    QuantConfig m_config;
    QuantizerTensors m_tensors;
};

// Everything torch-side a method registers next to its MethodInfo.
struct MethodImplementation
{
    // In registration order (it is the state_dict's and the optimizers' parameter order).
    std::vector<QuantizerTensorSpec> tensors;
    std::function<std::unique_ptr<LayerQuantizer>(const QuantConfig &, QuantizerTensors)> makeQuantizer;
    // The layer's clips for the views (LayerClips) from its tensors; without bits, only what needs none.
    std::function<LayerClips(const QuantizerTensors &)> readClips;
};

// What each core/quant/methods/NAME.cpp gets in its `void registerQuantMethod_NAME(MethodRegistrar &)`.
class MethodRegistrar
{
public:
    virtual ~MethodRegistrar() = default;
    virtual void add(MethodInfo info, MethodImplementation implementation) = 0;
};

// Throws qs::Error(unknownQuantMethodMessage) for an unknown name.
const MethodImplementation &quantMethodImplementation(const std::string &name);

// True for state_dict names of any method's quantizer tensors (act_alpha, weight_quant.wgt_alpha, steps,
// ranges, DSQ alphas, output scale, ...), matched on the name's tail.
bool isQuantizerParameterName(const std::string &name);

// The conv prefix of a quantizer tensor's state_dict name and which spec it is ("layer1.0.conv1.act_alpha" ->
// {"layer1.0.conv1", "act_alpha"}); nullopt for other names.
std::optional<std::pair<std::string, std::string>> splitQuantizerTensorName(const std::string &name);

// The weight range [lower, upper] in raw units mapped to w~ = (w - mean) / std (unbiased, as
// weightNormalize), as LayerClips::weight: the larger magnitude of its two ends.
double normalizedRangeClip(const at::Tensor &weight, double lower, double upper);

} // namespace qs
