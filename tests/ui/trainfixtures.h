#pragma once
// A training run small enough for a GUI test: 64 generated images in batches of 16 (4 steps an epoch), fp so
// each step is cheap, one thread because OpenMP teams crawl when ctest -j oversubscribes the machine.

#include "core/train/trainconfig.h"

namespace qs::test {

inline TrainConfig tinyTrainConfig(int epochs)
{
    TrainConfig c;
    c.dataset = "synthetic:64";
    c.method = "fp";
    c.edgeLayers = "fp";
    c.epochs = epochs;
    c.batchSize = 16;
    c.evalBatchSize = 64;
    c.lr = 0.02;
    c.schedule = "constant";
    c.augment = false;
    c.threads = 1;
    c.device = "cpu";
    return c;
}

} // namespace qs::test
