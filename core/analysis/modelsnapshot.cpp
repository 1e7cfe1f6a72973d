#include "core/analysis/modelsnapshot.h"
#include "core/torchedge.h"

#include "core/io/modelio.h"
#include "core/io/torchformat.h"

#include <torch/torch.h>

#include <cmath>
#include <random>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace qs {

namespace {

bool endsWith(const std::string &s, const std::string &suffix)
{
    return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string formatPercent(double v)
{
    std::ostringstream s;
    s.precision(1);
    s << std::fixed << v << '%';
    return s.str();
}

} // namespace

ModelSnapshot ModelSnapshot::load(const std::string &path)
{
    if (!std::ifstream(path, std::ios::binary).good())
        throw std::runtime_error(path + ": no such file or not readable");
    std::vector<NamedTensor> tensors;
    std::map<std::string, LayerClips> clips; // by conv prefix
    std::string description, dataSpec;
    TrainedAs trainedAs;
    atCoreEdge(path, [&] {
        torch::NoGradGuard noGrad;
        if (isQuantScopeCheckpoint(path)) {
            const auto state = readCheckpointState(path);
            const TrainConfig config = parseTrainConfig(state.configText);
            ResNet model(resnetOptionsFromConfig(config, state.inputChannels, state.numClasses));
            loadCheckpoint(path, model, nullptr, nullptr);
            tensors = exportStateDict(model);
            clips = learnedClips(model);
            dataSpec = config.dataset;
            std::ostringstream s;
            s << "ResNet-" << config.depth << " (" << config.method;
            if (config.method != "fp")
                s << ", W" << config.wbits;
            s << "), " << state.inputChannels
              << (state.inputChannels == 1 ? " input channel, " : " input channels, ") << state.numClasses
              << " classes, " << state.epoch << (state.epoch == 1 ? " epoch" : " epochs");
            if (state.bestTop1 > 0)
                s << ", best top-1 " << formatPercent(state.bestTop1);
            description = s.str();
            trainedAs = inferTrainedAs(path);
        } else {
            tensors = readTorchCheckpoint(path).tensors;
            clips = learnedClips(tensors);
            std::vector<TensorShape> shapes;
            for (const auto &t : tensors)
                shapes.push_back({t.name, t.tensor.sizes().vec()});
            trainedAs = inferTrainedAsFromTensors(shapes, path);
            description =
                (trainedAs.family == ModelFamily::Other ? std::string("PyTorch state_dict")
                                                        : trainedAs.architecture + ", PyTorch state_dict") +
                ", " + std::to_string(tensors.size()) + " tensors";
        }
    });

    // Each layer's learned weight clip on the normalized weights, as its method reads it
    // (core/quant/methods).
    std::map<std::string, double> alphas;
    for (const auto &[prefix, clip] : clips)
        if (clip.weight)
            alphas[prefix + ".weight"] = *clip.weight;

    ModelSnapshot snapshot;
    snapshot.m_path = path;
    snapshot.m_dataSpec = dataSpec;
    snapshot.m_trainedAs = std::move(trainedAs);
    for (const auto &t : tensors) {
        if (!endsWith(t.name, ".weight") || (t.tensor.dim() != 4 && t.tensor.dim() != 2))
            continue;
        if (!t.tensor.is_floating_point())
            throw std::runtime_error(path + ": " + t.name + " is not a floating-point tensor");
        SnapshotLayer layer;
        layer.name = t.name;
        layer.shape = t.tensor.sizes().vec();
        layer.numel = t.tensor.numel();
        if (auto it = alphas.find(t.name); it != alphas.end())
            layer.checkpointAlpha = it->second;
        const auto w = t.tensor.detach().to(torch::kCPU, torch::kFloat).contiguous();
        snapshot.m_weights.emplace_back(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
        snapshot.m_layers.push_back(std::move(layer));
    }
    if (snapshot.m_layers.empty())
        throw std::runtime_error(path + ": no conv or linear weights found");
    snapshot.m_description =
        description + ", " + std::to_string(snapshot.m_layers.size()) + " conv/linear layers";
    return snapshot;
}

ModelSnapshot ModelSnapshot::fromLayers(std::string path, std::string description,
                                        std::vector<SnapshotLayer> layers,
                                        std::vector<std::vector<float>> weights)
{
    if (layers.size() != weights.size())
        throw std::invalid_argument("ModelSnapshot::fromLayers: one weight vector per layer");
    for (size_t i = 0; i < layers.size(); ++i)
        if (int64_t(weights[i].size()) != layers[i].numel)
            throw std::invalid_argument("ModelSnapshot::fromLayers: " + layers[i].name +
                                        " has the wrong size");
    ModelSnapshot snapshot;
    snapshot.m_path = std::move(path);
    snapshot.m_description = std::move(description);
    snapshot.m_layers = std::move(layers);
    snapshot.m_weights = std::move(weights);
    return snapshot;
}

const SnapshotLayer *ModelSnapshot::layer(const std::string &name) const
{
    for (const auto &l : m_layers)
        if (l.name == name)
            return &l;
    return nullptr;
}

const std::vector<float> &ModelSnapshot::weights(const std::string &name) const
{
    for (size_t i = 0; i < m_layers.size(); ++i)
        if (m_layers[i].name == name)
            return m_weights[i];
    throw std::out_of_range("no layer named " + name);
}

void ModelSnapshot::saveStateDict(const std::string &path) const
{
    return atCoreEdge(path, [&]() -> void {
        std::vector<NamedTensor> tensors;
        for (size_t i = 0; i < m_layers.size(); ++i) {
            const auto &layer = m_layers[i];
            tensors.push_back({layer.name, torch::tensor(m_weights[i]).reshape(layer.shape)});
            if (layer.checkpointAlpha && endsWith(layer.name, ".weight"))
                tensors.push_back({layer.name.substr(0, layer.name.size() - 7) + ".weight_quant.wgt_alpha",
                                   torch::full({}, *layer.checkpointAlpha, torch::kFloat)});
        }
        try {
            writeTorchStateDict(path, tensors);
        } catch (const std::exception &e) {
            throw Error(path + ": " + firstLine(e.what()));
        }
    });
}

int64_t ModelSnapshot::parameterCount() const
{
    int64_t n = 0;
    for (const auto &l : m_layers)
        n += l.numel;
    return n;
}

std::vector<LayerWeightAnalysis> analyzeSnapshot(const ModelSnapshot &snapshot, Scheme scheme, int bits,
                                                 std::optional<double> alpha, bool alphaSearch,
                                                 bool zeroLevel)
{
    const LevelSpec spec{scheme, bits, true, zeroLevel};
    if (auto why = checkLevelSpec(spec))
        throw std::invalid_argument(*why);
    std::vector<LayerWeightAnalysis> out;
    out.reserve(snapshot.layers().size());
    for (size_t i = 0; i < snapshot.layers().size(); ++i) {
        const auto &layer = snapshot.layers()[i];
        const std::optional<double> clip = alpha ? alpha : layer.checkpointAlpha;
        auto a = analyzeWeightValues(layer.name, snapshot.weights(layer.name), layer.shape, spec, clip,
                                     alphaSearch);
        if (!alphaSearch && !alpha && layer.checkpointAlpha)
            a.alphaSource = "checkpoint";
        out.push_back(std::move(a));
    }
    return out;
}

namespace {

constexpr size_t kSweepSearchSample = size_t(1) << 16;

// kSweepSearchSample of `values`, drawn uniformly (with replacement) by a fixed-seed generator: the same
// sample on every run, and no stride that would pick one kernel tap of every filter.
std::vector<float> searchSample(const std::vector<float> &values)
{
    std::mt19937_64 rng(values.size());
    std::uniform_int_distribution<size_t> pick(0, values.size() - 1);
    std::vector<float> sample(kSweepSearchSample);
    for (float &v : sample)
        v = values[pick(rng)];
    return sample;
}

} // namespace

std::vector<SweepPoint> bitSweep(const ModelSnapshot &snapshot, const std::vector<Scheme> &schemes,
                                 int fromBits, int toBits, bool alphaSearch,
                                 const std::function<bool(int done, int total)> &progress, bool zeroLevel)
{
    std::vector<std::pair<Scheme, int>> jobs;
    for (Scheme scheme : schemes)
        for (int bits = fromBits; bits <= toBits; ++bits)
            if (!checkLevelSpec({scheme, bits, true, zeroLevel}))
                jobs.emplace_back(scheme, bits);
    const int total = int(jobs.size() * snapshot.layers().size());
    int done = 0;
    std::vector<SweepPoint> points;
    for (const auto &[scheme, bits] : jobs) {
        const LevelSpec spec{scheme, bits, true, zeroLevel};
        SweepPoint point;
        point.scheme = scheme;
        point.bits = bits;
        point.zeroLevel = zeroLevel;
        double sqnrSum = 0, squaredError = 0;
        int finite = 0;
        int64_t numel = 0;
        for (const auto &layer : snapshot.layers()) {
            const auto &values = snapshot.weights(layer.name);
            std::optional<double> clip = layer.checkpointAlpha;
            bool search = alphaSearch;
            if (alphaSearch && values.size() > kSweepSearchSample) {
                // The clip from a fixed random sample (the search evaluates ~120 clips; on all of an
                // ImageNet ResNet's 11.7 M weights, 15 times, that takes minutes), the error from all.
                clip = analyzeWeightValues(layer.name, searchSample(values), {int64_t(kSweepSearchSample)},
                                           spec, std::nullopt, true)
                           .alpha;
                search = false;
            }
            auto a = analyzeWeightValues(layer.name, values, layer.shape, spec, clip, search);
            if (alphaSearch)
                a.alphaSource = "mse-search";
            point.layerSqnrDb.push_back(a.sqnrDb);
            if (std::isfinite(a.sqnrDb)) {
                sqnrSum += a.sqnrDb;
                ++finite;
            }
            squaredError += a.mse * double(a.numel);
            numel += a.numel;
            ++done;
            if (progress && !progress(done, total))
                return points;
        }
        point.meanSqnrDb = finite > 0 ? sqnrSum / finite : std::numeric_limits<double>::infinity();
        point.totalMse = numel > 0 ? squaredError / double(numel) : 0.0;
        points.push_back(std::move(point));
    }
    return points;
}

} // namespace qs
