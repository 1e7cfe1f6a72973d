// quantscope-cli: the command line of QuantScope. Works without a display.

#include "argparse.h"
#include "commands.h"

#include "core/quant/methods.h"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {
// The method lists come from the registry (core/quant/methods.h), so a new method shows up here by itself.
std::string usage()
{
    std::string methods;
    for (const auto &name : qs::quantMethodNames())
        methods += (methods.empty() ? "" : "|") + name;
    return R"(usage: quantscope-cli COMMAND [options]

commands:
  levels  --scheme uniform|pot|apot|ewgs --bits B [--signed [--no-zero]] [--format json|csv]
          the sorted level set, normalized so the largest level is 1; --no-zero: the signed grid without
          its zero level (2^B levels; uniform: the official EWGS weight grid); ewgs: the official QConv's
          grid, weights 2 (k / (2^B - 1) - 0.5), no zero level; activations k / (2^B - 1)
  curve   --method )" +
           methods + R"(|ste --bits B [--signed [--no-zero]]
          [--alpha A] [--base uniform|pot|apot] [--dsq-alpha a] [--gamma g] [--sigma s] [--delta d]
          [--grad-sign 1|-1] [--from X --to X --points N] [--format csv|json]
          x, y and dy/dx of a quantizer's transfer function and the derivative its backward uses, plus
          forward (what the forward pass outputs) and surrogate (the curve whose slope dy/dx is; DSQ: tanh)
          (ste/ewgs with --base: that backward over the grid; ewgs without --base: the official QConv's
          weight path (--signed, range [-A, A], y in [-1, 1]) or activation path ([0, A], y in [0, 1]))
  methods [--format text|json]
          every quantization method: formula, bit widths, EWGS, config keys with their defaults
  figure  --kind levels|softround --out FILE.png|svg|pdf [options; see quantscope-cli figure --help]
          a paper-styled figure without a display, with its data as FILE.csv

  train   --config FILE | --preset NAME [--set key=value ...] --out RUNDIR      (or --resume RUNDIR)
          train or resume a run: RUNDIR/config.ini, metrics.jsonl, last.qsckpt, best.qsckpt;
          Ctrl-C, SIGTERM or SIGUSR1 stops after the current step and leaves a resumable checkpoint
          (exit 130); --list-presets
  eval    --weights FILE --data cifar10:DIR|cifar100:DIR|mnist:DIR|fashion-mnist:DIR|synthetic
          [--arch resnet20|32|44|56] [--quant METHOD --bits B | --wbits B --abits B] [--edges fp|8bit]
          [--mean a,b,c --std a,b,c] [--batch N] [--format json|text]     METHOD: )" +
           methods + R"(
  analyze --weights FILE --scheme uniform|pot|apot --bits B [--no-zero] [--alpha X | --alpha-search mse]
          [--format json|text]
          per-layer statistics, clip, MSE, SQNR and level occupancy of the weights
  export  --weights FILE.qsckpt --out FILE.pt|FILE.qsckpt
          a PyTorch state_dict (APoT layout) that torch.load reads, or a checkpoint without optimizer state
  compare --runs RUNDIR... [--format md|csv|latex] [--group-trials]   (or --sweep SWEEPDIR)
          final and best test top-1, steps and divergence of each run (the seed paper's tables); --sweep:
          one row per grid point, its seeds as trials (mean ± std)
  sweep   --preset NAME --grid "key=v1,v2 key2=w1,w2" --out SWEEPDIR [--set key=value ...] [--dry-run]
          [--backend local|slurm] local: [--jobs N] [--threads T]   slurm: [--partition P] [--gpus G]
          [--time T] [--mem M] [--cpus-per-task C] [--signal SECONDS] [--max-parallel N] [--job-name NAME]
          [--sbatch-option OPT=VALUE ...] [--cli PATH]
          every point of the grid as a run in SWEEPDIR/KEY-VALUE_...; rerunning skips finished runs and
          resumes the others; slurm: one job array (SWEEPDIR/sweep.sbatch) submitted with sbatch, requeued
          and resumed on --signal; sweep-task SWEEPDIR INDEX trains one run of it
  deploy  --weights FILE --out DIR [--scheme uniform|pot|apot] [--wbits B] [--abits B] [--format md|json]
          [--verify DATASPEC [--count N]] [--plan-only]
          the quantized ResNet as integer-only C99 (shift-add products on PoT/APoT grids): DIR/qs_model.{h,c},
          a driver and a Makefile (make -C DIR host | cortex-m | run-qemu); prints flash, RAM and operations
          per layer; --verify builds the host program and compares its classes with the app's on N test images
  ptq     --weights FILE --out FILE.qsckpt [--data SPEC] [--method nearest|adaround|brecq]
          [--scheme uniform|pot|apot] [--wbits B] [--abits B] [--iters N] [--calib N] [--batch N]
          [--lambda L] [--seed S] [--test-images N] [--threads T] [--format text|json]
          post-training quantization: BatchNorm folded, per-channel weight grids, rounding learned by
          AdaRound (layer by layer) or BRECQ (block by block; defaults as released: 20000 iterations, 1024
          calibration images); writes a checkpoint `eval` runs and FILE.qsckpt.ptq.json; Ctrl-C writes
          nothing (exit 130)
  bench   train-step --arch resnet20 --quant METHOD --bits B [--ewgs] --batch N --steps K [--threads T]
  bench   ewgs-update --arch resnet20 --quant METHOD --bits B --batch N [--batches 3] [--threads T]
          [--estimator exact|fast] [--exact-mode per-tensor|joint] [--stop abs|reference] [--max-iter 50] [--tol 1e-3]
          one EWGS delta update timed (fast: finite-difference Hessian products), one training step, per-layer deltas

Malformed arguments or an undefined combination print one line and exit with status 2.
)";
}
} // namespace

int main(int argc, char **argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << usage();
        return args.empty() ? 2 : 0;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    try {
        if (command == "levels")
            return qs::cli::runLevelsCommand(args, std::cout);
        if (command == "curve")
            return qs::cli::runCurveCommand(args, std::cout);
        if (command == "methods")
            return qs::cli::runMethodsCommand(args, std::cout);
        if (command == "figure")
            return qs::cli::runFigureCommand(args, std::cout);
        if (command == "train")
            return qs::cli::runTrainCommand(args, std::cout);
        if (command == "eval")
            return qs::cli::runEvalCommand(args, std::cout);
        if (command == "analyze")
            return qs::cli::runAnalyzeCommand(args, std::cout);
        if (command == "bench")
            return qs::cli::runBenchCommand(args, std::cout);
        if (command == "export")
            return qs::cli::runExportCommand(args, std::cout);
        if (command == "compare")
            return qs::cli::runCompareCommand(args, std::cout);
        if (command == "sweep")
            return qs::cli::runSweepCommand(args, std::cout);
        if (command == "deploy")
            return qs::cli::runDeployCommand(args, std::cout);
        if (command == "ptq")
            return qs::cli::runPtqCommand(args, std::cout);
        if (command == "sweep-task")
            return qs::cli::runSweepTaskCommand(args, std::cout);
        throw qs::cli::UsageError("unknown command '" + command + "' (try quantscope-cli --help)");
    } catch (const qs::cli::UsageError &e) {
        std::cerr << "quantscope-cli: error: " << e.what() << '\n';
        return 2;
    } catch (const std::exception &e) {
        std::cerr << "quantscope-cli: error: " << e.what() << '\n';
        return 1;
    }
}
