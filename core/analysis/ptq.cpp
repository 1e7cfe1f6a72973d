#include "core/analysis/ptq.h"
#include "core/torchedge.h"

#include "core/analysis/analysis.h"
#include "core/train/evaluation.h"
#include "core/analysis/modelsnapshot.h"
#include "core/quant/quantizers.h"

#include <torch/torch.h>

namespace qs {

PtqResult ptqAccuracySweep(const PtqRequest &req, const std::function<bool(int done, int total)> &progress)
{
    return atCoreEdge(req.weights, [&]() -> PtqResult {
        std::vector<std::pair<Scheme, int>> jobs;
        for (Scheme scheme : req.schemes)
            for (int bits = req.fromBits; bits <= req.toBits; ++bits)
                if (!checkLevelSpec({scheme, bits, true}))
                    jobs.emplace_back(scheme, bits);
        if (jobs.empty())
            throw std::invalid_argument("PTQ sweep: no scheme is defined at the bits asked for");

        torch::NoGradGuard noGrad; // grad mode is per thread: set it where the work runs
        // Weights-only PTQ: built as fp, so no activation quantizer, and the weights used as we set them.
        PreparedEvaluation p = prepareCpuEvaluation(req.weights, req.data, req.batch, "fp");
        // The learned weight clips, read as the Model view reads them (the fp-built model has no quantizer).
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

        struct Layer
        {
            std::string name;
            at::Tensor weight, original;
            std::vector<float> values;
            std::optional<double> checkpointAlpha;
        };
        std::vector<Layer> layers;
        for (auto &[prefix, conv] : p.model->quantLayers()) {
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

        const int perEval = int(loader.batchesPerEpoch());
        const int total = perEval * int(1 + jobs.size());
        int done = 0;
        bool cancelled = false;
        auto evaluate = [&] {
            return evaluateLoader(p.model, loader, p.device, [&](int64_t, int64_t) {
                ++done;
                cancelled = progress && !progress(done, total);
                return !cancelled;
            });
        };

        result.fpTop1 = evaluate().top1;
        for (const auto &[scheme, bits] : jobs) {
            if (cancelled)
                break;
            const LevelSpec spec{scheme, bits, true};
            const LevelTable magnitudes(magnitudeLevels(spec));
            for (auto &l : layers) {
                // The clip analyzeSnapshot reports for this layer (checkpoint alpha, else 3.0, or MSE-optimal).
                const double alpha = analyzeWeightValues(l.name, l.values, l.original.sizes().vec(), spec,
                                                         l.checkpointAlpha, req.alphaSearch)
                                         .alpha;
                const auto mean = l.original.mean(), sd = l.original.std();
                const auto q = powerQuantizeWeight(weightNormalize(l.original),
                                                   torch::full({}, alpha, l.original.options()), magnitudes);
                l.weight.copy_(q * sd + mean);
            }
            const auto stats = evaluate();
            if (cancelled)
                break;
            result.points.push_back({scheme, bits, stats.top1});
        }
        for (auto &l : layers)
            l.weight.copy_(l.original);
        result.complete = !cancelled;
        return result;
    });
}

} // namespace qs
