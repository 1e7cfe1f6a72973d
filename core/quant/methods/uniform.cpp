// Uniform grid with a learned clip, on the APoT reference's quantizer path (methods.md 3.1, 1.3, 1.4).

#include "core/quant/methods/common/powerquantizer.h"

namespace qs {

void registerQuantMethod_uniform(MethodRegistrar &registrar)
{
    registerPowerMethod(
        registrar, Scheme::Uniform,
        {"uniform", "Uniform",
         "uniform grid, learned clip: w~ = (w - mean) / std, w_q = alpha_w sign(w~) "
         "round(|clamp(w~ / alpha_w, -1, "
         "1)| n) / n with n = 2^(b-1) - 1; a_q = alpha_a round(min(x / alpha_a, 1) (2^b - "
         "1)) / (2^b - 1); STE, "
         "alpha by the RCF gradient",
         "The APoT CIFAR code path (_pq/_uq) with uniform levels, so the weight STE is "
         "unclipped; not the ImageNet "
         "code's uniform_quantization (methods.md 1.5, 3.1). Levels by torch.round(x n) / n, "
         "ties to even, as that code and EWGS's discretizer; with backward = ewgs the "
         "activation path matches the official EWGS QConv (lA = 0) to 1e-6 for x >= 0 "
         "(tests/core/tst_official_parity); below 0, where EWGS clamps and passes no "
         "gradient, _uq passes it (inputs are post-ReLU, so it never happens in our ResNets).",
         10});
}

} // namespace qs
