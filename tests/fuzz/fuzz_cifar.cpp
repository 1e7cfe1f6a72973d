// CIFAR binary batches (core/data/datasets): the first byte picks CIFAR-10 (even) or CIFAR-100 (odd), the
// rest is the test batch file (test_batch.bin / test.bin).
#include "fuzzsupport.h"

#include "core/data/datasets.h"

#include <ATen/ATen.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const bool cifar100 = data[0] & 1;
    const std::string_view file(reinterpret_cast<const char *>(data + 1), size - 1);
    qs::DatasetSpec spec;
    spec.kind = cifar100 ? qs::DatasetKind::Cifar100 : qs::DatasetKind::Cifar10;
    spec.dir = qsfuzz::scratchDir().string();
    qsfuzz::writeScratch(cifar100 ? "test.bin" : "test_batch.bin", file);
    try {
        const auto set = qs::loadDataset(spec, /*train=*/false);
        // Accepted: every label is a class of the set.
        if (set.labels.numel() > 0 &&
            (set.labels.min().item<int64_t>() < 0 || set.labels.max().item<int64_t>() >= set.numClasses))
            qsfuzz::contractViolation("loadDataset", "a label outside the classes", set.description.c_str());
    } catch (const qs::Error &e) {
        qsfuzz::checkOneLine("loadDataset", e);
    } catch (const std::exception &e) {
        qsfuzz::escaped("loadDataset", e);
    }
    return 0;
}
