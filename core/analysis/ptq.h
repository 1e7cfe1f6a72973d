#pragma once
// Post-training quantization of a trained model's weights, no retraining: top-1 on the test set with every
// quantized conv's weights on a grid, for several schemes and bit widths. Torch-free API (the Model view's
// bit sweep page); only ptq.cpp sees torch.

#include "core/quant/levels.h"

#include <cstdint>
#include <functional>
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
};

struct PtqPoint
{
    Scheme scheme = Scheme::Uniform;
    int bits = 0;
    double top1 = 0; // percent
};

struct PtqResult
{
    double fpTop1 = 0;    // the same model and images with its weights as stored
    int64_t images = 0;   // test images per evaluation
    std::string dataSpec; // the data set used
    std::string edges;    // how the first conv and last linear run: "full precision" or "8-bit max-scaled"
    std::vector<PtqPoint> points;
    bool complete = true; // false: cancelled; points holds the evaluations finished before
};

// Weights-only PTQ: activations stay in full precision (the model is built as `fp`, whatever the checkpoint
// trained with). Each quantized conv's weights w become mean + std * Q((w - mean) / std), Q the signed grid
// at the clip analyzeSnapshot would use, so BatchNorm's running statistics still see weights on the scale
// they were trained with; the first conv and last linear run as the checkpoint has them (`edges`).
// `progress(done, total)` is called after every evaluated batch; returning false cancels. Throws
// std::runtime_error with one line for a bad file or data set, std::invalid_argument for an empty sweep.
PtqResult ptqAccuracySweep(const PtqRequest &request,
                           const std::function<bool(int done, int total)> &progress);

} // namespace qs
