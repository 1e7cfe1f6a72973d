#include "core/analysis/activations.h"
#include "core/torchedge.h"

#include "core/train/evaluation.h"
#include "core/io/modelio.h"
#include "core/io/torchformat.h"

#include <torch/torch.h>

#include <algorithm>
#include <limits>
#include <map>
#include <random>

namespace qs {

namespace {

// Selection sampling (Knuth's Algorithm S) over a stream whose length is known in advance: exactly
// `wanted` of `total` values, each subset equally likely, kept in stream order, one pass and O(wanted)
// memory however many batches the stream arrives in.
class StreamSampler
{
public:
    StreamSampler(int64_t total, int64_t wanted, uint64_t seed)
        : m_remaining(total), m_wanted(std::min(total, wanted)), m_rng(seed)
    {
        m_values.reserve(size_t(m_wanted));
    }

    void add(const float *values, int64_t n)
    {
        for (int64_t i = 0; i < n; ++i) {
            if (m_remaining <= 0)
                return;
            if (m_wanted > 0 && int64_t(m_rng() % uint64_t(m_remaining)) < m_wanted) {
                m_values.push_back(values[i]);
                --m_wanted;
            }
            --m_remaining;
        }
    }
    std::vector<float> take() { return std::move(m_values); }

private:
    int64_t m_remaining, m_wanted;
    std::mt19937_64 m_rng;
    std::vector<float> m_values;
};

} // namespace

const LayerActivations *ActivationCapture::layer(const std::string &name) const
{
    for (const auto &l : layers)
        if (l.name == name)
            return &l;
    return nullptr;
}

ActivationCapture captureActivations(const ActivationRequest &req,
                                     const std::function<bool(int done, int total)> &progress)
{
    return atCoreEdge(req.weights, [&]() -> ActivationCapture {
        torch::NoGradGuard noGrad; // grad mode is per thread: set it where the work runs
        PreparedEvaluation p = prepareCpuEvaluation(req.weights, req.data, req.batch);
        const int64_t images = std::min<int64_t>(std::max<int64_t>(1, req.images), p.test.images.size(0));
        p.test.images = p.test.images.slice(0, 0, images);
        p.test.labels = p.test.labels.slice(0, 0, images);

        ActivationCapture out;
        out.weights = req.weights;
        out.dataSpec = p.dataSpec;
        out.description = p.description;
        out.images = images;

        // The learned activation clips: the model's own for our quantized checkpoints; a PyTorch state_dict
        // is run in full precision, so read them from the file (by the method whose tensors a layer holds).
        std::map<std::string, LayerClips> fileClips;
        if (!isQuantScopeCheckpoint(req.weights))
            fileClips = learnedClips(readTorchCheckpoint(req.weights).tensors);

        auto layers = p.model->quantLayers();
        out.layers.resize(layers.size());
        std::vector<at::Tensor> batchInputs(layers.size());
        for (size_t i = 0; i < layers.size(); ++i) {
            auto &[prefix, conv] = layers[i];
            auto &l = out.layers[i];
            l.name = prefix + ".weight";
            l.checkpointAlpha = conv->learnedClips().activation;
            if (auto it = fileClips.find(prefix); !l.checkpointAlpha && it != fileClips.end())
                l.checkpointAlpha = it->second.activation;
            l.minValue = std::numeric_limits<double>::infinity();
            l.maxValue = -std::numeric_limits<double>::infinity();
            at::Tensor *slot = &batchInputs[i];
            conv->setInputRecorder([slot](const at::Tensor &x) { *slot = x.detach(); });
        }
        struct RecordersOff
        {
            std::vector<std::pair<std::string, QuantConv2d>> &layers;
            ~RecordersOff()
            {
                for (auto &entry : layers)
                    entry.second->setInputRecorder({});
            }
        } recordersOff{layers};

        p.model->eval();
        DataLoader loader(p.test, p.loader);
        loader.startEpoch(0);
        const int64_t batches = loader.batchesPerEpoch();
        std::vector<std::unique_ptr<StreamSampler>> samplers(layers.size());
        for (int64_t b = 0; b < batches; ++b) {
            const auto batch = loader.batch(b);
            p.model->forward(batch.images.to(p.device));
            for (size_t i = 0; i < layers.size(); ++i) {
                auto &l = out.layers[i];
                const auto x = batchInputs[i].to(torch::kCPU, torch::kFloat).contiguous();
                if (!samplers[i]) {
                    l.inputShape = x.sizes().slice(1).vec();
                    l.totalValues = images * (x.numel() / std::max<int64_t>(1, x.size(0)));
                    samplers[i] = std::make_unique<StreamSampler>(l.totalValues, req.maxValuesPerLayer,
                                                                  req.seed * 1000003ULL + i);
                }
                samplers[i]->add(x.data_ptr<float>(), x.numel());
                l.minValue = std::min(l.minValue, x.min().item<double>());
                l.maxValue = std::max(l.maxValue, x.max().item<double>());
                batchInputs[i] = at::Tensor();
            }
            if (progress && !progress(int(b + 1), int(batches))) {
                out.complete = false;
                out.layers.clear();
                return out;
            }
        }
        for (size_t i = 0; i < layers.size(); ++i)
            if (samplers[i])
                out.layers[i].values = samplers[i]->take();
        return out;
    });
}

} // namespace qs
