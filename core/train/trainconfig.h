#pragma once
// Training configuration as a readable `key = value` file (presets, run directories, checkpoints).
// Torch-free, so the GUI can read and edit it.

#include "core/quant/methods.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct TrainConfig
{
    // model
    int depth = 20;
    std::string shortcut = "A"; // A (zero-pad) | B (1x1 conv + BN)
    std::string method = "fp"; // a registered method (core/quant/methods.h): fp, uniform, lsq, pot, apot, ...
    std::string backward = "ste"; // ste | ewgs
    int wbits = 4;
    int abits = 4;
    std::string edgeLayers = "8bit"; // fp | 8bit (APoT reference: max-scaled 8-bit first conv and last fc)
    double weightAlphaInit = 3.0;    // weight_alpha_init and act_alpha_init: uniform/pot/apot config keys
    double actAlphaInit = 8.0;
    // The other method config keys (MethodInfo::configKeys, e.g. dsq_alpha_init, daq_gamma) as given; a key
    // not given takes its registered default (methodOption).
    std::map<std::string, double> methodOptions;
    // data
    std::string dataset =
        "synthetic"; // cifar10:DIR | cifar100:DIR | mnist:DIR | fashion-mnist:DIR | synthetic[:N]
    std::vector<double> mean, std; // empty: the data set's defaults
    bool augment = true;           // random crop (pad 4) + flip; only used for 32x32 colour data
    int64_t trainSubset = 0;       // 0: all training images; N: the first N (quick CPU runs)
    int64_t testSubset = 0;
    // optimization
    int epochs = 1;
    int batchSize = 128;
    int evalBatchSize = 256;
    std::string optimizer = "sgd"; // sgd | adam
    double lr = 0.1;
    double momentum = 0.9;
    double weightDecay = 5e-4;
    bool nesterov = false;
    std::string schedule =
        "multistep"; // constant | step | multistep | cosine (stepped per epoch, all groups)
    std::vector<int> milestones;
    double lrGamma = 0.1;
    int stepSize = 30;
    std::string quantOptimizer =
        "groups"; // groups: SGD groups below (APoT); adam: a separate Adam (EWGS, DAQ)
    double actAlphaLr = 0.1;
    double wgtAlphaLr = 0.02;
    double alphaWeightDecay = 1e-4;
    double quantLr = 1e-5;
    std::string init; // warm start from this checkpoint (ours or PyTorch), non-strict
    // EWGS
    double ewgsDeltaInit = 0.0;
    // The unit of x_n - x_q in the EWGS backward of a grid method (uniform/pot/apot: APoT+EWGS): grid = the
    // grid's own normalized units (signed weights in [-1, 1]), normalized = the EWGS code's [0, 1] (half the
    // weight distance for a fixed delta; a Hessian delta is estimated in the same units). The ewgs method
    // always uses [0, 1], as its code.
    std::string ewgsDistanceUnits = "grid";
    std::string ewgsUpdate = "epochs"; // epochs | iterations | never
    int ewgsUpdateEvery = 10;
    int ewgsUpdateStart = 10; // first update at this epoch (or iteration)
    int ewgsBatches = 3;
    int hutchinsonMaxIter = 50;
    double hutchinsonTol = 1e-3;
    // per-tensor (reference) | joint (one product for all layers) | finite-difference (joint, each product by
    // central differences of two forward/backward passes instead of a double backward)
    std::string hutchinsonMode = "per-tensor";
    std::string hutchinsonStop =
        "abs"; // abs: |mean - prev| / (|prev| + 1e-6); reference: EWGS's, without abs
    // run
    uint64_t seed = 1;
    int threads = 0;             // 0: every core
    std::string device = "auto"; // auto | cpu | cuda
    int64_t maxSteps = 0;        // stop after this many steps (0: no limit)
    double divergenceDeltaMax = 1e3;
    std::string onDivergence = "stop"; // stop | rollback (restore the last good checkpoint, then stop)
    int logEvery = 1;                  // per-iteration metrics every N steps
};

// Parses `key = value` lines (# comments): the keys below and every registered method's config keys. Unknown
// keys and bad values throw std::invalid_argument naming the line. Keys not given keep the values already in
// `base`.
TrainConfig parseTrainConfig(const std::string &text, const TrainConfig &base = TrainConfig{});
// Applies one `key=value` override (the CLI's --set).
void applyConfigOverride(TrainConfig &config, const std::string &assignment);
// Every key with its value, one per line, in a stable order: what run directories and checkpoints store. Of
// the method config keys: those of `method` (their defaults when not given) and any other given one.
std::string serializeTrainConfig(const TrainConfig &config);
// A method config key's value: its TrainConfig field, else methodOptions, else the registered default.
// Throws std::invalid_argument for a key no method declares.
double methodOption(const TrainConfig &config, const std::string &key);
// (checkMethodBits, the bit widths each method defines, is in core/quant/methods.h.)

// Semantic checks across keys (a registered method, its bits and config keys valid, schedule keys
// consistent, ...).
std::optional<std::string> checkTrainConfig(const TrainConfig &config);

// Presets compiled into the program (resources/presets/*.ini): names and texts.
std::vector<std::string> presetNames();
std::optional<std::string> presetText(const std::string &name);

} // namespace qs
