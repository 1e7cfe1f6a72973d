#pragma once
// Per-layer weight analysis against a level grid: statistics, clip, quantization error and level occupancy.
// Torch-free API (the GUI's model view and `quantscope-cli analyze` use it).

#include "core/quant/levels.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qs {

// Also the result of the activation analysis (analyzeActivationValues), where the fields are in raw
// activation units and `levels` is alpha * the unsigned level set.
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
    int bits = 4;          // signed weight bits: 1 sign bit + bits-1 magnitude bits, as the reference
    bool zeroLevel = true; // false: the grid without its zero level (LevelSpec::zeroLevel)
    std::optional<double> alpha;
    bool alphaSearch = false; // the MSE-optimal alpha per layer
};

// Throws std::runtime_error with one line naming the file for unreadable or unsuitable input.
std::vector<LayerWeightAnalysis> analyzeWeights(const AnalyzeRequest &request);

// The same analysis of one weight tensor given as plain floats (row-major), for the GUI.
LayerWeightAnalysis analyzeWeightValues(const std::string &name, const std::vector<float> &values,
                                        const std::vector<int64_t> &shape, const LevelSpec &spec,
                                        std::optional<double> alpha, bool alphaSearch);

// A layer's input activations against an unsigned grid, exactly as the activation quantizer (`_uq`,
// methods.md 1.4) treats them: no normalization, Q(x) = alpha * P(min(x / alpha, 1)) with P the nearest
// level of levelSet(spec) (0 first, 1 last; values below 0 go to 0). MSE and SQNR over the given values in
// activation units; counts per level of the same projection. Clip: `alpha` when given (source "given"),
// else 8.0 (the reference's act_alpha init, source "default"); `alphaSearch` picks the MSE-optimal clip on
// (0, 2 max x]. mean/std describe the values (informative only). Throws std::invalid_argument for a signed
// or undefined spec, or no values.
LayerWeightAnalysis analyzeActivationValues(const std::string &name, const std::vector<float> &values,
                                            const LevelSpec &spec, std::optional<double> alpha,
                                            bool alphaSearch);

constexpr double kDefaultActivationAlpha = 8.0; // the APoT reference's act_alpha init (CIFAR)

} // namespace qs
