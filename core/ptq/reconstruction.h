#pragma once
// Post-training quantization by reconstruction: AdaRound (layer by layer) and BRECQ (block by block) as
// released (methods.md 7), plus plain nearest rounding on the same per-channel grids. Starts from a trained
// checkpoint, folds BatchNorm into the convs, learns each weight's rounding on a few calibration images and
// writes a checkpoint of the `ptq` method (core/quant/methods/ptq.cpp) that the normal evaluation runs.
// Torch-free API (the CLI, later a GUI page); only the .cpp files see torch.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct ReconstructionRequest
{
    std::string weights;            // a trained .qsckpt (or PyTorch file prepareModel reads)
    std::string data;               // data set spec; empty: the checkpoint's own
    std::string method = "brecq";   // nearest | adaround (layer by layer) | brecq (block by block)
    std::string scheme = "uniform"; // uniform (per-channel asymmetric, the reference) | pot | apot
    int wbits = 4;
    int abits = 0;              // 0: activations stay in float (weights only)
    int64_t iters = 20000;      // Adam iterations per reconstructed unit (layer or block)
    int64_t calibImages = 1024; // from the training split, drawn with `seed`
    int64_t batch = 32;         // images per iteration, drawn from the cached unit inputs
    double lambda = 0.01;       // rounding regularizer weight (BRECQ --weight)
    uint64_t seed = 1005;       // the reference's seed
    bool fisher = false; // BRECQ's fisher_diag loss: not implemented (refused); the released default is MSE
    int64_t testImages = 0; // > 0: top-1 before and after on the first N test images
    std::string out;        // the checkpoint to write (.qsckpt); a sidecar OUT.ptq.json says how it was made
    int threads = 0;        // 0: LibTorch's current setting
};

// Empty when the request is valid, else one line naming what is wrong.
std::optional<std::string> checkReconstructionRequest(const ReconstructionRequest &request);

struct ReconstructionProgress
{
    int unitIndex = 0, unitCount = 0; // units are layers (adaround) or blocks and edge layers (brecq)
    std::string unit;                 // e.g. "layer2.0" or "layer2.0.conv1"
    int64_t iteration = 0, iterations = 0;
    double loss = 0; // reconstruction loss (without the regularizer) of the last batch
};

struct UnitLossHistory
{
    std::string unit;
    double nearestLoss = 0;                       // lp loss on all calibration inputs with nearest rounding
    double finalLoss = 0;                         // the same with the learned (hard) rounding
    std::vector<std::pair<int64_t, double>> loss; // (iteration, batch reconstruction loss), every 100 iters
    double seconds = 0;
};

struct LayerRounding
{
    std::string layer;
    int64_t weights = 0;
    int64_t roundedUp = 0, roundedDown = 0; // the upper or the lower neighbouring grid level
    int64_t sameAsNearest = 0;
    std::vector<int64_t> softHistogram; // h(V) at the end in 10 bins over [0, 1]
};

struct ReconstructionResult
{
    std::string checkpoint;
    std::string sidecar; // OUT.ptq.json
    std::vector<UnitLossHistory> units;
    std::vector<LayerRounding> layers; // learned rounding only (empty for nearest)
    int64_t testImages = 0;
    // Full precision; the quantized model before it is written; the written checkpoint read back through the
    // normal evaluation (prepareEvaluation + evaluateLoader, as `quantscope-cli eval` runs it).
    std::optional<double> top1Before, top1InMemory, top1After;
    double seconds = 0;
    bool stopped = false; // the callback cancelled: nothing was written
};

// Returns false to cancel: the run stops at the next iteration and writes nothing.
using ReconstructionCallback = std::function<bool(const ReconstructionProgress &)>;

// Throws std::invalid_argument for a bad request, qs::Error (one line) for anything else.
ReconstructionResult runReconstruction(const ReconstructionRequest &request,
                                       const ReconstructionCallback &progress = {});

// The sidecar's JSON text for a result; indent -1: one line (what `quantscope-cli ptq --format json` prints).
std::string reconstructionJson(const ReconstructionRequest &request, const ReconstructionResult &result,
                               int indent = -1);

} // namespace qs
