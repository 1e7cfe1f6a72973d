#pragma once
// Building models from a configuration, QuantScope checkpoints (schema-versioned archives), and import/export
// of PyTorch state_dicts in the APoT reference layout and the common option-A CIFAR ResNet layout. Torch
// header.

#include "core/torchonly.h"

#include "core/error.h"
#include "core/nn/models.h"
#include "core/io/torchformat.h"
#include "core/train/trainconfig.h"

#include <torch/optim/optimizer.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace qs {

struct ModelIoError : Error
{
    using Error::Error;
};

constexpr int64_t kCheckpointSchemaVersion = 1;
constexpr const char *kCheckpointExtension = ".qsckpt";

ResNetOptions resnetOptionsFromConfig(const TrainConfig &config, int64_t inputChannels, int64_t numClasses);
QuantConfig quantConfigFromConfig(const TrainConfig &config);

struct CheckpointState
{
    std::string configText; // serializeTrainConfig of the run
    int64_t inputChannels = 3, numClasses = 10;
    int64_t epoch = 0;        // epochs completed
    int64_t batchInEpoch = 0; // batches of the next epoch already done (a mid-epoch stop)
    int64_t step = 0;
    double bestTop1 = 0;
    double lastTop1 = 0;
    // Running training statistics of a partly done epoch, so a resumed epoch reports what an uninterrupted
    // one would.
    double epochLossSum = 0;
    int64_t epochCorrect = 0, epochSeen = 0;
};

// Writes PATH atomically (core/io/atomicfile.h: PATH.tmp, fsync, rename); optimizers may be null. Throws
// qs::Error naming PATH (a full disk, say), with the previous PATH untouched.
void saveCheckpoint(const std::string &path, ResNet &model, torch::optim::Optimizer *optimizer,
                    torch::optim::Optimizer *quantOptimizer, const CheckpointState &state);
bool isQuantScopeCheckpoint(const std::string &path);
CheckpointState readCheckpointState(const std::string &path); // throws ModelIoError naming the path
void loadCheckpoint(const std::string &path, ResNet &model, torch::optim::Optimizer *optimizer,
                    torch::optim::Optimizer *quantOptimizer);

// What a PyTorch state_dict says about the model that wrote it.
struct InferredLayout
{
    std::string layout; // "apot" (fc, downsample) or "option-a" (linear, no shortcut parameters)
    int depth = 20;
    Shortcut shortcut = Shortcut::A;
    int64_t inputChannels = 3, numClasses = 10;
    bool hasApotAlphas = false;
};
InferredLayout inferLayout(const std::vector<NamedTensor> &tensors, const std::string &path);

struct LoadReport
{
    std::vector<std::string> loaded, missing, unexpected, mismatched;
    std::string summary() const;
};
// Copies tensors into the model by name (linear.* is read as fc.*). An old file's missing BatchNorm
// num_batches_tracked is already 0 in readTorchCheckpoint's StateDict (from its _metadata versions, as
// PyTorch's _load_from_state_dict); one still missing (a version-2 layer that lost it) is reported like any
// other key. Strict: any missing, unexpected or mismatched key throws ModelIoError listing them; QuantScope's
// own bookkeeping buffers are never required. Non-strict (warm start): copies what fits, reports the rest.
LoadReport loadStateDict(ResNet &model, const std::vector<NamedTensor> &tensors, bool strict,
                         const std::string &path);
std::vector<NamedTensor> exportStateDict(ResNet &model);

// The learned clips of every quantized conv (LayerClips), by its prefix ("layer1.0.conv1"): of a model, as
// its method reads them; of a state_dict that does not say its method (a PyTorch file), as the method whose
// quantizer tensors best fit a layer's reads them without bits (so none from LSQ's steps, which need them).
std::map<std::string, LayerClips> learnedClips(ResNet &model);
std::map<std::string, LayerClips> learnedClips(const std::vector<NamedTensor> &stateDict);

// Loads weights from either format into `model` (non-strict), for warm starts.
LoadReport loadWeightsInto(ResNet &model, const std::string &path);

} // namespace qs
