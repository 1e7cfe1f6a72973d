#pragma once
// A trained model's conv and linear weights as plain floats, read once from a QuantScope checkpoint (.qsckpt)
// or a PyTorch state_dict file, plus whole-model analyses over it: every layer against one grid, and a
// bit-width sweep over several schemes. Torch-free API: the GUI's Model view and `quantscope-cli figure`
// use it; only modelsnapshot.cpp sees torch.

#include "core/analysis/analysis.h"
#include "core/analysis/trainedas.h"
#include "core/quant/levels.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct SnapshotLayer
{
    std::string name; // state_dict key of the weight, e.g. "layer1.0.conv1.weight"
    std::vector<int64_t> shape;
    int64_t numel = 0;
    // The learned weight clip on the normalized weights (LayerClips::weight: wgt_alpha, or an LSQ/DSQ/DAQ
    // range mapped there), when the file has one.
    std::optional<double> checkpointAlpha;
};

class ModelSnapshot
{
public:
    ModelSnapshot() = default; // empty: no layers

    // Our .qsckpt (the model is rebuilt from its stored config and loaded) or a torch.save state_dict.
    // Throws std::runtime_error with one line naming the file for a missing, corrupt or unsuitable file
    // (one without any conv or linear weight).
    static ModelSnapshot load(const std::string &path);

    // Built from given layers (tests, synthetic models); weights[i] belongs to layers[i], row-major.
    static ModelSnapshot fromLayers(std::string path, std::string description,
                                    std::vector<SnapshotLayer> layers,
                                    std::vector<std::vector<float>> weights);

    bool empty() const { return m_layers.empty(); }
    // Every conv (dim 4) and linear (dim 2) weight, in file order.
    const std::vector<SnapshotLayer> &layers() const { return m_layers; }
    const SnapshotLayer *layer(const std::string &name) const; // nullptr when absent
    // Throws std::out_of_range for an unknown name.
    const std::vector<float> &weights(const std::string &name) const;
    int64_t parameterCount() const; // of the conv/linear weights held

    // Writes the held weights (and each layer's checkpointAlpha as "<layer>.weight_quant.wgt_alpha") as a
    // PyTorch state_dict that torch.load() and load() read. Throws std::runtime_error naming the file.
    void saveStateDict(const std::string &path) const;
    std::string description() const { return m_description; }
    std::string path() const { return m_path; }
    // The data set spec the checkpoint's stored config names (ours); empty for a PyTorch state_dict.
    std::string dataSpec() const { return m_dataSpec; }
    // How the file says it was trained (method, bits, architecture, whether QuantScope can evaluate it).
    // fromLayers(): full precision, evaluable only if the caller says so (setTrainedAs).
    const TrainedAs &trainedAs() const { return m_trainedAs; }
    void setTrainedAs(TrainedAs trainedAs) { m_trainedAs = std::move(trainedAs); }

private:
    std::string m_path;
    std::string m_description;
    std::string m_dataSpec;
    TrainedAs m_trainedAs;
    std::vector<SnapshotLayer> m_layers;
    std::vector<std::vector<float>> m_weights;
};

// Every layer against one signed grid (analyzeWeightValues). Clip per layer: `alpha` when given, else the
// checkpoint's learned alpha, else the default (3.0); `alphaSearch` overrides both with the MSE-optimal clip.
// Throws std::invalid_argument for an undefined scheme/bits combination.
// `zeroLevel` false: the signed grid without its zero level (LevelSpec::zeroLevel).
std::vector<LayerWeightAnalysis> analyzeSnapshot(const ModelSnapshot &snapshot, Scheme scheme, int bits,
                                                 std::optional<double> alpha, bool alphaSearch,
                                                 bool zeroLevel = true);

struct SweepPoint
{
    Scheme scheme = Scheme::Uniform;
    int bits = 0;
    bool zeroLevel = true; // false: the grid without its zero level
    double meanSqnrDb = 0; // mean over layers of the per-layer SQNR (finite values)
    double totalMse = 0;   // total squared error / total weights (normalized units): numel-weighted layer MSE
    std::vector<double> layerSqnrDb;
};

// Each scheme at each of fromBits..toBits (combinations the scheme does not define are skipped), clip as in
// analyzeSnapshot with no given alpha; with `alphaSearch`, a layer of more than 65536 weights gets the
// MSE-optimal clip of a fixed random sample of 65536 of them (its error is still over all weights).
// `progress(done, total)` is called after every analysed layer; returning false cancels, and only the points
// completed before are returned. A null progress never cancels. `zeroLevel` false: every grid without its
// zero level (LevelSpec::zeroLevel).
std::vector<SweepPoint> bitSweep(const ModelSnapshot &snapshot, const std::vector<Scheme> &schemes,
                                 int fromBits, int toBits, bool alphaSearch,
                                 const std::function<bool(int done, int total)> &progress,
                                 bool zeroLevel = true);

} // namespace qs
