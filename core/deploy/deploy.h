#pragma once
// A quantized CIFAR ResNet as integer-only C99 for a microcontroller (docs/deploy.md): weights packed as
// b-bit level codes, products as shifts and adds where the grid's levels are sums of a few powers of two
// (PoT, APoT) and as integer multiplies where they are not (uniform), BatchNorm folded into fixed-point
// requantization, activations between layers as level codes (quantized conv inputs) or int32 fixed point (the
// residual stream), all in one static arena. Torch-free API: the CLI and the GUI's Deploy page use it;
// deploy.cpp loads the checkpoint with LibTorch.

#include "core/quant/levels.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qs {

struct DeployOptions
{
    std::string weights; // a .qsckpt or a PyTorch checkpoint QuantScope evaluates
    // The grid and bits to deploy with; empty / 0: as trained. An other scheme than the trained one rounds
    // the trained weights to the nearest level of that grid with the checkpoint's clips (as `eval --quant`).
    std::string scheme; // uniform|pot|apot
    int wbits = 0, abits = 0;
};

// One weight level of a layer's grid as the generated C computes its product with an activation a:
// sign * sum_i (a << shifts[i]) on a shift-add layer, a * integer on a multiply layer.
struct DeployLevel
{
    double level = 0;        // on the normalized grid (largest 1)
    int64_t integer = 0;     // level * the layer's integer scale, exactly
    std::vector<int> shifts; // |integer| = sum of 2^shift (empty for 0)
};

enum class DeployArithmetic
{
    ShiftAdd, // every level is a sum of at most 3 powers of two times one scale
    Multiply  // integer multiply-accumulate (uniform grids, and the 8/16-bit first and last layers)
};

struct DeployLayer
{
    std::string name; // state_dict prefix: "conv1", "layer1.0.conv1", "layer2.0.downsample.0", "fc"
    std::string kind; // "first conv (8-bit)", "quantized conv", "classifier (8-bit)", ...
    DeployArithmetic arithmetic = DeployArithmetic::Multiply;
    int weightBits = 8; // bits per stored weight code
    int actBits = 0;    // bits of the input codes (0: the first layer reads the image, fc the pooled stream)
    std::vector<int64_t> weightShape; // [out, in, kh, kw] or [out, in]
    int64_t outputElements = 0;       // per image
    int64_t weightBytes = 0;          // packed weight codes (flash)
    int64_t parameterBytes = 0;       // per-channel multipliers, offsets, thresholds, tables (flash)
    int64_t activationBytes = 0;      // this layer's output buffer (RAM, inside the arena)
    // Per image: integer multiplies, shifts and adds of the layer's products and accumulation (zero weights
    // skipped), plus its requantization.
    int64_t multiplies = 0, shifts = 0, adds = 0;
    std::vector<DeployLevel> levels; // the weight grid of a quantized conv (empty for the 8-bit layers)
};

struct DeployPlan
{
    std::string model; // "APoT W4A4 ResNet-20 (from checkpoint config)"
    Scheme scheme = Scheme::APoT;
    int wbits = 0, abits = 0;
    bool zeroLevel = true;
    std::vector<DeployLayer> layers; // in forward order
    int64_t weightBytes = 0;         // all packed weights
    int64_t parameterBytes = 0;      // all multipliers, thresholds and tables
    int64_t arenaBytes = 0;          // the static activation buffer (peak RAM of the activations)
    int64_t inputBytes = 0;          // one input image (uint8, not in the arena)
    int64_t multiplies = 0, shifts = 0, adds = 0; // per image
    int64_t inputChannels = 3, height = 32, width = 32, numClasses = 10;
    std::vector<double> mean, std;  // the input normalization folded into the first layer's lookup table
    int64_t floatWeightBytes = 0;   // the same weights as float32, for the 32/b comparison
    std::vector<std::string> notes; // where the C differs from the app's float evaluation, one line each
};

// Reads the checkpoint and plans the C model. Throws qs::Error with one line naming the file or the setting
// (a method other than uniform/pot/apot, bits the grid does not define, a model that is not a CIFAR ResNet).
DeployPlan planDeployment(const DeployOptions &options);

// planDeployment, then writes DIR/qs_model.h, qs_model.c, main.c (the driver, host and Cortex-M),
// startup_cortexm.c, cortexm.ld, Makefile, README.md and plan.json (each through a temporary name, synced and
// renamed), creating DIR.
// `progress(done, total)` reports files written. Throws qs::Error with one line.
DeployPlan writeDeployment(const DeployOptions &options, const std::string &dir,
                           const std::function<void(int done, int total)> &progress = {});

// The app's own evaluation of the model deploy writes (same scheme and bits) on the first `count` test images
// of `dataSpec`, with those images written to `recordsFile` as CIFAR-10 binary records (label byte, then the
// pixels), which the generated driver reads. Throws qs::Error with one line.
struct DeployReference
{
    std::vector<int> labels, predictions;
    std::vector<std::vector<double>> logits;
    std::string recordsFile;
};
DeployReference deployReference(const DeployOptions &options, const std::string &dataSpec, int64_t count,
                                const std::string &recordsFile);

// Builds DIR's host program (`make -C DIR host`, the C compiler of the machine) and runs it on the
// reference's records; compares its classes and logits with the app's. Throws qs::Error with one line when
// make or the program fails or prints something else than one line per image.
struct DeployCheck
{
    int64_t images = 0;
    double agreement = 0;          // percent of images where the C model's class is the app's
    double appTop1 = 0, cTop1 = 0; // percent
    double maxLogitDifference = 0; // largest |C logit - app logit|
};
DeployCheck checkDeployment(const std::string &dir, const DeployReference &reference);

// The plan as a Markdown table (per layer and total), as the CLI prints it and docs/deploy.md shows it.
std::string deployTableMarkdown(const DeployPlan &plan);
// The plan as JSON (per layer and total).
std::string deployPlanJson(const DeployPlan &plan);

} // namespace qs
