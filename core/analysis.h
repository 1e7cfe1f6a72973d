#pragma once
// Per-layer weight analysis against a level grid: statistics, clip, quantization error and level occupancy.
// Torch-free API (the GUI's model view and `quantscope-cli analyze` use it).

#include "core/levels.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct LayerWeightAnalysis
{
    std::string name; // state_dict key of the weight
    std::vector<int64_t> shape;
    int64_t numel = 0;
    double mean = 0, std = 0;
    double alpha = 0;        // clip on the normalized weights
    std::string alphaSource; // "given", "checkpoint", "mse-search" or "default"
    double mse = 0;          // mean squared error, normalized units
    double sqnrDb = 0;
    std::vector<double> levels;  // alpha * the signed level set
    std::vector<int64_t> counts; // weights that land on each level
};

struct AnalyzeRequest
{
    std::string weights;
    Scheme scheme = Scheme::APoT;
    int bits = 4; // signed weight bits: 1 sign bit + bits-1 magnitude bits, as the reference
    std::optional<double> alpha;
    bool alphaSearch = false; // the MSE-optimal alpha per layer
};

// Throws std::runtime_error with one line naming the file for unreadable or unsuitable input.
std::vector<LayerWeightAnalysis> analyzeWeights(const AnalyzeRequest &request);

// The same analysis of one weight tensor given as plain floats (row-major), for the GUI.
LayerWeightAnalysis analyzeWeightValues(const std::string &name, const std::vector<float> &values,
                                        const std::vector<int64_t> &shape, const LevelSpec &spec,
                                        std::optional<double> alpha, bool alphaSearch);

} // namespace qs
