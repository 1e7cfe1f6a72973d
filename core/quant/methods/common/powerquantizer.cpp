#include "core/quant/methods/common/powerquantizer.h"

#include "core/quant/quantizers.h"

#include <torch/torch.h>

#include <limits>

namespace qs {

namespace {

class PowerQuantizer : public LayerQuantizer
{
public:
    PowerQuantizer(Scheme scheme, const QuantConfig &config, QuantizerTensors tensors)
        : LayerQuantizer(config, std::move(tensors)), m_wgtAlpha(tensor("weight_quant.wgt_alpha")),
          m_actAlpha(tensor("act_alpha")),
          m_weightLevels(
              magnitudeLevels({scheme, config.weightBits, true, config.option("zero_level") != 0})),
          m_actLevels(levelSet({scheme, config.actBits, false}))
    {}

    at::Tensor quantizeWeight(double ewgsDelta, DiscretizerCapture &capture) override
    {
        capture.weightScale = m_wgtAlpha.item<double>();
        return powerQuantizeWeight(weightNormalize(weight()), m_wgtAlpha, m_weightLevels, ewgsDelta);
    }

    at::Tensor quantizeActivation(const at::Tensor &x, double ewgsDelta, DiscretizerCapture &capture) override
    {
        capture.actScale = m_actAlpha.item<double>();
        return powerQuantizeActivation(x, m_actAlpha, m_actLevels, ewgsDelta);
    }

    std::pair<at::Tensor, at::Tensor> weightQuantizationPair() override
    {
        // Both in the normalized units the grid is applied in.
        torch::NoGradGuard noGrad;
        DiscretizerCapture scratch;
        return {weightNormalize(weight()), quantizeWeight(0.0, scratch)};
    }

    double weightClip() const override { return m_wgtAlpha.item<double>(); }
    double actClip() const override { return m_actAlpha.item<double>(); }

private:
    at::Tensor m_wgtAlpha, m_actAlpha;
    LevelTable m_weightLevels, m_actLevels;
};

} // namespace

void registerPowerMethod(MethodRegistrar &registrar, Scheme scheme, const PowerMethodText &text)
{
    const double inf = std::numeric_limits<double>::infinity();
    MethodInfo info;
    info.name = text.name;
    info.title = text.title;
    info.description = text.description;
    info.codeNote = text.codeNote;
    info.listPosition = text.listPosition;
    info.ewgs = true;
    info.gridScheme = scheme;
    info.configKeys = {
        {"weight_alpha_init", 3.0, 0.0, inf, true, true,
         "initial weight clip alpha on the normalized weights (APoT reference: 3.0)"},
        {"act_alpha_init", 8.0, 0.0, inf, true, true,
         "initial activation clip alpha (APoT reference CIFAR: 8.0)"},
        {"zero_level", 1.0, 0.0, 1.0, false, false,
         "false: weights on the grid without its zero level (2^b levels, each magnitude shifted by half the "
         "gap next to 0; uniform: the official EWGS weight grid); activations keep 0",
         true},
    };
    info.curve = [scheme](const CurveParams &params) {
        CurveParams p = params;
        p.method = hardCurveMethod(scheme);
        return sampleCurve(p);
    };
    // One codeNote sentence for the switch every grid method shares.
    info.codeNote +=
        " zero_level = false (not in the APoT code) takes the weights' zero level out: magnitudes "
        "m -> (m + h) / (1 + h), h half the gap next to 0, so the gap across 0 equals the first gap and "
        "the largest level stays 1. Chosen because on the uniform grid it is exactly the official EWGS "
        "weight grid (and APoT's 2-bit ternary weights become it too), while on every grid the gaps keep "
        "their ratios and no level moves by more than h: only the zero level is gone.";

    MethodImplementation implementation;
    implementation.tensors = {
        {"weight_quant.wgt_alpha", QuantizerGroup::Weight, false, true, "clip alpha",
         [](const QuantConfig &c) { return c.option("weight_alpha_init"); }},
        {"act_alpha", QuantizerGroup::Activation, false, true, "clip alpha",
         [](const QuantConfig &c) { return c.option("act_alpha_init"); }},
    };
    implementation.makeQuantizer = [scheme](const QuantConfig &config, QuantizerTensors tensors) {
        return std::make_unique<PowerQuantizer>(scheme, config, std::move(tensors));
    };
    implementation.readClips = [](const QuantizerTensors &t) {
        LayerClips clips;
        if (t.has("weight_quant.wgt_alpha"))
            clips.weight = t.at("weight_quant.wgt_alpha").item<double>(); // already on normalized weights
        if (t.has("act_alpha"))
            clips.activation = t.at("act_alpha").item<double>();
        return clips;
    };
    registrar.add(std::move(info), std::move(implementation));
}

} // namespace qs
