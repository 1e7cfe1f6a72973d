// LSQ+, Bhalgat et al., CVPR Workshops 2020 ("LSQ+: Improving low-bit quantization through learnable offsets
// and better initialization"): LSQ's weights, and activations with a learned step and a learned offset, so
// an activation range need not start at 0.

#include "core/quant/layerquantizer.h"
#include "core/quant/quantizers.h"

#include <torch/torch.h>

namespace qs {

namespace {

// Activations: x_q = s round(clamp((x - beta) / s, 0, Qp)) + beta with a straight-through round (EWGS when
// delta > 0): lsqPlusActivationQuantize (quantizers.h), one fused pass on the CPU, differentiable tensor ops
// under create_graph. With u = (x - beta) / s, q = round(clamp(u, 0, Qp)) and f the round's gradient factor
// (1 for the STE, 1 + delta sign(g) (u - q) / Qp for EWGS in units where the largest level is 1):
//   dx = f inside [0, Qp], 0 outside;
//   ds = q - u f inside, q (0 or Qp) outside;    dbeta = 1 - f inside (0 for the STE), 1 outside;
// ds and dbeta summed and scaled by gradScale (LSQ's 1 / sqrt(N Qp)).

class LsqPlusQuantizer : public LayerQuantizer
{
public:
    LsqPlusQuantizer(const QuantConfig &config, QuantizerTensors tensors)
        : LayerQuantizer(config, std::move(tensors)), m_weightStep(tensor("weight_step")),
          m_actStep(tensor("act_step")), m_actOffset(tensor("act_offset"))
    {}

    void initialize(const at::Tensor &x, const ConvolveFn &) override
    {
        // LSQ's step init on the weights and on the first batch; the offset starts at that batch's minimum.
        m_weightStep.copy_(lsqInitialStep(weight(), config().weightBits, true));
        m_actStep.copy_(lsqInitialStep(x, config().actBits, false).clamp_min(1e-8));
        m_actOffset.copy_(x.detach().min());
    }

    at::Tensor quantizeWeight(double ewgsDelta, DiscretizerCapture &capture) override
    {
        const int bits = config().weightBits;
        capture.weightScale = m_weightStep.item<double>() * double(lsqRange(bits, true).qp);
        return lsqQuantize(weight(), m_weightStep, bits, true, lsqGradScale(weight().numel(), bits, true),
                           ewgsDelta);
    }

    at::Tensor quantizeActivation(const at::Tensor &x, double ewgsDelta, DiscretizerCapture &capture) override
    {
        const int bits = config().actBits;
        const double qp = double(lsqRange(bits, false).qp);
        capture.actScale = m_actStep.item<double>() * qp; // output = beta + scale * (level in [0, 1])
        return lsqPlusActivationQuantize(x, m_actStep, m_actOffset, qp, lsqGradScale(x.numel(), bits, false),
                                         ewgsDelta);
    }

    double weightClip() const override
    {
        return m_weightStep.item<double>() * double(lsqRange(config().weightBits, true).qp);
    }
    double actClip() const override // the top of the activation range
    {
        return m_actStep.item<double>() * double(lsqRange(config().actBits, false).qp) +
               m_actOffset.item<double>();
    }

private:
    at::Tensor m_weightStep, m_actStep, m_actOffset;
};

constexpr BitRange kWeightBits{2, 8}; // LSQ's signed grid
constexpr BitRange kActBits{1, 8};

} // namespace

void registerQuantMethod_lsqplus(MethodRegistrar &registrar)
{
    MethodInfo info;
    info.name = "lsqplus";
    info.title = "LSQ+";
    info.description =
        "LSQ with a learned activation offset: weights as LSQ; a_q = s round(clamp((x - beta) / s, "
        "0, 2^b - 1)) + beta, STE, ds as LSQ, dbeta = 0 inside the range and 1 outside, both "
        "scaled by 1 / sqrt(N Q_P); s = 2 mean|x| / sqrt(Q_P) and beta = min(x) on the first batch";
    info.codeNote =
        "The paper initializes s and beta by MSE minimization (or min-max); here LSQ's init with beta "
        "= min(x) of the first batch. With EWGS, dbeta inside is 1 - f, the chain rule through the "
        "scaled round.";
    info.listPosition = 70;
    info.ewgs = true;
    info.weightBits = kWeightBits;
    info.actBits = kActBits;
    info.curve = stepGridCurve("lsqplus", kWeightBits,
                               kActBits); // activations at offset 0, where post-ReLU inputs start

    MethodImplementation implementation;
    const auto constant = [](double v) { return [v](const QuantConfig &) { return v; }; };
    implementation.tensors = {
        {"weight_step", QuantizerGroup::Weight, false, true, "step size", constant(1.0)},
        {"act_step", QuantizerGroup::Activation, false, true, "step size", constant(1.0)},
        {"act_offset", QuantizerGroup::Activation, false, false, "offset", constant(0.0)},
    };
    implementation.makeQuantizer = [](const QuantConfig &config, QuantizerTensors tensors) {
        return std::make_unique<LsqPlusQuantizer>(config, std::move(tensors));
    };
    implementation.readClips = [](const QuantizerTensors &t) {
        LayerClips clips;
        if (t.weightBits && t.has("weight_step")) {
            const auto q = lsqRange(*t.weightBits, true);
            const double s = t.at("weight_step").item<double>();
            clips.weight = normalizedRangeClip(t.weight, -double(q.qn) * s, double(q.qp) * s);
        }
        if (t.actBits && t.has("act_step") && t.has("act_offset"))
            clips.activation = t.at("act_step").item<double>() * double(lsqRange(*t.actBits, false).qp) +
                               t.at("act_offset").item<double>();
        return clips;
    };
    registrar.add(std::move(info), std::move(implementation));
}

} // namespace qs
