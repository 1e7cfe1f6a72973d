// DSQ, Gong et al., ICCV 2019: differentiable soft quantization (methods.md 5). No official code; the
// formulation of methods.md 5.1 with a learnable characteristic variable kept in (0, 0.5].

#include "core/quant/layerquantizer.h"
#include "core/quant/quantizers.h"

#include <torch/torch.h>

#include <cmath>

namespace qs {

namespace {

class DsqQuantizer : public LayerQuantizer
{
public:
    DsqQuantizer(const QuantConfig &config, QuantizerTensors tensors)
        : LayerQuantizer(config, std::move(tensors)), m_weightLower(tensor("weight_lower")),
          m_weightUpper(tensor("weight_upper")), m_weightAlpha(tensor("weight_dsq_alpha")),
          m_actLower(tensor("act_lower")), m_actUpper(tensor("act_upper")),
          m_actAlpha(tensor("act_dsq_alpha"))
    {}

    void initialize(const at::Tensor &x, const ConvolveFn &) override
    {
        // As the EWGS reference initializes its QConv: +-3 std of the weights; 3 std of the first batch with
        // the half-normal correction for post-ReLU inputs.
        const double halfNormal = std::sqrt(1.0 - 2.0 / M_PI);
        const auto sd = weight().std();
        m_weightLower.copy_(-3 * sd);
        m_weightUpper.copy_(3 * sd);
        m_actUpper.copy_((3 * x.std() / halfNormal).clamp_min(1e-6));
    }

    at::Tensor quantizeWeight(double, DiscretizerCapture &) override
    {
        keepInRange(m_weightAlpha);
        return dsqQuantize(weight(), m_weightLower, m_weightUpper, m_weightAlpha, config().weightBits);
    }

    at::Tensor quantizeActivation(const at::Tensor &x, double, DiscretizerCapture &) override
    {
        keepInRange(m_actAlpha);
        return dsqQuantize(x, m_actLower, m_actUpper, m_actAlpha, config().actBits);
    }

    double weightClip() const override { return m_weightUpper.item<double>(); }
    double actClip() const override { return m_actUpper.item<double>(); }

private:
    static void keepInRange(at::Tensor &dsqAlpha)
    {
        torch::NoGradGuard noGrad;
        dsqAlpha.clamp_(1e-3, 0.5); // s = 1 / (1 - alpha) and k = ln(2 / alpha - 1) need alpha in (0, 0.5]
    }

    at::Tensor m_weightLower, m_weightUpper, m_weightAlpha, m_actLower, m_actUpper, m_actAlpha;
};

} // namespace

void registerQuantMethod_dsq(MethodRegistrar &registrar)
{
    MethodInfo info;
    info.name = "dsq";
    info.title = "DSQ";
    info.description =
        "differentiable soft quantization: forward l + Delta round((x - l) / Delta), Delta = (u - "
        "l) / (2^b - 1); backward the tanh slope (Delta / 2) s k sech^2(k (x - m_i)), s = 1 / (1 - "
        "alpha), k = ln(2 / alpha - 1) / Delta; l, u and alpha learned";
    info.codeNote =
        "No official code: alpha is learned and clamped to (0, 0.5] (MQBench fixes it at 0.4); the "
        "range starts at +-3 std of the weights and 3 std of the first batch (methods.md 5.3). Checked "
        "against MQBench's DSQFakeQuantize (tests/core/tst_official_parity): forward and input gradient "
        "agree to 1e-6, ties to even, except for inputs a few float ulps from a rounding midpoint, which "
        "can land one step apart: MQBench rounds its surrogate of x / scale + zero_point, we round "
        "(x - l) / Delta, and float rounding in the two frames decides the tie (exact midpoints agree "
        "when MQBench's quant_min is even: every range but 1-bit signed). x = u passes the gradient "
        "(the clamp's closed interval, tested on x, not on t).";
    info.listPosition = 50;
    info.weightBits = BitRange{1, 8};
    info.actBits = BitRange{1, 8};
    info.configKeys = {
        {"dsq_alpha_init", 0.2, 0.0, 0.5, true, false, "initial characteristic variable alpha, in (0, 0.5]"},
    };
    info.curve = [](const CurveParams &params) {
        CurveParams p = params;
        p.method = CurveMethod::DSQ;
        return sampleCurve(p);
    };

    const auto alphaInit = [](const QuantConfig &c) { return c.option("dsq_alpha_init"); };
    MethodImplementation implementation;
    implementation.tensors = {
        {"weight_lower", QuantizerGroup::Weight, false, false, "range lower",
         [](const QuantConfig &) { return -1.0; }},
        {"weight_upper", QuantizerGroup::Weight, false, false, "range upper",
         [](const QuantConfig &) { return 1.0; }},
        {"weight_dsq_alpha", QuantizerGroup::Weight, false, false, "characteristic alpha", alphaInit},
        // Inputs are post-ReLU: the activation range starts at a fixed 0.
        {"act_lower", QuantizerGroup::Activation, true, false, "range lower",
         [](const QuantConfig &) { return 0.0; }},
        {"act_upper", QuantizerGroup::Activation, false, false, "range upper",
         [](const QuantConfig &) { return 1.0; }},
        {"act_dsq_alpha", QuantizerGroup::Activation, false, false, "characteristic alpha", alphaInit},
    };
    implementation.makeQuantizer = [](const QuantConfig &config, QuantizerTensors tensors) {
        return std::make_unique<DsqQuantizer>(config, std::move(tensors));
    };
    implementation.readClips = [](const QuantizerTensors &t) {
        LayerClips clips;
        if (t.has("weight_lower") && t.has("weight_upper"))
            clips.weight = normalizedRangeClip(t.weight, t.at("weight_lower").item<double>(),
                                               t.at("weight_upper").item<double>());
        if (t.has("act_upper"))
            clips.activation = t.at("act_upper").item<double>();
        return clips;
    };
    registrar.add(std::move(info), std::move(implementation));
}

} // namespace qs
