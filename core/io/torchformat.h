#pragma once
// PyTorch checkpoint import/export without Python: torch.save's zip format (torch >= 1.6), its legacy stream
// format (torch < 1.6, or _use_new_zipfile_serialization=False), and TorchScript archives (torch.jit.save).
//
// LibTorch's torch::pickle_load turns the OrderedDict that torch.save(model.state_dict()) writes into None,
// so reading uses our own small pickle VM (protocol 2, the opcodes torch.save emits), one VM for both
// containers: over the zip records (verified by ZipArchive: CRC-32 and bounds), or over the legacy stream's
// pickles followed by its raw storages. TorchScript archives are read by LibTorch's own loader
// (torch::jit::load), after the same verification. Writing builds the pickle torch.save would and stores it
// with PyTorchStreamWriter, so Python's torch.load() reads it back as an OrderedDict of tensors.

#include "core/torchonly.h"

#include "core/error.h"
#include <ATen/core/Tensor.h>

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace qs {

struct NamedTensor
{
    std::string name;
    at::Tensor tensor;
};

// what() is one line: "PATH: what is wrong".
struct TorchFormatError : Error
{
    using Error::Error;
};

class ZipArchive;

struct StateDict
{
    std::vector<NamedTensor> tensors;                          // file order
    std::vector<std::pair<std::string, std::string>> metadata; // other top-level entries, as Python-like text
    // The state_dict's _metadata attribute (torch >= 0.4.1): module prefix ("" for the root, "bn1",
    // "layer1.0.bn1") -> its class's _version. Empty when the file has none (old files, TorchScript).
    std::map<std::string, int64_t> moduleVersions;
    bool hasModuleVersions = false;
    // num_batches_tracked counters added as 0, as BatchNorm's _load_from_state_dict does for module version
    // < 2 (or no version): old files lack them.
    std::vector<std::string> defaultedCounters;
    std::string container; // "zip", "legacy" or "torchscript"
};

// Reads a torch.save file (zip or legacy) and returns its state_dict in file order. The state dict is the
// top-level OrderedDict/dict, or the dict under "state_dict" ("model", "net" when "state_dict" is absent);
// tensors may be plain or nn.Parameter, any dtype, views into shared storages (they keep sharing, as in
// Python), 0-dim. A leading "module." is stripped when every key has it (DataParallel). A normalization
// layer's missing num_batches_tracked is added as 0 where PyTorch's load_state_dict would add it. A
// TorchScript archive gives its module's parameters and buffers by their dotted names. Returned tensors are
// CPU, requires_grad false. Throws TorchFormatError (one line naming PATH) on any malformed, damaged or
// unsupported input.
StateDict readTorchCheckpoint(const std::string &path);

// Checks that every tensor of a zip archive written by PyTorchStreamWriter (torch.save, torch.jit.save,
// torch::serialize::OutputArchive) lies inside its storage record, by shape, strides, offset and dtype, in
// data.pkl and constants.pkl: what LibTorch's own readers assume without checking. `zip` has verified the
// records' CRCs. Throws TorchFormatError naming the archive's path.
void verifyArchiveTensors(const ZipArchive &zip);

// Writes a file that torch.load() reads as an OrderedDict of tensors, keys in order (as
// torch.save(state_dict)): each tensor is saved contiguous, on the CPU, in its own storage. Writes PATH.tmp
// then renames it to PATH; on failure the temp file is removed and TorchFormatError thrown.
void writeTorchStateDict(const std::string &path, const std::vector<NamedTensor> &tensors);

} // namespace qs
