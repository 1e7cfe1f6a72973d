// EWGS, Lee, Kim & Ham, CVPR 2021: element-wise gradient scaling (methods.md 4), as the official QConv
// (cvlab-yonsei/EWGS, CIFAR10/custom_modules.py) computes it. Weights and activations are normalized with
// learned scalars to [0, 1] and rounded to 2^b evenly spaced levels; weights map back to [-1, 1] by
// 2 (w_q - 0.5), so no weight level is zero at any bit width; the conv output is multiplied by
// |output_scale|. The backward of the rounding is g (1 + delta sign(g) (x_n - x_q)) in those [0, 1] units.

#include "core/quant/layerquantizer.h"
#include "core/quant/quantizers.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qs {

namespace {

class EwgsQuantizer : public LayerQuantizer
{
public:
    EwgsQuantizer(const QuantConfig &config, QuantizerTensors tensors)
        : LayerQuantizer(config, std::move(tensors)), m_upperW(tensor("uW")), m_lowerW(tensor("lW")),
          m_upperA(tensor("uA")), m_lowerA(tensor("lA")), m_outputScale(tensor("output_scale"))
    {}

    void initialize(const at::Tensor &x, const ConvolveFn &convolve) override
    {
        // QConv.initialize, in its order: the weight range, then the activation range, then the output scale
        // from the quantized conv with both (and the current delta) against the float one.
        const auto sd = weight().std();
        m_upperW.fill_(sd * 3.0);
        m_lowerW.fill_(-sd * 3.0);
        DiscretizerCapture scratch;
        const auto qWeight = quantizeWeight(0.0, scratch);
        m_upperA.fill_(x.std() / std::sqrt(1 - 2 / M_PI) * 3.0);
        m_lowerA.fill_(x.min());
        const auto qAct = quantizeActivation(x, 0.0, scratch);
        const auto quantized = convolve(qAct, qWeight);
        const auto reference = convolve(x, weight());
        m_outputScale.fill_(reference.abs().mean() / quantized.abs().mean());
    }

    at::Tensor quantizeWeight(double ewgsDelta, DiscretizerCapture &capture) override
    {
        const auto wq = discretize(weight(), m_lowerW, m_upperW, config().weightBits, ewgsDelta);
        // The delta update differentiates at the discretizer output in [0, 1], as the reference's
        // buff_weight.
        capture.weightOut = wq;
        capture.weightScale = 1;
        return weightFromDiscretizerOutput(wq);
    }

    at::Tensor weightFromDiscretizerOutput(const at::Tensor &wq) const override { return (wq - 0.5) * 2; }

    at::Tensor quantizeActivation(const at::Tensor &x, double ewgsDelta, DiscretizerCapture &capture) override
    {
        const auto xq = discretize(x, m_lowerA, m_upperA, config().actBits, ewgsDelta);
        capture.actOut = xq;
        capture.actScale = 1;
        return xq;
    }

    at::Tensor scaleOutput(const at::Tensor &out) override { return out * torch::abs(m_outputScale); }

    std::pair<at::Tensor, at::Tensor> weightQuantizationPair() override
    {
        // w_q in [0, 1] spans [lW, uW] of the raw weights: map it back there.
        torch::NoGradGuard noGrad;
        DiscretizerCapture scratch;
        const auto q = quantizeWeight(0.0, scratch);
        return {weight().detach(), m_lowerW + (m_upperW - m_lowerW) * (q + 1) / 2};
    }

    double weightClip() const override { return m_upperW.item<double>(); }
    double actClip() const override { return m_upperA.item<double>(); }

private:
    // The official normalization and EWGS_discretizer (or, backward = ste, its STE_discretizer: delta 0),
    // fused: clamp((x - lower) / (upper - lower), 0, 1) rounded to 2^bits levels in [0, 1].
    at::Tensor discretize(const at::Tensor &x, const at::Tensor &lower, const at::Tensor &upper, int bits,
                          double delta) const
    {
        return ewgsRangeQuantize(x, lower, upper, int64_t(1) << bits, config().ewgs ? delta : 0.0);
    }

    at::Tensor m_upperW, m_lowerW, m_upperA, m_lowerA, m_outputScale;
};

constexpr BitRange kBits{1, 8};

// The reference's levels: k / (2^b - 1) for activations, 2 k / (2^b - 1) - 1 for weights (no zero).
std::vector<double> ewgsLevels(int bits, bool isSigned)
{
    if (bits < kBits.lowest || bits > kBits.highest)
        throw std::invalid_argument(std::string("ewgs ") + (isSigned ? "signed" : "unsigned") +
                                    " grids are defined for 1 to 8 bits, not " + std::to_string(bits));
    const int last = (1 << bits) - 1;
    std::vector<double> levels;
    for (int k = 0; k <= last; ++k) // 2 (k / last - 1/2) as (2k - last) / last: one rounding
        levels.push_back(isSigned ? double(2 * k - last) / double(last) : double(k) / double(last));
    return levels;
}

// The weight path (signed: raw w with lW = -alpha, uW = alpha, y = Q_w in [-1, 1]) or the activation path
// (x with lA = 0, uA = alpha, y = Q_a in [0, 1]) in the reference's units; dydx is the EWGS backward of y
// with respect to x for an incoming gradient of sign `gradSign` (delta 0: the STE), 0 where the clamp cuts.
CurveSamples ewgsCurve(const CurveParams &p)
{
    if (auto why = checkCurveSampling(p))
        throw std::invalid_argument(*why);
    if (!std::isfinite(p.ewgsDelta) || p.ewgsDelta < 0)
        throw std::invalid_argument("EWGS delta must be a finite number >= 0, not " +
                                    std::to_string(p.ewgsDelta));
    if (p.gradSign != 1.0 && p.gradSign != -1.0)
        throw std::invalid_argument("the gradient sign must be +1 or -1, not " + std::to_string(p.gradSign));
    ewgsLevels(p.bits, p.isSigned); // checks the bits
    const double lower = p.isSigned ? -p.alpha : 0.0, upper = p.alpha;
    const double last = double((1 << p.bits) - 1);
    const double outputSpan = p.isSigned ? 2.0 : 1.0; // d y / d x_q
    CurveSamples out;
    out.x = Eigen::VectorXd::LinSpaced(p.points, p.from, p.to);
    out.y.resize(p.points);
    out.dydx.resize(p.points);
    out.yHard.resize(p.points);
    for (int i = 0; i < p.points; ++i) {
        const double raw = (out.x[i] - lower) / (upper - lower);
        const bool inside = raw >= 0.0 && raw <= 1.0; // autograd's clamp passes the closed interval
        const double xn = std::clamp(raw, 0.0, 1.0);
        const double xq = std::nearbyint(xn * last) / last; // half to even, as torch.round
        const double y = p.isSigned ? 2 * (xq - 0.5) : xq;
        out.y[i] = y;
        out.yHard[i] = y;
        out.dydx[i] =
            inside ? outputSpan * (1.0 + p.ewgsDelta * p.gradSign * (xn - xq)) / (upper - lower) : 0.0;
    }
    return out;
}

} // namespace

void registerQuantMethod_ewgs(MethodRegistrar &registrar)
{
    MethodInfo info;
    info.name = "ewgs";
    info.title = "EWGS";
    info.description =
        "element-wise gradient scaling (official QConv): w_n = clamp((W - lW) / (uW - lW), 0, 1), "
        "Q_w = 2 (round(w_n (2^b - 1)) / (2^b - 1) - 0.5); Q_a likewise in [0, 1] with lA, uA; out = "
        "conv(Q_a, "
        "Q_w) |output_scale|; backward g (1 + delta sign(g) (x_n - x_q)), x_n - x_q in [0, 1] units";
    info.codeNote =
        "The official code (cvlab-yonsei/EWGS CIFAR10/custom_modules.py; the paper's text not checked here): "
        "2^b weight levels with no zero level (2 bits: -1, -1/3, 1/3, 1; 1 bit: -1, 1), learned [l, u] "
        "ranges "
        "and a learned output scale. Unlike APoT+EWGS (`backward = ewgs` on the APoT grid: a zero level, b - "
        "1 "
        "magnitude bits, x_n - x_q in the grid's [-1, 1] unless ewgs_distance_units = normalized), delta "
        "measures x_n - x_q on the [0, 1] normalized values. backward = ste is the official --baseline True. "
        "Its ResNet puts BatchNorm1d before the classifier.";
    info.listPosition = 70;
    info.ewgs = true;
    info.weightBits = kBits;
    info.actBits = kBits;
    info.classifierBatchNorm = true;
    info.levels = ewgsLevels;
    info.curve = ewgsCurve;

    MethodImplementation implementation;
    const auto constant = [](double v) { return [v](const QuantConfig &) { return v; }; };
    // The official registration order (its state_dict order): uW, lW, uA, lA, output_scale.
    implementation.tensors = {
        {"uW", QuantizerGroup::Weight, false, false, "range upper", constant(1.0)},
        {"lW", QuantizerGroup::Weight, false, false, "range lower", constant(-1.0)},
        {"uA", QuantizerGroup::Activation, false, false, "range upper", constant(1.0)},
        {"lA", QuantizerGroup::Activation, false, false, "range lower", constant(0.0)},
        {"output_scale", QuantizerGroup::Weight, false, false, "output scale", constant(1.0)},
    };
    implementation.makeQuantizer = [](const QuantConfig &config, QuantizerTensors tensors) {
        return std::make_unique<EwgsQuantizer>(config, std::move(tensors));
    };
    implementation.readClips = [](const QuantizerTensors &t) {
        LayerClips clips;
        if (t.has("lW") && t.has("uW"))
            clips.weight =
                normalizedRangeClip(t.weight, t.at("lW").item<double>(), t.at("uW").item<double>());
        if (t.has("uA"))
            clips.activation = t.at("uA").item<double>();
        return clips;
    };
    registrar.add(std::move(info), std::move(implementation));
}

} // namespace qs
