#pragma once
// Post-training quantization of a trained model's weights, no retraining: top-1 on the test set with every
// quantized conv's weights on a grid, for several schemes and bit widths, next to the model evaluated as it
// was trained (core/analysis/trainedas.h). Torch-free API (the Model view's bit sweep page); only ptq.cpp
// sees torch.

#include "core/quant/levels.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct PtqRequest
{
    std::string weights;
    std::string data; // data set spec; empty: the checkpoint's stored one (ours only)
    std::vector<Scheme> schemes{Scheme::Uniform, Scheme::PoT, Scheme::APoT};
    int fromBits = 2, toBits = 6; // signed weight bits; combinations a scheme does not define are skipped
    int64_t testImages = 2000;    // the first N test images; 0: all
    bool alphaSearch = false;     // clip per layer: MSE-optimal, else the checkpoint's learned clip or 3.0
    int64_t batch = 250;
    // How the model is evaluated: empty: as trained (inferTrainedAs; a PyTorch file that does not say its
    // bits needs wbits/abits); else a registered method ("fp": full precision) at wbits/abits.
    std::string quant;
    int wbits = 0, abits = 0;      // 0: the checkpoint's own
    std::vector<double> mean, std; // normalization; empty: the checkpoint's, else the data set's default
    // The points' grids with or without their zero level; unset: as the checkpoint was trained
    // (TrainedAs::zeroLevel).
    std::optional<bool> zeroLevel;
};

struct PtqPoint
{
    Scheme scheme = Scheme::Uniform;
    int bits = 0;
    double top1 = 0; // percent
};

struct PtqResult
{
    // The reference: the same model and images with its weights as stored, evaluated as `reference` says.
    double referenceTop1 = 0;
    std::string reference;   // "unquantized" (a full-precision model), else e.g. "as trained (APoT W4A4)"
    std::string evaluatedAs; // the setting's label: "full precision", "APoT W4A4"
    // How the points run activations: "full precision", or the trained bits and learned clip on each point's
    // grid (a model trained with quantized activations scores at chance without them).
    std::string activations;
    std::vector<double> mean, std; // the normalization used
    int64_t classes = 0;
    int64_t images = 0;   // test images per evaluation
    std::string dataSpec; // the data set used
    std::string edges;    // how the first conv and last linear run: "full precision" or "8-bit max-scaled"
    std::vector<PtqPoint> points;
    bool complete = true; // false: cancelled; points holds the evaluations finished before
};

// Full-precision setting (and methods without a grid, LSQ/DSQ/DAQ/LSQ+): weights-only PTQ with activations
// in full precision; each quantized conv's weights w become mean + std * Q((w - mean) / std), Q the signed
// grid at the clip analyzeSnapshot would use, so BatchNorm's running statistics still see weights on the
// scale they were trained with. A uniform/PoT/APoT setting: each point is the model built with the point's
// scheme at its weight bits and the setting's activation bits, its learned clips (the weight clip replaced by
// the MSE-optimal one with alphaSearch), so the setting's own point equals the reference. The first conv and
// last linear run as the checkpoint has them (`edges`).
// `progress(done, total)` is called after every evaluated batch; returning false cancels. Throws
// std::runtime_error with one line for a bad file or data set (or a model QuantScope cannot run, e.g. an
// ImageNet ResNet), std::invalid_argument for an empty sweep or an as-trained setting without bits.
PtqResult ptqAccuracySweep(const PtqRequest &request,
                           const std::function<bool(int done, int total)> &progress);

} // namespace qs
