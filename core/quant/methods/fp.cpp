// Full precision: no quantizer. The baseline a quantized run is compared with, and its usual warm start.

#include "core/quant/layerquantizer.h"

#include <torch/torch.h>

namespace qs {

namespace {

class FullPrecision : public LayerQuantizer
{
public:
    using LayerQuantizer::LayerQuantizer;
    at::Tensor quantizeWeight(double, DiscretizerCapture &) override { return weight(); }
    at::Tensor quantizeActivation(const at::Tensor &x, double, DiscretizerCapture &) override { return x; }
    double weightClip() const override { return 0.0; }
    double actClip() const override { return 0.0; }
};

} // namespace

void registerQuantMethod_fp(MethodRegistrar &registrar)
{
    MethodInfo info;
    info.name = "fp";
    info.title = "Full precision";
    info.description = "full precision: y = x, no quantizer (the baseline and the usual warm start)";
    info.listPosition = 0;
    info.quantizes = false;
    info.curve = [](const CurveParams &p) {
        if (auto why = checkCurveSampling(p))
            throw std::invalid_argument(*why);
        CurveSamples out;
        out.x = Eigen::VectorXd::LinSpaced(p.points, p.from, p.to);
        out.y = out.x;
        out.yHard = out.x;
        out.dydx = Eigen::VectorXd::Ones(p.points);
        return out;
    };

    MethodImplementation implementation;
    implementation.makeQuantizer = [](const QuantConfig &config, QuantizerTensors tensors) {
        return std::make_unique<FullPrecision>(config, std::move(tensors));
    };
    implementation.readClips = [](const QuantizerTensors &) { return LayerClips{}; };
    registrar.add(std::move(info), std::move(implementation));
}

} // namespace qs
