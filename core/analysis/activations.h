#pragma once
// Input activations of a model's quantized convolutions, recorded while a batch of its data set runs
// through it: what each layer's activation quantizer sees. Torch-free API (the Model view's Activations
// page); only activations.cpp sees torch.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct LayerActivations
{
    std::string name; // the consuming conv's weight key, as ModelSnapshot: "layer1.0.conv1.weight"
    std::vector<int64_t> inputShape;       // per image: channels, height, width
    int64_t totalValues = 0;               // recorded over all images, before subsampling
    std::vector<float> values;             // a uniform sample of them without replacement, in recording order
    std::optional<double> checkpointAlpha; // the learned activation clip, when the checkpoint has one
    double minValue = 0, maxValue = 0;     // over all recorded values, not only the sample
};

struct ActivationCapture
{
    std::string weights;
    std::string dataSpec;    // the data set used (the request's, else the checkpoint's own)
    std::string description; // the model run, one line
    int64_t images = 0;
    bool complete = true;                 // false: cancelled; the layers then hold nothing
    std::vector<LayerActivations> layers; // every quantized conv, in forward order

    const LayerActivations *layer(const std::string &name) const; // nullptr when absent
};

struct ActivationRequest
{
    std::string weights;
    std::string data;                   // data set spec; empty: the checkpoint's stored one (ours only)
    int64_t images = 256;               // the first N images of the test split (all when fewer)
    int64_t maxValuesPerLayer = 262144; // bounds memory: larger layers are subsampled
    uint64_t seed = 0;                  // of the subsample; same request, same values
    int64_t batch = 64;
};

// Runs the model as the checkpoint describes it (quantized checkpoints with their own quantizers), eval
// mode, no grad. The first conv (the image) and the last linear are never activation-quantized, so they
// are not recorded. `progress(done, total)` is called after every batch; returning false cancels (the
// result then has complete == false and no layers). Throws std::runtime_error with one line for a bad file
// or data set.
ActivationCapture captureActivations(const ActivationRequest &request,
                                     const std::function<bool(int done, int total)> &progress);

} // namespace qs
