#include "core/analysis/analysis.h"
#include "core/torchedge.h"

#include "core/io/modelio.h"
#include "core/quant/quantizers.h"
#include "core/io/torchformat.h"

#include <torch/torch.h>

#include <cmath>
#include <map>

namespace qs {

namespace {

struct ErrorAt
{
    double mse, signal, noise;
};

// The scheme's own weight transform: weight normalization (detached mean/std), clip at alpha, nearest level.
ErrorAt errorAt(const at::Tensor &wn, const LevelTable &mags, double alpha)
{
    torch::NoGradGuard noGrad;
    const auto q = powerQuantizeWeight(wn, torch::full({}, alpha, wn.options()), mags);
    const double noise = (wn - q).pow(2).sum().item<double>();
    return {noise / double(wn.numel()), wn.pow(2).sum().item<double>(), noise};
}

// The clip in (0, top] minimizing mseAt: a grid of `points`, then golden-section refinement around the best
// point.
template <typename MseAt> double searchClip(double top, const MseAt &mseAt, int points = 64)
{
    top = std::max(1e-6, top);
    double best = top, bestMse = std::numeric_limits<double>::infinity();
    for (int i = 1; i <= points; ++i) {
        const double a = top * i / points;
        const double m = mseAt(a);
        if (m < bestMse) {
            bestMse = m;
            best = a;
        }
    }
    double lo = std::max(1e-9, best - top / points), hi = std::min(top, best + top / points);
    const double g = (std::sqrt(5.0) - 1) / 2;
    for (int it = 0; it < 30; ++it) {
        const double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
        if (mseAt(a) <= mseAt(b))
            hi = b;
        else
            lo = a;
    }
    const double refined = 0.5 * (lo + hi);
    return mseAt(refined) <= bestMse ? refined : best;
}

double searchAlpha(const at::Tensor &wn, const LevelTable &mags)
{
    return searchClip(wn.abs().max().item<double>(), [&](double a) { return errorAt(wn, mags, a).mse; });
}

// The activation quantizer's forward (`_uq`): alpha * P(min(x / alpha, 1)), nearest level of the unsigned
// set.
ErrorAt activationErrorAt(const at::Tensor &x, const LevelTable &levels, double alpha)
{
    torch::NoGradGuard noGrad;
    const auto q = powerQuantizeActivation(x, torch::full({}, alpha, x.options()), levels);
    const double noise = (x - q).pow(2).sum().item<double>();
    return {noise / double(x.numel()), x.pow(2).sum().item<double>(), noise};
}

// Index of the nearest level for every value of x (already divided by alpha and clamped), ties to the
// lower level as the quantizer's projection.
std::vector<int64_t> levelCounts(const at::Tensor &x, const std::vector<double> &sortedLevels)
{
    std::vector<double> mids;
    for (size_t i = 0; i + 1 < sortedLevels.size(); ++i)
        mids.push_back(0.5 * (sortedLevels[i] + sortedLevels[i + 1]));
    const auto idx = torch::bucketize(x, torch::tensor(mids, torch::kDouble).to(x.scalar_type()));
    const auto counts = torch::bincount(idx.flatten(), {}, int64_t(sortedLevels.size()));
    std::vector<int64_t> out;
    for (int64_t i = 0; i < counts.numel(); ++i)
        out.push_back(counts[i].item<int64_t>());
    return out;
}

LayerWeightAnalysis analyzeTensor(const std::string &name, const at::Tensor &weight, const LevelSpec &spec,
                                  std::optional<double> alpha, const std::string &alphaSource,
                                  bool alphaSearch)
{
    LayerWeightAnalysis r;
    r.name = name;
    r.shape = weight.sizes().vec();
    r.numel = weight.numel();
    const auto w = weight.detach().to(torch::kCPU, torch::kFloat).contiguous();
    r.mean = w.mean().item<double>();
    r.std = w.numel() > 1 ? w.std().item<double>() : 0.0;
    if (!(r.std > 0))
        throw std::runtime_error(name + ": weights are constant, so weight normalization is undefined");
    const auto wn = weightNormalize(w);
    const LevelTable mags(magnitudeLevels(spec));
    if (alphaSearch) {
        r.alpha = searchAlpha(wn, mags);
        r.alphaSource = "mse-search";
    } else {
        r.alpha = alpha.value_or(3.0);
        r.alphaSource = alpha ? alphaSource : "default";
    }
    const auto e = errorAt(wn, mags, r.alpha);
    r.mse = e.mse;
    r.sqnrDb = e.noise > 0 ? 10.0 * std::log10(e.signal / e.noise) : std::numeric_limits<double>::infinity();
    const auto signedLevels = levelSet(spec);
    for (double v : signedLevels)
        r.levels.push_back(v * r.alpha);
    // Counted from the quantizer's own output (each value is a level): its tie rules (half to even on the
    // uniform grid, +0 up on a grid without zero) then hold for the counts too.
    {
        torch::NoGradGuard noGrad;
        const auto q = powerQuantizeWeight(wn, torch::full({}, r.alpha, wn.options()), mags) / r.alpha;
        r.counts = levelCounts(q, signedLevels);
    }
    return r;
}

} // namespace

LayerWeightAnalysis analyzeWeightValues(const std::string &name, const std::vector<float> &values,
                                        const std::vector<int64_t> &shape, const LevelSpec &spec,
                                        std::optional<double> alpha, bool alphaSearch)
{
    if (auto why = checkLevelSpec(spec))
        throw std::invalid_argument(*why);
    const auto w = torch::tensor(values).reshape(shape);
    return analyzeTensor(name, w, spec, alpha, "given", alphaSearch);
}

LayerWeightAnalysis analyzeActivationValues(const std::string &name, const std::vector<float> &values,
                                            const LevelSpec &spec, std::optional<double> alpha,
                                            bool alphaSearch)
{
    if (spec.isSigned)
        throw std::invalid_argument("activations use the unsigned grids");
    if (auto why = checkLevelSpec(spec))
        throw std::invalid_argument(*why);
    if (values.empty())
        throw std::invalid_argument(name + ": no activation values");
    torch::NoGradGuard noGrad;
    // Double precision for the sums: a layer's sample holds up to a few hundred thousand values.
    const auto x = torch::tensor(values).to(torch::kDouble);
    LayerWeightAnalysis r;
    r.name = name;
    r.shape = {int64_t(values.size())};
    r.numel = int64_t(values.size());
    r.mean = x.mean().item<double>();
    r.std = x.numel() > 1 ? x.std().item<double>() : 0.0;
    const auto unsignedLevels = levelSet(spec);
    const LevelTable table(unsignedLevels);
    if (alphaSearch) {
        // Up to twice the largest value: on a non-uniform grid (fine levels near 0) a clip above the data
        // can beat every clip inside it.
        r.alpha = searchClip(
            2.0 * x.max().item<double>(), [&](double a) { return activationErrorAt(x, table, a).mse; }, 128);
        r.alphaSource = "mse-search";
    } else {
        r.alpha = alpha.value_or(kDefaultActivationAlpha);
        r.alphaSource = alpha ? "given" : "default";
    }
    if (!(r.alpha > 0))
        throw std::invalid_argument(name + ": the activation clip must be positive");
    const auto e = activationErrorAt(x, table, r.alpha);
    r.mse = e.mse;
    r.sqnrDb = e.noise > 0 ? 10.0 * std::log10(e.signal / e.noise) : std::numeric_limits<double>::infinity();
    for (double v : unsignedLevels)
        r.levels.push_back(v * r.alpha);
    r.counts = levelCounts((x / r.alpha).clamp_max(1.0), unsignedLevels);
    return r;
}

std::vector<LayerWeightAnalysis> analyzeWeights(const AnalyzeRequest &req)
{
    return atCoreEdge(req.weights, [&]() -> std::vector<LayerWeightAnalysis> {
        const LevelSpec spec{req.scheme, req.bits, true, req.zeroLevel};
        if (auto why = checkLevelSpec(spec))
            throw std::invalid_argument(*why);
        std::vector<NamedTensor> tensors;
        std::map<std::string, LayerClips> clips; // by conv prefix
        if (isQuantScopeCheckpoint(req.weights)) {
            const auto state = readCheckpointState(req.weights);
            ResNet model(resnetOptionsFromConfig(parseTrainConfig(state.configText), state.inputChannels,
                                                 state.numClasses));
            loadCheckpoint(req.weights, model, nullptr, nullptr);
            tensors = exportStateDict(model);
            clips = learnedClips(model);
        } else {
            try {
                tensors = readTorchCheckpoint(req.weights).tensors;
            } catch (const TorchFormatError &e) {
                throw std::runtime_error(e.what());
            }
            clips = learnedClips(tensors);
        }
        // The learned weight clips on the normalized weights, as each layer's method reads them.
        std::map<std::string, double> checkpointAlphas;
        for (const auto &[prefix, clip] : clips)
            if (clip.weight)
                checkpointAlphas[prefix + ".weight"] = *clip.weight;
        std::vector<LayerWeightAnalysis> out;
        for (const auto &t : tensors) {
            const bool isWeight = t.name.size() > 7 && t.name.compare(t.name.size() - 7, 7, ".weight") == 0;
            if (!isWeight || (t.tensor.dim() != 4 && t.tensor.dim() != 2))
                continue;
            std::optional<double> alpha = req.alpha;
            std::string source = "given";
            if (!alpha) {
                auto it = checkpointAlphas.find(t.name);
                if (it != checkpointAlphas.end()) {
                    alpha = it->second;
                    source = "checkpoint";
                }
            }
            out.push_back(analyzeTensor(t.name, t.tensor, spec, alpha, source, req.alphaSearch));
        }
        if (out.empty())
            throw std::runtime_error(req.weights + ": no conv or linear weights found");
        return out;
    });
}

} // namespace qs
