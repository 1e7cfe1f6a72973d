#pragma once
// The quantization methods QuantScope knows. Each is one self-contained unit in core/quant/methods/ (its
// parameters, initialization, forward and backward, clips, curve, bit ranges and config keys) that registers
// itself; nothing else lists them. Torch-free: ui/ and the CLI list, describe and validate methods through
// this header, and errors leave as qs::Error.

#include "core/quant/curves.h"
#include "core/quant/levels.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace qs {

// A method-specific `key = value` setting of config.ini (e.g. DSQ's dsq_alpha_init) and its valid interval.
struct MethodConfigKey
{
    std::string key;
    double defaultValue = 0;
    double lowest = 0, highest = 0;               // the interval of valid values; highest may be infinite
    bool lowestOpen = false, highestOpen = false; // true: the bound itself is not valid
    std::string help;                             // one line
    // A true|false switch: config.ini reads and writes true/false (also 1/0, yes/no), stored as 1/0 with
    // the interval [0, 1]; any other value is refused.
    bool isSwitch = false;
};
// Empty when `value` lies in the key's interval, else one line naming the key, the interval and the value.
std::optional<std::string> checkMethodConfigValue(const MethodConfigKey &key, double value);

struct BitRange
{
    int lowest = 1, highest = 8;
};

struct MethodInfo
{
    std::string name;        // config `method`, CLI --quant / curve --method, checkpoints: e.g. "lsq"
    std::string title;       // display name, e.g. "LSQ"
    std::string description; // one line with the formula (tooltips, CLI help)
    std::string codeNote; // where the implementation follows the official code, not the paper; may be empty
    // Position in quantMethods(): fp 0, uniform 10, lsq 20, pot 30, apot 40, dsq 50, daq 60; added methods
    // come after them (ties go by name).
    int listPosition = 1000;
    bool quantizes = true; // false only for fp: a plain convolution
    bool ewgs = false;     // `backward = ewgs` applies: a hard quantizer with a straight-through backward
    // The grid the views analyse its weights on (uniform/pot/apot); none for the others.
    std::optional<Scheme> gridScheme;
    // Bit widths defined for signed weights and unsigned activations; none: any (fp). For a method with a
    // grid scheme these are the grid's (supportedBits), and checkMethodBits reports them as checkLevelSpec
    // does.
    std::optional<BitRange> weightBits, actBits;
    std::vector<MethodConfigKey> configKeys;
    // The transfer function y(x) and the derivative its backward uses, for plotting (`quantscope-cli curve
    // --method NAME`); params.method is ignored. Throws std::invalid_argument for undefined parameters.
    std::function<CurveSamples(const CurveParams &)> curve;
    // A method with its own fixed grid and no gridScheme (ewgs): its levels for `bits` (signed: the weight
    // grid, unsigned: the activation grid) in the units its quantized values take. Throws
    // std::invalid_argument for undefined bits.
    std::function<std::vector<double>(int bits, bool isSigned)> levels;
    // Its reference ResNet puts a BatchNorm1d before the classifier (`bn2`, EWGS's custom_models.py).
    bool classifierBatchNorm = false;
};

// Every registered method, in a stable order (see MethodInfo::listPosition).
const std::vector<MethodInfo> &quantMethods();
std::vector<std::string> quantMethodNames();
const MethodInfo *findQuantMethod(const std::string &name); // nullptr when unknown
const MethodInfo &quantMethod(const std::string &name);     // throws qs::Error(unknownQuantMethodMessage)
// One line: "unknown quantization method 'x' (known: fp, uniform, lsq, pot, apot, dsq, daq)".
std::string unknownQuantMethodMessage(const std::string &name);

// The declaration of a method config key (the first method in list order that declares it), else nullptr.
const MethodConfigKey *findMethodConfigKey(const std::string &key);

// The curve of an LSQ-style integer grid (sampleStepGridCurve over lsq's Q_N, Q_P) for a method whose signed
// weights take `weightBits` and unsigned activations `actBits`; outside them it throws std::invalid_argument
// naming `method`.
std::function<CurveSamples(const CurveParams &)> stepGridCurve(const std::string &method, BitRange weightBits,
                                                               BitRange actBits);

// The bit widths a method defines (one line naming wbits or abits when undefined, or the unknown method).
std::optional<std::string> checkMethodBits(const std::string &method, int wbits, int abits);

// The learned clips of one quantized layer as the views show them.
struct LayerClips
{
    // On the normalized weights w~ = (w - mean(w)) / std(w) that the Model view analyses: the larger
    // magnitude end of the learned weight range there (APoT-style alpha as it is; LSQ/DSQ ranges mapped).
    std::optional<double> weight;
    std::optional<double> activation; // the top of the learned (unsigned) activation range
};

} // namespace qs
