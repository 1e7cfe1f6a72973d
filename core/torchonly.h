#pragma once
// Included first by every core header that pulls LibTorch. Targets that must stay torch-free (quantui and all
// that link it: the GUI, the CLI, the ui tests) define QUANTSCOPE_TORCH_FREE, so including such a header there
// fails at once with this message instead of compiling against torch's headers through /usr/include.
#if defined(QUANTSCOPE_TORCH_FREE)
#error "a torch header of core reached a torch-free target: include core's torch-free headers only"
#endif
