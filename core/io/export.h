#pragma once
// Re-saving a checkpoint's weights for other tools. Torch-free: the CLI's `export` includes it.

#include <string>

namespace qs {

// FILE.pt/.pth as a PyTorch state_dict (APoT layout) that torch.load reads, FILE.qsckpt without optimizer
// state. Returns a one-line summary; throws qs::Error with one line naming the file.
std::string exportWeights(const std::string &input, const std::string &output);

} // namespace qs
