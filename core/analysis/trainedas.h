#pragma once
// How a checkpoint was trained, read from the file itself, so it is evaluated the way its own code does: a
// network trained with quantized activations scores at chance when run in full precision. Torch-free API (the
// Model view, `quantscope-cli eval`); only trainedas.cpp sees torch.
//
// Sources, most certain first: our .qsckpt stores its whole config (method, bits, backward); a PyTorch
// state_dict says its method only through its quantizer tensor names (APoT's wgt_alpha/act_alpha, EWGS's
// uW/lW/uA/lA, the registry's LSQ/DSQ/DAQ/LSQ+ names) and never its bits, which a file name like
// "apot_r20_w4a4.pt" may suggest (a suggestion, never taken silently).

#include "core/train/trainer.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qs {

// A state_dict entry's name and shape: all the inference reads.
struct TensorShape
{
    std::string name;
    std::vector<int64_t> shape;
};

enum class ModelFamily
{
    CifarResNet,    // conv1 3x3, layer1..3 (QuantScope, the APoT/EWGS/DAQ references, option-A files)
    ImageNetResNet, // torchvision: conv1 7x7, layer1..4, fc (resnet18/34/50/...)
    Other           // conv/linear weights in some other layout
};

struct TrainedAs
{
    std::string method = "fp"; // a registered method (quantMethods()); "fp": full precision
    int wbits = 0, abits = 0;  // 0: unknown (a PyTorch file does not store them)
    bool ewgs = false;         // trained with EWGS's backward
    // False: the weights were trained on their grid without its zero level (config zero_level = false on a
    // grid method, or EWGS's own 2^b-level weight grid), so they are seen against that grid.
    bool zeroLevel = true;
    std::string source;   // where the method came from: "checkpoint config", "checkpoint keys", ...
    std::string evidence; // what in the file says so, e.g. "wgt_alpha/act_alpha keys"
    std::optional<int> fileNameBits; // bits the file name suggests ("w4a4", "4bit", "_4_"); unverified

    ModelFamily family = ModelFamily::CifarResNet;
    std::string architecture;      // e.g. "CIFAR ResNet-20", "torchvision ResNet-18"
    int64_t numClasses = 0;        // from the last linear (0: unknown)
    std::vector<double> mean, std; // the normalization the checkpoint's config names (ours); empty: default
    // Empty when QuantScope can evaluate the model (accuracy, activations); else one line saying why.
    std::string notEvaluable;

    bool quantized() const { return method != "fp"; }
    bool bitsKnown() const { return !quantized() || (wbits > 0 && abits > 0); }
    bool evaluable() const { return notEvaluable.empty(); }
    // "APoT W4A4", "APoT, bits unknown", "full precision", "uniform W2A2 (EWGS)".
    std::string label() const;
    // label() and where it came from: "APoT W4A4 (from checkpoint config)", "APoT, bits unknown (from
    // checkpoint keys: wgt_alpha/act_alpha); the file name suggests 4".
    std::string describe() const;
};

// From a state_dict's names and shapes (a PyTorch file). `path` names the file in messages and is where a
// bit suggestion comes from.
TrainedAs inferTrainedAsFromTensors(const std::vector<TensorShape> &tensors, const std::string &path);
// From any checkpoint file. Throws qs::Error with one line naming the file when it cannot be read.
TrainedAs inferTrainedAs(const std::string &path);

// The bits a file name suggests: "w4a4" / "W4A4" -> 4 (wbits; abits must be equal), "4bit" / "4-bit" /
// "4_bit" -> 4, "_4_" / "-4." style separated single digits -> 4. Only 1..8. nullopt when none or ambiguous.
std::optional<int> bitsFromFileName(const std::string &path);

// True when `top1` (percent) is within `margin` points of chance (100 / classes).
bool nearChance(double top1, int64_t classes, double margin = 3.0);
// One line naming the likely causes of an accuracy near chance (normalization, method, bits).
std::string nearChanceWarning(double top1, int64_t classes, const TrainedAs &trained);

// "mean 0.491,0.482,0.447 std 0.247,0.243,0.262" (3 decimals; "mean 0 std 1" for none).
std::string normalizationText(const std::vector<double> &mean, const std::vector<double> &std);

} // namespace qs
