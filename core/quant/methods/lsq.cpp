// LSQ, Esser et al., ICLR 2020: a learned step size with a scaled gradient (methods.md 3.2). No official
// code; this follows zhutmost/lsq-net, as methods.md does.

#include "core/quant/layerquantizer.h"
#include "core/quant/quantizers.h"

#include <torch/torch.h>

namespace qs {

namespace {

class LsqQuantizer : public LayerQuantizer
{
public:
    LsqQuantizer(const QuantConfig &config, QuantizerTensors tensors)
        : LayerQuantizer(config, std::move(tensors)), m_weightStep(tensor("weight_step")),
          m_actStep(tensor("act_step"))
    {}

    void initialize(const at::Tensor &x, const ConvolveFn &) override
    {
        // s = 2 mean|v| / sqrt(Qp) on the initial weights and on the first activation batch.
        m_weightStep.copy_(lsqInitialStep(weight(), config().weightBits, true));
        m_actStep.copy_(lsqInitialStep(x, config().actBits, false).clamp_min(1e-8));
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
        capture.actScale = m_actStep.item<double>() * double(lsqRange(bits, false).qp);
        return lsqQuantize(x, m_actStep, bits, false, lsqGradScale(x.numel(), bits, false), ewgsDelta);
    }

    double weightClip() const override
    {
        return m_weightStep.item<double>() * double(lsqRange(config().weightBits, true).qp);
    }
    double actClip() const override
    {
        return m_actStep.item<double>() * double(lsqRange(config().actBits, false).qp);
    }

private:
    at::Tensor m_weightStep, m_actStep;
};

constexpr BitRange kWeightBits{2, 8}; // the signed grid -Qn..Qp needs a sign bit and one more
constexpr BitRange kActBits{1, 8};

} // namespace

void registerQuantMethod_lsq(MethodRegistrar &registrar)
{
    MethodInfo info;
    info.name = "lsq";
    info.title = "LSQ";
    info.description = "learned step size: v_q = s round(clamp(v / s, -Q_N, Q_P)), Q = 2^(b-1), 2^(b-1) - 1 "
                       "signed (weights), 0, 2^b - 1 unsigned; STE, ds = Q_P or -Q_N outside, round(v / s) - "
                       "v / s inside, scaled by 1 / sqrt(N Q_P); s starts at 2 mean|v| / sqrt(Q_P)";
    info.codeNote = "No official code: as zhutmost/lsq-net, N counts the whole batch for activations and the "
                    "activation step starts from the first batch (methods.md 3.2).";
    info.listPosition = 20;
    info.ewgs = true;
    info.weightBits = kWeightBits;
    info.actBits = kActBits;
    info.curve = stepGridCurve("lsq", kWeightBits, kActBits);

    MethodImplementation implementation;
    implementation.tensors = {
        {"weight_step", QuantizerGroup::Weight, false, true, "step size",
         [](const QuantConfig &) { return 1.0; }},
        {"act_step", QuantizerGroup::Activation, false, true, "step size",
         [](const QuantConfig &) { return 1.0; }},
    };
    implementation.makeQuantizer = [](const QuantConfig &config, QuantizerTensors tensors) {
        return std::make_unique<LsqQuantizer>(config, std::move(tensors));
    };
    implementation.readClips = [](const QuantizerTensors &t) {
        LayerClips clips;
        if (t.weightBits && t.has("weight_step")) {
            const auto q = lsqRange(*t.weightBits, true);
            const double s = t.at("weight_step").item<double>();
            clips.weight = normalizedRangeClip(t.weight, -double(q.qn) * s, double(q.qp) * s);
        }
        if (t.actBits && t.has("act_step"))
            clips.activation = t.at("act_step").item<double>() * double(lsqRange(*t.actBits, false).qp);
        return clips;
    };
    registrar.add(std::move(info), std::move(implementation));
}

} // namespace qs
