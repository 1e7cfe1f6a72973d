// How long reading a ResNet-20 checkpoint takes in each format QuantScope opens, next to LibTorch's own
// readers timed in the same run on the same tensors: torch::pickle_load of a zip holding a plain dict (what
// LibTorch 1.13 can read of a torch.save file) and torch::jit::load of a TorchScript archive. Our readers
// check every zip record's CRC-32 and every tensor's size before building tensors; this shows what that
// costs.
//
//   quantscope-checkpoint-bench [--reps R] [--fixtures DIR]
// DIR (default: the source tree's tests/data/torchformat) holds resnet20_option_a_old.th (legacy torch.save)
// and resnet20_option_a_scripted.pt (torch.jit.save), written by tests/data/torchformat/make_fixtures.py.

#include "core/io/modelio.h"
#include "core/io/torchformat.h"
#include "core/nn/models.h"
#include "core/train/trainconfig.h"

#include <torch/script.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include "benchtiming.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#ifndef QUANTSCOPE_TORCHFORMAT_FIXTURES
#define QUANTSCOPE_TORCHFORMAT_FIXTURES "tests/data/torchformat"
#endif

using qsbench::medianMs;

namespace {

std::vector<char> readBytes(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Row
{
    std::string what;
    std::string reader;
    double ms;
    double referenceMs; // the LibTorch reader of the same content; 0: none
};

} // namespace

int main(int argc, char **argv)
{
    int reps = 21;
    std::string fixtures = QUANTSCOPE_TORCHFORMAT_FIXTURES;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--reps"))
            reps = std::max(1, std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--fixtures"))
            fixtures = argv[i + 1];
    }
    at::set_num_threads(1); // reading is single-threaded in both readers
    torch::manual_seed(0);
    namespace fs = std::filesystem;
    const fs::path dir =
        fs::temp_directory_path() / ("quantscope-checkpoint-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);

    qs::ResNetOptions options;
    options.depth = 20;
    qs::ResNet model(options);
    const auto tensors = qs::exportStateDict(model);
    int64_t bytes = 0;
    for (const auto &t : tensors)
        bytes += t.tensor.numel() * int64_t(t.tensor.element_size());

    // The same tensors as a torch.save-format zip (our writer; torch.load reads it) and as LibTorch's plain
    // dict zip (torch::pickle_save), which torch::pickle_load reads.
    const std::string zipPath = (dir / "resnet20.pt").string();
    qs::writeTorchStateDict(zipPath, tensors);
    c10::Dict<std::string, at::Tensor> dict;
    for (const auto &t : tensors)
        dict.insert(t.name, t.tensor);
    const std::string dictPath = (dir / "resnet20-dict.pt").string();
    {
        const std::vector<char> data = torch::pickle_save(c10::IValue(dict));
        std::ofstream(dictPath, std::ios::binary).write(data.data(), std::streamsize(data.size()));
    }
    const std::string qsckptPath = (dir / "resnet20.qsckpt").string();
    qs::CheckpointState state;
    state.configText = qs::serializeTrainConfig(qs::TrainConfig{});
    qs::saveCheckpoint(qsckptPath, model, nullptr, nullptr, state);

    std::vector<Row> rows;
    const double pickleMs = medianMs(reps, [&] {
        const auto value = torch::pickle_load(readBytes(dictPath));
        if (value.toGenericDict().size() != dict.size())
            std::abort();
    });
    rows.push_back({"state_dict, zip (torch.save >= 1.6)", "QuantScope readTorchCheckpoint",
                    medianMs(reps,
                             [&] {
                                 if (qs::readTorchCheckpoint(zipPath).tensors.size() != tensors.size())
                                     std::abort();
                             }),
                    pickleMs});
    rows.push_back({"same tensors, plain-dict zip", "LibTorch torch::pickle_load", pickleMs, pickleMs});
    rows.push_back({".qsckpt (model only)", "QuantScope loadCheckpoint into a ResNet-20",
                    medianMs(reps, [&] { qs::loadCheckpoint(qsckptPath, model, nullptr, nullptr); }),
                    pickleMs});

    const std::string legacy = fixtures + "/resnet20_option_a_old.th";
    const std::string scripted = fixtures + "/resnet20_option_a_scripted.pt";
    if (fs::exists(legacy))
        rows.push_back({"state_dict, legacy torch.save (.th)", "QuantScope readTorchCheckpoint",
                        medianMs(reps, [&] { qs::readTorchCheckpoint(legacy); }), 0});
    else
        std::fprintf(stderr, "quantscope-checkpoint-bench: no %s; legacy row skipped\n", legacy.c_str());
    if (fs::exists(scripted)) {
        const double jitMs = medianMs(reps, [&] { torch::jit::load(scripted); });
        rows.push_back({"TorchScript (torch.jit.save)", "QuantScope readTorchCheckpoint",
                        medianMs(reps, [&] { qs::readTorchCheckpoint(scripted); }), jitMs});
        rows.push_back({"TorchScript (torch.jit.save)", "LibTorch torch::jit::load", jitMs, jitMs});
    } else {
        std::fprintf(stderr, "quantscope-checkpoint-bench: no %s; TorchScript rows skipped\n",
                     scripted.c_str());
    }
    fs::remove_all(dir);

    std::printf(
        "quantscope-checkpoint-bench: ResNet-20, %zu tensors, %.2f MB of tensor data, median of %d reads\n\n",
        tensors.size(), double(bytes) / 1e6, reps);
    std::printf("| file | reader | ms | / LibTorch reader of the same content |\n|---|---|---|---|\n");
    for (const Row &row : rows) {
        if (row.referenceMs > 0)
            std::printf("| %s | %s | %.3f | %.2f |\n", row.what.c_str(), row.reader.c_str(), row.ms,
                        row.ms / row.referenceMs);
        else
            std::printf("| %s | %s | %.3f | - |\n", row.what.c_str(), row.reader.c_str(), row.ms);
    }
    return 0;
}
