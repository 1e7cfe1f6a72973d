#include "core/ptq/reconstruction.h"

#include "core/io/atomicfile.h"
#include "core/io/json.h"
#include "core/io/modelio.h"
#include "core/ptq/adaround.h"
#include "core/quant/levels.h"
#include "core/quant/quantizers.h"
#include "core/torchedge.h"
#include "core/train/evaluation.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <map>

namespace qs {

namespace {

using Clock = std::chrono::steady_clock;

// Thrown out of the loops when the callback cancels; caught in runReconstruction.
struct Cancelled
{
};

constexpr int64_t kChunk = 256;         // images per no-grad forward over the cached set
constexpr int64_t kProgressEvery = 50;  // iterations between callbacks
constexpr int64_t kHistoryEvery = 100;  // iterations between recorded losses
constexpr int64_t kActCalibImages = 64; // BRECQ's activation init batch
constexpr int kEdgeBits = 8;

struct ConvSpec
{
    std::string name;
    at::Tensor weight, bias; // BatchNorm folded
    int64_t stride = 1, padding = 1;
};

struct BlockSpec
{
    std::string name;
    ConvSpec conv1, conv2;
    std::optional<ConvSpec> downsample;
    int64_t stride = 1, padChannels = 0; // option A shortcut when there is no downsample
};

struct FoldedNetwork
{
    ConvSpec stem;
    std::vector<BlockSpec> blocks;
    at::Tensor fcWeight, fcBias;
};

at::Tensor convolve(const ConvSpec &c, const at::Tensor &x, const at::Tensor &w)
{
    return torch::conv2d(x, w, c.bias, c.stride, c.padding);
}

at::Tensor shortcutA(const BlockSpec &b, const at::Tensor &x)
{
    if (b.padChannels == 0 && b.stride == 1)
        return x;
    using torch::indexing::None;
    using torch::indexing::Slice;
    const auto sub = x.index({Slice(), Slice(), Slice(None, None, b.stride), Slice(None, None, b.stride)});
    return torch::constant_pad_nd(sub, {0, 0, 0, 0, b.padChannels, b.padChannels});
}

// w = {conv1, conv2, downsample (undefined without one)}
at::Tensor blockForward(const BlockSpec &b, const at::Tensor &x, const std::vector<at::Tensor> &w)
{
    auto out = torch::relu(convolve(b.conv1, x, w[0]));
    out = convolve(b.conv2, out, w[1]);
    const auto residual = b.downsample ? convolve(*b.downsample, x, w[2]) : shortcutA(b, x);
    return torch::relu(out + residual);
}

std::vector<at::Tensor> fpWeights(const BlockSpec &b)
{
    return {b.conv1.weight, b.conv2.weight, b.downsample ? b.downsample->weight : at::Tensor()};
}

at::Tensor pooled(const at::Tensor &x)
{
    return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
}

// f over `x` in chunks, under no-grad, concatenated.
at::Tensor mapChunks(const at::Tensor &x, const std::function<at::Tensor(const at::Tensor &)> &f)
{
    torch::NoGradGuard noGrad;
    std::vector<at::Tensor> parts;
    for (int64_t i = 0; i < x.size(0); i += kChunk)
        parts.push_back(f(x.slice(0, i, std::min(x.size(0), i + kChunk))));
    return torch::cat(parts);
}

// lp loss (p = 2) over the whole cached set: Σ over dim 1, mean over the rest.
double fullLoss(const at::Tensor &inputs, const at::Tensor &targets,
                const std::function<at::Tensor(const at::Tensor &)> &f)
{
    torch::NoGradGuard noGrad;
    double sum = 0, count = 0;
    for (int64_t i = 0; i < inputs.size(0); i += kChunk) {
        const int64_t end = std::min(inputs.size(0), i + kChunk);
        const auto d = (f(inputs.slice(0, i, end)) - targets.slice(0, i, end)).pow(2).sum(1);
        sum += d.sum().item<double>();
        count += double(d.numel());
    }
    return count > 0 ? sum / count : 0.0;
}

torch::nn::Module &child(torch::nn::Module &root, const std::string &name)
{
    const auto modules = root.named_modules();
    const auto *found = modules.find(name);
    if (!found)
        throw Error("the model has no module " + name);
    return **found;
}

at::Tensor effectiveConvWeight(torch::nn::Module &root, const std::string &name)
{
    auto *conv = dynamic_cast<QuantConv2dImpl *>(&child(root, name));
    if (!conv)
        throw Error(name + " is not a quantized conv");
    return conv->effectiveWeight();
}

std::pair<at::Tensor, at::Tensor> foldInto(const at::Tensor &weight, torch::nn::Module &root,
                                           const std::string &bnName)
{
    auto *bn = dynamic_cast<torch::nn::BatchNorm2dImpl *>(&child(root, bnName));
    if (!bn)
        throw Error(bnName + " is not a BatchNorm2d");
    return ptq::foldBatchNorm(weight, bn->weight, bn->bias, bn->running_mean, bn->running_var,
                              bn->options.eps());
}

ConvSpec foldedConv(torch::nn::Module &root, const std::string &conv, const std::string &bn,
                    const at::Tensor &weight, int64_t stride)
{
    ConvSpec c;
    c.name = conv;
    std::tie(c.weight, c.bias) = foldInto(weight, root, bn);
    c.stride = stride;
    c.padding = weight.size(2) / 2;
    return c;
}

// The network as it computes (the stored method's effective weights, activations in float), BN folded.
FoldedNetwork foldNetwork(ResNet &model, const TrainConfig &config)
{
    torch::NoGradGuard noGrad;
    auto &root = *model;
    const auto params = root.named_parameters();
    const bool edges8 = config.edgeLayers == "8bit";
    FoldedNetwork net;
    const auto stemWeight = params["conv1.weight"].detach();
    net.stem = foldedConv(root, "conv1", "bn1", edges8 ? maxScaled8BitQuantize(stemWeight) : stemWeight, 1);
    for (const auto &item : root.named_modules()) {
        if (!std::dynamic_pointer_cast<BasicBlockImpl>(item.value()))
            continue;
        const std::string &name = item.key();
        auto *conv1 = dynamic_cast<QuantConv2dImpl *>(&child(root, name + ".conv1"));
        const int64_t stride = (*conv1->options().stride())[0];
        BlockSpec b;
        b.name = name;
        b.stride = stride;
        b.conv1 = foldedConv(root, name + ".conv1", name + ".bn1", effectiveConvWeight(root, name + ".conv1"),
                             stride);
        b.conv2 =
            foldedConv(root, name + ".conv2", name + ".bn2", effectiveConvWeight(root, name + ".conv2"), 1);
        if (root.named_modules().find(name + ".downsample.0")) {
            b.downsample = foldedConv(root, name + ".downsample.0", name + ".downsample.1",
                                      effectiveConvWeight(root, name + ".downsample.0"), stride);
        } else {
            b.padChannels = (conv1->options().out_channels() - conv1->options().in_channels()) / 2;
        }
        net.blocks.push_back(std::move(b));
    }
    const auto fcWeight = params["fc.weight"].detach();
    net.fcWeight = edges8 ? maxScaled8BitQuantize(fcWeight) : fcWeight.clone();
    net.fcBias = params["fc.bias"].detach().clone();
    return net;
}

// The weight grid of a reconstructed layer: the request's scheme at `bits`, or uniform at the edges' 8 bits.
ptq::RoundingGrid weightGrid(const at::Tensor &w, Scheme scheme, int bits)
{
    if (scheme == Scheme::Uniform)
        return ptq::uniformRoundingGrid(w, ptq::mseUniformInit(w, bits, /*channelWise=*/true));
    const auto levels = levelSet({scheme, bits, /*isSigned=*/true});
    return ptq::levelRoundingGrid(w, ptq::mseLevelScale(w, levels), levels);
}

// One unit to reconstruct: its forward from its cached input with the given weights, and the weights it
// learns the rounding of.
struct Unit
{
    std::string name;
    std::vector<std::string> layers;
    std::vector<ptq::AdaRoundWeight> weights;
    std::function<at::Tensor(const at::Tensor &, const std::vector<at::Tensor> &)> forward;
};

class Reconstructor
{
public:
    Reconstructor(const ReconstructionRequest &request, const ReconstructionCallback &callback, int unitCount)
        : m_request(request), m_callback(callback), m_unitCount(unitCount)
    {}

    // Learns the rounding (unless the method is nearest) and returns the hard weights.
    std::vector<at::Tensor> run(Unit &unit, const at::Tensor &inputs, const at::Tensor &targets,
                                ReconstructionResult &result)
    {
        const auto start = Clock::now();
        UnitLossHistory history;
        history.unit = unit.name;
        auto withWeights = [&](std::vector<at::Tensor> w) {
            return [&unit, w = std::move(w)](const at::Tensor &x) { return unit.forward(x, w); };
        };
        std::vector<at::Tensor> nearest;
        for (const auto &w : unit.weights)
            nearest.push_back(w.nearest());
        history.nearestLoss = fullLoss(inputs, targets, withWeights(nearest));
        const bool learn = m_request.method != "nearest";
        const int64_t iterations = learn ? m_request.iters : 0;
        ReconstructionProgress progress;
        progress.unitIndex = m_unitIndex;
        progress.unitCount = m_unitCount;
        progress.unit = unit.name;
        progress.iterations = iterations;
        if (learn) {
            std::vector<at::Tensor> vs;
            for (auto &w : unit.weights)
                vs.push_back(w.v);
            torch::optim::Adam adam(vs, torch::optim::AdamOptions(1e-3));
            const int64_t n = inputs.size(0);
            for (int64_t t = 1; t <= iterations; ++t) {
                const auto index = torch::randperm(n, torch::kLong).slice(0, 0, m_request.batch);
                const auto x = inputs.index_select(0, index), y = targets.index_select(0, index);
                std::vector<at::Tensor> soft;
                for (const auto &w : unit.weights)
                    soft.push_back(w.soft());
                const auto reconstruction = ptq::lpLoss(unit.forward(x, soft), y);
                auto loss = reconstruction;
                if (ptq::roundingRegularizerOn(t, iterations)) {
                    const double beta = ptq::roundingBeta(t, iterations);
                    for (const auto &w : unit.weights)
                        loss = loss + m_request.lambda * w.regularizer(beta);
                }
                adam.zero_grad();
                loss.backward();
                adam.step();
                const bool report = t % kProgressEvery == 0 && t < iterations; // the end reports below
                if (t % kHistoryEvery == 0 || t == 1 || t == iterations)
                    history.loss.emplace_back(t, reconstruction.item<double>());
                if (report && m_callback) {
                    progress.iteration = t;
                    progress.loss = reconstruction.item<double>();
                    if (!m_callback(progress))
                        throw Cancelled{};
                }
            }
        }
        std::vector<at::Tensor> hard;
        for (const auto &w : unit.weights)
            hard.push_back(learn ? w.hard() : w.nearest());
        history.finalLoss = learn ? fullLoss(inputs, targets, withWeights(hard)) : history.nearestLoss;
        history.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (learn)
            for (size_t i = 0; i < unit.weights.size(); ++i)
                result.layers.push_back(roundingOf(unit.layers[i], unit.weights[i]));
        result.units.push_back(history);
        if (m_callback) {
            progress.iteration = iterations;
            progress.loss = history.finalLoss;
            if (!m_callback(progress))
                throw Cancelled{};
        }
        ++m_unitIndex;
        return hard;
    }

private:
    static LayerRounding roundingOf(const std::string &layer, const ptq::AdaRoundWeight &w)
    {
        torch::NoGradGuard noGrad;
        const auto &g = w.grid();
        const auto choice = g.upper > g.lower;
        const auto up = w.v >= 0;
        LayerRounding r;
        r.layer = layer;
        r.weights = w.v.numel();
        r.roundedUp = (choice & up).sum().item<int64_t>();
        r.roundedDown = (choice & ~up).sum().item<int64_t>();
        r.sameAsNearest = (w.hard() == g.nearest).sum().item<int64_t>();
        const auto histogram = torch::histc(ptq::rectifiedSigmoid(w.v), 10, 0, 1).to(torch::kLong);
        r.softHistogram.assign(histogram.data_ptr<int64_t>(), histogram.data_ptr<int64_t>() + 10);
        return r;
    }

    const ReconstructionRequest &m_request;
    const ReconstructionCallback &m_callback;
    int m_unitCount;
    int m_unitIndex = 0;
};

void setTensor(ResNet &model, const std::string &name, const at::Tensor &value)
{
    auto params = model->named_parameters();
    auto buffers = model->named_buffers();
    at::Tensor *target = params.find(name);
    if (!target)
        target = buffers.find(name);
    if (!target)
        throw Error("the PTQ model has no tensor " + name);
    if (target->sizes() != value.sizes())
        throw Error("the PTQ model's " + name + " has another shape");
    target->copy_(value);
}

// BN(z) = z + bias: mean 0, variance 1, weight sqrt(1 + eps).
void setBiasOnlyBatchNorm(ResNet &model, const std::string &bn, const at::Tensor &bias)
{
    auto &module = child(*model, bn);
    const double eps = dynamic_cast<torch::nn::BatchNorm2dImpl &>(module).options.eps();
    setTensor(model, bn + ".running_mean", torch::zeros_like(bias));
    setTensor(model, bn + ".running_var", torch::ones_like(bias));
    setTensor(model, bn + ".weight", torch::full_like(bias, std::sqrt(1.0 + eps)));
    setTensor(model, bn + ".bias", bias);
}

double top1(ResNet &model, const Dataset &test, const LoaderOptions &options)
{
    DataLoader loader(test, options);
    return evaluateLoader(model, loader, torch::kCPU).top1;
}

Dataset firstImages(const Dataset &data, int64_t n)
{
    Dataset d = data;
    n = std::min(n, data.images.size(0));
    d.images = data.images.slice(0, 0, n);
    d.labels = data.labels.slice(0, 0, n);
    return d;
}

} // namespace

std::optional<std::string> checkReconstructionRequest(const ReconstructionRequest &r)
{
    if (r.weights.empty())
        return "PTQ: no weights given";
    if (r.out.empty())
        return "PTQ: no output checkpoint given";
    if (r.method != "nearest" && r.method != "adaround" && r.method != "brecq")
        return "PTQ: unknown method '" + r.method + "' (nearest, adaround, brecq)";
    const auto scheme = parseScheme(r.scheme);
    if (!scheme)
        return "PTQ: unknown scheme '" + r.scheme + "' (uniform, pot, apot)";
    if (*scheme == Scheme::Uniform) {
        if (r.wbits < 2 || r.wbits > 8)
            return "PTQ: uniform weights take 2 to 8 bits, not " + std::to_string(r.wbits);
    } else if (auto why = checkLevelSpec({*scheme, r.wbits, true})) {
        return "PTQ: " + *why;
    }
    if (r.abits != 0 && (r.abits < 2 || r.abits > 8))
        return "PTQ: abits is 0 (float activations) or 2 to 8, not " + std::to_string(r.abits);
    if (r.iters < 1 || r.calibImages < 1 || r.batch < 1)
        return "PTQ: iters, calibration images and batch must be at least 1";
    if (!(r.lambda >= 0) || !std::isfinite(r.lambda))
        return "PTQ: lambda must be a finite number >= 0";
    if (r.testImages < 0)
        return "PTQ: test images must be >= 0";
    if (r.fisher)
        return "PTQ: the fisher_diag loss is not implemented (BRECQ as released uses MSE)";
    return std::nullopt;
}

ReconstructionResult runReconstruction(const ReconstructionRequest &request,
                                       const ReconstructionCallback &callback)
{
    if (auto why = checkReconstructionRequest(request))
        throw std::invalid_argument(*why);
    return atCoreEdge(request.weights, [&]() -> ReconstructionResult {
        const auto start = Clock::now();
        if (request.threads > 0)
            at::set_num_threads(request.threads);
        torch::manual_seed(request.seed);
        const Scheme scheme = *parseScheme(request.scheme);

        EvalRequest eval;
        eval.weights = request.weights;
        eval.data = request.data;
        eval.device = "cpu";
        PreparedEvaluation p = prepareEvaluation(eval);
        if (quantMethod(p.config.method).classifierBatchNorm)
            throw Error("PTQ: models with a BatchNorm before the classifier are not supported");
        p.model->eval();
        const int64_t channels = p.test.images.size(1), classes = p.test.numClasses;
        const FoldedNetwork fp = foldNetwork(p.model, p.config);

        // Calibration images: a seeded random subset of the training split, no augmentation.
        const Dataset train = loadDataset(parseDatasetSpec(p.dataSpec), /*train=*/true);
        const int64_t calibCount = std::min(request.calibImages, train.images.size(0));
        const auto pick = torch::randperm(train.images.size(0), torch::kLong).slice(0, 0, calibCount);
        Dataset calibSet = train;
        calibSet.images = train.images.index_select(0, pick);
        calibSet.labels = train.labels.index_select(0, pick);
        LoaderOptions calibOptions = p.loader;
        calibOptions.batchSize = calibCount;
        calibOptions.shuffle = false;
        calibOptions.augment = false;
        const at::Tensor calib = DataLoader(calibSet, calibOptions).batch(0).images;

        ReconstructionResult result;
        const Dataset test = firstImages(p.test, request.testImages);
        if (request.testImages > 0) {
            result.testImages = test.images.size(0);
            result.top1Before = top1(p.model, test, p.loader);
        }

        int unitCount = 0;
        for (const auto &b : fp.blocks)
            unitCount += request.method == "adaround" ? (b.downsample ? 3 : 2) : 1;
        ++unitCount; // fc
        Reconstructor reconstructor(request, callback, unitCount);
        std::map<std::string, at::Tensor> quantized; // hard weights by layer name
        try {
            // The first layer at 8 bits with nearest rounding, not reconstructed (BRECQ).
            const auto stemQ = weightGrid(fp.stem.weight, Scheme::Uniform, kEdgeBits).nearest;
            quantized["conv1"] = stemQ;
            at::Tensor xq = mapChunks(
                calib, [&](const at::Tensor &x) { return torch::relu(convolve(fp.stem, x, stemQ)); });
            at::Tensor xf = mapChunks(calib, [&](const at::Tensor &x) {
                return torch::relu(convolve(fp.stem, x, fp.stem.weight));
            });
            for (const auto &b : fp.blocks) {
                const auto target =
                    mapChunks(xf, [&](const at::Tensor &x) { return blockForward(b, x, fpWeights(b)); });
                std::vector<const ConvSpec *> convs{&b.conv1, &b.conv2};
                if (b.downsample)
                    convs.push_back(&*b.downsample);
                std::vector<at::Tensor> hard(3);
                if (request.method != "adaround") {
                    // BRECQ: the block as one unit (nearest: the same unit, no learning).
                    Unit unit;
                    unit.name = b.name;
                    for (const auto *c : convs) {
                        unit.layers.push_back(c->name);
                        unit.weights.emplace_back(weightGrid(c->weight, scheme, request.wbits));
                    }
                    unit.forward = [&b](const at::Tensor &x, const std::vector<at::Tensor> &w) {
                        return blockForward(b, x, {w[0], w[1], w.size() > 2 ? w[2] : at::Tensor()});
                    };
                    const auto learned = reconstructor.run(unit, xq, target, result);
                    std::copy(learned.begin(), learned.end(), hard.begin());
                } else {
                    // AdaRound: layer by layer, each from the already-quantized layers before it.
                    auto layerUnit = [&](const ConvSpec &c, bool relu) {
                        Unit unit;
                        unit.name = c.name;
                        unit.layers = {c.name};
                        unit.weights.emplace_back(weightGrid(c.weight, scheme, request.wbits));
                        unit.forward = [&c, relu](const at::Tensor &x, const std::vector<at::Tensor> &w) {
                            const auto out = convolve(c, x, w[0]);
                            return relu ? torch::relu(out) : out;
                        };
                        return unit;
                    };
                    const auto conv1Target = mapChunks(xf, [&](const at::Tensor &x) {
                        return torch::relu(convolve(b.conv1, x, b.conv1.weight));
                    });
                    Unit first = layerUnit(b.conv1, true);
                    hard[0] = reconstructor.run(first, xq, conv1Target, result)[0];
                    const auto conv2Input = mapChunks(
                        xq, [&](const at::Tensor &x) { return torch::relu(convolve(b.conv1, x, hard[0])); });
                    const auto conv2Target = mapChunks(conv1Target, [&](const at::Tensor &x) {
                        return convolve(b.conv2, x, b.conv2.weight);
                    });
                    Unit second = layerUnit(b.conv2, false);
                    hard[1] = reconstructor.run(second, conv2Input, conv2Target, result)[0];
                    if (b.downsample) {
                        const auto dsTarget = mapChunks(xf, [&](const at::Tensor &x) {
                            return convolve(*b.downsample, x, b.downsample->weight);
                        });
                        Unit third = layerUnit(*b.downsample, false);
                        hard[2] = reconstructor.run(third, xq, dsTarget, result)[0];
                    }
                }
                quantized[b.conv1.name] = hard[0];
                quantized[b.conv2.name] = hard[1];
                if (b.downsample)
                    quantized[b.downsample->name] = hard[2];
                xq = mapChunks(xq, [&](const at::Tensor &x) { return blockForward(b, x, hard); });
                xf = target;
            }
            // The last layer: 8-bit weights, reconstructed as a layer (BRECQ), from the pooled features.
            const auto fq = pooled(xq), ff = pooled(xf);
            const auto fcTarget = torch::linear(ff, fp.fcWeight, fp.fcBias);
            Unit fc;
            fc.name = "fc";
            fc.layers = {"fc"};
            fc.weights.emplace_back(weightGrid(fp.fcWeight, Scheme::Uniform, kEdgeBits));
            const auto fcBias = fp.fcBias;
            fc.forward = [fcBias](const at::Tensor &x, const std::vector<at::Tensor> &w) {
                return torch::linear(x, w[0], fcBias);
            };
            quantized["fc"] = reconstructor.run(fc, fq, fcTarget, result)[0];
        } catch (const Cancelled &) {
            result.stopped = true;
            result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
            return result;
        }

        // The checkpoint: method ptq, weights stored quantized, BN reduced to the folded bias.
        torch::NoGradGuard noGrad;
        TrainConfig config = p.config;
        config.method = "ptq";
        config.backward = "ste";
        config.wbits = request.wbits;
        config.abits = request.abits > 0 ? request.abits : 32;
        config.edgeLayers = "fp";
        config.methodOptions.clear();
        config.init.clear();
        config.dataset = p.dataSpec;
        if (auto why = checkTrainConfig(config))
            throw Error("PTQ: " + *why);
        ResNet model(resnetOptionsFromConfig(config, channels, classes));
        setTensor(model, "conv1.weight", quantized["conv1"]);
        setBiasOnlyBatchNorm(model, "bn1", fp.stem.bias);
        for (const auto &b : fp.blocks) {
            setTensor(model, b.name + ".conv1.weight", quantized[b.conv1.name]);
            setBiasOnlyBatchNorm(model, b.name + ".bn1", b.conv1.bias);
            setTensor(model, b.name + ".conv2.weight", quantized[b.conv2.name]);
            setBiasOnlyBatchNorm(model, b.name + ".bn2", b.conv2.bias);
            if (b.downsample) {
                setTensor(model, b.name + ".downsample.0.weight", quantized[b.downsample->name]);
                setBiasOnlyBatchNorm(model, b.name + ".downsample.1", b.downsample->bias);
            }
        }
        setTensor(model, "fc.weight", quantized["fc"]);
        setTensor(model, "fc.bias", fp.fcBias);
        // Activations: the inputs of the quantized convs, where BRECQ quantizes module outputs; the stem's
        // output (the first block's input) at 8 bits. Δ by the 'mse' init on the first 64 calibration images
        // (each layer's initialize on its first forward, in order, so upstream quantizers are already set).
        const std::string firstBlock = fp.blocks.empty() ? std::string() : fp.blocks.front().name + ".";
        for (auto &[name, layer] : model->quantLayers()) {
            const bool stemOutput = !firstBlock.empty() && name.rfind(firstBlock, 0) == 0 &&
                                    (name == firstBlock + "conv1" || name == firstBlock + "downsample.0");
            const int bits = request.abits == 0 ? 0 : stemOutput ? kEdgeBits : request.abits;
            setTensor(model, name + ".act_levels", torch::full({}, bits ? std::pow(2.0, bits) - 1 : 0.0));
        }
        model->eval();
        model->forward(calib.slice(0, 0, std::min<int64_t>(kActCalibImages, calib.size(0))));
        if (request.testImages > 0)
            result.top1InMemory = top1(model, test, p.loader);

        CheckpointState state;
        state.configText = serializeTrainConfig(config);
        state.inputChannels = channels;
        state.numClasses = classes;
        saveCheckpoint(request.out, model, nullptr, nullptr, state);
        result.checkpoint = request.out;

        if (request.testImages > 0) {
            // Through the normal evaluation path, as `quantscope-cli eval --weights OUT` runs it.
            EvalRequest again;
            again.weights = request.out;
            again.data = p.dataSpec;
            again.device = "cpu";
            PreparedEvaluation q = prepareEvaluation(again);
            result.top1After = top1(q.model, firstImages(q.test, request.testImages), q.loader);
        }
        result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        result.sidecar = request.out + ".ptq.json";
        writeFileAtomically(result.sidecar, reconstructionJson(request, result, 2) + "\n");
        return result;
    });
}

std::string reconstructionJson(const ReconstructionRequest &r, const ReconstructionResult &result, int indent)
{
    Json settings = {
        {"weights", r.weights},
        {"data", r.data},
        {"method", r.method},
        {"scheme", r.scheme},
        {"wbits", r.wbits},
        {"abits", r.abits},
        {"iters", r.iters},
        {"calib_images", r.calibImages},
        {"batch", r.batch},
        {"lambda", r.lambda},
        {"seed", r.seed},
        {"loss", "mse (lp, p = 2)"},
        {"first_layer", "8-bit per-channel uniform, nearest, not reconstructed"},
        {"last_layer", r.method == "nearest" ? "8-bit per-channel uniform, nearest"
                                             : "8-bit per-channel uniform weights, reconstructed as a layer"},
        {"activations", r.abits == 0 ? "float"
                                     : "uniform unsigned, mse init on 64 calibration images "
                                       "(no activation learning stage); first block input 8-bit"}};
    Json units = Json::array();
    for (const auto &u : result.units) {
        Json history = Json::array();
        for (const auto &[t, loss] : u.loss)
            history.push_back({t, loss});
        units.push_back({{"unit", u.unit},
                         {"nearest_loss", u.nearestLoss},
                         {"final_loss", u.finalLoss},
                         {"seconds", u.seconds},
                         {"loss_history", history}});
    }
    Json layers = Json::array();
    for (const auto &l : result.layers)
        layers.push_back({{"layer", l.layer},
                          {"weights", l.weights},
                          {"rounded_up", l.roundedUp},
                          {"rounded_down", l.roundedDown},
                          {"same_as_nearest", l.sameAsNearest},
                          {"h_histogram", l.softHistogram}});
    Json out = {{"checkpoint", result.checkpoint},
                {"settings", settings},
                {"seconds", result.seconds},
                {"test_images", result.testImages},
                {"top1_before", result.top1Before ? Json(*result.top1Before) : Json(nullptr)},
                {"top1_after", result.top1After ? Json(*result.top1After) : Json(nullptr)},
                {"units", units},
                {"layers", layers}};
    return jsonText(out, indent);
}

} // namespace qs
