#pragma once
// The pieces of evaluateWeights (trainer.cpp) that other whole-model jobs reuse: building the model a
// checkpoint describes with its test split and normalization, and top-1/top-5 over a loader. Torch header:
// core's .cpp files and the tests only.

#include "core/torchonly.h"

#include "core/data/datasets.h"
#include "core/nn/models.h"
#include "core/train/trainconfig.h"
#include "core/train/trainer.h"

#include <torch/types.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace qs {

struct PreparedEvaluation
{
    ResNet model{nullptr}; // weights loaded, on `device`, not yet in eval mode
    TrainConfig config;    // the checkpoint's (ours) or the inferred one (PyTorch), with the request applied
    Dataset test;          // the test split of the data set evaluated
    LoaderOptions loader;  // no shuffle, no augmentation, the checkpoint's normalization
    torch::Device device = torch::kCPU;
    std::string dataSpec;    // the spec used: the request's, else the checkpoint's own
    std::string description; // what is evaluated, one line (EvalResult::model)
};

// The model a checkpoint describes, with the request's method, bits and edges applied, weights loaded, on
// the request's device; no data read. dataSpec is the request's, else the checkpoint's own (empty for a
// PyTorch state_dict). Throws std::runtime_error / ModelIoError with one line.
struct PreparedModel
{
    ResNet model{nullptr};
    TrainConfig config;
    int64_t channels = 3, classes = 10;
    torch::Device device = torch::kCPU;
    std::string dataSpec;
    std::string description;
};
PreparedModel prepareModel(const EvalRequest &request);

// The data set kind's normalization, or mean/sd where given; throws std::runtime_error when its channels
// differ from the model's.
Normalization normalizationFor(const DatasetSpec &spec, const std::vector<double> &mean,
                               const std::vector<double> &sd, int64_t channels);

// Everything evaluateWeights does before its evaluation loop. An empty request.data means the data set the
// checkpoint's stored config names (a PyTorch state_dict has none: then it throws, asking for one). Does not
// change LibTorch's thread count. Throws std::runtime_error / ModelIoError / DatasetError with one line.
PreparedEvaluation prepareEvaluation(const EvalRequest &request);

// prepareEvaluation on the CPU for the background jobs (activation capture, PTQ sweep): their errors reach
// the GUI as one line (their callers run it at core's edge, core/torchedge.h). `quant` empty: the
// checkpoint's own.
inline PreparedEvaluation prepareCpuEvaluation(const std::string &weights, const std::string &data,
                                               int64_t batch, const std::string &quant = {})
{
    EvalRequest eval;
    eval.weights = weights;
    eval.data = data;
    eval.quant = quant;
    eval.batch = int(std::max<int64_t>(1, batch));
    eval.device = "cpu";
    return prepareEvaluation(eval);
}

struct EvalStats
{
    double loss = 0, top1 = 0, top5 = 0;
    int64_t images = 0;
};

// Eval mode, no grad, every batch of `loader` in order. `afterBatch(done, total)` runs after each batch;
// returning false stops early (the stats cover the batches done).
EvalStats evaluateLoader(ResNet &model, DataLoader &loader, torch::Device device,
                         const std::function<bool(int64_t done, int64_t total)> &afterBatch = {});

} // namespace qs
