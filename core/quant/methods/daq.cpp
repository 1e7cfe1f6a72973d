// DAQ, Kim, Lee & Ham, ICCV 2021: distance-aware quantization (methods.md 6), as the released code computes
// it: two candidates, a detached adaptive temperature, and a learned output scale.

#include "core/quant/layerquantizer.h"
#include "core/quant/quantizers.h"

#include <torch/torch.h>

namespace qs {

namespace {

class DaqQuantizer : public LayerQuantizer
{
public:
    DaqQuantizer(const QuantConfig &config, QuantizerTensors tensors)
        : LayerQuantizer(config, std::move(tensors)), m_weightLower(tensor("weight_lower")),
          m_weightUpper(tensor("weight_upper")), m_actLower(tensor("act_lower")),
          m_actUpper(tensor("act_upper")), m_outputScale(tensor("output_scale")),
          m_gamma(config.option("daq_gamma")), m_sigmaWeight(config.option("daq_sigma_weight")),
          m_sigmaAct(config.option("daq_sigma_act"))
    {}

    void initialize(const at::Tensor &x, const ConvolveFn &convolve) override
    {
        // The reference's first forward: uA = 3 std(x), then beta = mean|conv(x, W)| / mean|conv(Qa, Qw)|.
        m_actUpper.copy_((3 * x.std()).clamp_min(1e-6));
        DiscretizerCapture scratch;
        const auto reference = convolve(x, weight());
        const auto quantized = convolve(quantizeActivation(x, 0.0, scratch), quantizeWeight(0.0, scratch));
        m_outputScale.copy_(reference.abs().mean() / quantized.abs().mean().clamp_min(1e-12));
    }

    at::Tensor quantizeWeight(double, DiscretizerCapture &) override
    {
        return daqQuantize(weightNormalize(weight()), m_weightLower, m_weightUpper, config().weightBits, true,
                           m_gamma, m_sigmaWeight);
    }

    at::Tensor quantizeActivation(const at::Tensor &x, double, DiscretizerCapture &) override
    {
        return daqQuantize(x, m_actLower, m_actUpper, config().actBits, false, m_gamma, m_sigmaAct);
    }

    at::Tensor scaleOutput(const at::Tensor &out) override { return out * m_outputScale.abs(); }

    std::pair<at::Tensor, at::Tensor> weightQuantizationPair() override
    {
        // Qw lies in [-1, 1] over [lower, upper] of the normalized weights: map it back there.
        torch::NoGradGuard noGrad;
        DiscretizerCapture scratch;
        const auto q = quantizeWeight(0.0, scratch);
        return {weightNormalize(weight()), m_weightLower + (m_weightUpper - m_weightLower) * (q + 1) / 2};
    }

    double weightClip() const override { return m_weightUpper.item<double>(); }
    double actClip() const override { return m_actUpper.item<double>(); }

private:
    at::Tensor m_weightLower, m_weightUpper, m_actLower, m_actUpper, m_outputScale;
    double m_gamma, m_sigmaWeight, m_sigmaAct;
};

} // namespace

void registerQuantMethod_daq(MethodRegistrar &registrar)
{
    MethodInfo info;
    info.name = "daq";
    info.title = "DAQ";
    info.description =
        "distance-aware quantization: t = clamp((x - l) / Delta, 0, 2^b - 1), candidates floor and "
        "ceil of t weighted by softmax(T exp(-|f - q|) exp(-(q - j*)^2 / sigma^2)), T = gamma / "
        "|s_0 - s_1| detached; forward equals hard rounding, out = conv(Qa, Qw) |beta|";
    info.codeNote = "The released code: only two candidates, a detached temperature, shifted candidates "
                    "+-1/(e^gamma - 1) (the paper's rescaling), weights normalized first (methods.md 6.1); "
                    "the softmax subtracts a per-element max, not the tensor's. Forward and the gradients of "
                    "x, l and u match resnet20_DAQ.py to 1e-6 (tests/core/tst_official_parity).";
    info.listPosition = 60;
    info.weightBits = BitRange{1, 8};
    info.actBits = BitRange{1, 8};
    info.configKeys = {
        {"daq_gamma", 2.0, 0.0, 50.0, true, false, "temperature gamma of weights and activations"},
        {"daq_sigma_weight", 1.0, 0.0, 100.0, true, false, "Gaussian kernel width sigma of the weights"},
        {"daq_sigma_act", 2.0, 0.0, 100.0, true, false, "Gaussian kernel width sigma of the activations"},
    };
    info.curve = [](const CurveParams &params) {
        CurveParams p = params;
        p.method = CurveMethod::DAQ;
        return sampleCurve(p);
    };

    MethodImplementation implementation;
    const auto constant = [](double v) { return [v](const QuantConfig &) { return v; }; };
    implementation.tensors = {
        {"weight_lower", QuantizerGroup::Weight, false, false, "range lower", constant(-3.0)}, // normalized W
        {"weight_upper", QuantizerGroup::Weight, false, false, "range upper", constant(3.0)},
        {"act_lower", QuantizerGroup::Activation, true, false, "range lower", constant(0.0)},
        {"act_upper", QuantizerGroup::Activation, false, false, "range upper", constant(1.0)},
        // With the weight quantizer's parameters, where the name-based split of earlier versions put it.
        {"output_scale", QuantizerGroup::Weight, false, false, "output scale", constant(1.0)},
    };
    implementation.makeQuantizer = [](const QuantConfig &config, QuantizerTensors tensors) {
        return std::make_unique<DaqQuantizer>(config, std::move(tensors));
    };
    implementation.readClips = [](const QuantizerTensors &t) {
        LayerClips clips;
        if (t.has("weight_lower") && t.has("weight_upper"))
            clips.weight = std::max(std::abs(t.at("weight_lower").item<double>()),
                                    std::abs(t.at("weight_upper").item<double>())); // already normalized
        if (t.has("act_upper"))
            clips.activation = t.at("act_upper").item<double>();
        return clips;
    };
    registrar.add(std::move(info), std::move(implementation));
}

} // namespace qs
