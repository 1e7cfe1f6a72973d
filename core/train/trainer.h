#pragma once
// Training and evaluation runs. Torch-free API: value snapshots out through callbacks, a stop flag in, and a
// run directory on disk (config.ini, metrics.jsonl, last.qsckpt, best.qsckpt) that the GUI and CLI can
// follow.

#include "core/runs/schema.h" // StepSample and EpochSample: the "step" and "epoch" records
#include "core/train/trainconfig.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qs {

struct TrainProgress
{
    int64_t epoch = 0, epochs = 0, batch = 0, batchesPerEpoch = 0, step = 0;
    double seconds = 0; // wall time of this session so far
};

struct TrainCallbacks
{
    std::function<void(const StepSample &)> onStep;
    std::function<void(const EpochSample &)> onEpoch;
    std::function<void(const TrainProgress &)> onProgress;
    std::function<void(const std::string &)> onMessage; // one human-readable line
};

enum class TrainOutcome
{
    Completed,
    Stopped,  // the stop flag was set: a resumable last.qsckpt was written after the current step
    MaxSteps, // max_steps reached: also resumable
    Diverged  // NaN/Inf loss or gradient, or an exploding EWGS delta: recorded in metrics.jsonl
};
std::string trainOutcomeName(TrainOutcome outcome);

struct TrainResult
{
    TrainOutcome outcome = TrainOutcome::Completed;
    std::string message;
    int64_t steps = 0, epochs = 0;
    double bestTop1 = 0, lastTop1 = 0;
};

// Starts a run in runDir (created; must not already hold a run). Throws std::runtime_error with one line for
// bad configuration, data or I/O problems before training starts. `threads` > 0 sets this session's intra-op
// thread count instead of config.threads (a property of the machine, so it is not stored with the run).
TrainResult runTraining(const TrainConfig &config, const std::string &runDir, const std::atomic<bool> *stop,
                        const TrainCallbacks &callbacks, int threads = 0);
// Continues the run in runDir from its last.qsckpt, exactly where it stopped; the records metrics.jsonl holds
// past that checkpoint are dropped first (they are written again). A run directory with a config.ini but no
// checkpoint yet (killed early) restarts from the start in place, saying so through onMessage.
TrainResult resumeTraining(const std::string &runDir, const std::atomic<bool> *stop,
                           const TrainCallbacks &callbacks, int threads = 0);

struct EvalRequest
{
    std::string weights; // a .qsckpt or a PyTorch checkpoint
    std::string data;    // dataset spec, e.g. cifar10:DIR; empty: the checkpoint's own (ours)
    int depth = 0;       // 0: from the checkpoint
    std::string quant;   // a registered method (quantMethods()); empty: the checkpoint's own (ours) or fp
    int wbits = 0, abits = 0; // 0: the checkpoint's own (ours) or 4
    std::string edges;        // fp|8bit; empty: ours from the config, APoT layout 8bit, option-A layout fp
    std::vector<double> mean, std;
    int batch = 256;
    int threads = 0;
    std::string device = "auto";
};

struct EvalResult
{
    double top1 = 0, top5 = 0, loss = 0;
    int64_t images = 0;
    std::string model;             // what was evaluated, one line
    std::vector<double> mean, std; // the normalization applied, per channel
};
EvalResult evaluateWeights(const EvalRequest &request);

// Images per second of the training step (forward, backward, optimizer) on synthetic data.
struct TrainStepBenchRequest
{
    int depth = 20;
    std::string quant = "fp"; // a registered method
    int bits = 4;
    bool ewgs = false;
    int batch = 128;
    int steps = 20;
    int threads = 0;
    int64_t imageSize = 32;
};
struct TrainStepBenchResult
{
    double imagesPerSecond = 0, msPerStep = 0;
    int threads = 0;
};
TrainStepBenchResult benchTrainStep(const TrainStepBenchRequest &request);

// One EWGS delta update (3 batches by default) on synthetic data, timed, next to one training step of the
// same model: `quantscope-cli bench ewgs-update`.
struct EwgsUpdateBenchRequest
{
    int depth = 20;
    std::string quant = "apot"; // a registered method with EWGS
    int bits = 2;
    int batch = 128;
    int batches = 3;
    int threads = 0;
    std::string mode = "finite-difference"; // hutchinson_mode: per-tensor | joint | finite-difference
    int maxIterations = 50;
    double tolerance = 1e-3;
    bool referenceStop = false; // EWGS's stopping rule, without abs()
    int warmupSteps = 2;        // training steps before the update (the first initializes the ranges)
    uint64_t seed = 0;
};
struct EwgsUpdateBenchResult
{
    double updateSeconds = 0, stepSeconds = 0;
    int threads = 0;
    int64_t products = 0; // Hessian-vector products
    std::vector<std::string> layers;
    std::vector<double> deltaW, deltaA, deltaWError, deltaAError; // errors: standard errors of the means
    std::vector<double> deltaWUnclipped, deltaAUnclipped;         // the means before the clip at 0
};
EwgsUpdateBenchResult benchEwgsUpdate(const EwgsUpdateBenchRequest &request);

// Threads for LibTorch: 0 means every core; a request above kMaxThreadsPerCore per core is capped there.
// Returns the count set.
constexpr int kMaxThreadsPerCore = 4;
int configureThreads(int requested);

} // namespace qs
