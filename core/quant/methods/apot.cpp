// APoT, Li, Dong & Wang, ICLR 2020: additive powers-of-two levels with a learned clip (methods.md 1).

#include "core/quant/methods/common/powerquantizer.h"

namespace qs {

void registerQuantMethod_apot(MethodRegistrar &registrar)
{
    registerPowerMethod(
        registrar, Scheme::APoT,
        {"apot", "APoT",
         "additive powers of two: w_q = alpha_w sign(w~) P(|clamp(w~ / alpha_w, -1, 1)|), w~ "
         "= (w - mean) / std, P "
         "the nearest sum of powers of two; a_q = alpha_a P(min(x / alpha_a, 1)); STE, alpha "
         "by the RCF gradient "
         "(sign(x) outside the clip, P(x / alpha) - x / alpha inside)",
         "The CIFAR code: detached mean/std, unclipped weight STE, ternary 2-bit and plain "
         "PoT 3-bit weights, "
         "hand-built odd-bit level sets (methods.md 1.2, 1.3, 10). backward = ewgs (APoT+EWGS, "
         "the seed's combination) measures x_n - x_q in the grid's units, weights in [-1, 1], "
         "unless ewgs_distance_units = normalized (the EWGS code's [0, 1]).",
         40});
}

} // namespace qs
