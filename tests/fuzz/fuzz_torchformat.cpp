// readTorchCheckpoint (core/io/torchformat): torch.save zip files and, where supported, legacy torch.save
// files; an accepted state dict is then loaded into a ResNet-20 the way a warm start does (modelio).
#include "fuzzsupport.h"

#include "core/io/modelio.h"

#include <c10/util/Logging.h>
#include "core/io/torchformat.h"

#include <ATen/ATen.h>

// LibTorch 1.13 symbolizes a C++ backtrace into every c10::Error it throws; the loaders turn each error into
// one line anyway, and under ASan that symbolizing dominates the time of a rejected input.
extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    c10::SetStackTraceFetcher([] { return std::string(); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto path = qsfuzz::writeScratch("input.pt", {reinterpret_cast<const char *>(data), size});
    qs::StateDict dict;
    try {
        dict = qs::readTorchCheckpoint(path);
    } catch (const qs::Error &e) {
        qsfuzz::checkOneLine("readTorchCheckpoint", e);
        return 0;
    } catch (const std::exception &e) {
        qsfuzz::escaped("readTorchCheckpoint", e);
    }
    // Accepted: every element of every tensor must lie inside the bytes its storage owns. contiguous() reads
    // them all, so a view whose offset/size/stride points past its record is an ASan report here.
    for (const auto &t : dict.tensors)
        if (t.tensor.defined() && t.tensor.numel() > 0)
            (void)t.tensor.contiguous().clone();
    static qs::ResNet model{qs::ResNetOptions{}};
    try {
        qs::loadStateDict(model, dict.tensors, /*strict=*/false, path);
    } catch (const qs::Error &e) {
        qsfuzz::checkOneLine("loadStateDict", e);
    } catch (const std::exception &e) {
        qsfuzz::escaped("loadStateDict", e);
    }
    return 0;
}
