#include "core/nn/models.h"

#include "core/quant/hutchinson.h"

#include <torch/torch.h>

#include <cmath>
#include <map>

namespace qs {

namespace F = torch::nn::functional;

QuantConv2dImpl::QuantConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                                 const QuantConfig &config)
    : m_config(config), m_method(&quantMethod(config.method)),
      m_implementation(&quantMethodImplementation(config.method)), m_options(in, out, kernel)
{
    m_options.stride(stride).padding(padding).bias(false);
    // He init as the APoT reference: normal(0, sqrt(2 / (k * k * out))).
    weight = register_parameter("weight", torch::randn({out, in, kernel, kernel}) *
                                              std::sqrt(2.0 / double(kernel * kernel * out)));
    QuantizerTensors tensors;
    tensors.weight = weight;
    tensors.weightBits = config.weightBits;
    tensors.actBits = config.actBits;
    for (const auto &spec : m_implementation->tensors) {
        // A dotted name lives in a child module, as the APoT reference's weight_quant.wgt_alpha does.
        torch::nn::Module *owner = this;
        std::string local = spec.name;
        if (const auto dot = spec.name.find('.'); dot != std::string::npos) {
            const std::string child = spec.name.substr(0, dot);
            local = spec.name.substr(dot + 1);
            const auto children = named_children();
            const auto *existing = children.find(child);
            owner = existing ? existing->get()
                             : register_module(child, std::make_shared<torch::nn::Module>(child)).get();
        }
        const auto initial = torch::full({}, spec.initialValue(config));
        const auto tensor =
            spec.buffer ? owner->register_buffer(local, initial) : owner->register_parameter(local, initial);
        tensors.byName.emplace(spec.name, tensor);
        m_quantizerTensors.push_back({&spec, tensor});
    }
    m_initialized = register_buffer("quant_initialized", torch::full({}, 0.0));
    m_deltaW = register_buffer("ewgs_delta_w", torch::full({}, config.ewgsDeltaInit));
    m_deltaA = register_buffer("ewgs_delta_a", torch::full({}, config.ewgsDeltaInit));
    m_quantizer = m_implementation->makeQuantizer(m_config, std::move(tensors));
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

at::Tensor QuantConv2dImpl::convolve(const at::Tensor &x, const at::Tensor &w) const
{
    return F::conv2d(x, w, F::Conv2dFuncOptions().stride(m_options.stride()).padding(m_options.padding()));
}

at::Tensor QuantConv2dImpl::forward(const at::Tensor &x)
{
    if (m_inputRecorder)
        m_inputRecorder(x);
    if (!m_method->quantizes)
        return convolve(x, weight);
    if (m_initialized.item<double>() == 0.0) {
        // The learned ranges start from the first batch, as the LSQ, EWGS and DAQ references do.
        torch::NoGradGuard noGrad;
        m_quantizer->initialize(
            x, [this](const at::Tensor &input, const at::Tensor &w) { return convolve(input, w); });
        m_initialized.fill_(1.0);
    }
    // delta (x_n - x_q) in the configured units is (delta * scale) times the quantizer's own distance.
    const double deltaW = m_config.ewgs ? m_deltaW.item<double>() * m_config.ewgsWeightDistanceScale : 0.0;
    const double deltaA = m_config.ewgs ? m_deltaA.item<double>() : 0.0;
    at::Tensor w, a;
    // Finite-difference Hessian products (hutchinson.h) perturb the discretizer outputs the delta update
    // differentiates at: the captured ones where the method captures (EWGS's w_q), else the quantizer's.
    if (at::Tensor discretized; HessianTape::replayQuantizers(this, x, discretized, a)) {
        w = m_quantizer->weightFromDiscretizerOutput(discretized);
    } else {
        // A method may capture its discretizer outputs itself (EWGS: w_q in [0, 1] before the map to
        // [-1, 1]); otherwise the delta update differentiates at the quantizer outputs.
        m_captured = DiscretizerCapture{};
        w = m_quantizer->quantizeWeight(deltaW, m_captured);
        // The delta update estimates delta per unit of the configured distance: the quantized value in those
        // units is the output over (weightScale / distance scale).
        m_captured.weightScale /= m_config.ewgsWeightDistanceScale;
        a = m_quantizer->quantizeActivation(x, deltaA, m_captured);
        TORCH_CHECK(!m_captured.actOut.defined() || m_captured.actOut.is_same(a),
                    "a method captured an activation output other than the one the conv uses: the "
                    "finite-difference Hessian replay would perturb the wrong tensor");
        HessianTape::recordQuantizers(this, x, m_captured.weightOut.defined() ? m_captured.weightOut : w, a);
    }
    auto out = m_quantizer->scaleOutput(convolve(a, w));
    if (m_capture) {
        if (!m_captured.weightOut.defined())
            m_captured.weightOut = w;
        if (!m_captured.actOut.defined())
            m_captured.actOut = a;
    } else {
        m_captured.weightOut = at::Tensor(); // holds no graph between updates
        m_captured.actOut = at::Tensor();
    }
    return out;
}

std::pair<at::Tensor, at::Tensor> QuantConv2dImpl::weightQuantizationPair()
{
    torch::NoGradGuard noGrad;
    return m_quantizer->weightQuantizationPair();
}

double QuantConv2dImpl::weightClip() const
{
    return m_quantizer->weightClip();
}

double QuantConv2dImpl::actClip() const
{
    return m_quantizer->actClip();
}

LayerClips QuantConv2dImpl::learnedClips() const
{
    torch::NoGradGuard noGrad;
    return m_implementation->readClips ? m_implementation->readClips(m_quantizer->tensors()) : LayerClips{};
}

at::Tensor QuantConv2dImpl::effectiveWeight()
{
    torch::NoGradGuard noGrad;
    DiscretizerCapture scratch;
    return m_quantizer->quantizeWeight(m_config.ewgs ? m_deltaW.item<double>() : 0.0, scratch).detach();
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
    auto out = HessianTape::relu(m_bn1(m_conv1(x)));
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
    return HessianTape::relu(out + residual);
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
    if (const MethodInfo *method = findQuantMethod(options.quant.method);
        method && method->classifierBatchNorm)
        m_bn2 = register_module("bn2", torch::nn::BatchNorm1d(64));
    m_fc = register_module("fc", EdgeLinear(64, options.numClasses, options.quant.edges));
}

at::Tensor ResNetImpl::forward(const at::Tensor &x)
{
    auto out = HessianTape::relu(m_bn1(m_conv1(x)));
    out = m_layer3->forward(m_layer2->forward(m_layer1->forward(out)));
    // Global average pooling: the reference's AvgPool2d(8) on 32x32 inputs, and any other input size.
    out = F::adaptive_avg_pool2d(out, F::AdaptiveAvgPool2dFuncOptions(1)).flatten(1);
    if (m_bn2)
        out = m_bn2(out);
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

ParameterGroups parameterGroups(ResNetImpl &model)
{
    // Declared, not guessed from names; the model's parameter order is the order optimizer state is saved in.
    std::map<const c10::TensorImpl *, QuantizerGroup> declared;
    for (auto &[name, layer] : model.quantLayers())
        for (const auto &t : layer->quantizerTensors())
            declared.emplace(t.tensor.unsafeGetTensorImpl(), t.spec->group);
    ParameterGroups groups;
    for (const auto &p : model.parameters()) {
        const auto it = declared.find(p.unsafeGetTensorImpl());
        if (it == declared.end())
            groups.model.push_back(p);
        else if (it->second == QuantizerGroup::Activation)
            groups.activationQuantizer.push_back(p);
        else
            groups.weightQuantizer.push_back(p);
    }
    return groups;
}

int64_t parameterCount(torch::nn::Module &module)
{
    int64_t count = 0;
    for (const auto &p : module.parameters())
        count += p.numel();
    return count;
}

} // namespace qs
