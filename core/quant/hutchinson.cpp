#include "core/quant/hutchinson.h"

#include <torch/torch.h>

#include <cmath>

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
} // namespace

std::vector<double> hutchinsonTracesPerTensor(const std::vector<at::Tensor> &grads,
                                              const std::vector<at::Tensor> &params,
                                              const HutchinsonOptions &opts)
{
    checkInputs(grads, params);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(opts.seed);
    std::vector<double> traces;
    for (size_t i = 0; i < params.size(); ++i) {
        double sum = 0.0, mean = 0.0;
        for (int it = 0; it < opts.maxIterations; ++it) {
            const auto v = rademacherLike(params[i], gen);
            const auto hv = torch::autograd::grad({grads[i]}, {params[i]}, {v}, /*retain_graph=*/true,
                                                  /*create_graph=*/false, /*allow_unused=*/true)[0];
            sum += hv.defined() ? (hv * v).sum().item<double>() : 0.0;
            const double previous = mean;
            mean = sum / (it + 1);
            if (it > 0 && converged(mean, previous, opts))
                break;
        }
        traces.push_back(mean);
    }
    return traces;
}

std::vector<double> hutchinsonTracesJoint(const std::vector<at::Tensor> &grads,
                                          const std::vector<at::Tensor> &params,
                                          const HutchinsonOptions &opts)
{
    checkInputs(grads, params);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(opts.seed);
    const size_t k = params.size();
    std::vector<double> sums(k, 0.0), means(k, 0.0);
    std::vector<bool> done(k, false);
    std::vector<int> samples(k, 0);
    for (int it = 0; it < opts.maxIterations; ++it) {
        std::vector<at::Tensor> vs;
        for (const auto &p : params)
            vs.push_back(rademacherLike(p, gen));
        const auto hvs =
            torch::autograd::grad(grads, params, vs, /*retain_graph=*/true, /*create_graph=*/false,
                                  /*allow_unused=*/true);
        bool allDone = true;
        for (size_t i = 0; i < k; ++i) {
            if (done[i])
                continue;
            sums[i] += hvs[i].defined() ? (hvs[i] * vs[i]).sum().item<double>() : 0.0;
            const double previous = means[i];
            means[i] = sums[i] / ++samples[i];
            if (it > 0 && converged(means[i], previous, opts))
                done[i] = true;
            allDone = allDone && done[i];
        }
        if (allDone)
            break;
    }
    return means;
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

} // namespace qs
