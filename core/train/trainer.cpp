#include "core/train/trainer.h"
#include "core/torchedge.h"

#include "core/data/datasets.h"
#include "core/train/evaluation.h"
#include "core/train/ewgsupdate.h"
#include "core/runs/metrics.h"
#include "core/io/atomicfile.h"
#include "core/io/modelio.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <thread>

namespace qs {

namespace fs = std::filesystem;

std::string trainOutcomeName(TrainOutcome outcome)
{
    switch (outcome) {
    case TrainOutcome::Completed:
        return "completed";
    case TrainOutcome::Stopped:
        return "stopped";
    case TrainOutcome::MaxSteps:
        return "max_steps";
    case TrainOutcome::Diverged:
        return "diverged";
    }
    return "unknown";
}

int configureThreads(int requested)
{
    // More intra-op threads than a few per core only adds start-up time and contention (100000 would start
    // that many threads): the request is capped, and the count set is what the run records.
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    const int threads = requested > 0 ? std::min(requested, kMaxThreadsPerCore * cores) : cores;
    at::set_num_threads(threads); // LibTorch starts with one intra-op thread on small machines
    return threads;
}

namespace {

// Numbers in the messages people read (the CLI's stderr, the GUI's log): a loss to 4 significant digits and
// an accuracy to 2 decimals; metrics.jsonl keeps every digit (numberText).
std::string logNumber(double value)
{
    if (!std::isfinite(value))
        return numberText(value);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4g", value);
    return buffer;
}

std::string logPercent(double value)
{
    if (!std::isfinite(value))
        return numberText(value) + "%";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f%%", value);
    return buffer;
}

using Clock = std::chrono::steady_clock;

torch::Device pickDevice(const std::string &requested)
{
    if (requested == "cuda") {
        if (!torch::cuda::is_available())
            throw std::runtime_error("device = cuda, but no CUDA device is available to this LibTorch");
        return torch::kCUDA;
    }
    if (requested == "auto" && torch::cuda::is_available())
        return torch::kCUDA;
    return torch::kCPU;
}

Dataset subset(Dataset d, int64_t n)
{
    if (n > 0 && n < d.images.size(0)) {
        d.images = d.images.slice(0, 0, n);
        d.labels = d.labels.slice(0, 0, n);
    }
    return d;
}

} // namespace

Normalization normalizationFor(const DatasetSpec &spec, const std::vector<double> &mean,
                               const std::vector<double> &sd, int64_t channels)
{
    Normalization n = defaultNormalization(spec.kind);
    if (!mean.empty()) {
        n.mean = mean;
        n.std = sd;
    }
    if (int64_t(n.mean.size()) != channels)
        throw std::runtime_error("normalization has " + std::to_string(n.mean.size()) +
                                 " channels, the data " + std::to_string(channels));
    return n;
}

namespace {

struct Optimizers
{
    std::unique_ptr<torch::optim::Optimizer> model, quant;
    std::vector<double> baseLr, quantBaseLr; // per param group, before the schedule
};

Optimizers makeOptimizers(ResNet &model, const TrainConfig &c)
{
    // Each method declares the group of every quantizer parameter it registers; the rest are the model's.
    auto [weights, actQuant, wgtQuant] = parameterGroups(*model);
    Optimizers o;
    const bool separateQuant = c.quantOptimizer == "adam";
    if (c.optimizer == "sgd") {
        auto opts = torch::optim::SGDOptions(c.lr)
                        .momentum(c.momentum)
                        .weight_decay(c.weightDecay)
                        .nesterov(c.nesterov);
        std::vector<torch::optim::OptimizerParamGroup> groups;
        groups.emplace_back(weights, std::make_unique<torch::optim::SGDOptions>(opts));
        o.baseLr.push_back(c.lr);
        if (!separateQuant) {
            // The APoT recipe: act_alpha and wgt_alpha have their own fixed learning rates and weight decay.
            if (!actQuant.empty()) {
                auto a = opts;
                a.lr(c.actAlphaLr).weight_decay(c.alphaWeightDecay);
                groups.emplace_back(actQuant, std::make_unique<torch::optim::SGDOptions>(a));
                o.baseLr.push_back(c.actAlphaLr);
            }
            if (!wgtQuant.empty()) {
                auto w = opts;
                w.lr(c.wgtAlphaLr).weight_decay(c.alphaWeightDecay);
                groups.emplace_back(wgtQuant, std::make_unique<torch::optim::SGDOptions>(w));
                o.baseLr.push_back(c.wgtAlphaLr);
            }
        }
        o.model = std::make_unique<torch::optim::SGD>(groups, opts);
    } else {
        auto opts = torch::optim::AdamOptions(c.lr).weight_decay(c.weightDecay);
        std::vector<torch::optim::OptimizerParamGroup> groups;
        groups.emplace_back(weights, std::make_unique<torch::optim::AdamOptions>(opts));
        o.baseLr.push_back(c.lr);
        if (!separateQuant) {
            for (auto *list : {&actQuant, &wgtQuant}) {
                if (list->empty())
                    continue;
                auto a = opts;
                const double lr = list == &actQuant ? c.actAlphaLr : c.wgtAlphaLr;
                a.lr(lr).weight_decay(c.alphaWeightDecay);
                groups.emplace_back(*list, std::make_unique<torch::optim::AdamOptions>(a));
                o.baseLr.push_back(lr);
            }
        }
        o.model = std::make_unique<torch::optim::Adam>(groups, opts);
    }
    if (separateQuant) {
        std::vector<at::Tensor> quant = actQuant;
        quant.insert(quant.end(), wgtQuant.begin(), wgtQuant.end());
        if (!quant.empty()) {
            // EWGS and DAQ recipes: a second optimizer, Adam without weight decay, for the quantizer
            // parameters.
            o.quant = std::make_unique<torch::optim::Adam>(quant, torch::optim::AdamOptions(c.quantLr));
            o.quantBaseLr.push_back(c.quantLr);
        }
    }
    return o;
}

double scheduleFactor(const TrainConfig &c, int64_t epoch)
{
    if (c.schedule == "step")
        return std::pow(c.lrGamma, double(epoch / c.stepSize));
    if (c.schedule == "multistep") {
        int passed = 0;
        for (int m : c.milestones)
            passed += epoch >= m ? 1 : 0;
        return std::pow(c.lrGamma, passed);
    }
    if (c.schedule == "cosine")
        return 0.5 * (1.0 + std::cos(M_PI * double(epoch) / double(c.epochs)));
    return 1.0;
}

template <typename Options>
void setGroupLrs(torch::optim::Optimizer &opt, const std::vector<double> &base, double f)
{
    auto &groups = opt.param_groups();
    for (size_t i = 0; i < groups.size() && i < base.size(); ++i)
        static_cast<Options &>(groups[i].options()).lr(base[i] * f);
}

void applySchedule(Optimizers &o, const TrainConfig &c, int64_t epoch)
{
    const double f = scheduleFactor(c, epoch);
    if (c.optimizer == "sgd")
        setGroupLrs<torch::optim::SGDOptions>(*o.model, o.baseLr, f);
    else
        setGroupLrs<torch::optim::AdamOptions>(*o.model, o.baseLr, f);
    if (o.quant)
        setGroupLrs<torch::optim::AdamOptions>(*o.quant, o.quantBaseLr, f);
}

} // namespace

EvalStats evaluateLoader(ResNet &model, DataLoader &loader, torch::Device device,
                         const std::function<bool(int64_t done, int64_t total)> &afterBatch)
{
    torch::NoGradGuard noGrad;
    model->eval();
    loader.startEpoch(0);
    double lossSum = 0;
    int64_t correct1 = 0, correct5 = 0, count = 0;
    for (int64_t b = 0; b < loader.batchesPerEpoch(); ++b) {
        const auto batch = loader.batch(b);
        const auto x = batch.images.to(device), y = batch.labels.to(device);
        const auto out = model->forward(x);
        lossSum += torch::nn::functional::cross_entropy(
                       out, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .item<double>();
        const int64_t k = std::min<int64_t>(5, out.size(1));
        const auto top = std::get<1>(out.topk(k, 1));
        const auto hits = top.eq(y.unsqueeze(1));
        correct1 += hits.select(1, 0).sum().item<int64_t>();
        correct5 += hits.any(1).sum().item<int64_t>();
        count += y.size(0);
        if (afterBatch && !afterBatch(b + 1, loader.batchesPerEpoch()))
            break;
    }
    EvalStats s;
    s.images = count;
    if (count > 0) {
        s.loss = lossSum / double(count);
        s.top1 = 100.0 * double(correct1) / double(count);
        s.top5 = 100.0 * double(correct5) / double(count);
    }
    return s;
}

namespace {

// Per-layer state for metrics.jsonl: clip values, EWGS deltas, weight quantization error and level occupancy.
std::vector<LayerState> layerRecords(ResNet &model)
{
    std::vector<LayerState> out;
    for (auto &[name, layer] : model->quantLayers()) {
        LayerState &rec = out.emplace_back();
        rec.name = name;
        rec.alphaW = layer->weightClip();
        rec.alphaA = layer->actClip();
        rec.deltaW = layer->ewgsDeltaW();
        rec.deltaA = layer->ewgsDeltaA();
        at::Tensor input, quantized;
        try {
            std::tie(input, quantized) = layer->weightQuantizationPair();
        } catch (const c10::Error &) {
            // A clip pushed through zero (the divergence being recorded) leaves nothing to quantize with.
            continue;
        }
        const auto in = input.to(torch::kCPU, torch::kDouble), q = quantized.to(torch::kCPU, torch::kDouble);
        // Diverged weights (NaN/Inf, the divergence being recorded) have no error and no levels; sorting NaNs
        // for unique() does not terminate.
        if (!torch::isfinite(in).all().item<bool>() || !torch::isfinite(q).all().item<bool>())
            continue;
        const double noise = (in - q).pow(2).sum().item<double>();
        rec.mse = noise / double(in.numel());
        rec.sqnrDb = noise > 0 ? 10.0 * std::log10(in.pow(2).sum().item<double>() / noise) : 1e9;
        const auto uniq = torch::_unique2(q.flatten(), /*sorted=*/true, /*return_inverse=*/false,
                                          /*return_counts=*/true);
        const auto values = std::get<0>(uniq), counts = std::get<2>(uniq);
        if (values.numel() <= 256) {
            rec.levels.assign(values.data_ptr<double>(), values.data_ptr<double>() + values.numel());
            const auto c = counts.to(torch::kLong);
            rec.counts.assign(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
        }
    }
    return out;
}

class Run
{
public:
    Run(const TrainConfig &config, fs::path dir, const std::atomic<bool> *stop,
        const TrainCallbacks &callbacks, int threads)
        : m_config(config), m_dir(std::move(dir)), m_stop(stop), m_callbacks(callbacks), m_threads(threads)
    {}

    TrainResult execute(bool resume);

private:
    void message(const std::string &line)
    {
        if (m_callbacks.onMessage)
            m_callbacks.onMessage(line);
    }
    void saveLast(int64_t epoch, int64_t batchInEpoch);
    bool ewgsDue(int64_t epoch, int64_t batch) const;
    // Re-estimates every layer's EWGS deltas; returns an explanation when one explodes.
    struct DeltaExplosion
    {
        std::string layer, detail;
    };
    std::optional<DeltaExplosion> updateEwgsDeltas(int64_t epoch);
    TrainResult diverge(const std::string &reason, DivergenceRecord record, int64_t epoch);
    std::string suspectLayer();
    struct BadClip
    {
        std::string layer, detail;
        double value = 0;
    };
    std::optional<BadClip> nonPositiveClip();

    TrainConfig m_config;
    fs::path m_dir;
    const std::atomic<bool> *m_stop;
    TrainCallbacks m_callbacks;
    int m_threads = 0; // > 0: this session's thread count instead of config.threads (not stored)
    torch::Device m_device = torch::kCPU;
    ResNet m_model{nullptr};
    Optimizers m_opt;
    std::unique_ptr<DataLoader> m_train, m_test;
    std::unique_ptr<MetricsWriter> m_metrics;
    CheckpointState m_state;
    int64_t m_step = 0;
};

bool Run::ewgsDue(int64_t epoch, int64_t batch) const
{
    if (m_config.backward != "ewgs" || m_config.ewgsUpdate == "never")
        return false;
    if (m_config.ewgsUpdate == "epochs")
        return batch == 0 && epoch >= m_config.ewgsUpdateStart &&
               (epoch - m_config.ewgsUpdateStart) % m_config.ewgsUpdateEvery == 0;
    return m_step >= m_config.ewgsUpdateStart &&
           (m_step - m_config.ewgsUpdateStart) % m_config.ewgsUpdateEvery == 0;
}

std::optional<Run::DeltaExplosion> Run::updateEwgsDeltas(int64_t epoch)
{
    auto layers = m_model->quantLayers();
    DeltaEstimateSettings settings;
    settings.mode = m_config.hutchinsonMode;
    settings.hutchinson.maxIterations = m_config.hutchinsonMaxIter;
    settings.hutchinson.tolerance = m_config.hutchinsonTol;
    settings.hutchinson.referenceDenominator = m_config.hutchinsonStop == "reference";
    settings.seedFor = [this](int64_t b) {
        return m_config.seed * 1000003ULL + uint64_t(m_step) * 31ULL + uint64_t(b);
    };
    const int64_t batches = std::min<int64_t>(m_config.ewgsBatches, m_train->batchesPerEpoch());
    const auto deltas =
        estimateEwgsDeltas(
            m_model, [this](int64_t b) { return m_train->batch(b); }, batches, settings, m_device)
            .deltas;
    std::optional<DeltaExplosion> explosion;
    std::vector<double> dw, da;
    for (size_t i = 0; i < layers.size(); ++i) {
        auto &[name, layer] = layers[i];
        layer->setEwgsDeltas(deltas[2 * i], deltas[2 * i + 1]);
        dw.push_back(deltas[2 * i]);
        da.push_back(deltas[2 * i + 1]);
        for (int k = 0; k < 2 && !explosion; ++k) {
            const double d = deltas[2 * i + k];
            if (!std::isfinite(d) || d > m_config.divergenceDeltaMax) {
                std::ostringstream why;
                why << name << (k == 0 ? " weight" : " activation") << " delta = " << d;
                explosion = DeltaExplosion{name, why.str()};
            }
        }
    }
    EwgsUpdateRecord rec{epoch, m_step, {}, dw, da};
    for (const auto &named : layers)
        rec.layers.push_back(named.first);
    m_metrics->write(rec);
    return explosion;
}

std::optional<Run::BadClip> Run::nonPositiveClip()
{
    // The tensors each method declares must stay positive (clips, step sizes; DSQ/DAQ bounds may cross zero,
    // FP has none). Every step: one synchronization for all; the layer is looked up only when one is not.
    torch::NoGradGuard noGrad;
    std::vector<at::Tensor> positive;
    for (auto &[name, layer] : m_model->quantLayers())
        for (const auto &t : layer->quantizerTensors())
            if (t.spec->mustStayPositive)
                positive.push_back(t.tensor);
    if (positive.empty() || torch::stack(positive).min().item<double>() > 0)
        return std::nullopt;
    for (auto &[name, layer] : m_model->quantLayers())
        for (const auto &t : layer->quantizerTensors()) {
            const double value = t.tensor.item<double>();
            if (t.spec->mustStayPositive && !(value > 0)) {
                std::ostringstream why;
                why << name << (t.spec->group == QuantizerGroup::Weight ? " weight " : " activation ")
                    << t.spec->meaning << " = " << value << " (must stay positive)";
                return BadClip{name, why.str(), value};
            }
        }
    return std::nullopt;
}

std::string Run::suspectLayer()
{
    // The first layer whose parameters are no longer finite; else the one with the largest EWGS delta.
    std::string largest;
    double largestDelta = -1;
    for (auto &[name, layer] : m_model->quantLayers()) {
        for (const auto &p : layer->parameters())
            if (!torch::isfinite(p).all().item<bool>())
                return name;
        const double d = std::max(layer->ewgsDeltaW(), layer->ewgsDeltaA());
        if (d > largestDelta) {
            largestDelta = d;
            largest = name;
        }
    }
    return largest;
}

TrainResult Run::diverge(const std::string &reason, DivergenceRecord record, int64_t epoch)
{
    record.reason = reason;
    record.epoch = epoch;
    record.step = m_step;
    record.layers = layerRecords(m_model);
    m_metrics->write(record);
    TrainResult r;
    r.outcome = TrainOutcome::Diverged;
    r.steps = m_step;
    r.epochs = epoch;
    r.bestTop1 = m_state.bestTop1;
    r.lastTop1 = m_state.lastTop1;
    r.message =
        "diverged at step " + std::to_string(m_step) + " (epoch " + std::to_string(epoch) + "): " + reason;
    if (m_config.onDivergence == "rollback" && fs::exists(m_dir / "last.qsckpt")) {
        loadCheckpoint((m_dir / "last.qsckpt").string(), m_model, nullptr, nullptr);
        r.message += "; model rolled back to last.qsckpt";
        m_metrics->write(RollbackRecord{(m_dir / "last.qsckpt").string(), m_step});
    }
    message(r.message);
    return r;
}

void Run::saveLast(int64_t epoch, int64_t batchInEpoch)
{
    m_state.epoch = epoch;
    m_state.batchInEpoch = batchInEpoch;
    m_state.step = m_step;
    saveCheckpoint((m_dir / "last.qsckpt").string(), m_model, m_opt.model.get(), m_opt.quant.get(), m_state);
}

TrainResult Run::execute(bool resume)
{
    const int threads = configureThreads(m_threads > 0 ? m_threads : m_config.threads);
    m_device = pickDevice(m_config.device);
    if (auto why = checkTrainConfig(m_config))
        throw std::runtime_error("configuration: " + *why);

    DatasetSpec spec;
    try {
        spec = parseDatasetSpec(m_config.dataset);
    } catch (const std::invalid_argument &e) {
        throw std::invalid_argument(std::string("dataset: ") + e.what());
    }
    const Dataset train = subset(loadDataset(spec, true), m_config.trainSubset);
    const Dataset test = subset(loadDataset(spec, false), m_config.testSubset);
    const int64_t channels = train.images.size(1);
    LoaderOptions trainOptions;
    trainOptions.batchSize = m_config.batchSize;
    trainOptions.shuffle = true;
    trainOptions.augment = m_config.augment && train.images.size(2) == 32;
    trainOptions.normalization = normalizationFor(spec, m_config.mean, m_config.std, channels);
    trainOptions.seed = m_config.seed;
    LoaderOptions testOptions = trainOptions;
    testOptions.batchSize = m_config.evalBatchSize;
    testOptions.shuffle = false;
    testOptions.augment = false;
    m_train = std::make_unique<DataLoader>(train, trainOptions);
    m_test = std::make_unique<DataLoader>(test, testOptions);

    torch::manual_seed(m_config.seed);
    m_model = ResNet(resnetOptionsFromConfig(m_config, channels, train.numClasses));
    m_model->to(m_device);
    m_state.configText = serializeTrainConfig(m_config);
    m_state.inputChannels = channels;
    m_state.numClasses = train.numClasses;

    fs::create_directories(m_dir);
    const std::string metricsPath = (m_dir / "metrics.jsonl").string();
    if (resume) {
        // The steps after the checkpoint are trained (and recorded) again: their old records go first.
        const auto state = readCheckpointState((m_dir / "last.qsckpt").string());
        dropRecordsAfterCheckpoint(metricsPath, state.step);
    } else {
        // config.ini first: a run directory with a config but no checkpoint yet restarts in place.
        writeFileAtomically((m_dir / "config.ini").string(), m_state.configText);
        std::error_code ignored;
        fs::remove(metricsPath, ignored); // a restart in place: the killed attempt's records go
    }
    m_metrics = std::make_unique<MetricsWriter>(metricsPath);
    int64_t startEpoch = 0, startBatch = 0;
    if (!resume && !m_config.init.empty()) {
        const auto report = loadWeightsInto(m_model, m_config.init);
        message("warm start from " + m_config.init + ": " + report.summary());
    }
    m_opt = makeOptimizers(m_model, m_config);
    if (resume) {
        const auto last = (m_dir / "last.qsckpt").string();
        m_state = readCheckpointState(last);
        loadCheckpoint(last, m_model, m_opt.model.get(), m_opt.quant.get());
        startEpoch = m_state.epoch;
        startBatch = m_state.batchInEpoch;
        m_step = m_state.step;
        message("resuming at epoch " + std::to_string(startEpoch) + ", batch " + std::to_string(startBatch) +
                ", step " + std::to_string(m_step));
    }
    m_metrics->write(StartRecord{resume, m_step, startEpoch, threads, m_device.is_cuda() ? "cuda" : "cpu",
                                 parameterCount(*m_model), train.images.size(0), test.images.size(0),
                                 train.description});

    const auto started = Clock::now();
    TrainResult result;
    for (int64_t epoch = startEpoch; epoch < m_config.epochs; ++epoch) {
        applySchedule(m_opt, m_config, epoch);
        m_train->startEpoch(epoch);
        const auto epochStart = Clock::now();
        double lossSum = 0;
        int64_t correct = 0, seen = 0;
        if (epoch == startEpoch && startBatch > 0) {
            lossSum = m_state.epochLossSum;
            correct = m_state.epochCorrect;
            seen = m_state.epochSeen;
        }
        const int64_t batches = m_train->batchesPerEpoch();
        for (int64_t b = startBatch; b < batches; ++b) {
            const bool stopRequested = m_stop && m_stop->load();
            const bool stepLimit = m_config.maxSteps > 0 && m_step >= m_config.maxSteps;
            if (stopRequested || stepLimit) {
                m_state.epochLossSum = lossSum;
                m_state.epochCorrect = correct;
                m_state.epochSeen = seen;
                saveLast(epoch, b);
                result.outcome = stopRequested ? TrainOutcome::Stopped : TrainOutcome::MaxSteps;
                result.message = std::string(stopRequested ? "stopped" : "step limit reached") + " at step " +
                                 std::to_string(m_step) + "; resume with --resume " + m_dir.string();
                m_metrics->write(StopRecord{trainOutcomeName(result.outcome), m_step, epoch, b});
                result.steps = m_step;
                result.epochs = epoch;
                result.bestTop1 = m_state.bestTop1;
                result.lastTop1 = m_state.lastTop1;
                return result;
            }
            if (ewgsDue(epoch, b)) {
                if (auto explosion = updateEwgsDeltas(epoch)) {
                    DivergenceRecord rec;
                    rec.layer = explosion->layer;
                    rec.detail = explosion->detail;
                    return diverge("EWGS delta exploded: " + explosion->detail, rec, epoch);
                }
            }
            m_model->train();
            const auto batch = m_train->batch(b);
            const auto x = batch.images.to(m_device), y = batch.labels.to(m_device);
            const auto out = m_model->forward(x);
            const auto loss = torch::nn::functional::cross_entropy(out, y);
            const double lossValue = loss.item<double>();
            if (!std::isfinite(lossValue)) {
                DivergenceRecord rec;
                rec.values["loss"] = lossValue;
                rec.layer = suspectLayer();
                return diverge("loss is " + numberText(lossValue), rec, epoch);
            }
            m_opt.model->zero_grad();
            if (m_opt.quant)
                m_opt.quant->zero_grad();
            loss.backward();
            // One synchronization for the norm; the per-tensor search runs only when it is not finite.
            std::vector<at::Tensor> norms;
            for (const auto &p : m_model->parameters())
                if (p.grad().defined())
                    norms.push_back(p.grad().norm());
            const double gradNorm = norms.empty() ? 0.0 : torch::stack(norms).norm().item<double>();
            if (!std::isfinite(gradNorm)) {
                std::string badGradient;
                for (const auto &p : m_model->named_parameters())
                    if (badGradient.empty() && p.value().grad().defined() &&
                        !torch::isfinite(p.value().grad()).all().item<bool>())
                        badGradient = p.key();
                DivergenceRecord rec;
                rec.values["loss"] = lossValue;
                rec.layer = badGradient;
                return diverge("gradient of " + badGradient + " is not finite", rec, epoch);
            }
            m_opt.model->step();
            if (m_opt.quant)
                m_opt.quant->step();
            if (auto clip = nonPositiveClip()) {
                // A learned clip pushed through zero (large EWGS-scaled gradients do this) makes the next
                // forward meaningless: it is a divergence with the layer and value, not an exception.
                DivergenceRecord rec;
                rec.values = {{"loss", lossValue}, {"alpha", clip->value}};
                rec.layer = clip->layer;
                ++m_step;
                return diverge(clip->detail, rec, epoch);
            }
            ++m_step;
            lossSum += lossValue * double(y.size(0));
            correct += out.argmax(1).eq(y).sum().item<int64_t>();
            seen += y.size(0);

            StepSample sample{m_step, epoch, lossValue, m_opt.baseLr[0] * scheduleFactor(m_config, epoch),
                              gradNorm};
            if (m_step % m_config.logEvery == 0)
                m_metrics->write(sample);
            if (m_callbacks.onStep)
                m_callbacks.onStep(sample);
            if (m_callbacks.onProgress)
                m_callbacks.onProgress({epoch, m_config.epochs, b + 1, batches, m_step,
                                        std::chrono::duration<double>(Clock::now() - started).count()});
        }
        startBatch = 0;
        const auto eval = evaluateLoader(m_model, *m_test, m_device);
        m_state.lastTop1 = eval.top1;
        const bool best = eval.top1 >= m_state.bestTop1;
        if (best)
            m_state.bestTop1 = eval.top1;
        EpochSample es;
        es.epoch = epoch;
        es.step = m_step;
        es.trainLoss = seen ? lossSum / double(seen) : 0.0;
        es.trainTop1 = seen ? 100.0 * double(correct) / double(seen) : 0.0;
        es.testLoss = eval.loss;
        es.testTop1 = eval.top1;
        es.testTop5 = eval.top5;
        es.bestTop1 = m_state.bestTop1;
        es.seconds = std::chrono::duration<double>(Clock::now() - epochStart).count();
        es.lr = m_opt.baseLr[0] * scheduleFactor(m_config, epoch);
        m_metrics->write(es);
        m_metrics->write(LayersRecord{epoch, m_step, layerRecords(m_model)});
        m_state.epochLossSum = 0;
        m_state.epochCorrect = m_state.epochSeen = 0;
        saveLast(epoch + 1, 0);
        if (best)
            copyFileAtomically((m_dir / "last.qsckpt").string(), (m_dir / "best.qsckpt").string());
        if (m_callbacks.onEpoch)
            m_callbacks.onEpoch(es);
        message("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(m_config.epochs) +
                ": train loss " + logNumber(es.trainLoss) + ", test top-1 " + logPercent(es.testTop1));
    }
    m_metrics->write(DoneRecord{m_step, m_state.bestTop1});
    result.outcome = TrainOutcome::Completed;
    result.steps = m_step;
    result.epochs = m_config.epochs;
    result.bestTop1 = m_state.bestTop1;
    result.lastTop1 = m_state.lastTop1;
    result.message = "completed " + std::to_string(m_config.epochs) + " epochs; best test top-1 " +
                     logPercent(m_state.bestTop1);
    return result;
}

} // namespace

TrainResult runTraining(const TrainConfig &config, const std::string &runDir, const std::atomic<bool> *stop,
                        const TrainCallbacks &callbacks, int threads)
{
    return atCoreEdge(runDir, [&]() -> TrainResult {
        const fs::path dir(runDir);
        if (fs::exists(dir / "last.qsckpt") || fs::exists(dir / "config.ini") ||
            fs::exists(dir / "metrics.jsonl"))
            throw std::runtime_error(runDir + ": already holds a run; use --resume or another --out");
        Run run(config, runDir, stop, callbacks, threads);
        return run.execute(false);
    });
}

TrainResult resumeTraining(const std::string &runDir, const std::atomic<bool> *stop,
                           const TrainCallbacks &callbacks, int threads)
{
    return atCoreEdge(runDir, [&]() -> TrainResult {
        const fs::path dir(runDir);
        if (!fs::exists(dir / "last.qsckpt")) {
            // Killed before its first checkpoint: nothing to continue, so the run starts over from its
            // config.ini, in place.
            if (!fs::exists(dir / "config.ini"))
                throw std::runtime_error(runDir +
                                         ": no last.qsckpt to resume from and no config.ini to restart");
            TrainConfig config;
            try {
                config = parseTrainConfig(readWholeFile((dir / "config.ini").string()));
            } catch (const std::invalid_argument &e) {
                throw std::runtime_error((dir / "config.ini").string() + ": " + e.what());
            }
            if (callbacks.onMessage)
                callbacks.onMessage(runDir + ": no checkpoint yet; restarting the run from the start");
            Run run(config, dir, stop, callbacks, threads);
            return run.execute(false);
        }
        const auto state = readCheckpointState((dir / "last.qsckpt").string());
        Run run(parseTrainConfig(state.configText), dir, stop, callbacks, threads);
        return run.execute(true);
    });
}

PreparedModel prepareModel(const EvalRequest &req)
{
    PreparedModel p;
    p.device = pickDevice(req.device);
    const bool ours = isQuantScopeCheckpoint(req.weights);
    TrainConfig config;
    std::vector<NamedTensor> tensors;
    if (ours) {
        const auto state = readCheckpointState(req.weights);
        config = parseTrainConfig(state.configText);
        p.channels = state.inputChannels;
        p.classes = state.numClasses;
    } else {
        StateDict dict;
        try {
            dict = readTorchCheckpoint(req.weights);
        } catch (const TorchFormatError &e) {
            throw ModelIoError(e.what());
        }
        const auto layout = inferLayout(dict.tensors, req.weights);
        config.depth = layout.depth;
        config.shortcut = layout.shortcut == Shortcut::B ? "B" : "A";
        config.method = "fp";
        config.edgeLayers = layout.layout == "apot" ? "8bit" : "fp";
        p.channels = layout.inputChannels;
        p.classes = layout.numClasses;
        tensors = std::move(dict.tensors);
    }
    // A PyTorch state_dict names no data set: only the request can.
    p.dataSpec = !req.data.empty() ? req.data : ours ? config.dataset : std::string();
    if (req.depth > 0 && req.depth != config.depth)
        throw std::runtime_error(req.weights + ": --arch resnet" + std::to_string(req.depth) +
                                 " does not match the checkpoint's resnet" + std::to_string(config.depth));
    if (!req.quant.empty())
        config.method = req.quant;
    // Evaluation runs no backward pass: an EWGS-trained checkpoint evaluated with a method EWGS does not
    // apply to (--quant fp, say) keeps the same forward under STE.
    if (config.backward == "ewgs" && !quantMethod(config.method).ewgs)
        config.backward = "ste";
    if (req.wbits > 0)
        config.wbits = req.wbits;
    if (req.abits > 0)
        config.abits = req.abits;
    if (!req.edges.empty())
        config.edgeLayers = req.edges;
    if (auto why = checkTrainConfig(config))
        throw std::runtime_error(*why);

    p.model = ResNet(resnetOptionsFromConfig(config, p.channels, p.classes));
    if (ours) {
        loadCheckpoint(req.weights, p.model, nullptr, nullptr);
    } else {
        // A reference FP model still stores its (unused) quantizer parameters: ignore those, require the
        // rest.
        if (!quantMethod(config.method).quantizes)
            tensors.erase(
                std::remove_if(tensors.begin(), tensors.end(),
                               [](const NamedTensor &t) { return isQuantizerParameterName(t.name); }),
                tensors.end());
        loadStateDict(p.model, tensors, /*strict=*/true, req.weights);
    }
    p.model->to(p.device);
    p.description = "resnet" + std::to_string(config.depth) + " shortcut " + config.shortcut + ", " +
                    config.method +
                    (!quantMethod(config.method).quantizes
                         ? ""
                         : " W" + std::to_string(config.wbits) + "A" + std::to_string(config.abits)) +
                    ", edges " + config.edgeLayers;
    p.config = std::move(config);
    return p;
}

PreparedEvaluation prepareEvaluation(const EvalRequest &req)
{
    if (req.data.empty() && !isQuantScopeCheckpoint(req.weights))
        throw std::runtime_error(req.weights +
                                 ": a PyTorch state_dict names no data set; give one (e.g. cifar10:DIR)");
    auto m = prepareModel(req);
    PreparedEvaluation p;
    p.dataSpec = m.dataSpec;
    const DatasetSpec spec = parseDatasetSpec(p.dataSpec);
    p.test = loadDataset(spec, false);
    const auto &test = p.test;
    if (m.channels != test.images.size(1) || m.classes != test.numClasses)
        throw std::runtime_error(req.weights + ": the model takes " + std::to_string(m.channels) +
                                 " channels and " + std::to_string(m.classes) + " classes, the data has " +
                                 std::to_string(test.images.size(1)) + " and " +
                                 std::to_string(test.numClasses));
    p.model = m.model;
    p.device = m.device;
    p.loader.batchSize = req.batch;
    p.loader.shuffle = false;
    p.loader.augment = false;
    p.loader.normalization = normalizationFor(spec, req.mean.empty() ? m.config.mean : req.mean,
                                              req.mean.empty() ? m.config.std : req.std, m.channels);
    p.description = m.description;
    p.config = std::move(m.config);
    return p;
}

EvalResult evaluateWeights(const EvalRequest &req)
{
    return atCoreEdge(req.weights, [&]() -> EvalResult {
        configureThreads(req.threads);
        auto p = prepareEvaluation(req);
        DataLoader loader(p.test, p.loader);
        const auto stats = evaluateLoader(p.model, loader, p.device);
        EvalResult r;
        r.top1 = stats.top1;
        r.top5 = stats.top5;
        r.loss = stats.loss;
        r.images = stats.images;
        r.model = p.description;
        r.mean = p.loader.normalization.mean;
        r.std = p.loader.normalization.std;
        return r;
    });
}

TrainStepBenchResult benchTrainStep(const TrainStepBenchRequest &req)
{
    return atCoreEdge(std::string("bench"), [&]() -> TrainStepBenchResult {
        TrainStepBenchResult result;
        result.threads = configureThreads(req.threads);
        TrainConfig config;
        config.depth = req.depth;
        config.method = req.quant;
        config.wbits = config.abits = req.bits;
        config.backward = req.ewgs ? "ewgs" : "ste";
        config.ewgsDeltaInit = req.ewgs ? 1e-3 : 0.0;
        config.lr = 0.01;
        if (auto why = checkTrainConfig(config))
            throw std::runtime_error(*why);
        torch::manual_seed(0);
        ResNet model(resnetOptionsFromConfig(config, 3, 10));
        auto opt = makeOptimizers(model, config);
        const auto x = torch::randn({req.batch, 3, req.imageSize, req.imageSize});
        const auto y = torch::randint(0, 10, {req.batch});
        model->train();
        auto step = [&] {
            opt.model->zero_grad();
            torch::nn::functional::cross_entropy(model->forward(x), y).backward();
            opt.model->step();
        };
        step(); // warm-up: lazy initializations, allocator
        step();
        const auto t0 = Clock::now();
        for (int i = 0; i < req.steps; ++i)
            step();
        const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        result.msPerStep = 1000.0 * seconds / req.steps;
        result.imagesPerSecond = double(req.batch) * req.steps / seconds;
        return result;
    });
}

EwgsUpdateBenchResult benchEwgsUpdate(const EwgsUpdateBenchRequest &req)
{
    return atCoreEdge(std::string("bench"), [&]() -> EwgsUpdateBenchResult {
        EwgsUpdateBenchResult result;
        result.threads = configureThreads(req.threads);
        TrainConfig config;
        config.depth = req.depth;
        config.method = req.quant;
        config.wbits = config.abits = req.bits;
        config.backward = "ewgs";
        config.ewgsDeltaInit = 1e-3;
        config.lr = 0.01;
        config.hutchinsonMode = req.mode;
        if (auto why = checkTrainConfig(config))
            throw std::runtime_error(*why);
        torch::manual_seed(int64_t(req.seed));
        ResNet model(resnetOptionsFromConfig(config, 3, 10));
        auto opt = makeOptimizers(model, config);
        std::vector<Batch> batches;
        for (int b = 0; b < std::max(1, req.batches); ++b)
            batches.push_back({torch::randn({req.batch, 3, 32, 32}), torch::randint(0, 10, {req.batch})});
        model->train();
        auto step = [&] {
            opt.model->zero_grad();
            torch::nn::functional::cross_entropy(model->forward(batches[0].images), batches[0].labels)
                .backward();
            opt.model->step();
        };
        for (int i = 0; i < std::max(1, req.warmupSteps); ++i)
            step();
        auto t0 = Clock::now();
        step();
        result.stepSeconds = std::chrono::duration<double>(Clock::now() - t0).count();

        DeltaEstimateSettings settings;
        settings.mode = req.mode;
        settings.hutchinson.maxIterations = req.maxIterations;
        settings.hutchinson.tolerance = req.tolerance;
        settings.hutchinson.referenceDenominator = req.referenceStop;
        settings.seedFor = [&](int64_t b) { return req.seed * 1000003ULL + uint64_t(b); };
        t0 = Clock::now();
        const auto estimate = estimateEwgsDeltas(
            model, [&](int64_t b) { return batches[size_t(b)]; }, int64_t(batches.size()), settings,
            torch::kCPU);
        result.updateSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
        result.products = estimate.products;
        const auto layers = model->quantLayers();
        for (size_t i = 0; i < layers.size(); ++i) {
            result.layers.push_back(layers[i].first);
            result.deltaW.push_back(estimate.deltas[2 * i]);
            result.deltaA.push_back(estimate.deltas[2 * i + 1]);
            result.deltaWError.push_back(estimate.standardErrors[2 * i]);
            result.deltaWUnclipped.push_back(estimate.unclipped[2 * i]);
            result.deltaAUnclipped.push_back(estimate.unclipped[2 * i + 1]);
            result.deltaAError.push_back(estimate.standardErrors[2 * i + 1]);
        }
        return result;
    });
}

} // namespace qs
