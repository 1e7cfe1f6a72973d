// The checkpoints post-training reconstruction writes (core/ptq/reconstruction.h): the weights are stored
// already quantized (BatchNorm folded, learned rounding applied), so the weight quantizer is the identity;
// activations on a uniform unsigned grid, a_q = Δ clamp(round(x / Δ), 0, L) with Δ = act_alpha / L and L =
// act_levels = 2^b - 1 per layer (0: float), Δ from BRECQ's 'mse' init on the first batch.

#include "core/ptq/adaround.h"
#include "core/quant/layerquantizer.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace qs {

namespace {

double levelsFor(int bits)
{
    // Weights-only checkpoints say abits = 32: float activations.
    return bits >= 1 && bits <= 16 ? std::pow(2.0, bits) - 1 : 0.0;
}

class PtqQuantizer : public LayerQuantizer
{
public:
    PtqQuantizer(const QuantConfig &config, QuantizerTensors tensors)
        : LayerQuantizer(config, std::move(tensors)), m_actAlpha(tensor("act_alpha")),
          m_actLevels(tensor("act_levels"))
    {}

    void initialize(const at::Tensor &x, const ConvolveFn &) override
    {
        const double levels = m_actLevels.item<double>();
        if (levels <= 0)
            return;
        const int bits = int(std::lround(std::log2(levels + 1)));
        const auto grid = ptq::mseUniformInit(x, bits, /*channelWise=*/false);
        m_actAlpha.fill_(grid.delta.item<double>() * levels);
    }

    at::Tensor quantizeWeight(double, DiscretizerCapture &) override { return weight(); }

    at::Tensor quantizeActivation(const at::Tensor &x, double, DiscretizerCapture &capture) override
    {
        const double levels = m_actLevels.item<double>();
        if (levels <= 0)
            return x;
        const auto delta = m_actAlpha / levels;
        capture.actScale = m_actAlpha.item<double>();
        // round_ste: the rounding passes the gradient straight through; the step learns as BRECQ's (no LSQ
        // gradient scale).
        const auto scaled = x / delta;
        const auto rounded = scaled + (torch::round(scaled) - scaled).detach();
        return rounded.clamp(0, levels) * delta;
    }

    double weightClip() const override { return weight().abs().max().item<double>(); }
    double actClip() const override
    {
        return m_actLevels.item<double>() > 0 ? m_actAlpha.item<double>() : 0.0;
    }

private:
    at::Tensor m_actAlpha, m_actLevels;
};

} // namespace

void registerQuantMethod_ptq(MethodRegistrar &registrar)
{
    MethodInfo info;
    info.name = "ptq";
    info.title = "PTQ (reconstructed)";
    info.description =
        "post-training quantized weights stored as they are used (BatchNorm folded, per-channel grid, "
        "learned or nearest rounding); a_q = Δ clamp(round(x / Δ), 0, L), Δ = act_alpha / L, L = "
        "act_levels (0: float)";
    info.codeNote = "Written by quantscope-cli ptq (AdaRound, BRECQ as released, or nearest rounding: "
                    "methods.md 7); the settings are in OUT.ptq.json next to the checkpoint. abits = 32 "
                    "means float activations.";
    info.listPosition = 200;
    info.weightBits = BitRange{2, 8};
    info.curve = stepGridCurve("ptq", BitRange{2, 8}, BitRange{1, 16});

    MethodImplementation implementation;
    implementation.tensors = {
        {"act_alpha", QuantizerGroup::Activation, false, false, "top of the activation grid",
         [](const QuantConfig &c) { return levelsFor(c.actBits) > 0 ? 1.0 : 0.0; }},
        {"act_levels", QuantizerGroup::Activation, true, false, "activation levels 2^b - 1 (0: float)",
         [](const QuantConfig &c) { return levelsFor(c.actBits); }},
    };
    implementation.makeQuantizer = [](const QuantConfig &config, QuantizerTensors tensors) {
        return std::make_unique<PtqQuantizer>(config, std::move(tensors));
    };
    implementation.readClips = [](const QuantizerTensors &t) {
        LayerClips clips;
        if (t.weight.defined() && t.weight.numel() > 0)
            clips.weight =
                normalizedRangeClip(t.weight, t.weight.min().item<double>(), t.weight.max().item<double>());
        if (t.has("act_levels") && t.has("act_alpha") && t.at("act_levels").item<double>() > 0)
            clips.activation = t.at("act_alpha").item<double>();
        return clips;
    };
    registrar.add(std::move(info), std::move(implementation));
}

} // namespace qs
