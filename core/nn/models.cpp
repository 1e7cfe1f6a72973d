#include "core/nn/models.h"

#include "core/train/trainconfig.h"

#include <torch/torch.h>

#include <cmath>

namespace qs {

namespace F = torch::nn::functional;

std::string quantMethodName(QuantMethod method)
{
    switch (method) {
    case QuantMethod::FP:
        return "fp";
    case QuantMethod::Uniform:
        return "uniform";
    case QuantMethod::LSQ:
        return "lsq";
    case QuantMethod::PoT:
        return "pot";
    case QuantMethod::APoT:
        return "apot";
    case QuantMethod::DSQ:
        return "dsq";
    case QuantMethod::DAQ:
        return "daq";
    }
    return "unknown";
}

std::optional<QuantMethod> parseQuantMethod(const std::string &name)
{
    for (auto m : {QuantMethod::FP, QuantMethod::Uniform, QuantMethod::LSQ, QuantMethod::PoT,
                   QuantMethod::APoT, QuantMethod::DSQ, QuantMethod::DAQ})
        if (quantMethodName(m) == name)
            return m;
    return std::nullopt;
}

namespace {
std::optional<Scheme> gridScheme(QuantMethod m)
{
    switch (m) {
    case QuantMethod::Uniform:
        return Scheme::Uniform;
    case QuantMethod::PoT:
        return Scheme::PoT;
    case QuantMethod::APoT:
        return Scheme::APoT;
    default:
        return std::nullopt;
    }
}

at::Tensor scalar(double v)
{
    return torch::full({}, v);
}
} // namespace

std::optional<std::string> checkQuantConfig(const QuantConfig &c)
{
    if (c.method == QuantMethod::FP)
        return std::nullopt;
    if (auto why = checkMethodBits(quantMethodName(c.method), c.weightBits, c.actBits))
        return why;
    if (c.ewgs && (c.method == QuantMethod::DSQ || c.method == QuantMethod::DAQ))
        return "EWGS replaces the straight-through backward of a hard quantizer; " +
               quantMethodName(c.method) + " has its own backward";
    if (!(c.dsqAlphaInit > 0 && c.dsqAlphaInit <= 0.5))
        return "DSQ alpha must lie in (0, 0.5]";
    return std::nullopt;
}

// -------------------------------------------------------------------------------------------------------------

QuantConv2dImpl::QuantConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                                 const QuantConfig &config)
    : m_config(config), m_options(in, out, kernel)
{
    m_options.stride(stride).padding(padding).bias(false);
    // He init as the APoT reference: normal(0, sqrt(2 / (k * k * out))).
    weight = register_parameter("weight", torch::randn({out, in, kernel, kernel}) *
                                              std::sqrt(2.0 / double(kernel * kernel * out)));
    const auto scheme = gridScheme(config.method);
    switch (config.method) {
    case QuantMethod::FP:
        break;
    case QuantMethod::Uniform:
    case QuantMethod::PoT:
    case QuantMethod::APoT:
        weightQuant = register_module("weight_quant", std::make_shared<torch::nn::Module>("WeightQuant"));
        wgtAlpha = weightQuant->register_parameter("wgt_alpha", scalar(config.weightAlphaInit));
        actAlpha = register_parameter("act_alpha", scalar(config.actAlphaInit));
        m_weightLevels.emplace(magnitudeLevels({*scheme, config.weightBits, true}));
        m_actLevels.emplace(levelSet({*scheme, config.actBits, false}));
        break;
    case QuantMethod::LSQ:
        weightStep = register_parameter("weight_step", scalar(1.0));
        actStep = register_parameter("act_step", scalar(1.0));
        break;
    case QuantMethod::DSQ:
        weightLower = register_parameter("weight_lower", scalar(-1.0));
        weightUpper = register_parameter("weight_upper", scalar(1.0));
        weightDsqAlpha = register_parameter("weight_dsq_alpha", scalar(config.dsqAlphaInit));
        actLower = register_buffer("act_lower", scalar(0.0)); // inputs are post-ReLU
        actUpper = register_parameter("act_upper", scalar(1.0));
        actDsqAlpha = register_parameter("act_dsq_alpha", scalar(config.dsqAlphaInit));
        break;
    case QuantMethod::DAQ:
        weightLower = register_parameter("weight_lower", scalar(-3.0)); // on normalized weights
        weightUpper = register_parameter("weight_upper", scalar(3.0));
        actLower = register_buffer("act_lower", scalar(0.0));
        actUpper = register_parameter("act_upper", scalar(1.0));
        outputScale = register_parameter("output_scale", scalar(1.0));
        break;
    }
    m_initialized = register_buffer("quant_initialized", scalar(0.0));
    m_deltaW = register_buffer("ewgs_delta_w", scalar(config.ewgsDeltaInit));
    m_deltaA = register_buffer("ewgs_delta_a", scalar(config.ewgsDeltaInit));
}

void QuantConv2dImpl::setEwgsDeltas(double deltaW, double deltaA)
{
    torch::NoGradGuard noGrad;
    m_deltaW.fill_(deltaW);
    m_deltaA.fill_(deltaA);
}

void QuantConv2dImpl::markInitialized()
{
    torch::NoGradGuard noGrad;
    m_initialized.fill_(1.0);
}

double QuantConv2dImpl::ewgsDeltaW() const
{
    return m_deltaW.item<double>();
}

double QuantConv2dImpl::ewgsDeltaA() const
{
    return m_deltaA.item<double>();
}

void QuantConv2dImpl::lazyInit(const at::Tensor &x)
{
    // The learned ranges start from the first batch, as the LSQ, EWGS and DAQ references do.
    torch::NoGradGuard noGrad;
    const double halfNormal = std::sqrt(1.0 - 2.0 / M_PI);
    switch (m_config.method) {
    case QuantMethod::LSQ:
        weightStep.copy_(lsqInitialStep(weight, m_config.weightBits, true));
        actStep.copy_(lsqInitialStep(x, m_config.actBits, false).clamp_min(1e-8));
        break;
    case QuantMethod::DSQ: {
        const auto sd = weight.std();
        weightLower.copy_(-3 * sd);
        weightUpper.copy_(3 * sd);
        actUpper.copy_((3 * x.std() / halfNormal).clamp_min(1e-6));
        break;
    }
    case QuantMethod::DAQ: {
        actUpper.copy_((3 * x.std()).clamp_min(1e-6));
        const auto reference = F::conv2d(
            x, weight, F::Conv2dFuncOptions().stride(m_options.stride()).padding(m_options.padding()));
        const auto quantized =
            F::conv2d(quantizeActivation(x), quantizeWeight(),
                      F::Conv2dFuncOptions().stride(m_options.stride()).padding(m_options.padding()));
        outputScale.copy_(reference.abs().mean() / quantized.abs().mean().clamp_min(1e-12));
        break;
    }
    default:
        break;
    }
    m_initialized.fill_(1.0);
}

at::Tensor QuantConv2dImpl::quantizeWeight()
{
    const double delta = m_config.ewgs ? m_deltaW.item<double>() : 0.0;
    switch (m_config.method) {
    case QuantMethod::Uniform:
    case QuantMethod::PoT:
    case QuantMethod::APoT:
        m_captured.weightScale = wgtAlpha.item<double>();
        return powerQuantizeWeight(weightNormalize(weight), wgtAlpha, *m_weightLevels, delta);
    case QuantMethod::LSQ: {
        const auto range = lsqRange(m_config.weightBits, true);
        m_captured.weightScale = weightStep.item<double>() * double(range.qp);
        return lsqQuantize(weight, weightStep, m_config.weightBits, true,
                           lsqGradScale(weight.numel(), m_config.weightBits, true), delta);
    }
    case QuantMethod::DSQ: {
        torch::NoGradGuard noGrad;
        weightDsqAlpha.clamp_(1e-3, 0.5); // the characteristic variable stays in (0, 0.5]
    }
        return dsqQuantize(weight, weightLower, weightUpper, weightDsqAlpha, m_config.weightBits);
    case QuantMethod::DAQ:
        return daqQuantize(weightNormalize(weight), weightLower, weightUpper, m_config.weightBits, true,
                           m_config.daqGamma, m_config.daqSigmaWeight);
    case QuantMethod::FP:
        break;
    }
    return weight;
}

at::Tensor QuantConv2dImpl::quantizeActivation(const at::Tensor &x)
{
    const double delta = m_config.ewgs ? m_deltaA.item<double>() : 0.0;
    switch (m_config.method) {
    case QuantMethod::Uniform:
    case QuantMethod::PoT:
    case QuantMethod::APoT:
        m_captured.actScale = actAlpha.item<double>();
        return powerQuantizeActivation(x, actAlpha, *m_actLevels, delta);
    case QuantMethod::LSQ: {
        const auto range = lsqRange(m_config.actBits, false);
        m_captured.actScale = actStep.item<double>() * double(range.qp);
        return lsqQuantize(x, actStep, m_config.actBits, false,
                           lsqGradScale(x.numel(), m_config.actBits, false), delta);
    }
    case QuantMethod::DSQ: {
        torch::NoGradGuard noGrad;
        actDsqAlpha.clamp_(1e-3, 0.5);
    }
        return dsqQuantize(x, actLower, actUpper, actDsqAlpha, m_config.actBits);
    case QuantMethod::DAQ:
        return daqQuantize(x, actLower, actUpper, m_config.actBits, false, m_config.daqGamma,
                           m_config.daqSigmaAct);
    case QuantMethod::FP:
        break;
    }
    return x;
}

at::Tensor QuantConv2dImpl::forward(const at::Tensor &x)
{
    const auto convOptions = F::Conv2dFuncOptions().stride(m_options.stride()).padding(m_options.padding());
    if (m_inputRecorder)
        m_inputRecorder(x);
    if (m_config.method == QuantMethod::FP)
        return F::conv2d(x, weight, convOptions);
    if (m_initialized.item<double>() == 0.0)
        lazyInit(x);
    const auto w = quantizeWeight();
    const auto a = quantizeActivation(x);
    auto out = F::conv2d(a, w, convOptions);
    if (m_config.method == QuantMethod::DAQ)
        out = out * outputScale.abs();
    if (m_capture) {
        m_captured.weightOut = w;
        m_captured.actOut = a;
    }
    return out;
}

std::pair<at::Tensor, at::Tensor> QuantConv2dImpl::weightQuantizationPair()
{
    torch::NoGradGuard noGrad;
    switch (m_config.method) {
    case QuantMethod::FP:
        return {weight.detach(), weight.detach()};
    case QuantMethod::Uniform:
    case QuantMethod::PoT:
    case QuantMethod::APoT:
        return {weightNormalize(weight), quantizeWeight()};
    case QuantMethod::DAQ: {
        const auto q = quantizeWeight(); // in [-1, 1] over [lower, upper]
        return {weightNormalize(weight), weightLower + (weightUpper - weightLower) * (q + 1) / 2};
    }
    default:
        return {weight.detach(), quantizeWeight()};
    }
}

double QuantConv2dImpl::weightClip() const
{
    switch (m_config.method) {
    case QuantMethod::Uniform:
    case QuantMethod::PoT:
    case QuantMethod::APoT:
        return wgtAlpha.item<double>();
    case QuantMethod::LSQ:
        return weightStep.item<double>() * double(lsqRange(m_config.weightBits, true).qp);
    case QuantMethod::DSQ:
    case QuantMethod::DAQ:
        return weightUpper.item<double>();
    case QuantMethod::FP:
        break;
    }
    return 0.0;
}

double QuantConv2dImpl::actClip() const
{
    switch (m_config.method) {
    case QuantMethod::Uniform:
    case QuantMethod::PoT:
    case QuantMethod::APoT:
        return actAlpha.item<double>();
    case QuantMethod::LSQ:
        return actStep.item<double>() * double(lsqRange(m_config.actBits, false).qp);
    case QuantMethod::DSQ:
    case QuantMethod::DAQ:
        return actUpper.item<double>();
    case QuantMethod::FP:
        break;
    }
    return 0.0;
}

at::Tensor QuantConv2dImpl::effectiveWeight()
{
    torch::NoGradGuard noGrad;
    return quantizeWeight().detach();
}

// -------------------------------------------------------------------------------------------------------------

EdgeConv2dImpl::EdgeConv2dImpl(int64_t in, int64_t out, EdgeLayers edges) : m_edges(edges)
{
    weight = register_parameter("weight", torch::randn({out, in, 3, 3}) * std::sqrt(2.0 / double(9 * out)));
}

at::Tensor EdgeConv2dImpl::forward(const at::Tensor &x)
{
    const auto w = m_edges == EdgeLayers::MaxScaled8Bit ? maxScaled8BitQuantize(weight) : weight;
    return F::conv2d(x, w, F::Conv2dFuncOptions().padding(1));
}

EdgeLinearImpl::EdgeLinearImpl(int64_t in, int64_t out, EdgeLayers edges) : m_edges(edges)
{
    const double bound = 1.0 / std::sqrt(double(in)); // nn.Linear's default init
    weight = register_parameter("weight", torch::empty({out, in}).uniform_(-bound, bound));
    bias = register_parameter("bias", torch::empty({out}).uniform_(-bound, bound));
}

at::Tensor EdgeLinearImpl::forward(const at::Tensor &x)
{
    const auto w = m_edges == EdgeLayers::MaxScaled8Bit ? maxScaled8BitQuantize(weight) : weight;
    return F::linear(x, w, bias);
}

// -------------------------------------------------------------------------------------------------------------

BasicBlockImpl::BasicBlockImpl(int64_t in, int64_t planes, int64_t stride, Shortcut shortcut,
                               const QuantConfig &config)
    : m_stride(stride)
{
    m_conv1 = register_module("conv1", QuantConv2d(in, planes, 3, stride, 1, config));
    m_bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
    m_conv2 = register_module("conv2", QuantConv2d(planes, planes, 3, 1, 1, config));
    m_bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
    if (stride != 1 || in != planes) {
        if (shortcut == Shortcut::B) {
            m_downsample = register_module(
                "downsample", torch::nn::Sequential(QuantConv2d(in, planes, 1, stride, 0, config),
                                                    torch::nn::BatchNorm2d(planes)));
        } else {
            m_padChannels = (planes - in) / 2; // F.pad(x[:, :, ::2, ::2], (0,0,0,0, planes//4, planes//4))
        }
    }
}

at::Tensor BasicBlockImpl::forward(const at::Tensor &x)
{
    auto out = torch::relu(m_bn1(m_conv1(x)));
    out = m_bn2(m_conv2(out));
    at::Tensor residual = x;
    if (m_downsample) {
        residual = m_downsample->forward(x);
    } else if (m_padChannels > 0 || m_stride != 1) {
        using torch::indexing::Slice;
        residual = x.index({Slice(), Slice(), Slice(torch::indexing::None, torch::indexing::None, m_stride),
                            Slice(torch::indexing::None, torch::indexing::None, m_stride)});
        residual = F::pad(residual, F::PadFuncOptions({0, 0, 0, 0, m_padChannels, m_padChannels}));
    }
    return torch::relu(out + residual);
}

std::optional<std::string> checkResNetOptions(const ResNetOptions &o)
{
    if (o.depth < 8 || (o.depth - 2) % 6 != 0 || o.depth > 110)
        return "ResNet depth must be 6n + 2 (20, 32, 44, 56), not " + std::to_string(o.depth);
    if (o.inputChannels < 1 || o.numClasses < 2)
        return "a model needs at least one input channel and two classes";
    return checkQuantConfig(o.quant);
}

ResNetImpl::ResNetImpl(const ResNetOptions &options) : m_options(options)
{
    if (auto why = checkResNetOptions(options))
        throw std::invalid_argument(*why);
    const int64_t n = (options.depth - 2) / 6;
    m_conv1 = register_module("conv1", EdgeConv2d(options.inputChannels, 16, options.quant.edges));
    m_bn1 = register_module("bn1", torch::nn::BatchNorm2d(16));
    int64_t in = 16;
    auto makeLayer = [&](int64_t planes, int64_t stride) {
        torch::nn::Sequential layer;
        for (int64_t i = 0; i < n; ++i) {
            layer->push_back(BasicBlock(in, planes, i == 0 ? stride : 1, options.shortcut, options.quant));
            in = planes;
        }
        return layer;
    };
    m_layer1 = register_module("layer1", makeLayer(16, 1));
    m_layer2 = register_module("layer2", makeLayer(32, 2));
    m_layer3 = register_module("layer3", makeLayer(64, 2));
    m_fc = register_module("fc", EdgeLinear(64, options.numClasses, options.quant.edges));
}

at::Tensor ResNetImpl::forward(const at::Tensor &x)
{
    auto out = torch::relu(m_bn1(m_conv1(x)));
    out = m_layer3->forward(m_layer2->forward(m_layer1->forward(out)));
    // Global average pooling: the reference's AvgPool2d(8) on 32x32 inputs, and any other input size.
    out = F::adaptive_avg_pool2d(out, F::AdaptiveAvgPool2dFuncOptions(1)).flatten(1);
    return m_fc(out);
}

std::vector<std::pair<std::string, QuantConv2d>> ResNetImpl::quantLayers()
{
    std::vector<std::pair<std::string, QuantConv2d>> layers;
    for (const auto &item : named_modules()) {
        if (auto conv = std::dynamic_pointer_cast<QuantConv2dImpl>(item.value()))
            layers.emplace_back(item.key(), QuantConv2d(conv));
    }
    return layers;
}

bool isQuantizerParameterName(const std::string &name)
{
    const auto dot = name.rfind('.');
    const std::string last = dot == std::string::npos ? name : name.substr(dot + 1);
    for (const char *k : {"act_alpha", "wgt_alpha", "weight_step", "act_step", "weight_lower", "weight_upper",
                          "act_lower", "act_upper", "weight_dsq_alpha", "act_dsq_alpha", "output_scale"})
        if (last == k)
            return true;
    return false;
}

int64_t parameterCount(torch::nn::Module &module)
{
    int64_t count = 0;
    for (const auto &p : module.parameters())
        count += p.numel();
    return count;
}

} // namespace qs
