#include "core/analysis/ptq.h"
#include "core/torchedge.h"

#include "core/analysis/analysis.h"
#include "core/analysis/modelsnapshot.h"
#include "core/analysis/trainedas.h"
#include "core/io/modelio.h"
#include "core/quant/methods.h"
#include "core/quant/quantizers.h"
#include "core/train/evaluation.h"

#include <torch/torch.h>

namespace qs {

namespace {
// `model` as a full-precision network (no quantizer; backward irrelevant here), same weights, BN and edges.
// Built from the prepared model rather than through prepareEvaluation, whose configuration check refuses
// fp with the EWGS backward a checkpoint may store.
ResNet asFullPrecision(ResNet &model, TrainConfig config, int64_t channels, int64_t classes,
                       torch::Device device, const std::string &path)
{
    config.method = "fp";
    config.backward = "ste";
    ResNet fp(resnetOptionsFromConfig(config, channels, classes));
    auto tensors = exportStateDict(model);
    tensors.erase(std::remove_if(tensors.begin(), tensors.end(),
                                 [](const NamedTensor &t) { return isQuantizerParameterName(t.name); }),
                  tensors.end());
    const auto report = loadStateDict(fp, tensors, /*strict=*/false, path);
    if (!report.missing.empty() || !report.mismatched.empty())
        throw Error(path + ": " + report.summary());
    fp->to(device);
    return fp;
}
} // namespace

PtqResult ptqAccuracySweep(const PtqRequest &req, const std::function<bool(int done, int total)> &progress)
{
    return atCoreEdge(req.weights, [&]() -> PtqResult {
        torch::NoGradGuard noGrad; // grad mode is per thread: set it where the work runs
        // The setting the reference runs in: as trained unless asked otherwise.
        EvalRequest eval;
        eval.weights = req.weights;
        eval.data = req.data;
        eval.batch = int(std::max<int64_t>(1, req.batch));
        eval.device = "cpu";
        eval.mean = req.mean;
        eval.std = req.std;
        eval.wbits = req.wbits;
        eval.abits = req.abits;
        const TrainedAs trained = inferTrainedAs(req.weights);
        if (!trained.evaluable())
            throw Error(req.weights + ": " + trained.notEvaluable);
        const bool zeroLevel = req.zeroLevel.value_or(trained.zeroLevel);
        std::vector<std::pair<Scheme, int>> jobs;
        for (Scheme scheme : req.schemes)
            for (int bits = req.fromBits; bits <= req.toBits; ++bits)
                if (!checkLevelSpec({scheme, bits, true, zeroLevel}))
                    jobs.emplace_back(scheme, bits);
        if (jobs.empty())
            throw std::invalid_argument("PTQ sweep: no scheme is defined at the bits asked for");
        const std::string wanted = req.quant.empty() ? trained.method : req.quant;
        if (req.quant.empty() && trained.quantized() && !trained.bitsKnown() &&
            (req.wbits <= 0 || req.abits <= 0))
            throw std::invalid_argument(req.weights + ": trained as " + trained.describe() +
                                        ", but the file does not say its bits; give them");
        // A checkpoint of ours that stores its whole setting is prepared as stored and made full precision
        // here when asked; anything else is prepared as asked.
        const bool rebuildAsFp = wanted == "fp" && trained.quantized() && trained.bitsKnown();
        eval.quant = rebuildAsFp ? trained.method : wanted;
        PreparedEvaluation p = prepareEvaluation(eval);
        const int64_t channels = p.test.images.size(1), classes = p.test.numClasses;
        if (rebuildAsFp) {
            p.model = asFullPrecision(p.model, p.config, channels, classes, p.device, req.weights);
            p.config.method = "fp";
        }
        const MethodInfo &method = quantMethod(p.config.method);
        // Uniform/PoT/APoT: rebuild per point with the point's grid, keeping the activations as evaluated.
        const bool gridSetting = method.quantizes && method.gridScheme.has_value();
        // The learned weight clips, read as the Model view reads them.
        const ModelSnapshot snapshot = ModelSnapshot::load(req.weights);
        if (req.testImages > 0 && req.testImages < p.test.images.size(0)) {
            p.test.images = p.test.images.slice(0, 0, req.testImages);
            p.test.labels = p.test.labels.slice(0, 0, req.testImages);
        }
        DataLoader loader(p.test, p.loader);

        PtqResult result;
        result.images = loader.size();
        result.dataSpec = p.dataSpec;
        result.edges = p.config.edgeLayers == "8bit" ? "8-bit max-scaled" : "full precision";
        result.classes = p.test.numClasses;
        result.mean = p.loader.normalization.mean;
        result.std = p.loader.normalization.std;
        TrainedAs evaluated;
        evaluated.method = method.quantizes ? p.config.method : "fp";
        evaluated.wbits = p.config.wbits;
        evaluated.abits = p.config.abits;
        result.evaluatedAs = evaluated.label();
        if (!method.quantizes)
            result.reference = trained.quantized() && req.quant.empty() ? "as trained (full precision)"
                               : trained.quantized() ? "full precision (trained as " + trained.label() + ")"
                                                     : "unquantized";
        else
            result.reference =
                req.quant.empty() ? "as trained (" + evaluated.label() + ")" : "as " + evaluated.label();
        result.activations =
            gridSetting ? std::to_string(p.config.abits) + "-bit with the learned clip, on each point's grid"
                        : "full precision";

        // Full-precision points: the same model, its weights replaced by hand.
        // Points of a non-grid method (LSQ, DSQ, ...): a full-precision copy, its weights replaced by hand.
        ResNet fpCopy{nullptr};
        if (!gridSetting && method.quantizes)
            fpCopy = asFullPrecision(p.model, p.config, channels, classes, p.device, req.weights);
        ResNet &pointModel = fpCopy ? fpCopy : p.model;

        struct Layer
        {
            std::string name;
            at::Tensor weight, original;
            std::vector<float> values;
            std::optional<double> checkpointAlpha;
        };
        std::vector<Layer> layers;
        for (auto &[prefix, conv] : pointModel->quantLayers()) {
            Layer l;
            l.name = prefix + ".weight";
            l.weight = conv->weight;
            l.original = conv->weight.detach().clone();
            const auto flat = l.original.to(torch::kCPU, torch::kFloat).contiguous();
            l.values.assign(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
            if (const auto *s = snapshot.layer(l.name))
                l.checkpointAlpha = s->checkpointAlpha;
            layers.push_back(std::move(l));
        }
        const auto referenceState = gridSetting ? exportStateDict(p.model) : std::vector<NamedTensor>{};

        const int perEval = int(loader.batchesPerEpoch());
        const int total = perEval * int(1 + jobs.size());
        int done = 0;
        bool cancelled = false;
        auto evaluateModel = [&](ResNet &model) {
            return evaluateLoader(model, loader, p.device, [&](int64_t, int64_t) {
                ++done;
                cancelled = progress && !progress(done, total);
                return !cancelled;
            });
        };
        result.referenceTop1 = evaluateModel(p.model).top1;
        for (const auto &[scheme, bits] : jobs) {
            if (cancelled)
                break;
            const LevelSpec spec{scheme, bits, true, zeroLevel};
            double top1 = 0;
            if (gridSetting) {
                TrainConfig config = p.config;
                config.method = schemeName(scheme);
                config.wbits = bits;
                config.methodOptions["zero_level"] = zeroLevel ? 1.0 : 0.0;
                ResNet model(resnetOptionsFromConfig(config, channels, classes));
                loadStateDict(model, referenceState, /*strict=*/true, req.weights);
                if (req.alphaSearch)
                    for (auto &[prefix, conv] : model->quantLayers()) {
                        const auto w = conv->weight.detach().to(torch::kCPU, torch::kFloat).contiguous();
                        const std::vector<float> values(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
                        conv->named_parameters()["weight_quant.wgt_alpha"].fill_(
                            analyzeWeightValues(prefix, values, w.sizes().vec(), spec, std::nullopt, true)
                                .alpha);
                    }
                model->to(p.device);
                top1 = evaluateModel(model).top1;
            } else {
                const LevelTable magnitudes(magnitudeLevels(spec));
                for (auto &l : layers) {
                    // The clip analyzeSnapshot reports for this layer (checkpoint alpha, else 3.0, or
                    // MSE-optimal).
                    const double alpha = analyzeWeightValues(l.name, l.values, l.original.sizes().vec(), spec,
                                                             l.checkpointAlpha, req.alphaSearch)
                                             .alpha;
                    const auto mean = l.original.mean(), sd = l.original.std();
                    const auto q =
                        powerQuantizeWeight(weightNormalize(l.original),
                                            torch::full({}, alpha, l.original.options()), magnitudes);
                    l.weight.copy_(q * sd + mean);
                }
                top1 = evaluateModel(pointModel).top1;
            }
            if (cancelled)
                break;
            result.points.push_back({scheme, bits, top1});
        }
        for (auto &l : layers)
            l.weight.copy_(l.original);
        result.complete = !cancelled;
        return result;
    });
}

} // namespace qs
