#pragma once
// The fixed C99 text of a deployed model (docs/deploy.md): the kernels every generated qs_model.c shares, the
// command-line driver, the Cortex-M startup and linker script, and the Makefile. Torch-free; deploy.cpp
// writes the model-specific data and call sequence around it.

namespace qs::deployc {

// Types and kernels, placed after the includes and before the model's data in qs_model.c.
extern const char *const kKernels;
// main.c: reads a CIFAR-10 binary file and prints one predicted class per image (host and Cortex-M).
extern const char *const kMain;
// startup_cortexm.c: vector table, reset handler (bss, semihosting argv, SysTick count), fault handler.
extern const char *const kStartup;
// cortexm.ld: the mps2-an385 memory map (4 MB code at 0, 4 MB data at 0x20000000).
extern const char *const kLinkerScript;
extern const char *const kMakefile;

} // namespace qs::deployc
