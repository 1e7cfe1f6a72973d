// Powers-of-two levels with a learned clip, as the APoT repository builds them (methods.md 2).

#include "core/quant/methods/common/powerquantizer.h"

namespace qs {

void registerQuantMethod_pot(MethodRegistrar &registrar)
{
    registerPowerMethod(
        registrar, Scheme::PoT,
        {"pot", "PoT",
         "powers of two, learned clip: w_q = alpha_w sign(w~) P(|clamp(w~ / alpha_w, -1, 1)|), P the nearest "
         "of {0, "
         "2^-(2^(b-1) - 2), ..., 1/2, 1}, w~ = (w - mean) / std; a_q = alpha_a P(min(x / alpha_a, 1)) on {0, "
         "2^-(2^b - 2), ..., 1}; STE, alpha by the RCF gradient",
         "Levels of the APoT code's build_power_value(additive=False) with one sign bit for weights, not "
         "INQ's "
         "max-based grid (methods.md 2).",
         30});
}

} // namespace qs
