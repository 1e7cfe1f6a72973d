#include "core/quant/hutchinson.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <map>

namespace qs {

namespace {
at::Tensor rademacherLike(const at::Tensor &p, at::Generator &gen)
{
    // randint_like(p, 0, 2); v[v == 0] = -1
    auto v = torch::randint(0, 2, p.sizes(), gen, p.options().device(torch::kCPU)).to(p.device());
    return v * 2 - 1;
}

bool converged(double mean, double previous, const HutchinsonOptions &opts)
{
    const double denominator = opts.referenceDenominator ? previous + 1e-6 : std::abs(previous) + 1e-6;
    return std::abs(mean - previous) / denominator < opts.tolerance;
}

void checkInputs(const std::vector<at::Tensor> &grads, const std::vector<at::Tensor> &params)
{
    TORCH_CHECK(grads.size() == params.size(), "Hutchinson: ", grads.size(), " gradients for ", params.size(),
                " tensors");
    for (const auto &g : grads)
        TORCH_CHECK(g.requires_grad(), "Hutchinson: the gradients must be built with create_graph=true");
}

// Running mean and variance of one tensor's samples (Welford), with the reference's stopping rule.
struct RunningTrace
{
    double mean = 0, m2 = 0;
    int samples = 0;
    bool done = false;

    void add(double sample, const HutchinsonOptions &opts)
    {
        const double previous = mean;
        ++samples;
        const double d = sample - mean;
        mean += d / samples;
        m2 += d * (sample - mean);
        // The reference checks from its first sample on, against a previous mean of 0.
        if ((opts.referenceDenominator || samples > 1) && converged(mean, previous, opts))
            done = true;
        if (samples >= opts.maxIterations)
            done = true;
    }
    TraceEstimate estimate() const { return {mean, samples, samples > 1 ? m2 / (samples - 1) : 0.0}; }
};
} // namespace

double TraceEstimate::standardError() const
{
    return samples > 0 ? std::sqrt(sampleVariance / samples) : 0.0;
}

std::vector<TraceEstimate> hutchinsonEstimatesPerTensor(const std::vector<at::Tensor> &grads,
                                                        const std::vector<at::Tensor> &params,
                                                        const HutchinsonOptions &opts)
{
    checkInputs(grads, params);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(opts.seed);
    std::vector<TraceEstimate> out;
    for (size_t i = 0; i < params.size(); ++i) {
        RunningTrace running;
        while (!running.done) {
            const auto v = rademacherLike(params[i], gen);
            const auto hv = torch::autograd::grad({grads[i]}, {params[i]}, {v}, /*retain_graph=*/true,
                                                  /*create_graph=*/false, /*allow_unused=*/true)[0];
            running.add(hv.defined() ? (hv * v).sum().item<double>() : 0.0, opts);
        }
        out.push_back(running.estimate());
    }
    return out;
}

std::vector<double> hutchinsonTracesPerTensor(const std::vector<at::Tensor> &grads,
                                              const std::vector<at::Tensor> &params,
                                              const HutchinsonOptions &opts)
{
    std::vector<double> traces;
    for (const auto &e : hutchinsonEstimatesPerTensor(grads, params, opts))
        traces.push_back(e.trace);
    return traces;
}

std::vector<TraceEstimate> hutchinsonEstimatesJoint(const HessianVectorProduct &hvp,
                                                    const std::vector<at::Tensor> &like,
                                                    const HutchinsonOptions &opts,
                                                    const std::vector<double> &probeScales)
{
    TORCH_CHECK(probeScales.empty() || probeScales.size() == like.size(), "Hutchinson: ", probeScales.size(),
                " probe scales for ", like.size(), " tensors");
    const auto scaleOf = [&](size_t i) { return probeScales.empty() ? 1.0 : probeScales[i]; };
    auto gen = at::make_generator<at::CPUGeneratorImpl>(opts.seed);
    std::vector<RunningTrace> running(like.size());
    for (int it = 0; it < opts.maxIterations; ++it) {
        // Every tensor draws its probe each round, so the random stream does not depend on which stopped.
        std::vector<at::Tensor> vs;
        for (size_t i = 0; i < like.size(); ++i) {
            auto v = rademacherLike(like[i], gen);
            vs.push_back(running[i].done ? torch::zeros_like(v) : probeScales.empty() ? v : v * scaleOf(i));
        }
        const auto hvs = hvp(vs);
        bool allDone = true;
        for (size_t i = 0; i < like.size(); ++i) {
            if (running[i].done)
                continue;
            const double c = scaleOf(i);
            running[i].add(hvs[i].defined() ? (hvs[i] * vs[i]).sum().item<double>() / (c * c) : 0.0, opts);
            allDone = allDone && running[i].done;
        }
        if (allDone)
            break;
    }
    std::vector<TraceEstimate> out;
    for (const auto &r : running)
        out.push_back(r.estimate());
    return out;
}

HessianVectorProduct exactHessianVectorProduct(const std::vector<at::Tensor> &grads,
                                               const std::vector<at::Tensor> &params)
{
    checkInputs(grads, params);
    return [grads, params](const std::vector<at::Tensor> &vs) {
        return torch::autograd::grad(grads, params, vs, /*retain_graph=*/true, /*create_graph=*/false,
                                     /*allow_unused=*/true);
    };
}

std::vector<double> hutchinsonTracesJoint(const std::vector<at::Tensor> &grads,
                                          const std::vector<at::Tensor> &params,
                                          const HutchinsonOptions &opts)
{
    std::vector<double> traces;
    for (const auto &e : hutchinsonEstimatesJoint(exactHessianVectorProduct(grads, params), params, opts))
        traces.push_back(e.trace);
    return traces;
}

HessianVectorProduct centralDifferenceProduct(const OffsetGradient &gradientAt, double step)
{
    TORCH_CHECK(step > 0 && std::isfinite(step), "finite differences: the step must be positive, got ", step);
    return [gradientAt, step](const std::vector<at::Tensor> &vs) {
        std::vector<at::Tensor> plus, minus;
        for (const auto &v : vs) {
            plus.push_back(v * step);
            minus.push_back(v * -step);
        }
        const auto gPlus = gradientAt(plus);
        const auto gMinus = gradientAt(minus);
        std::vector<at::Tensor> hv;
        for (size_t i = 0; i < vs.size(); ++i)
            hv.push_back(gPlus[i].defined() && gMinus[i].defined() ? (gPlus[i] - gMinus[i]) / (2 * step)
                                                                   : at::Tensor());
        return hv;
    };
}

double centralDifferenceRelativeStep()
{
    return std::cbrt(double(std::numeric_limits<float>::epsilon()));
}

double finiteDifferenceProbeScale(const at::Tensor &x)
{
    const double rms = x.detach().to(torch::kDouble).pow(2).mean().sqrt().item<double>();
    return rms > 0 && std::isfinite(rms) ? rms : 1.0;
}

double ewgsDeltaSample(double trace, int64_t numel, const at::Tensor &grad)
{
    const double spread = 3.0 * grad.detach().std().item<double>();
    return (trace / double(numel)) / spread;
}

std::vector<double> EwgsDeltaAccumulator::deltas() const
{
    std::vector<double> out;
    for (double s : m_sums) {
        const double mean = m_batches > 0 ? s / m_batches : 0.0;
        out.push_back(std::isfinite(mean) ? std::max(0.0, mean)
                                          : mean); // a NaN must stay visible, not become 0
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// HessianTape

struct HessianTape::State
{
    enum class Mode
    {
        Idle,
        Recording,
        Replaying
    } mode = Mode::Idle;
    struct Layer
    {
        at::Tensor input, weightOut, actOut; // recorded (graph nodes until finishRecording)
        at::Tensor actFactor;                // J0
        at::Tensor weightOffset, actOffset;  // this replay's offsets
        at::Tensor weightReplayed, actReplayed;
    };
    std::vector<const void *> order;
    std::map<const void *, Layer> layers;
    std::vector<at::Tensor> masks; // one per relu call, in call order
    size_t nextMask = 0;
};

namespace {
thread_local HessianTape::State *t_activeTape = nullptr;
}

HessianTape::HessianTape() : m_state(std::make_unique<State>()) {}

HessianTape::~HessianTape()
{
    stop();
}

void HessianTape::startRecording()
{
    TORCH_CHECK(t_activeTape == nullptr || t_activeTape == m_state.get(),
                "HessianTape: another tape is active on this thread");
    *m_state = State{};
    m_state->mode = State::Mode::Recording;
    t_activeTape = m_state.get();
}

void HessianTape::finishRecording()
{
    stop();
    for (auto &entry : m_state->layers) {
        auto &layer = entry.second; // a plain reference: C++17 lambdas cannot capture a structured binding
        TORCH_CHECK(layer.input.requires_grad() && layer.actOut.requires_grad(),
                    "HessianTape: a quantized layer's input does not require grad, so its quantizer's "
                    "backward cannot be read");
        const auto backwardOf = [&](double u) {
            return torch::autograd::grad({layer.actOut}, {layer.input}, {torch::full_like(layer.actOut, u)},
                                         /*retain_graph=*/true, /*create_graph=*/false,
                                         /*allow_unused=*/true)[0];
        };
        const auto plus = backwardOf(1.0), minus = backwardOf(-1.0);
        layer.actFactor = plus.defined() && minus.defined() ? ((plus - minus) * 0.5).detach()
                                                            : torch::zeros_like(layer.actOut);
        layer.input = layer.input.detach();
        layer.weightOut = layer.weightOut.detach();
        layer.actOut = layer.actOut.detach();
    }
}

std::vector<const void *> HessianTape::layers() const
{
    return m_state->order;
}

std::pair<at::Tensor, at::Tensor> HessianTape::outputs(const void *layer) const
{
    const auto it = m_state->layers.find(layer);
    TORCH_CHECK(it != m_state->layers.end(), "HessianTape: no such layer was recorded");
    if (it->second.weightReplayed.defined())
        return {it->second.weightReplayed, it->second.actReplayed};
    return {it->second.weightOut, it->second.actOut};
}

void HessianTape::startReplay(const std::vector<const void *> &layers,
                              const std::vector<std::pair<at::Tensor, at::Tensor>> &offsets)
{
    TORCH_CHECK(t_activeTape == nullptr || t_activeTape == m_state.get(),
                "HessianTape: another tape is active on this thread");
    TORCH_CHECK(offsets.size() == layers.size() && layers.size() == m_state->order.size(),
                "HessianTape: ", offsets.size(), " offsets for ", m_state->order.size(), " recorded layers");
    for (size_t i = 0; i < offsets.size(); ++i) {
        const auto it = m_state->layers.find(layers[i]);
        TORCH_CHECK(it != m_state->layers.end(), "HessianTape: a layer to replay was not recorded");
        auto &layer = it->second;
        layer.weightOffset = offsets[i].first;
        layer.actOffset = offsets[i].second;
        layer.weightReplayed = layer.actReplayed = at::Tensor();
    }
    m_state->nextMask = 0;
    m_state->mode = State::Mode::Replaying;
    t_activeTape = m_state.get();
}

void HessianTape::stop()
{
    if (t_activeTape == m_state.get())
        t_activeTape = nullptr;
    m_state->mode = State::Mode::Idle;
}

at::Tensor HessianTape::relu(const at::Tensor &x)
{
    auto *tape = t_activeTape;
    if (tape == nullptr)
        return torch::relu(x);
    if (tape->mode == State::Mode::Recording) {
        tape->masks.push_back((x > 0).to(x.scalar_type()));
        return torch::relu(x);
    }
    TORCH_CHECK(tape->nextMask < tape->masks.size(), "HessianTape: the replay met more ReLUs than recorded");
    return x * tape->masks[tape->nextMask++];
}

bool HessianTape::replayQuantizers(const void *layer, const at::Tensor &x, at::Tensor &w, at::Tensor &a)
{
    auto *tape = t_activeTape;
    if (tape == nullptr || tape->mode != State::Mode::Replaying)
        return false;
    auto &l = tape->layers.at(layer);
    w = l.weightOut + l.weightOffset;
    if (!w.requires_grad())
        w.requires_grad_(true);
    a = l.actOut + l.actFactor * (x - l.input) + l.actOffset;
    if (!a.requires_grad())
        a.requires_grad_(true);
    l.weightReplayed = w;
    l.actReplayed = a;
    return true;
}

void HessianTape::recordQuantizers(const void *layer, const at::Tensor &x, const at::Tensor &w,
                                   const at::Tensor &a)
{
    auto *tape = t_activeTape;
    if (tape == nullptr || tape->mode != State::Mode::Recording)
        return;
    if (tape->layers.count(layer) == 0)
        tape->order.push_back(layer);
    tape->layers[layer] = State::Layer{x, w, a, {}, {}, {}, {}, {}};
}

} // namespace qs
