#include "core/deploy/deploy.h"

#include "core/deploy/cruntime.h"
#include "core/error.h"
#include "core/io/atomicfile.h"
#include "core/sweep/sweepplan.h"
#include "core/torchedge.h"
#include "core/train/evaluation.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <map>
#include <sstream>

namespace qs {

namespace {

// Stream values are real * 2^22 in int32 (QS_MODEL_FRAC): steps of 2.4e-7, near float32's at the activations'
// size (a coarser step moves values across a quantizer threshold, most on PoT grids whose lowest levels are
// 2^-14 of the clip), and room up to +-512, far above a trained CIFAR ResNet's activations; beyond it values
// saturate and the driver says so. Level codes computed from a conv's output compare at its full precision.
constexpr int kFrac = 22;

[[noreturn]] void fail(const std::string &line)
{
    throw Error(line);
}

// The smallest Q = q * 2^k (q odd, <= 255) that makes every level * Q an integer: levels of PoT and APoT
// grids are dyadic up to their normalization, uniform ones are multiples of 1 / (2^b - 1).
double integerScale(const std::vector<double> &levels, const std::string &what)
{
    std::vector<double> candidates;
    for (int q = 1; q <= 255; q += 2)
        for (int k = 0; k <= 30; ++k)
            if (double(q) * std::ldexp(1.0, k) <= std::ldexp(1.0, 30))
                candidates.push_back(double(q) * std::ldexp(1.0, k));
    std::sort(candidates.begin(), candidates.end());
    for (double scale : candidates) {
        bool exact = true;
        for (double l : levels) {
            const double v = l * scale;
            if (std::abs(v - std::round(v)) > 1e-7 * std::max(1.0, std::abs(v))) {
                exact = false;
                break;
            }
        }
        if (exact)
            return scale;
    }
    fail(what + ": its levels have no common integer scale up to 2^30; the C model cannot hold them exactly");
}

std::vector<int> shiftTerms(int64_t magnitude)
{
    std::vector<int> shifts;
    for (int bit = 0; bit < 62; ++bit)
        if (magnitude & (int64_t(1) << bit))
            shifts.push_back(bit);
    return shifts;
}

struct Requant
{
    std::vector<int32_t> multiplier;
    std::vector<int64_t> bias;
    int shift = 0;
};

// y * 2^kFrac = (acc * multiplier + bias) >> shift for y = acc * scale[c] + offset[c], with |acc| <=
// accBound.
Requant makeRequant(const std::vector<double> &scale, const std::vector<double> &offset, double accBound,
                    const std::string &layer)
{
    double maxScale = 0;
    for (double s : scale)
        maxScale = std::max(maxScale, std::abs(s) * std::ldexp(1.0, kFrac));
    if (!(maxScale > 0) || !std::isfinite(maxScale))
        fail(layer +
             ": its BatchNorm scales to zero or infinity (running_var and weight), nothing to requantize");
    const int scaleBits = int(std::ceil(std::log2(maxScale)));
    const int accBits = int(std::ceil(std::log2(accBound + 1)));
    int shift = std::min({30 - scaleBits, 62 - accBits - scaleBits, 40});
    if (shift < 0)
        fail(layer + ": its requantization needs " + std::to_string(accBits + scaleBits) +
             " bits, more than the 62 of the C model's 64-bit accumulator");
    Requant r;
    r.shift = shift;
    for (size_t c = 0; c < scale.size(); ++c) {
        r.multiplier.push_back(int32_t(std::llround(scale[c] * std::ldexp(1.0, kFrac + shift))));
        const double b = offset[c] * std::ldexp(1.0, kFrac + shift);
        if (!(std::abs(b) < std::ldexp(1.0, 62)))
            fail(layer + ": its BatchNorm offset of channel " + std::to_string(c) + " (" +
                 std::to_string(offset[c]) + ") does not fit the C model's fixed point");
        r.bias.push_back(int64_t(std::llround(b)) + (shift > 0 ? (int64_t(1) << (shift - 1)) : 0));
    }
    return r;
}

struct BatchNormFold
{
    std::vector<double> scale, offset; // bn(z) = z * scale + offset, per channel
};

BatchNormFold foldBatchNorm(const std::shared_ptr<torch::nn::Module> &module, const std::string &name)
{
    auto bn = std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(module);
    if (!bn)
        fail(name + ": expected a BatchNorm2d after the convolution");
    const auto mean = bn->running_mean.to(torch::kDouble).contiguous();
    const auto var = bn->running_var.to(torch::kDouble).contiguous();
    const auto gamma = bn->weight.to(torch::kDouble).contiguous();
    const auto beta = bn->bias.to(torch::kDouble).contiguous();
    const double eps = bn->options.eps();
    BatchNormFold f;
    for (int64_t c = 0; c < mean.numel(); ++c) {
        const double s = gamma[c].item<double>() / std::sqrt(var[c].item<double>() + eps);
        f.scale.push_back(s);
        f.offset.push_back(beta[c].item<double>() - mean[c].item<double>() * s);
    }
    return f;
}

// ---------------------------------------------------------------------------------------------------------------
// The model as the C file holds it.

struct CodesInput // a quantized conv's input quantizer: stream -> level codes
{
    std::vector<int64_t> thresholds;     // alpha * midpoints, on the stream scale
    std::vector<double> exactThresholds; // the same before rounding
    std::vector<int32_t> integers;       // code -> activation integer
    double scale = 1;                    // activation = alpha * integer / scale
};

struct QConv
{
    std::string name, id;
    int64_t cin = 0, cout = 0, k = 3, stride = 1, pad = 1, inH = 0, inW = 0, outH = 0, outW = 0;
    int wbits = 0, abits = 0;
    std::vector<int> codes;          // per weight, index into levels
    std::vector<DeployLevel> levels; // signed weight grid
    DeployArithmetic arithmetic = DeployArithmetic::ShiftAdd;
    CodesInput input;
    double accScale = 0, accBound = 0; // real product sum = acc * accScale; |acc| <= accBound
    Requant requant;
};

struct EdgeConv
{
    int64_t cin = 0, cout = 0, h = 0, w = 0;
    std::vector<int32_t> weights;
    int bits = 8;
    Requant requant;
};

struct Block
{
    std::string name;
    QConv conv1, conv2;
    std::optional<QConv> downsample;
    int64_t padChannels = 0, stride = 1;
};

struct Classifier
{
    int64_t in = 0, out = 0, hw = 0;
    std::vector<int32_t> weights;
    int bits = 8;
    std::vector<int64_t> bias;
    double logitScale = 1;
};

struct CModel
{
    DeployPlan plan;
    std::vector<int32_t> inputLut; // channel * 256 + pixel
    EdgeConv stem;
    std::vector<Block> blocks;
    Classifier fc;
};

// Edge-layer weights as integers: the APoT reference's round(W / max(W) * 127) exactly, or (trained in float)
// 16-bit with max|W| as the scale.
std::pair<std::vector<int32_t>, double> edgeIntegers(const at::Tensor &weight, bool maxScaled8Bit, int &bits,
                                                     const std::string &name)
{
    const auto w = weight.to(torch::kDouble).contiguous().flatten();
    std::vector<int32_t> ints(size_t(w.numel()));
    double scale;
    if (maxScaled8Bit) {
        const double m = w.max().item<double>();
        if (!(m > 0))
            fail(name + ": the largest weight must be positive for the 8-bit max-scaled quantizer, got " +
                 std::to_string(m));
        scale = m / 127;
        bits = 8;
    } else {
        const double m = w.abs().max().item<double>();
        if (!(m > 0))
            fail(name + ": every weight is zero");
        scale = m / 32767;
        bits = 16;
    }
    const auto *p = w.data_ptr<double>();
    for (size_t i = 0; i < ints.size(); ++i) {
        ints[i] = int32_t(std::nearbyint(p[i] / scale)); // torch.round: half to even, as nearbyint
        if (ints[i] < -128 || ints[i] > 127)
            bits = 16;
    }
    return {ints, scale};
}

QConv quantConv(const std::string &name, QuantConv2dImpl &conv, Scheme scheme, bool zeroLevel, int64_t inH,
                int64_t inW)
{
    QConv q;
    q.name = name;
    q.id = name;
    std::replace(q.id.begin(), q.id.end(), '.', '_');
    const auto opts = conv.options();
    q.cout = conv.weight.size(0);
    q.cin = conv.weight.size(1);
    q.k = conv.weight.size(2);
    q.stride = opts.stride()->at(0);
    q.pad = q.k / 2; // the ResNets' 3x3 convs pad 1, their 1x1 shortcuts 0 (models.cpp)
    q.inH = inH;
    q.inW = inW;
    q.outH = (inH + 2 * q.pad - q.k) / q.stride + 1;
    q.outW = (inW + 2 * q.pad - q.k) / q.stride + 1;
    q.wbits = conv.config().weightBits;
    q.abits = conv.config().actBits;

    double alphaW = 0, alphaA = 0;
    for (const auto &t : conv.quantizerTensors()) {
        if (t.spec->name == "weight_quant.wgt_alpha")
            alphaW = t.tensor.item<double>();
        else if (t.spec->name == "act_alpha")
            alphaA = t.tensor.item<double>();
    }
    if (!(alphaW > 0) || !(alphaA > 0))
        fail(name + ": its clips must be positive (wgt_alpha " + std::to_string(alphaW) + ", act_alpha " +
             std::to_string(alphaA) + ")");

    // Weights: the conv's own quantized weights, mapped to their level index.
    const std::vector<double> levels = levelSet({scheme, q.wbits, true, zeroLevel});
    const double wScale = integerScale(levels, name + " weights");
    const auto w = conv.effectiveWeight().to(torch::kDouble).contiguous().flatten();
    const auto *wp = w.data_ptr<double>();
    q.codes.resize(size_t(w.numel()));
    for (size_t i = 0; i < q.codes.size(); ++i) {
        const double v = wp[i] / alphaW;
        const auto it = std::min_element(levels.begin(), levels.end(), [v](double a, double b) {
            return std::abs(a - v) < std::abs(b - v);
        });
        if (std::abs(*it - v) > 1e-4)
            fail(name + ": weight " + std::to_string(i) + " (" + std::to_string(v) +
                 " of alpha) is not on the " + schemeName(scheme) + " grid");
        q.codes[i] = int(it - levels.begin());
    }
    int maxPopcount = 0;
    for (double l : levels) {
        DeployLevel d;
        d.level = l;
        d.integer = std::llround(l * wScale);
        d.shifts = shiftTerms(std::llabs(d.integer));
        maxPopcount = std::max(maxPopcount, int(d.shifts.size()));
        q.levels.push_back(d);
    }
    q.arithmetic = scheme != Scheme::Uniform && maxPopcount <= 3 ? DeployArithmetic::ShiftAdd
                                                                 : DeployArithmetic::Multiply;

    // Input activations: thresholds at alpha times the level midpoints; codes index the unsigned grid.
    const std::vector<double> actLevels = levelSet({scheme, q.abits, false});
    q.input.scale = integerScale(actLevels, name + " activations");
    for (size_t i = 0; i + 1 < actLevels.size(); ++i) {
        q.input.exactThresholds.push_back(alphaA * 0.5 * (actLevels[i] + actLevels[i + 1]) *
                                          std::ldexp(1.0, kFrac));
        q.input.thresholds.push_back(std::llround(q.input.exactThresholds.back()));
    }
    for (double l : actLevels)
        q.input.integers.push_back(int32_t(std::llround(l * q.input.scale)));

    // Bounds: an activation integer shifted or multiplied must fit int32, a sum of them the requantization.
    const double maxAct = q.input.integers.back();
    double maxWeight = 0, accBound = 0;
    const int64_t taps = q.cin * q.k * q.k;
    for (const auto &l : q.levels)
        maxWeight = std::max(maxWeight, double(std::llabs(l.integer)));
    if (maxAct * maxWeight >= std::ldexp(1.0, 31))
        fail(name + ": an activation integer (" + std::to_string(int64_t(maxAct)) +
             ") times a weight integer (" + std::to_string(int64_t(maxWeight)) + ") overflows 32 bits");
    for (int64_t co = 0; co < q.cout; ++co) {
        double sum = 0;
        for (int64_t t = 0; t < taps; ++t)
            sum += double(std::llabs(q.levels[size_t(q.codes[size_t(co * taps + t)])].integer));
        accBound = std::max(accBound, sum * maxAct);
    }
    q.accBound = accBound;
    // product = (alphaW level_w)(alphaA level_a) = alphaW alphaA / (wScale actScale) * acc
    q.accScale = alphaW * alphaA / (wScale * q.input.scale);
    return q;
}

std::string displayScheme(Scheme s)
{
    return s == Scheme::Uniform ? "Uniform" : s == Scheme::PoT ? "PoT" : "APoT";
}

// The evaluation of the model deploy writes: the checkpoint on the CPU, with the options' grid and bits.
EvalRequest evalRequestFor(const DeployOptions &o)
{
    EvalRequest req;
    req.weights = o.weights;
    req.device = "cpu";
    if (!o.scheme.empty()) {
        const auto scheme = parseScheme(o.scheme);
        if (!scheme)
            throw std::invalid_argument("--scheme must be uniform, pot or apot, not '" + o.scheme + "'");
        req.quant = schemeName(*scheme);
    }
    if (o.wbits < 0 || o.abits < 0 || o.wbits > 8 || o.abits > 8)
        throw std::invalid_argument("deploy: bits must be 1..8 (0: as trained), not W" +
                                    std::to_string(o.wbits) + "A" + std::to_string(o.abits));
    req.wbits = o.wbits;
    req.abits = o.abits;
    return req;
}

CModel buildModel(const DeployOptions &o)
{
    auto m = prepareModel(evalRequestFor(o));
    const MethodInfo &method = quantMethod(m.config.method);
    if (!method.gridScheme || method.name != schemeName(*method.gridScheme))
        fail(o.weights + ": deploy writes uniform, PoT and APoT models; this one is " +
             (method.quantizes ? method.title : std::string("full precision")) +
             " (choose a scheme to round it onto one: --scheme uniform|pot|apot)");
    const Scheme scheme = *method.gridScheme;
    auto &model = *m.model;
    model.eval();
    torch::NoGradGuard noGrad;

    CModel c;
    DeployPlan &plan = c.plan;
    plan.scheme = scheme;
    plan.wbits = m.config.wbits;
    plan.abits = m.config.abits;
    plan.inputChannels = m.channels;
    plan.numClasses = m.classes;

    std::map<std::string, std::shared_ptr<torch::nn::Module>> modules;
    for (const auto &item : model.named_modules("", false))
        modules[item.key()] = item.value();
    auto module = [&](const std::string &name) {
        const auto it = modules.find(name);
        if (it == modules.end())
            fail(o.weights + ": the model has no '" + name + "' (not a CIFAR ResNet)");
        return it->second;
    };
    if (modules.count("bn2"))
        fail(o.weights + ": a BatchNorm before the classifier (EWGS's layout) is not supported by deploy");

    // Input: the data set's normalization as a lookup table per channel.
    Normalization norm;
    std::string kindNote;
    if (!m.dataSpec.empty()) {
        const auto spec = parseDatasetSpec(m.dataSpec);
        norm = normalizationFor(spec, m.config.mean, m.config.std, m.channels);
        if (spec.kind == DatasetKind::Mnist || spec.kind == DatasetKind::FashionMnist)
            plan.height = plan.width = 28;
    } else {
        norm = defaultNormalization(DatasetKind::Cifar10);
        plan.notes.push_back(
            "The file names no data set: CIFAR-10's normalization and 32x32 inputs assumed.");
    }
    for (int64_t ch = 0; ch < m.channels; ++ch) {
        const size_t i = norm.mean.size() == 1 ? 0 : size_t(ch);
        plan.mean.push_back(norm.mean.empty() ? 0.0 : norm.mean[i]);
        plan.std.push_back(norm.std.empty() ? 1.0 : norm.std[i]);
    }
    double maxInput = 0;
    for (int64_t ch = 0; ch < m.channels; ++ch)
        for (int px = 0; px < 256; ++px) {
            // As the loader: float32 x * scale + shift with scale = 1 / (255 std), shift = -mean / std.
            const float scale = float(1.0 / (255.0 * plan.std[size_t(ch)]));
            const float shift = float(-plan.mean[size_t(ch)] / plan.std[size_t(ch)]);
            const double v = double(float(px) * scale + shift);
            c.inputLut.push_back(int32_t(std::llround(v * std::ldexp(1.0, kFrac))));
            maxInput = std::max(maxInput, std::abs(double(c.inputLut.back())));
        }

    // First conv (+ BatchNorm + ReLU).
    const bool maxScaled = model.options().quant.edges == EdgeLayers::MaxScaled8Bit;
    {
        auto stem = std::dynamic_pointer_cast<EdgeConv2dImpl>(module("conv1"));
        if (!stem)
            fail(o.weights + ": conv1 is not a CIFAR ResNet's first conv");
        c.stem.cout = stem->weight.size(0);
        c.stem.cin = stem->weight.size(1);
        c.stem.h = plan.height;
        c.stem.w = plan.width;
        auto [ints, scale] = edgeIntegers(stem->weight, maxScaled, c.stem.bits, "conv1");
        c.stem.weights = ints;
        const auto bn = foldBatchNorm(module("bn1"), "bn1");
        std::vector<double> k;
        double bound = 0;
        const int64_t taps = c.stem.cin * 9;
        for (int64_t co = 0; co < c.stem.cout; ++co) {
            k.push_back(scale * std::ldexp(1.0, -kFrac) * bn.scale[size_t(co)]);
            double sum = 0;
            for (int64_t t = 0; t < taps; ++t)
                sum += std::abs(double(ints[size_t(co * taps + t)]));
            bound = std::max(bound, sum * maxInput);
        }
        c.stem.requant = makeRequant(k, bn.offset, bound, "conv1");
    }

    // Blocks.
    bool zeroLevel = true;
    int64_t C = c.stem.cout, H = plan.height, W = plan.width;
    for (int layer = 1; layer <= 3; ++layer) {
        for (int i = 0;; ++i) {
            const std::string name = "layer" + std::to_string(layer) + "." + std::to_string(i);
            if (!modules.count(name))
                break;
            Block b;
            b.name = name;
            auto qconv = [&](const std::string &n) -> QuantConv2dImpl & {
                auto conv = std::dynamic_pointer_cast<QuantConv2dImpl>(module(n));
                if (!conv)
                    fail(o.weights + ": " + n + " is not a quantized conv");
                return *conv;
            };
            auto &conv1 = qconv(name + ".conv1");
            zeroLevel = conv1.config().option("zero_level") != 0;
            b.conv1 = quantConv(name + ".conv1", conv1, scheme, zeroLevel, H, W);
            b.conv2 = quantConv(name + ".conv2", qconv(name + ".conv2"), scheme, zeroLevel, b.conv1.outH,
                                b.conv1.outW);
            for (auto [conv, bnName] :
                 {std::pair{&b.conv1, name + ".bn1"}, std::pair{&b.conv2, name + ".bn2"}}) {
                const auto bn = foldBatchNorm(module(bnName), bnName);
                std::vector<double> k;
                for (double s : bn.scale)
                    k.push_back(conv->accScale * s);
                conv->requant = makeRequant(k, bn.offset, conv->accBound, conv->name);
            }
            if (modules.count(name + ".downsample")) {
                b.downsample =
                    quantConv(name + ".downsample.0", qconv(name + ".downsample.0"), scheme, zeroLevel, H, W);
                const auto bn = foldBatchNorm(module(name + ".downsample.1"), name + ".downsample.1");
                std::vector<double> k;
                for (double s : bn.scale)
                    k.push_back(b.downsample->accScale * s);
                b.downsample->requant = makeRequant(k, bn.offset, b.downsample->accBound, b.downsample->name);
            } else if (b.conv1.cout != C || b.conv1.stride != 1) {
                b.padChannels = (b.conv2.cout - C) / 2;
                b.stride = b.conv1.stride;
            }
            C = b.conv2.cout;
            H = b.conv2.outH;
            W = b.conv2.outW;
            c.blocks.push_back(std::move(b));
        }
    }
    if (c.blocks.empty())
        fail(o.weights + ": no residual blocks (layer1.0 ...) found");
    plan.zeroLevel = zeroLevel;

    // Classifier on the pooled stream: logits * (hw 2^kFrac / scale) = sum_c N_jc pooled_c + bias_j.
    {
        auto fc = std::dynamic_pointer_cast<EdgeLinearImpl>(module("fc"));
        if (!fc)
            fail(o.weights + ": fc is not the classifier");
        c.fc.out = fc->weight.size(0);
        c.fc.in = fc->weight.size(1);
        c.fc.hw = H * W;
        if (c.fc.in != C)
            fail(o.weights + ": fc takes " + std::to_string(c.fc.in) + " features, the last block gives " +
                 std::to_string(C));
        auto [ints, scale] = edgeIntegers(fc->weight, maxScaled, c.fc.bits, "fc");
        c.fc.weights = ints;
        c.fc.logitScale = scale / (double(c.fc.hw) * std::ldexp(1.0, kFrac));
        const auto bias = fc->bias.to(torch::kDouble).contiguous();
        for (int64_t j = 0; j < c.fc.out; ++j)
            c.fc.bias.push_back(std::llround(bias[j].item<double>() / c.fc.logitScale));
    }

    plan.model = displayScheme(scheme) + " W" + std::to_string(plan.wbits) + "A" +
                 std::to_string(plan.abits) + (zeroLevel ? "" : " without 0") + " ResNet-" +
                 std::to_string(m.config.depth) + " from " +
                 std::filesystem::path(o.weights).filename().string();
    plan.notes.push_back(
        maxScaled ? "First conv and classifier: the APoT reference's 8-bit max-scaled weights, exactly."
                  : "First conv and classifier were trained in float: deployed as 16-bit integers "
                    "(scale max|W| / 32767).");
    plan.notes.push_back("Between layers: level codes (uint8) into quantized convs, int32 fixed point (22 "
                         "fractional bits, up to +-512) on the residual stream; BatchNorm folded into "
                         "per-channel 32-bit multipliers.");
    plan.notes.push_back(
        "An activation exactly on a midpoint between two levels goes to the lower level; the "
        "app's uniform grid rounds such ties to even.");
    return c;
}

// ---------------------------------------------------------------------------------------------------------------
// Counting.

struct Ops
{
    int64_t multiplies = 0, shifts = 0, adds = 0;
};

// Products of a conv whose weights at (co, tap) cost cost(co, tap) = {multiplies, shifts, adds}, only taps
// that fall inside the input counted.
template <typename Cost>
Ops convOps(int64_t cout, int64_t cin, int64_t k, int64_t stride, int64_t pad, int64_t inH, int64_t inW,
            int64_t outH, int64_t outW, Cost cost)
{
    Ops ops;
    for (int64_t co = 0; co < cout; ++co) {
        std::vector<Ops> perTap(size_t(k * k));
        for (int64_t ci = 0; ci < cin; ++ci)
            for (int64_t t = 0; t < k * k; ++t) {
                const Ops c = cost(co, ci * k * k + t);
                perTap[size_t(t)].multiplies += c.multiplies;
                perTap[size_t(t)].shifts += c.shifts;
                perTap[size_t(t)].adds += c.adds;
            }
        for (int64_t oh = 0; oh < outH; ++oh)
            for (int64_t ow = 0; ow < outW; ++ow)
                for (int64_t kh = 0; kh < k; ++kh) {
                    const int64_t ih = oh * stride - pad + kh;
                    if (ih < 0 || ih >= inH)
                        continue;
                    for (int64_t kw = 0; kw < k; ++kw) {
                        const int64_t iw = ow * stride - pad + kw;
                        if (iw < 0 || iw >= inW)
                            continue;
                        const Ops &c = perTap[size_t(kh * k + kw)];
                        ops.multiplies += c.multiplies;
                        ops.shifts += c.shifts;
                        ops.adds += c.adds;
                    }
                }
    }
    // Requantization of every output: one 64-bit multiply, one add, one shift.
    const int64_t outputs = cout * outH * outW;
    ops.multiplies += outputs;
    ops.adds += outputs;
    ops.shifts += outputs;
    return ops;
}

Ops qconvOps(const QConv &q)
{
    const int64_t taps = q.cin * q.k * q.k;
    return convOps(q.cout, q.cin, q.k, q.stride, q.pad, q.inH, q.inW, q.outH, q.outW,
                   [&](int64_t co, int64_t t) {
                       const DeployLevel &l = q.levels[size_t(q.codes[size_t(co * taps + t)])];
                       Ops c;
                       if (l.integer == 0)
                           return c;
                       if (q.arithmetic == DeployArithmetic::Multiply) {
                           c.multiplies = 1;
                           c.adds = 1;
                       } else {
                           for (int s : l.shifts)
                               c.shifts += s > 0 ? 1 : 0; // a << 0 is no instruction
                           c.adds = int64_t(l.shifts.size());
                       }
                       return c;
                   });
}

int64_t packedBytes(size_t count, int bits)
{
    return int64_t((count * size_t(bits) + 7) / 8) + 1; // one pad byte: qs_unpack reads 16 bits at a time
}

// ---------------------------------------------------------------------------------------------------------------
// C text.

template <typename T>
void emitArray(std::ostringstream &out, const std::string &type, const std::string &name,
               const std::vector<T> &values, const char *suffix = "")
{
    out << "static const " << type << " " << name << "[" << std::max<size_t>(values.size(), 1) << "] = {";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i % 16 == 0)
            out << "\n    ";
        const long long v = static_cast<long long>(values[i]);
        if (v == std::numeric_limits<long long>::min())
            out << "(-9223372036854775807LL - 1)";
        else
            out << v << suffix;
        out << (i + 1 < values.size() ? ", " : "");
    }
    if (values.empty())
        out << "0";
    out << "\n};\n";
}

std::vector<uint8_t> packCodes(const std::vector<int> &codes, int bits)
{
    std::vector<uint8_t> packed(size_t(packedBytes(codes.size(), bits)), 0);
    for (size_t i = 0; i < codes.size(); ++i) {
        const size_t bit = i * size_t(bits);
        const unsigned v = unsigned(codes[i]) << (bit & 7u);
        packed[bit >> 3] |= uint8_t(v & 0xFFu);
        packed[(bit >> 3) + 1] |= uint8_t(v >> 8);
    }
    return packed;
}

// `streamInput`: the conv quantizes its input from the residual stream with its own thresholds (a block's
// conv1 and projection); a conv2's codes come from conv1's output with thresholds emitted there.
void emitQConv(std::ostringstream &out, const QConv &q, bool streamInput)
{
    const std::string p = "qs_" + q.id;
    out << "\n/* " << q.name << ": " << q.cout << "x" << q.cin << "x" << q.k << "x" << q.k << ", stride "
        << q.stride << ", " << q.wbits << "-bit weights, " << q.abits << "-bit activations */\n";
    emitArray(out, "uint8_t", p + "_w", packCodes(q.codes, q.wbits));
    if (q.arithmetic == DeployArithmetic::ShiftAdd) {
        out << "static const qs_term " << p << "_terms[" << q.levels.size() << "] = {";
        for (size_t i = 0; i < q.levels.size(); ++i) {
            const auto &l = q.levels[i];
            int s[3] = {0, 0, 0};
            for (size_t j = 0; j < l.shifts.size(); ++j)
                s[j] = l.shifts[j];
            out << (i % 4 == 0 ? "\n    " : " ") << "{" << l.shifts.size() << ", " << (l.integer < 0 ? 1 : 0)
                << ", {" << s[0] << ", " << s[1] << ", " << s[2] << "}}"
                << (i + 1 < q.levels.size() ? "," : "");
        }
        out << "\n};\n";
    } else {
        std::vector<int64_t> mul;
        for (const auto &l : q.levels)
            mul.push_back(l.integer);
        emitArray(out, "int32_t", p + "_mul", mul);
    }
    emitArray(out, "int32_t", p + "_act", q.input.integers);
    if (streamInput)
        emitArray(out, "int64_t", p + "_thr", q.input.thresholds, "LL");
    emitArray(out, "int32_t", p + "_k", q.requant.multiplier);
    emitArray(out, "int64_t", p + "_b", q.requant.bias, "LL");
    out << "static const qs_qconv " << p << " = {" << q.cin << ", " << q.cout << ", " << q.k << ", "
        << q.stride << ", " << q.pad << ", " << q.inH << ", " << q.inW << ", " << q.outH << ", " << q.outW
        << ", " << q.wbits << ",\n    " << p << "_w, "
        << (q.arithmetic == DeployArithmetic::ShiftAdd ? p + "_terms, NULL" : "NULL, " + p + "_mul") << ", "
        << p << "_act, " << p << "_k, " << p << "_b, " << q.requant.shift << ", "
        << (q.accBound < std::ldexp(1.0, 31) ? 1 : 0) << "};\n";
}

struct Emitted
{
    std::string header, source;
};

std::string doubleLiteral(double v)
{
    std::ostringstream s;
    s << std::setprecision(17) << v;
    std::string text = s.str();
    if (text.find_first_of(".e") == std::string::npos)
        text += ".0";
    return text;
}

Emitted emitAndCount(CModel &c)
{
    DeployPlan &plan = c.plan;
    plan.layers.clear();
    std::ostringstream data, run;
    const int64_t HW0 = plan.height * plan.width;

    // Buffers: two int32 streams (a block whose shape does not change works in place; a projection writes the
    // block's output buffer, which conv2 then adds to in place), one conv's tap list (int32 offsets first, so
    // it stays 4-byte aligned) and two code buffers.
    int64_t streamSize[2] = {plan.inputChannels * HW0, c.stem.cout * HW0};
    int64_t codes1 = 0, codes2 = 0, filter = 0;
    int cur = 1; // the stem writes stream 1; the normalized input sits in stream 0

    // QS_MARK(i) closes layer i's time in a QS_PROFILE build (the input table counts with the first conv).
    auto mark = [&] { run << "    QS_MARK(" << plan.layers.size() - 1 << ");\n"; };
    run << "    QS_MARK_START();\n";
    run << "    for (c = 0; c < QS_MODEL_CHANNELS; ++c)\n"
        << "        for (i = 0; i < QS_MODEL_HEIGHT * QS_MODEL_WIDTH; ++i)\n"
        << "            s0[c * QS_MODEL_HEIGHT * QS_MODEL_WIDTH + i] =\n"
        << "                qs_input_lut[c * 256 + image[c * QS_MODEL_HEIGHT * QS_MODEL_WIDTH + i]];\n";
    emitArray(data, "int32_t", "qs_input_lut", c.inputLut);

    // Stem.
    {
        DeployLayer l;
        l.name = "conv1";
        l.kind = "first conv (" + std::to_string(c.stem.bits) + "-bit)";
        l.arithmetic = DeployArithmetic::Multiply;
        l.weightBits = c.stem.bits;
        l.weightShape = {c.stem.cout, c.stem.cin, 3, 3};
        l.outputElements = c.stem.cout * HW0;
        l.weightBytes = int64_t(c.stem.weights.size()) * (c.stem.bits == 8 ? 1 : 2);
        l.parameterBytes = int64_t(c.inputLut.size()) * 4 + c.stem.cout * 12;
        l.activationBytes = l.outputElements * 4;
        const auto ops = convOps(c.stem.cout, c.stem.cin, 3, 1, 1, plan.height, plan.width, plan.height,
                                 plan.width, [&](int64_t co, int64_t t) {
                                     Ops o;
                                     if (c.stem.weights[size_t(co * c.stem.cin * 9 + t)] != 0)
                                         o.multiplies = o.adds = 1;
                                     return o;
                                 });
        l.multiplies = ops.multiplies;
        l.shifts = ops.shifts;
        l.adds = ops.adds;
        plan.layers.push_back(l);
        emitArray(data, c.stem.bits == 8 ? "int8_t" : "int16_t", "qs_stem_w", c.stem.weights);
        emitArray(data, "int32_t", "qs_stem_k", c.stem.requant.multiplier);
        emitArray(data, "int64_t", "qs_stem_b", c.stem.requant.bias, "LL");
        data << "static const qs_edge_conv qs_stem = {" << c.stem.cin << ", " << c.stem.cout << ", "
             << c.stem.h << ", " << c.stem.w << ", "
             << (c.stem.bits == 8 ? "qs_stem_w, NULL" : "NULL, qs_stem_w") << ", qs_stem_k, qs_stem_b, "
             << c.stem.requant.shift << "};\n";
        run << "    memset(&o, 0, sizeof o);\n    o.mode = QS_OUT_STREAM_RELU;\n    o.stream = s1;\n"
            << "    qs_edge(&qs_stem, s0, &o);\n";
        mark();
    }

    auto addQConvLayer = [&](const QConv &q, const std::string &kind, int64_t outBytesPerElement,
                             bool streamInput) {
        DeployLayer l;
        l.name = q.name;
        l.kind = kind;
        l.arithmetic = q.arithmetic;
        l.weightBits = q.wbits;
        l.actBits = q.abits;
        l.weightShape = {q.cout, q.cin, q.k, q.k};
        l.outputElements = q.cout * q.outH * q.outW;
        l.weightBytes = packedBytes(q.codes.size(), q.wbits);
        l.parameterBytes = int64_t(q.levels.size()) * (q.arithmetic == DeployArithmetic::ShiftAdd ? 5 : 4) +
                           int64_t(q.input.integers.size()) * 4 +
                           (streamInput ? int64_t(q.input.thresholds.size()) * 8 : 0) + q.cout * 12;
        l.activationBytes = l.outputElements * outBytesPerElement;
        const auto ops = qconvOps(q);
        l.multiplies = ops.multiplies;
        l.shifts = ops.shifts;
        l.adds = ops.adds;
        l.levels = q.levels;
        plan.layers.push_back(l);
        emitQConv(data, q, streamInput);
        filter = std::max(filter, 7 * q.cin * q.k * q.k); // qs_conv's tap list: 4 + 1 + 1 + 1 bytes a tap
    };

    for (const auto &b : c.blocks) {
        const std::string X = cur == 0 ? "s0" : "s1";
        const int64_t inElements = b.conv1.cin * b.conv1.inH * b.conv1.inW;
        const int64_t outElements = b.conv2.cout * b.conv2.outH * b.conv2.outW;
        const bool inPlace = !b.downsample && b.padChannels == 0 && b.stride == 1;
        const int next = inPlace ? cur : 1 - cur;
        const std::string Y = next == 0 ? "s0" : "s1";
        streamSize[next] = std::max(streamSize[next], outElements);
        codes1 = std::max(codes1, inElements);
        codes2 = std::max(codes2, b.conv1.cout * b.conv1.outH * b.conv1.outW);

        run << "    /* " << b.name << " */\n";
        std::string residual = X;
        int64_t resC = b.conv1.cin, resH = b.conv1.inH, resW = b.conv1.inW, resStride = b.stride,
                resPad = b.padChannels;
        if (b.downsample) {
            // The projection first, straight into the block's output buffer: conv2 then adds to it in place,
            // and its input codes use c1 before conv1's do.
            const auto &d = *b.downsample;
            run << "    qs_codes(" << X << ", " << inElements << ", qs_" << d.id << "_thr, "
                << d.input.thresholds.size() << ", c1);\n";
            run << "    memset(&o, 0, sizeof o);\n    o.mode = QS_OUT_STREAM;\n    o.stream = " << Y << ";\n"
                << "    qs_conv(&qs_" << d.id << ", c1, &o, filter);\n";
            addQConvLayer(d, "projection shortcut", 4, true);
            mark();
            residual = Y;
            resC = d.cout;
            resH = d.outH;
            resW = d.outW;
            resStride = 1;
            resPad = 0;
        }
        run << "    qs_codes(" << X << ", " << inElements << ", qs_" << b.conv1.id << "_thr, "
            << b.conv1.input.thresholds.size() << ", c1);\n";
        run << "    memset(&o, 0, sizeof o);\n    o.mode = QS_OUT_CODES;\n    o.codes = c2;\n    o.thr = qs_"
            << b.conv1.id << "_out_thr;\n    o.nthr = " << b.conv2.input.thresholds.size() << ";\n"
            << "    qs_conv(&qs_" << b.conv1.id << ", c1, &o, filter);\n";
        addQConvLayer(b.conv1, "quantized conv", 1, true);
        {
            // conv2's thresholds on conv1's full-precision output (acc * k + bias, the stream scale times
            // 2^shift, with the bias's rounding half): no rounding to the stream's step before the
            // comparison.
            const int shift = b.conv1.requant.shift;
            std::vector<int64_t> full;
            for (double t : b.conv2.input.exactThresholds) {
                const double v = std::ldexp(t, shift) + (shift > 0 ? std::ldexp(1.0, shift - 1) : 0.0);
                full.push_back(v >= std::ldexp(1.0, 62) ? std::numeric_limits<int64_t>::max()
                                                        : std::llround(v));
            }
            emitArray(data, "int64_t", "qs_" + b.conv1.id + "_out_thr", full, "LL");
            plan.layers.back().parameterBytes += int64_t(full.size()) * 8;
        }
        mark();
        run << "    memset(&o, 0, sizeof o);\n    o.mode = QS_OUT_STREAM_ADD_RELU;\n    o.stream = " << Y
            << ";\n    o.res = " << residual << ";\n    o.res_c = " << resC << ";\n    o.res_h = " << resH
            << ";\n    o.res_w = " << resW << ";\n    o.res_stride = " << resStride
            << ";\n    o.res_pad = " << resPad << ";\n    qs_conv(&qs_" << b.conv2.id
            << ", c2, &o, filter);\n";
        addQConvLayer(b.conv2, "quantized conv + residual", 4, false);
        mark();
        cur = next;
    }

    // Classifier.
    {
        DeployLayer l;
        l.name = "fc";
        l.kind = "classifier (" + std::to_string(c.fc.bits) + "-bit)";
        l.arithmetic = DeployArithmetic::Multiply;
        l.weightBits = c.fc.bits;
        l.weightShape = {c.fc.out, c.fc.in};
        l.outputElements = c.fc.out;
        l.weightBytes = int64_t(c.fc.weights.size()) * (c.fc.bits == 8 ? 1 : 2);
        l.parameterBytes = c.fc.out * 8;
        l.activationBytes = c.fc.in * 8; // the pooled sums, on the stack
        l.multiplies = c.fc.out * c.fc.in;
        l.adds = c.fc.in * c.fc.hw + c.fc.out * c.fc.in;
        plan.layers.push_back(l);
        emitArray(data, c.fc.bits == 8 ? "int8_t" : "int16_t", "qs_fc_w", c.fc.weights);
        emitArray(data, "int64_t", "qs_fc_b", c.fc.bias, "LL");
        run << "    c = qs_classify(" << (cur == 0 ? "s0" : "s1") << ", " << c.fc.in << ", " << c.fc.hw
            << ", " << c.fc.out << ", " << (c.fc.bits == 8 ? "qs_fc_w, NULL" : "NULL, qs_fc_w")
            << ", qs_fc_b, logits);\n";
        mark();
        run << "    return c;\n";
    }

    // Arena: int32 buffers first (4-byte aligned), then the byte buffers.
    const int64_t offS0 = 0, offS1 = offS0 + streamSize[0] * 4, offFilter = offS1 + streamSize[1] * 4,
                  offC1 = offFilter + filter, offC2 = offC1 + codes1, arena = offC2 + codes2;
    plan.arenaBytes = arena;
    plan.inputBytes = plan.inputChannels * HW0;
    plan.weightBytes = plan.parameterBytes = plan.multiplies = plan.shifts = plan.adds = 0;
    plan.floatWeightBytes = 0;
    for (const auto &l : plan.layers) {
        plan.weightBytes += l.weightBytes;
        plan.parameterBytes += l.parameterBytes;
        plan.multiplies += l.multiplies;
        plan.shifts += l.shifts;
        plan.adds += l.adds;
        int64_t n = 1;
        for (int64_t d : l.weightShape)
            n *= d;
        plan.floatWeightBytes += 4 * n;
    }

    std::string layerNames;
    for (const auto &l : plan.layers)
        layerNames += (layerNames.empty() ? "\"" : ", \"") + l.name + "\"";

    Emitted e;
    std::ostringstream h;
    h << "/* " << plan.model
      << "\n * Generated by QuantScope (quantscope-cli deploy). Integer-only inference: no floating "
      << "point at run time.\n * Weights " << plan.weightBytes << " B, parameters " << plan.parameterBytes
      << " B, activation arena " << plan.arenaBytes << " B; per image " << plan.multiplies << " multiplies, "
      << plan.shifts << " shifts, " << plan.adds << " adds. */\n"
      << "#ifndef QS_MODEL_H\n#define QS_MODEL_H\n\n#include <stdint.h>\n\n"
      << "#define QS_MODEL_CHANNELS " << plan.inputChannels << "\n#define QS_MODEL_HEIGHT " << plan.height
      << "\n#define QS_MODEL_WIDTH " << plan.width
      << "\n#define QS_MODEL_INPUT_BYTES (QS_MODEL_CHANNELS * QS_MODEL_HEIGHT * QS_MODEL_WIDTH)"
      << "\n#define QS_MODEL_CLASSES " << plan.numClasses << "\n#define QS_MODEL_FEATURES " << c.fc.in
      << "\n#define QS_MODEL_LAYERS " << plan.layers.size() << "\n#define QS_MODEL_ARENA_BYTES "
      << plan.arenaBytes << "\n/* the residual stream: int32 fixed point with this many fractional bits */"
      << "\n#define QS_MODEL_FRAC " << kFrac
      << "\n/* logits * QS_MODEL_LOGIT_SCALE are the app's logits (for printing on a host; the model never "
         "uses it) */"
      << "\n#define QS_MODEL_LOGIT_SCALE " << doubleLiteral(c.fc.logitScale) << "\n\n"
      << "/* image: QS_MODEL_CHANNELS planes of QS_MODEL_HEIGHT x QS_MODEL_WIDTH pixels (0..255), row-major, "
         "as a\n"
      << " * CIFAR-10 binary record after its label byte. logits: QS_MODEL_CLASSES values, or NULL.\n"
      << " * Returns the predicted class (the first of equal logits). Not reentrant: one static arena. */\n"
      << "int qs_model_predict(const uint8_t *image, int64_t *logits);\n"
      << "/* activations clipped to the fixed-point range since reset (0 unless the model's values exceed "
         "it) */\n"
      << "extern unsigned long qs_model_saturations;\n\n"
      << "#ifdef QS_PROFILE\n/* SysTick ticks spent in each layer since reset (a QS_PROFILE build, main.c "
         "prints them) */\n"
      << "extern unsigned long qs_profile[QS_MODEL_LAYERS];\nextern const char *const "
         "qs_model_layer_names[QS_MODEL_LAYERS];\n"
      << "#endif\n\n#endif\n";
    e.header = h.str();

    std::ostringstream s;
    s << "/* " << plan.model << ": generated by QuantScope; see qs_model.h. */\n"
      << "#include \"qs_model.h\"\n\n#include <stddef.h>\n#include <string.h>\n"
      << deployc::kKernels << "\n/* ---- model data (flash) ---- */\n"
      << data.str() << "\n#ifdef QS_PROFILE\nconst char *const qs_model_layer_names[QS_MODEL_LAYERS] = {"
      << layerNames << "};\n#endif\n"
      << "\n/* ---- activations (RAM): one arena ---- */\n"
      << "static int32_t qs_arena[" << (arena + 3) / 4 << "];\n\n"
      << "int qs_model_predict(const uint8_t *image, int64_t *logits)\n{\n"
      << "    uint8_t *const base = (uint8_t *)qs_arena;\n"
      << "    int32_t *const s0 = (int32_t *)(base + " << offS0 << ");\n"
      << "    int32_t *const s1 = (int32_t *)(base + " << offS1 << ");\n"
      << "    uint8_t *const c1 = base + " << offC1 << ";\n"
      << "    uint8_t *const c2 = base + " << offC2 << ";\n"
      << "    uint8_t *const filter = base + " << offFilter << ";\n"
      << "    int64_t local_logits[QS_MODEL_CLASSES];\n    qs_out o;\n    int c, i;\n"
      << "    if (!logits)\n        logits = local_logits;\n"
      << run.str() << "}\n";
    e.source = s.str();
    return e;
}

} // namespace

DeployPlan planDeployment(const DeployOptions &options)
{
    return atCoreEdge(options.weights, [&] {
        auto model = buildModel(options);
        emitAndCount(model);
        return model.plan;
    });
}

DeployPlan writeDeployment(const DeployOptions &options, const std::string &dir,
                           const std::function<void(int, int)> &progress)
{
    return atCoreEdge(options.weights, [&] {
        auto model = buildModel(options);
        const auto emitted = emitAndCount(model);
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec)
            fail(dir + ": cannot create the output directory (" + ec.message() + ")");
        const std::string readme =
            "# " + model.plan.model +
            "\n\nGenerated by `quantscope-cli deploy`. `make host` builds `qs_model_host`, "
            "`./qs_model_host test_batch.bin [COUNT] [--logits]` prints one class per image of a CIFAR-10 "
            "binary "
            "file; `make cortex-m` builds `qs_model_cortexm.elf` for QEMU's mps2-an385 (Cortex-M3), "
            "`make run-qemu DATA=test_batch.bin COUNT=4` runs it.\n\n" +
            deployTableMarkdown(model.plan);
        const std::vector<std::pair<std::string, std::string>> files = {
            {"qs_model.h", emitted.header},
            {"qs_model.c", emitted.source},
            {"main.c", deployc::kMain},
            {"startup_cortexm.c", deployc::kStartup},
            {"cortexm.ld", deployc::kLinkerScript},
            {"Makefile", deployc::kMakefile},
            {"README.md", readme},
            {"plan.json", deployPlanJson(model.plan)}};
        int done = 0;
        for (const auto &[name, text] : files) {
            writeFileAtomically((std::filesystem::path(dir) / name).string(), text);
            if (progress)
                progress(++done, int(files.size()));
        }
        return model.plan;
    });
}

DeployReference deployReference(const DeployOptions &options, const std::string &dataSpec, int64_t count,
                                const std::string &recordsFile)
{
    return atCoreEdge(options.weights, [&] {
        if (count < 1)
            throw std::invalid_argument("deploy: the number of images to check must be at least 1");
        EvalRequest req = evalRequestFor(options);
        req.data = dataSpec;
        req.batch = 200;
        auto p = prepareEvaluation(req);
        const int64_t n = std::min<int64_t>(count, p.test.images.size(0));
        p.model->eval();
        torch::NoGradGuard noGrad;
        DataLoader loader(p.test, p.loader);
        DeployReference ref;
        ref.recordsFile = recordsFile;
        for (int64_t b = 0; b < loader.batchesPerEpoch() && int64_t(ref.labels.size()) < n; ++b) {
            const auto batch = loader.batch(b);
            const auto logits =
                p.model->forward(batch.images.to(p.device)).to(torch::kCPU, torch::kDouble).contiguous();
            for (int64_t i = 0; i < logits.size(0) && int64_t(ref.labels.size()) < n; ++i) {
                const auto row = logits[i];
                ref.logits.emplace_back(row.data_ptr<double>(), row.data_ptr<double>() + row.numel());
                ref.predictions.push_back(int(row.argmax().item<int64_t>()));
                ref.labels.push_back(int(batch.labels[i].item<int64_t>()));
            }
        }
        // The same images as the driver reads them: label byte, then the uint8 planes.
        const auto images = p.test.images.slice(0, 0, n).contiguous();
        const int64_t bytes = images[0].numel();
        std::string records;
        records.reserve(size_t(n * (bytes + 1)));
        const auto *px = images.data_ptr<uint8_t>();
        for (int64_t i = 0; i < n; ++i) {
            records.push_back(char(ref.labels[size_t(i)]));
            records.append(reinterpret_cast<const char *>(px + i * bytes), size_t(bytes));
        }
        writeFileAtomically(recordsFile, records);
        return ref;
    });
}

DeployCheck checkDeployment(const std::string &dir, const DeployReference &reference)
{
    const std::string make = "make -s -C " + shellQuote(dir) + " host >/dev/null 2>&1";
    if (std::system(make.c_str()) != 0)
        fail(dir + ": `make host` failed (is a C compiler installed? run it there to see why)");
    const std::string run = shellQuote((std::filesystem::path(dir) / "qs_model_host").string()) + " " +
                            shellQuote(reference.recordsFile) + " " +
                            std::to_string(reference.labels.size()) + " --logits";
    FILE *pipe = popen(run.c_str(), "r");
    if (!pipe)
        fail(dir + ": cannot run qs_model_host");
    std::string output;
    char buffer[4096];
    while (size_t got = fread(buffer, 1, sizeof buffer, pipe))
        output.append(buffer, got);
    const int status = pclose(pipe);
    if (status != 0)
        fail(dir + ": qs_model_host exited with status " + std::to_string(status));
    DeployCheck check;
    std::istringstream lines(output);
    std::string line;
    int64_t agree = 0, appCorrect = 0, cCorrect = 0;
    while (std::getline(lines, line)) {
        const size_t i = size_t(check.images);
        if (i >= reference.labels.size())
            fail(dir + ": qs_model_host printed more lines than images");
        std::istringstream fields(line);
        int predicted = -1;
        fields >> predicted;
        for (double app : reference.logits[i]) {
            double value = 0;
            if (!(fields >> value))
                fail(dir + ": qs_model_host line " + std::to_string(i + 1) + " has too few logits");
            check.maxLogitDifference = std::max(check.maxLogitDifference, std::abs(value - app));
        }
        agree += predicted == reference.predictions[i];
        appCorrect += reference.predictions[i] == reference.labels[i];
        cCorrect += predicted == reference.labels[i];
        ++check.images;
    }
    if (size_t(check.images) != reference.labels.size())
        fail(dir + ": qs_model_host printed " + std::to_string(check.images) + " lines for " +
             std::to_string(reference.labels.size()) + " images");
    check.agreement = 100.0 * double(agree) / double(check.images);
    check.appTop1 = 100.0 * double(appCorrect) / double(check.images);
    check.cTop1 = 100.0 * double(cCorrect) / double(check.images);
    return check;
}

std::string deployTableMarkdown(const DeployPlan &plan)
{
    std::ostringstream out;
    out << "| layer | kind | arithmetic | weight bits | weights | flash B | RAM B | multiplies | shifts | "
           "adds |\n"
        << "|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
    int64_t weights = 0;
    for (const auto &l : plan.layers) {
        int64_t n = 1;
        for (int64_t d : l.weightShape)
            n *= d;
        weights += n;
        out << "| " << l.name << " | " << l.kind << " | "
            << (l.arithmetic == DeployArithmetic::ShiftAdd ? "shift-add" : "multiply") << " | "
            << l.weightBits << " | " << n << " | " << l.weightBytes + l.parameterBytes << " | "
            << l.activationBytes << " | " << l.multiplies << " | " << l.shifts << " | " << l.adds << " |\n";
    }
    out << "| **total** | " << plan.model << " | | | " << weights << " | "
        << plan.weightBytes + plan.parameterBytes << " | " << plan.arenaBytes << " (arena) | "
        << plan.multiplies << " | " << plan.shifts << " | " << plan.adds << " |\n";
    return out.str();
}

std::string deployPlanJson(const DeployPlan &plan)
{
    nlohmann::json j;
    j["model"] = plan.model;
    j["scheme"] = schemeName(plan.scheme);
    j["wbits"] = plan.wbits;
    j["abits"] = plan.abits;
    j["zero_level"] = plan.zeroLevel;
    j["weight_bytes"] = plan.weightBytes;
    j["parameter_bytes"] = plan.parameterBytes;
    j["arena_bytes"] = plan.arenaBytes;
    j["input_bytes"] = plan.inputBytes;
    j["float_weight_bytes"] = plan.floatWeightBytes;
    j["multiplies"] = plan.multiplies;
    j["shifts"] = plan.shifts;
    j["adds"] = plan.adds;
    j["notes"] = plan.notes;
    for (const auto &l : plan.layers) {
        nlohmann::json r;
        r["name"] = l.name;
        r["kind"] = l.kind;
        r["arithmetic"] = l.arithmetic == DeployArithmetic::ShiftAdd ? "shift-add" : "multiply";
        r["weight_bits"] = l.weightBits;
        r["act_bits"] = l.actBits;
        r["weight_shape"] = l.weightShape;
        r["weight_bytes"] = l.weightBytes;
        r["parameter_bytes"] = l.parameterBytes;
        r["activation_bytes"] = l.activationBytes;
        r["multiplies"] = l.multiplies;
        r["shifts"] = l.shifts;
        r["adds"] = l.adds;
        j["layers"].push_back(r);
    }
    return j.dump(2) + "\n";
}

} // namespace qs
