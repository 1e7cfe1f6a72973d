#include "core/analysis/trainedas.h"
#include "core/torchedge.h"

#include "core/io/modelio.h"
#include "core/io/torchformat.h"
#include "core/quant/layerquantizer.h"
#include "core/quant/methods.h"
#include "core/train/evaluation.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace qs {

namespace {

bool endsWith(const std::string &s, const std::string &suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string fileName(const std::string &path)
{
    const auto slash = path.find_last_of("/\\");
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string methodTitle(const std::string &method)
{
    if (method == "fp")
        return "full precision";
    const MethodInfo *info = findQuantMethod(method);
    return info ? info->title : method;
}

// The torchvision ResNet a block count per stage names, e.g. {2,2,2,2} basic -> 18.
std::string torchvisionName(const std::vector<int> &blocks, bool bottleneck)
{
    static const std::map<std::vector<int>, int> basic{{{2, 2, 2, 2}, 18}, {{3, 4, 6, 3}, 34}};
    static const std::map<std::vector<int>, int> deep{
        {{3, 4, 6, 3}, 50}, {{3, 4, 23, 3}, 101}, {{3, 8, 36, 3}, 152}};
    const auto &table = bottleneck ? deep : basic;
    if (auto it = table.find(blocks); it != table.end())
        return "torchvision ResNet-" + std::to_string(it->second);
    return bottleneck ? "torchvision-style ResNet (bottleneck blocks)" : "torchvision-style ResNet";
}

} // namespace

std::string TrainedAs::label() const
{
    if (!quantized())
        return "full precision";
    std::string s = methodTitle(method);
    if (wbits > 0 && abits > 0)
        s += " W" + std::to_string(wbits) + "A" + std::to_string(abits);
    else
        s += ", bits unknown";
    if (method == "ewgs")
        s += ewgs ? "" : " (STE)"; // the method is EWGS; its STE baseline says so
    else if (ewgs)
        s += " (EWGS)";
    return s;
}

std::string TrainedAs::describe() const
{
    std::string s = label() + " (from " + source + (evidence.empty() ? "" : ": " + evidence) + ")";
    if (quantized() && !bitsKnown() && fileNameBits)
        s += "; the file name suggests " + std::to_string(*fileNameBits) + " bits";
    if (quantized() && !zeroLevel && method != "ewgs") // EWGS's grid never has one
        s += "; weights on the grid without its zero level (zero_level = false)";
    return s;
}

std::optional<int> bitsFromFileName(const std::string &path)
{
    std::string name = fileName(path);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::set<int> found;
    auto collect = [&](const std::regex &pattern, int group) {
        for (auto it = std::sregex_iterator(name.begin(), name.end(), pattern); it != std::sregex_iterator();
             ++it)
            found.insert(std::stoi((*it)[group]));
    };
    // w4a4 (both equal; unequal widths are no single suggestion), 4bit / 4-bit / 4_bit, and a lone digit
    // between separators (apot_r20_4_best.pt).
    static const std::regex wa(R"((?:^|[^a-z0-9])w(\d{1,2})a(\d{1,2})(?:[^0-9]|$))");
    for (auto it = std::sregex_iterator(name.begin(), name.end(), wa); it != std::sregex_iterator(); ++it) {
        const int w = std::stoi((*it)[1]), a = std::stoi((*it)[2]);
        found.insert(w);
        if (a != w)
            found.insert(a);
    }
    static const std::regex bit(R"((?:^|[^0-9])(\d{1,2})[-_ ]?bits?(?:[^a-z]|$))");
    collect(bit, 1);
    static const std::regex lone(R"([_\-.](\d)[_\-.])");
    collect(lone, 1);
    if (found.size() != 1 || *found.begin() < 1 || *found.begin() > 8)
        return std::nullopt;
    return *found.begin();
}

TrainedAs inferTrainedAsFromTensors(const std::vector<TensorShape> &tensors, const std::string &path)
{
    TrainedAs t;
    t.source = "checkpoint keys";
    t.fileNameBits = bitsFromFileName(path);

    // The architecture: torchvision's ImageNet ResNets have a 7x7 stem and a fourth stage.
    const TensorShape *conv1 = nullptr;
    bool bottleneck = false, hasFc = false, hasLinear = false;
    std::map<int, int> blocksPerStage; // stage -> highest block index + 1
    static const std::regex blockKey(R"(^layer(\d+)\.(\d+)\.)");
    for (const auto &s : tensors) {
        std::smatch m;
        if (std::regex_search(s.name, m, blockKey)) {
            int &n = blocksPerStage[std::stoi(m[1])];
            n = std::max(n, std::stoi(m[2]) + 1);
            bottleneck = bottleneck || endsWith(s.name, ".conv3.weight");
        }
        if (s.name == "conv1.weight")
            conv1 = &s;
        if ((s.name == "fc.weight" || s.name == "linear.weight") && s.shape.size() == 2) {
            (s.name == "fc.weight" ? hasFc : hasLinear) = true;
            t.numClasses = s.shape[0];
        }
    }
    const bool sevenBySevenStem = conv1 && conv1->shape.size() == 4 && conv1->shape[2] == 7;
    if (blocksPerStage.count(4) || sevenBySevenStem) {
        t.family = ModelFamily::ImageNetResNet;
        std::vector<int> blocks;
        for (const auto &[stage, n] : blocksPerStage)
            blocks.push_back(n);
        t.architecture = torchvisionName(blocks, bottleneck);
        t.notEvaluable = t.architecture +
                         " (ImageNet layout): accuracy and activations need a CIFAR-style ResNet "
                         "(resnet20/32/44/56) and its data; only its weights are analysed";
    } else if (conv1 && blocksPerStage.count(1) && (hasFc || hasLinear)) {
        t.family = ModelFamily::CifarResNet;
        t.architecture = "CIFAR ResNet-" + std::to_string(6 * blocksPerStage[1] + 2);
    } else {
        t.family = ModelFamily::Other;
        t.architecture = "unknown layout";
        t.notEvaluable = "not a ResNet state_dict QuantScope can run (needs conv1.weight, layer1.N.*, and fc "
                         "or linear); only its weights are analysed";
    }

    // The method: EWGS's QConv names first (no registered method uses them), then the registry's names.
    std::set<std::string> specNames, ewgsNames;
    for (const auto &s : tensors) {
        for (const char *suffix : {".uW", ".lW", ".uA", ".lA"})
            if (endsWith(s.name, suffix))
                ewgsNames.insert(suffix + 1);
        if (const auto split = splitQuantizerTensorName(s.name))
            specNames.insert(split->second);
    }
    if (!ewgsNames.empty()) {
        t.method = "ewgs"; // the official QConv, loaded by its own names
        t.ewgs = true;
        t.zeroLevel = false; // its weight grid is 2^b levels without 0
        t.evidence = "uW/lW/uA/lA keys (EWGS's QConv)";
        return t;
    }
    if (specNames.empty()) {
        t.source = "checkpoint keys";
        t.evidence = "no quantizer parameters";
        return t;
    }
    // The method whose tensors include all the file's, with the fewest others. uniform, PoT and APoT share
    // wgt_alpha/act_alpha: a PyTorch file with them comes from the APoT reference.
    const MethodInfo *best = nullptr;
    size_t bestCount = 0;
    for (const auto &method : quantMethods()) {
        if (!method.quantizes)
            continue;
        const auto &implementation = quantMethodImplementation(method.name);
        const bool holdsAll = std::all_of(specNames.begin(), specNames.end(), [&](const std::string &n) {
            return std::any_of(implementation.tensors.begin(), implementation.tensors.end(),
                               [&](const QuantizerTensorSpec &spec) { return spec.name == n; });
        });
        const bool preferred = method.name == "apot";
        if (holdsAll && (!best || implementation.tensors.size() < bestCount ||
                         (implementation.tensors.size() == bestCount && preferred))) {
            best = &method;
            bestCount = implementation.tensors.size();
        }
    }
    if (!best) {
        t.evidence = "quantizer parameters no registered method has all of";
        return t;
    }
    t.method = best->name;
    std::string names;
    for (const auto &n : specNames)
        names += (names.empty() ? "" : "/") + n.substr(n.rfind('.') + 1);
    t.evidence = names + " keys";
    return t;
}

TrainedAs inferTrainedAs(const std::string &path)
{
    if (!std::ifstream(path, std::ios::binary).good())
        throw Error(path + ": no such file or not readable");
    return atCoreEdge(path, [&]() -> TrainedAs {
        if (isQuantScopeCheckpoint(path)) {
            const auto state = readCheckpointState(path);
            const TrainConfig config = parseTrainConfig(state.configText);
            TrainedAs t;
            t.method = config.method;
            if (quantMethod(config.method).quantizes) {
                t.wbits = config.wbits;
                t.abits = config.abits;
                t.ewgs = config.backward == "ewgs";
                const auto &keys = quantMethod(config.method).configKeys;
                const bool switchable = std::any_of(keys.begin(), keys.end(),
                                                    [](const auto &key) { return key.key == "zero_level"; });
                t.zeroLevel =
                    config.method != "ewgs" && (!switchable || methodOption(config, "zero_level") != 0);
            } else {
                t.method = "fp";
            }
            t.source = "checkpoint config";
            t.numClasses = state.numClasses;
            t.architecture = "CIFAR ResNet-" + std::to_string(config.depth);
            t.mean = config.mean;
            t.std = config.std;
            return t;
        }
        StateDict dict;
        try {
            dict = readTorchCheckpoint(path);
        } catch (const TorchFormatError &e) {
            throw Error(e.what());
        }
        std::vector<TensorShape> shapes;
        shapes.reserve(dict.tensors.size());
        for (const auto &t : dict.tensors)
            shapes.push_back({t.name, t.tensor.sizes().vec()});
        return inferTrainedAsFromTensors(shapes, path);
    });
}

bool nearChance(double top1, int64_t classes, double margin)
{
    return classes > 1 && std::abs(top1 - 100.0 / double(classes)) <= margin;
}

std::string nearChanceWarning(double top1, int64_t classes, const TrainedAs &trained)
{
    std::ostringstream s;
    s.precision(2);
    s << std::fixed << "top-1 " << top1 << "% is near chance (" << 100.0 / double(classes) << "% for "
      << classes << " classes): check the normalization (mean/std), the method ("
      << (trained.quantized() ? "trained as " + trained.label() : "the file has no quantizer parameters")
      << ") and the bits";
    return s.str();
}

std::string normalizationText(const std::vector<double> &mean, const std::vector<double> &std)
{
    auto list = [](const std::vector<double> &values, double fallback) {
        std::ostringstream s;
        s.precision(4);
        if (values.empty())
            s << fallback;
        for (size_t i = 0; i < values.size(); ++i)
            s << (i ? "," : "") << values[i];
        return s.str();
    };
    return "mean " + list(mean, 0.0) + " std " + list(std, 1.0);
}

} // namespace qs
