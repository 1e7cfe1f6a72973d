#include "core/io/modelio.h"

#include "core/io/atomicfile.h"
#include "core/io/export.h"
#include "core/io/ziparchive.h"
#include "core/torchedge.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>

namespace qs {

QuantConfig quantConfigFromConfig(const TrainConfig &c)
{
    QuantConfig q;
    q.method = c.method; // an unknown one stays unknown: checkQuantConfig and the model refuse it
    q.weightBits = c.wbits;
    q.actBits = c.abits;
    q.ewgs = c.backward == "ewgs";
    q.ewgsDeltaInit = c.ewgsDeltaInit;
    const MethodInfo *info = findQuantMethod(c.method);
    if (c.ewgsDistanceUnits == "normalized" && info && info->gridScheme)
        q.ewgsWeightDistanceScale = 0.5; // the signed grid spans [-1, 1]; EWGS's normalization is [0, 1]
    q.edges = c.edgeLayers == "fp" ? EdgeLayers::FullPrecision : EdgeLayers::MaxScaled8Bit;
    if (const MethodInfo *method = findQuantMethod(c.method))
        for (const auto &key : method->configKeys)
            q.options[key.key] = methodOption(c, key.key);
    return q;
}

ResNetOptions resnetOptionsFromConfig(const TrainConfig &c, int64_t inputChannels, int64_t numClasses)
{
    ResNetOptions o;
    o.depth = c.depth;
    o.inputChannels = inputChannels;
    o.numClasses = numClasses;
    o.shortcut = c.shortcut == "B" ? Shortcut::B : Shortcut::A;
    o.quant = quantConfigFromConfig(c);
    return o;
}

// ---------------------------------------------------------------------------------------------------------------

void saveCheckpoint(const std::string &path, ResNet &model, torch::optim::Optimizer *optimizer,
                    torch::optim::Optimizer *quantOptimizer, const CheckpointState &s)
{
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(std::string("quantscope-checkpoint")));
    archive.write("schema_version", c10::IValue(kCheckpointSchemaVersion));
    archive.write("config", c10::IValue(s.configText));
    archive.write("input_channels", c10::IValue(s.inputChannels));
    archive.write("num_classes", c10::IValue(s.numClasses));
    archive.write("epoch", c10::IValue(s.epoch));
    archive.write("batch_in_epoch", c10::IValue(s.batchInEpoch));
    archive.write("step", c10::IValue(s.step));
    archive.write("best_top1", c10::IValue(s.bestTop1));
    archive.write("last_top1", c10::IValue(s.lastTop1));
    archive.write("epoch_loss_sum", c10::IValue(s.epochLossSum));
    archive.write("epoch_correct", c10::IValue(s.epochCorrect));
    archive.write("epoch_seen", c10::IValue(s.epochSeen));
    torch::serialize::OutputArchive modelArchive;
    model->save(modelArchive);
    archive.write("model", modelArchive);
    if (optimizer) {
        torch::serialize::OutputArchive a;
        optimizer->save(a);
        archive.write("optimizer", a);
    }
    if (quantOptimizer) {
        torch::serialize::OutputArchive a;
        quantOptimizer->save(a);
        archive.write("quant_optimizer", a);
    }
    archive.write("rng", at::detail::getDefaultCPUGenerator().get_state(), /*is_buffer=*/true);
    // Serialized into memory first: PyTorch's file writer reports a full disk by throwing from its destructor
    // (std::terminate), and leaves a truncated file. Our own checked write then puts the bytes in place
    // atomically (core/io/atomicfile.h), so the previous checkpoint stays loadable on any failure.
    std::string bytes;
    archive.save_to([&bytes](const void *data, size_t size) -> size_t {
        bytes.append(static_cast<const char *>(data), size);
        return size;
    });
    writeFileAtomically(path, bytes);
}

namespace {
torch::serialize::InputArchive openArchive(const std::string &path)
{
    std::shared_ptr<const std::string> bytes;
    try {
        bytes = readArchiveBytes(path);
    } catch (const ZipArchiveError &) {
        throw ModelIoError(path + ": no such file or not readable");
    }
    // LibTorch's reader checks neither a record's CRC nor that a tensor's record holds it: a damaged file
    // would load wrong weights, read past a record or crash later. Both are verified first.
    bool torchScriptArchive = false;
    try {
        const ZipArchive zip(path, bytes);
        torchScriptArchive = zip.has("data.pkl") && zip.has("constants.pkl");
        if (torchScriptArchive)
            verifyArchiveTensors(zip);
    } catch (const ZipArchiveError &e) {
        throw ModelIoError(e.what());
    } catch (const TorchFormatError &e) {
        throw ModelIoError(e.what());
    }
    if (!torchScriptArchive)
        throw ModelIoError(path + ": not a QuantScope checkpoint (not a torch::serialize archive)");
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(bytes->data(), bytes->size());
    } catch (const std::exception &) {
        throw ModelIoError(path + ": not a QuantScope checkpoint (unreadable archive)");
    }
    c10::IValue format;
    if (!archive.try_read("format", format) || !format.isString() ||
        format.toStringRef() != "quantscope-checkpoint")
        throw ModelIoError(path + ": not a QuantScope checkpoint (no format marker)");
    return archive;
}

int64_t readInt(torch::serialize::InputArchive &a, const char *key, const std::string &path)
{
    c10::IValue v;
    if (!a.try_read(key, v) || !v.isInt())
        throw ModelIoError(path + ": checkpoint field '" + key + "' is missing or not an integer");
    return v.toInt();
}
} // namespace

bool isQuantScopeCheckpoint(const std::string &path)
{
    try {
        openArchive(path);
        return true;
    } catch (const ModelIoError &) {
        return false;
    }
}

CheckpointState readCheckpointState(const std::string &path)
{
    auto archive = openArchive(path);
    const int64_t version = readInt(archive, "schema_version", path);
    if (version > kCheckpointSchemaVersion)
        throw ModelIoError(path + ": checkpoint schema " + std::to_string(version) +
                           " is newer than this QuantScope (" + std::to_string(kCheckpointSchemaVersion) +
                           ")");
    CheckpointState s;
    c10::IValue v;
    if (!archive.try_read("config", v) || !v.isString())
        throw ModelIoError(path + ": checkpoint has no configuration");
    s.configText = v.toStringRef();
    // The model is rebuilt from this text: a method this build does not know must not become another one.
    std::string method;
    try {
        method = parseTrainConfig(s.configText).method;
    } catch (const std::invalid_argument &e) {
        throw ModelIoError(path + ": checkpoint configuration: " + e.what());
    }
    if (!findQuantMethod(method))
        throw ModelIoError(path + ": checkpoint configuration: " + unknownQuantMethodMessage(method));
    s.inputChannels = readInt(archive, "input_channels", path);
    s.numClasses = readInt(archive, "num_classes", path);
    s.epoch = readInt(archive, "epoch", path);
    s.batchInEpoch = readInt(archive, "batch_in_epoch", path);
    s.step = readInt(archive, "step", path);
    if (archive.try_read("best_top1", v) && v.isDouble())
        s.bestTop1 = v.toDouble();
    if (archive.try_read("last_top1", v) && v.isDouble())
        s.lastTop1 = v.toDouble();
    if (archive.try_read("epoch_loss_sum", v) && v.isDouble())
        s.epochLossSum = v.toDouble();
    if (archive.try_read("epoch_correct", v) && v.isInt())
        s.epochCorrect = v.toInt();
    if (archive.try_read("epoch_seen", v) && v.isInt())
        s.epochSeen = v.toInt();
    return s;
}

void loadCheckpoint(const std::string &path, ResNet &model, torch::optim::Optimizer *optimizer,
                    torch::optim::Optimizer *quantOptimizer)
{
    auto archive = openArchive(path);
    try {
        torch::serialize::InputArchive modelArchive;
        archive.read("model", modelArchive);
        model->load(modelArchive);
        torch::serialize::InputArchive a;
        if (optimizer && archive.try_read("optimizer", a))
            optimizer->load(a);
        torch::serialize::InputArchive q;
        if (quantOptimizer && archive.try_read("quant_optimizer", q))
            quantOptimizer->load(q);
        at::Tensor rng;
        if (archive.try_read("rng", rng, /*is_buffer=*/true)) {
            auto generator = at::detail::getDefaultCPUGenerator(); // a handle: copies share the state
            generator.set_state(rng);
        }
    } catch (const c10::Error &e) {
        throw ModelIoError(path + ": checkpoint does not fit this model (" +
                           firstLine(e.what_without_backtrace()) + ")");
    }
}

// ---------------------------------------------------------------------------------------------------------------

namespace {
std::string canonicalName(const std::string &key)
{
    // The common option-A layout calls the classifier `linear`; the APoT layout and ours call it `fc`.
    if (key.rfind("linear.", 0) == 0)
        return "fc." + key.substr(7);
    // EWGS's QConv keeps its deltas as bkwd_scaling_factorW/A: ours are the conv's ewgs_delta_w/a.
    static const std::pair<std::string, std::string> renames[] = {{".bkwd_scaling_factorW", ".ewgs_delta_w"},
                                                                  {".bkwd_scaling_factorA", ".ewgs_delta_a"}};
    for (const auto &[official, ours] : renames)
        if (key.size() > official.size() &&
            key.compare(key.size() - official.size(), official.size(), official) == 0)
            return key.substr(0, key.size() - official.size()) + ours;
    return key;
}

// EWGS's QConv `init` buffer (1 while its next forward initializes the ranges): ours is quant_initialized,
// set when a layer's ranges load; the flag itself carries nothing to load.
bool isOfficialInitFlag(const std::string &key, const std::map<std::string, at::Tensor> &targets)
{
    const std::string suffix = ".init";
    return key.size() > suffix.size() &&
           key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0 &&
           targets.count(key.substr(0, key.size() - suffix.size()) + ".quant_initialized") > 0;
}

bool isBookkeeping(const std::string &name)
{
    for (const char *suffix : {"quant_initialized", "ewgs_delta_w", "ewgs_delta_a"})
        if (name.size() >= std::strlen(suffix) &&
            name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
            return true;
    return false;
}

std::string joinKeys(const std::vector<std::string> &keys, size_t limit = 12)
{
    std::string out;
    for (size_t i = 0; i < keys.size() && i < limit; ++i)
        out += (i ? ", " : "") + keys[i];
    if (keys.size() > limit)
        out += ", ... (" + std::to_string(keys.size()) + " in all)";
    return out;
}
} // namespace

InferredLayout inferLayout(const std::vector<NamedTensor> &tensors, const std::string &path)
{
    InferredLayout layout;
    int maxBlock = -1;
    bool hasLinear = false, hasFc = false, hasConv1 = false;
    static const std::regex blockKey(R"(^layer1\.(\d+)\.)");
    for (const auto &t : tensors) {
        std::smatch m;
        if (std::regex_search(t.name, m, blockKey))
            maxBlock = std::max(maxBlock, std::stoi(m[1]));
        if (t.name.find(".downsample.") != std::string::npos ||
            t.name.find(".shortcut.0.") != std::string::npos)
            layout.shortcut = Shortcut::B;
        if (t.name.find("act_alpha") != std::string::npos)
            layout.hasApotAlphas = true;
        if (t.name == "conv1.weight") {
            hasConv1 = true;
            if (t.tensor.dim() != 4)
                throw ModelIoError(path + ": conv1.weight has " + std::to_string(t.tensor.dim()) +
                                   " dimensions, not 4");
            layout.inputChannels = t.tensor.size(1);
        }
        if (t.name == "fc.weight" || t.name == "linear.weight") {
            (t.name == "fc.weight" ? hasFc : hasLinear) = true;
            if (t.tensor.dim() != 2)
                throw ModelIoError(path + ": " + t.name + " is not a matrix");
            layout.numClasses = t.tensor.size(0);
        }
    }
    if (!hasConv1 || maxBlock < 0 || !(hasFc || hasLinear))
        throw ModelIoError(
            path +
            ": not a CIFAR ResNet state_dict (needs conv1.weight, layer1.N.*, and fc or linear; "
            "found " +
            std::to_string(tensors.size()) + " tensors)");
    layout.depth = 6 * (maxBlock + 1) + 2;
    layout.layout = hasFc ? "apot" : "option-a";
    return layout;
}

LoadReport loadStateDict(ResNet &model, const std::vector<NamedTensor> &tensors, bool strict,
                         const std::string &path)
{
    std::map<std::string, at::Tensor> targets;
    for (const auto &p : model->named_parameters())
        targets[p.key()] = p.value();
    for (const auto &b : model->named_buffers())
        targets[b.key()] = b.value();

    LoadReport report;
    std::set<std::string> seen;
    torch::NoGradGuard noGrad;
    for (const auto &t : tensors) {
        const std::string name = canonicalName(t.name);
        if (isOfficialInitFlag(name, targets))
            continue;
        auto it = targets.find(name);
        if (it == targets.end()) {
            report.unexpected.push_back(t.name);
            continue;
        }
        seen.insert(name);
        if (it->second.sizes() != t.tensor.sizes()) {
            std::ostringstream shapes;
            shapes << t.name << " " << t.tensor.sizes() << " vs model " << it->second.sizes();
            report.mismatched.push_back(shapes.str());
            continue;
        }
        it->second.copy_(t.tensor.to(it->second.dtype()));
        report.loaded.push_back(name);
    }
    for (const auto &[name, tensor] : targets)
        if (!seen.count(name) && !isBookkeeping(name))
            report.missing.push_back(name);
    // A layer whose quantizer parameters all came from the file must not re-initialize them on its first
    // batch.
    const std::set<std::string> loaded(report.loaded.begin(), report.loaded.end());
    for (auto &[prefix, layer] : model->quantLayers()) {
        bool any = false, all = true;
        for (const auto &t : layer->quantizerTensors())
            if (!t.spec->buffer) {
                any = true;
                all = all && loaded.count(prefix + "." + t.spec->name) > 0;
            }
        if (any && all)
            layer->markInitialized();
    }
    if (strict && (!report.missing.empty() || !report.unexpected.empty() || !report.mismatched.empty()))
        throw ModelIoError(path + ": state_dict does not fit the model: " + report.summary());
    return report;
}

std::map<std::string, LayerClips> learnedClips(ResNet &model)
{
    std::map<std::string, LayerClips> clips;
    for (auto &[prefix, layer] : model->quantLayers())
        clips[prefix] = layer->learnedClips();
    return clips;
}

std::map<std::string, LayerClips> learnedClips(const std::vector<NamedTensor> &stateDict)
{
    std::map<std::string, QuantizerTensors> layers;
    std::map<std::string, at::Tensor> weights;
    for (const auto &t : stateDict) {
        const std::string name = canonicalName(t.name);
        if (const auto split = splitQuantizerTensorName(name))
            layers[split->first].byName[split->second] = t.tensor;
        else if (name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0)
            weights[name.substr(0, name.size() - 7)] = t.tensor;
    }
    torch::NoGradGuard noGrad;
    std::map<std::string, LayerClips> clips;
    for (auto &[prefix, layer] : layers) {
        const auto weight = weights.find(prefix);
        if (weight == weights.end() || !weight->second.defined())
            continue;
        layer.weight = weight->second;
        // The file does not say its method: the one whose quantizer tensors include all the layer's, with the
        // fewest others (a file may hold only some, e.g. wgt_alpha), the first in list order on a tie
        // (uniform, pot and apot share theirs and read them alike). Bits are unknown.
        const MethodImplementation *best = nullptr;
        for (const auto &method : quantMethods()) {
            const auto &implementation = quantMethodImplementation(method.name);
            const bool holdsAll =
                std::all_of(layer.byName.begin(), layer.byName.end(), [&](const auto &named) {
                    return std::any_of(
                        implementation.tensors.begin(), implementation.tensors.end(),
                        [&](const QuantizerTensorSpec &spec) { return spec.name == named.first; });
                });
            if (holdsAll && implementation.readClips &&
                (!best || implementation.tensors.size() < best->tensors.size()))
                best = &implementation;
        }
        if (best)
            clips[prefix] = best->readClips(layer);
    }
    return clips;
}

std::string LoadReport::summary() const
{
    std::string s = std::to_string(loaded.size()) + " tensors loaded";
    if (!missing.empty())
        s += "; missing: " + joinKeys(missing);
    if (!unexpected.empty())
        s += "; unexpected: " + joinKeys(unexpected);
    if (!mismatched.empty())
        s += "; wrong shape: " + joinKeys(mismatched);
    return s;
}

std::vector<NamedTensor> exportStateDict(ResNet &model)
{
    std::vector<NamedTensor> out;
    // The ewgs method writes the official EWGS model's names, so its code loads the file: `linear`, and each
    // QConv's deltas and `init` flag (0: initialized) after its parameters.
    const bool officialEwgs = model->options().quant.method == "ewgs";
    // PyTorch's state_dict order: a module's parameters, then its buffers, then its children, depth first.
    std::function<void(const std::string &, torch::nn::Module &)> visit = [&](const std::string &prefix,
                                                                              torch::nn::Module &m) {
        for (const auto &p : m.named_parameters(/*recurse=*/false))
            out.push_back({prefix + p.key(), p.value().detach().clone()});
        for (const auto &b : m.named_buffers(/*recurse=*/false))
            if (!isBookkeeping(b.key()))
                out.push_back({prefix + b.key(), b.value().detach().clone()});
        if (auto *conv = dynamic_cast<QuantConv2dImpl *>(&m); conv && officialEwgs) {
            out.push_back(
                {prefix + "bkwd_scaling_factorW", torch::full({}, conv->ewgsDeltaW(), torch::kFloat)});
            out.push_back(
                {prefix + "bkwd_scaling_factorA", torch::full({}, conv->ewgsDeltaA(), torch::kFloat)});
            out.push_back({prefix + "init", torch::zeros({1}, torch::kLong)});
        }
        for (const auto &c : m.named_children())
            visit(prefix +
                      (officialEwgs && prefix.empty() && c.key() == "fc" ? std::string("linear") : c.key()) +
                      ".",
                  *c.value());
    };
    visit("", *model);
    return out;
}

std::string exportWeights(const std::string &input, const std::string &output)
{
    return atCoreEdge(input, [&]() -> std::string {
        auto endsWith = [&](const char *ext) {
            const std::string e(ext);
            return output.size() >= e.size() && output.compare(output.size() - e.size(), e.size(), e) == 0;
        };
        if (!endsWith(".pt") && !endsWith(".pth") && !endsWith(kCheckpointExtension))
            throw ModelIoError(output + ": unknown extension (use .pt/.pth for PyTorch or .qsckpt)");
        const auto state = readCheckpointState(input);
        ResNet model(resnetOptionsFromConfig(parseTrainConfig(state.configText), state.inputChannels,
                                             state.numClasses));
        loadCheckpoint(input, model, nullptr, nullptr);
        if (endsWith(kCheckpointExtension)) {
            saveCheckpoint(output, model, nullptr, nullptr, state);
            return output + ": QuantScope checkpoint without optimizer state";
        }
        const auto tensors = exportStateDict(model);
        try {
            writeTorchStateDict(output, tensors);
        } catch (const TorchFormatError &e) {
            throw ModelIoError(e.what());
        }
        const bool official = model->options().quant.method == "ewgs";
        return output + ": PyTorch state_dict with " + std::to_string(tensors.size()) + " tensors (" +
               (official ? "the official EWGS layout" : "APoT layout") + ")";
    });
}

LoadReport loadWeightsInto(ResNet &model, const std::string &path)
{
    if (isQuantScopeCheckpoint(path)) {
        const auto state = readCheckpointState(path);
        const auto config = parseTrainConfig(state.configText);
        ResNet source(resnetOptionsFromConfig(config, state.inputChannels, state.numClasses));
        loadCheckpoint(path, source, nullptr, nullptr);
        auto tensors = exportStateDict(source);
        // Keep the source's quantizer state where the target has the same parameters.
        for (const auto &b : source->named_buffers())
            if (isBookkeeping(b.key()) && b.key().find("quant_initialized") != std::string::npos)
                tensors.push_back({b.key(), b.value()});
        return loadStateDict(model, tensors, false, path);
    }
    StateDict dict;
    try {
        dict = readTorchCheckpoint(path);
    } catch (const TorchFormatError &e) {
        throw ModelIoError(e.what());
    }
    return loadStateDict(model, dict.tensors, false, path);
}

} // namespace qs
