// MNIST-style IDX files (core/data/datasets), plain or, built as fuzz_gzip (QSFUZZ_GZIP), gzip-compressed:
// the input is the images file, the separator "QSFUZZ--", then the labels file; the bytes are written as they
// are, so fuzz_gzip mutates the compressed stream itself.
#include "fuzzsupport.h"

#include "core/data/datasets.h"

#include <ATen/ATen.h>

#ifdef QSFUZZ_GZIP
constexpr const char *kSuffix = ".gz";
#else
constexpr const char *kSuffix = "";
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto parts = qsfuzz::splitInput(data, size, 2);
    const std::string images = std::string("t10k-images-idx3-ubyte") + kSuffix;
    const std::string labels = std::string("t10k-labels-idx1-ubyte") + kSuffix;
    qsfuzz::writeScratch(images, parts[0]);
    qsfuzz::writeScratch(labels, parts[1]);
    qs::DatasetSpec spec;
    spec.kind = qs::DatasetKind::Mnist;
    spec.dir = qsfuzz::scratchDir().string();
    try {
        const auto set = qs::loadDataset(spec, /*train=*/false);
        if (set.labels.size(0) != set.images.size(0) || set.labels.min().item<int64_t>() < 0 ||
            set.labels.max().item<int64_t>() >= set.numClasses)
            qsfuzz::contractViolation("loadDataset", "inconsistent labels", set.description.c_str());
    } catch (const qs::Error &e) {
        qsfuzz::checkOneLine("loadDataset", e);
    } catch (const std::exception &e) {
        qsfuzz::escaped("loadDataset", e);
    }
    return 0;
}
