#pragma once
// PyTorch checkpoint import/export without Python: torch.save's zip format (torch >= 1.6).
//
// LibTorch's torch::pickle_load turns the OrderedDict that torch.save(model.state_dict()) writes into None,
// so reading uses our own small pickle VM (protocol 2, the opcodes torch.save emits) over the zip records
// that caffe2::serialize::PyTorchStreamReader opens. Writing builds the same pickle torch.save would and
// stores it with PyTorchStreamWriter, so Python's torch.load() reads it back as an OrderedDict of tensors.

#include "core/torchonly.h"

#include "core/error.h"
#include <ATen/core/Tensor.h>

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

struct StateDict
{
    std::vector<NamedTensor> tensors;                          // file order
    std::vector<std::pair<std::string, std::string>> metadata; // other top-level entries, as Python-like text
};

// Reads a torch.save zip file and returns its state_dict in file order. The state dict is the top-level
// OrderedDict/dict, or the dict under "state_dict" ("model", "net" when "state_dict" is absent); tensors may
// be plain or nn.Parameter, any dtype, views into shared storages (they keep sharing, as in Python), 0-dim. A
// leading "module." is stripped when every key has it (DataParallel). Returned tensors are CPU, requires_grad
// false. Throws TorchFormatError on any malformed or unsupported input.
StateDict readTorchCheckpoint(const std::string &path);

// Writes a file that torch.load() reads as an OrderedDict of tensors, keys in order (as
// torch.save(state_dict)): each tensor is saved contiguous, on the CPU, in its own storage. Writes PATH.tmp
// then renames it to PATH; on failure the temp file is removed and TorchFormatError thrown.
void writeTorchStateDict(const std::string &path, const std::vector<NamedTensor> &tensors);

} // namespace qs
