#pragma once
// The APoT reference's quantizer path that uniform, pot and apot share (methods.md 1.3, 1.4): weights
// normalized w~ = (w - mean) / std (detached) and projected by `_pq` onto alpha_w * (signed levels),
// activations by `_uq` onto alpha_a * (unsigned levels), both clips learned with the RCF gradient. The three
// methods differ only in their level grid. Torch header: the method files only.

#include "core/torchonly.h"

#include "core/quant/layerquantizer.h"

#include <string>

namespace qs {

struct PowerMethodText
{
    std::string name, title, description, codeNote;
    int listPosition = 1000;
};

// The registry entry of an APoT-style method on `scheme`'s level grid: parameters weight_quant.wgt_alpha and
// act_alpha (config keys weight_alpha_init, act_alpha_init), EWGS-capable, the grid's bit ranges.
void registerPowerMethod(MethodRegistrar &registrar, Scheme scheme, const PowerMethodText &text);

} // namespace qs
