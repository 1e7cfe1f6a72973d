// Forward and backward throughput of each quantizer on a 1M-element float tensor, next to a plain tensor copy
// timed in the same run. Prints a Markdown table; ratios are what compare across machines.
//
//   quantscope-bench [--numel N] [--reps R] [--threads T]

#include "core/quant/levels.h"
#include "core/quant/quantizers.h"

#include <torch/torch.h>

#include "benchtiming.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using qsbench::medianMs;

namespace {

struct Case
{
    std::string name;
    int bits;
    std::function<at::Tensor(const at::Tensor &)> run; // returns the output to backprop through
};

} // namespace

int main(int argc, char **argv)
{
    int64_t numel = 1 << 20;
    int reps = 21;
    int threads = int(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--numel"))
            numel = std::atoll(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--reps"))
            reps = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--threads"))
            threads = std::atoi(argv[i + 1]);
    }
    at::set_num_threads(threads);
    torch::manual_seed(0);

    const auto x = torch::randn({numel});
    const auto act = torch::relu(x) * 3;
    auto copyTarget = torch::empty_like(x);
    const double copyMs = medianMs(reps, [&] { copyTarget.copy_(x); });

    std::vector<Case> cases;
    for (int bits : {2, 4}) {
        const qs::LevelTable wMags(qs::magnitudeLevels({qs::Scheme::APoT, bits, true}));
        const qs::LevelTable aLevels(qs::levelSet({qs::Scheme::APoT, bits, false}));
        const qs::LevelTable pMags(qs::magnitudeLevels({qs::Scheme::PoT, bits, true}));
        auto alpha = [] { return torch::full({}, 3.0f).requires_grad_(true); };
        cases.push_back({"apot weight", bits,
                         [=](const at::Tensor &t) { return qs::powerQuantizeWeight(t, alpha(), wMags); }});
        cases.push_back({"apot weight + ewgs", bits, [=](const at::Tensor &t) {
                             return qs::powerQuantizeWeight(t, alpha(), wMags, 0.01);
                         }});
        cases.push_back({"apot activation", bits, [=](const at::Tensor &) {
                             return qs::powerQuantizeActivation(act.detach().requires_grad_(true), alpha(),
                                                                aLevels);
                         }});
        cases.push_back({"pot weight", bits,
                         [=](const at::Tensor &t) { return qs::powerQuantizeWeight(t, alpha(), pMags); }});
        cases.push_back({"uniform (RCF clip)", bits,
                         [=](const at::Tensor &t) { return qs::uniformQuantize(t, alpha(), bits, true); }});
        cases.push_back({"lsq", bits, [=](const at::Tensor &t) {
                             const auto step = torch::full({}, 0.5f).requires_grad_(true);
                             return qs::lsqQuantize(t, step, bits, true,
                                                    qs::lsqGradScale(t.numel(), bits, true));
                         }});
        cases.push_back({"dsq", bits, [=](const at::Tensor &t) {
                             return qs::dsqQuantize(t, torch::full({}, -3.0f).requires_grad_(true),
                                                    torch::full({}, 3.0f).requires_grad_(true),
                                                    torch::full({}, 0.2f).requires_grad_(true), bits);
                         }});
        cases.push_back({"daq", bits, [=](const at::Tensor &t) {
                             return qs::daqQuantize(t, torch::full({}, -3.0f).requires_grad_(true),
                                                    torch::full({}, 3.0f).requires_grad_(true), bits, true,
                                                    2.0, 1.0);
                         }});
    }

    std::printf("quantscope-bench: %lld float elements, %d threads, median of %d runs\n",
                static_cast<long long>(numel), threads, reps);
    std::printf("plain tensor copy: %.3f ms\n\n", copyMs);
    std::printf("| quantizer | bits | forward ms | forward / copy | fwd+bwd ms | fwd+bwd / copy |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (const auto &c : cases) {
        const auto input = x.detach().requires_grad_(true);
        const auto grad = torch::randn_like(x);
        const double fwd = medianMs(reps, [&] {
            torch::NoGradGuard noGrad;
            c.run(x);
        });
        const double both = medianMs(reps, [&] { c.run(input).backward(grad); });
        std::printf("| %s | %d | %.3f | %.2f | %.3f | %.2f |\n", c.name.c_str(), c.bits, fwd, fwd / copyMs,
                    both, both / copyMs);
    }

    // The reference projection: argmin over the N x L broadcast |x - v| (APoT quant_layer.py), in LibTorch.
    std::printf("\nAPoT 4-bit weight forward, reference N x L broadcast vs fused kernel:\n");
    const auto mags4 = qs::magnitudeLevels({qs::Scheme::APoT, 4, true});
    const auto levels = torch::tensor(std::vector<float>(mags4.begin(), mags4.end()));
    const double referenceMs = medianMs(std::max(3, reps / 4), [&] {
        torch::NoGradGuard noGrad;
        const auto xc = (x / 3.0).clamp(-1, 1);
        const auto idx = (xc.abs().unsqueeze(-1) - levels).abs().argmin(-1);
        const auto q = xc.sign() * levels.index_select(0, idx) * 3.0;
        (void)q;
    });
    const qs::LevelTable table(mags4);
    const double fusedMs = medianMs(reps, [&] {
        torch::NoGradGuard noGrad;
        qs::powerQuantizeWeight(x, torch::full({}, 3.0f), table);
    });
    qs::detail::setForceTensorOpPath(true);
    const double opsMs = medianMs(reps, [&] {
        torch::NoGradGuard noGrad;
        qs::powerQuantizeWeight(x, torch::full({}, 3.0f), table);
    });
    qs::detail::setForceTensorOpPath(false);
    std::printf("| path | ms | / copy | reference / path |\n|---|---|---|---|\n");
    std::printf("| reference broadcast + argmin | %.3f | %.2f | 1.00 |\n", referenceMs, referenceMs / copyMs);
    std::printf("| tensor ops + bucketize (GPU path) | %.3f | %.2f | %.1f |\n", opsMs, opsMs / copyMs,
                referenceMs / opsMs);
    std::printf("| fused CPU kernel | %.3f | %.2f | %.1f |\n", fusedMs, fusedMs / copyMs,
                referenceMs / fusedMs);
    return 0;
}
