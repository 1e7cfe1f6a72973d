#pragma once
// Image classification data sets (CIFAR-10/100 binary, MNIST-style IDX, synthetic) and a deterministic batch
// loader. Torch header: core and tests only.

#include "core/torchonly.h"

#include "core/error.h"
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace qs {

enum class DatasetKind
{
    Cifar10,
    Cifar100,
    Mnist,
    FashionMnist,
    Synthetic
};

struct DatasetSpec
{
    DatasetKind kind = DatasetKind::Synthetic;
    std::string dir; // empty: the kind's default (fashion-mnist: /usr/share/datasets/fashion-mnist)
    int64_t syntheticCount = 0; // "synthetic:N"; 0: 512 train / 256 test images
};

// "cifar10:DIR", "cifar100:DIR", "mnist:DIR", "fashion-mnist[:DIR]", "synthetic[:N]".
// Throws std::invalid_argument with a one-line message.
DatasetSpec parseDatasetSpec(const std::string &text);
std::string datasetKindName(DatasetKind kind);

// A file that is missing, truncated or not in the expected format. what() is one line starting with the path.
struct DatasetError : Error
{
    using Error::Error;
};

struct Dataset
{
    at::Tensor images; // uint8 [N, C, H, W]
    at::Tensor labels; // int64 [N]
    int64_t numClasses = 0;
    std::string description;
};

// One split (train or test), validated while it is read: DatasetError for a bad or missing file,
// std::invalid_argument for a spec without the directory its kind needs.
Dataset loadDataset(const DatasetSpec &spec, bool train);

// Deterministic images with a learnable signal: a fixed smooth pattern per class (independent of the seed, so
// sets with different seeds share one distribution) plus uniform noise and labels drawn from the seed.
Dataset makeSyntheticDataset(int64_t n, int64_t channels, int64_t size, int64_t classes, uint64_t seed);

struct Normalization
{
    std::vector<double> mean, std; // per channel, or one value for all; empty: mean 0, std 1
};

Normalization defaultNormalization(DatasetKind kind);

struct LoaderOptions
{
    int64_t batchSize = 128;
    bool shuffle = true;
    bool augment = false; // torchvision RandomCrop(size, padding=4) with zeros, then RandomHorizontalFlip
    bool dropLast = false;
    Normalization normalization;
    uint64_t seed = 0;
};

struct Batch
{
    at::Tensor images; // float32 [B, C, H, W], (x / 255 - mean) / std
    at::Tensor labels; // int64 [B]
};

// Order and augmentation are pure functions of (seed, epoch, index), so a resumed run sees the same batches
// whatever the call order or thread count.
class DataLoader
{
public:
    DataLoader(const Dataset &data, LoaderOptions options); // shares the tensors, does not keep `data`

    void startEpoch(int64_t epoch);
    int64_t batchesPerEpoch() const;
    Batch batch(int64_t index) const; // index in [0, batchesPerEpoch())
    int64_t size() const { return m_count; }
    int64_t epoch() const { return m_epoch; }

private:
    at::Tensor m_images; // uint8 [N, C, H, W], contiguous
    at::Tensor m_labels; // int64 [N], contiguous
    LoaderOptions m_options;
    int64_t m_count = 0, m_channels = 0, m_height = 0, m_width = 0;
    std::vector<float> m_scale, m_shift; // per channel: x * scale + shift == (x / 255 - mean) / std
    int64_t m_epoch = 0;
    std::vector<int64_t> m_order; // sample index for each position in the current epoch
};

} // namespace qs
