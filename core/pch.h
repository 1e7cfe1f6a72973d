#pragma once
// Precompiled for quantcore's torch translation units (about 18 s -> 4 s each on 2 cores).
#include <torch/torch.h>
#include <ATen/Parallel.h>
#include <Eigen/Core>
