// Writes the .qsckpt seeds of tests/fuzz/corpus/qsckpt/ (committed; rerun to regenerate):
//   build-fuzz/tests/fuzz/fuzz_make_qsckpt_seeds tests/fuzz/corpus/qsckpt
// A real ResNet-20 checkpoint is 1.1 MB, too big for a seed that libFuzzer mutates quickly, so the seeds are
// archives of the same structure (every field saveCheckpoint writes, a "model" and an "optimizer" archive,
// the RNG state) whose model holds a few small tensors under ResNet-20's names; with `--full` it also writes
// full.qsckpt, a real checkpoint of an untrained ResNet-20 (saveCheckpoint), for a longer local run.
#include "core/io/modelio.h"
#include "core/train/trainconfig.h"

#include <torch/optim/sgd.h>
#include <torch/serialize/output-archive.h>

#include <ATen/ATen.h>
#include <cstdio>
#include <string>

namespace {

void writeFields(torch::serialize::OutputArchive &a, const std::string &config)
{
    a.write("format", c10::IValue(std::string("quantscope-checkpoint")));
    a.write("schema_version", c10::IValue(qs::kCheckpointSchemaVersion));
    a.write("config", c10::IValue(config));
    a.write("input_channels", c10::IValue(int64_t(3)));
    a.write("num_classes", c10::IValue(int64_t(10)));
    a.write("epoch", c10::IValue(int64_t(1)));
    a.write("batch_in_epoch", c10::IValue(int64_t(2)));
    a.write("step", c10::IValue(int64_t(6)));
    a.write("best_top1", c10::IValue(25.5));
    a.write("last_top1", c10::IValue(24.0));
    a.write("epoch_loss_sum", c10::IValue(3.5));
    a.write("epoch_correct", c10::IValue(int64_t(7)));
    a.write("epoch_seen", c10::IValue(int64_t(16)));
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR [--full]\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    at::manual_seed(0);
    qs::TrainConfig base;
    base.method = "fp";
    const std::string config = qs::serializeTrainConfig(base);

    { // every field, a small model archive with ResNet-20 names, an optimizer archive and the RNG state
        torch::serialize::OutputArchive a, model, optimizer;
        writeFields(a, config);
        model.write("conv1.weight", at::randn({2, 1, 3, 3}));
        model.write("bn1.running_mean", at::zeros({2}), /*is_buffer=*/true);
        model.write("bn1.num_batches_tracked", at::tensor(int64_t(3)), /*is_buffer=*/true);
        a.write("model", model);
        optimizer.write("lr", c10::IValue(0.1));
        a.write("optimizer", optimizer);
        a.write("rng", at::detail::getDefaultCPUGenerator().get_state(), /*is_buffer=*/true);
        a.save_to(dir + "/small_model.qsckpt");
    }
    { // the fields alone: readCheckpointState succeeds, loadCheckpoint finds no model
        torch::serialize::OutputArchive a;
        writeFields(a, config);
        a.save_to(dir + "/fields_only.qsckpt");
    }
    { // a zero-element tensor record and a view into a shared storage
        torch::serialize::OutputArchive a, model;
        writeFields(a, config);
        const auto shared = at::arange(12, at::kFloat);
        model.write("fc.weight", shared.view({3, 4}));
        model.write("fc.bias", shared.narrow(0, 4, 3));
        model.write("bn1.running_var", at::empty({0}), /*is_buffer=*/true);
        a.write("model", model);
        a.save_to(dir + "/views_and_empty.qsckpt");
    }
    if (argc > 2 && std::string(argv[2]) == "--full") {
        qs::ResNet model{qs::ResNetOptions{}};
        torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
        qs::CheckpointState state;
        state.configText = config;
        qs::saveCheckpoint(dir + "/full.qsckpt", model, &sgd, nullptr, state);
    }
    return 0;
}
