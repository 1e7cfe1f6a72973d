// QuantScope checkpoints (.qsckpt, core/io/modelio): readCheckpointState, then loadCheckpoint into a
// ResNet-20 (the model, its SGD optimizer and the RNG state), as `quantscope-cli train --resume` does.
#include "fuzzsupport.h"

#include "core/io/modelio.h"

#include <c10/util/Logging.h>

#include <torch/optim/sgd.h>

// LibTorch 1.13 symbolizes a C++ backtrace into every c10::Error it throws; the loaders turn each error into
// one line anyway, and under ASan that symbolizing dominates the time of a rejected input.
extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    c10::SetStackTraceFetcher([] { return std::string(); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto path = qsfuzz::writeScratch("input.qsckpt", {reinterpret_cast<const char *>(data), size});
    static qs::ResNet model{qs::ResNetOptions{}};
    static torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
    try {
        (void)qs::isQuantScopeCheckpoint(path);
        (void)qs::readCheckpointState(path);
    } catch (const qs::Error &e) {
        qsfuzz::checkOneLine("readCheckpointState", e);
    } catch (const std::exception &e) {
        qsfuzz::escaped("readCheckpointState", e);
    }
    try {
        qs::loadCheckpoint(path, model, &optimizer, nullptr);
    } catch (const qs::Error &e) {
        qsfuzz::checkOneLine("loadCheckpoint", e);
    } catch (const std::exception &e) {
        qsfuzz::escaped("loadCheckpoint", e);
    }
    return 0;
}
