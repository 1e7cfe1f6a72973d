#pragma once
// Planning a sweep: the --grid text, the runs it expands to and their names, each run's training
// configuration, and the Slurm job-array script. Torch-free, Qt-free; `quantscope-cli sweep` and `sweep-task`
// use it.
//
// Grid: "key=v1,v2 key2=w1,w2 ..." (axes separated by blanks, values by commas). A key is any training config
// key (`quantscope-cli train` --set keys, method keys included) or one of the sweep's own:
//   preset  the run's preset (replaces --preset for that run)
//   bits    wbits and abits together
//   method  as the config key, and NAME-ewgs means method NAME with backward = ewgs (plain NAME: backward =
//           ste), unless backward is an axis of its own
// A coupled axis sets several keys at once: "preset+init=seed-table1-apot|fp10/best.qsckpt,seed-table2-apot|
// fp100/best.qsckpt" (keys joined by '+', each value's parts by '|').
// Runs are the Cartesian product, the first axis outermost; a run's directory is "key-value" per axis joined
// by '_' (method-apot_wbits-2_seed-1), characters outside [A-Za-z0-9.+=-] replaced by '-'.

#include "core/sweep/sweepmanifest.h"
#include "core/train/trainconfig.h"

#include <string>
#include <vector>

namespace qs {

// The grid's axes. Throws std::invalid_argument with one line naming the key or the piece that is wrong (an
// unknown key, a repeated key, an empty value, a piece without '=').
std::vector<SweepAxis> parseSweepGrid(const std::string &grid);
// "key-value_key-value" for a run's settings (see above).
std::string sweepRunName(const std::vector<std::pair<std::string, std::string>> &settings);
// A manifest of the grid's runs (not validated against the presets: validateSweep).
SweepManifest planSweep(const std::string &preset, const std::vector<SweepAxis> &axes,
                        const std::vector<std::string> &extraArguments, const std::string &backend);
// A run's training configuration: its preset, the manifest's extra arguments ("--set key=value" pairs), then
// its settings. Throws std::invalid_argument with one line naming the run and the key.
TrainConfig sweepRunConfig(const SweepManifest &manifest, const SweepRun &run);
// Every run's config built and checked (checkTrainConfig): throws std::invalid_argument with one line naming
// the first run and key that fail.
void validateSweep(const SweepManifest &manifest);
// Whether two manifests describe the same sweep (preset, axes, extra arguments, runs; not the backend).
bool sameSweep(const SweepManifest &a, const SweepManifest &b);

struct SlurmOptions
{
    std::string jobName = "quantscope-sweep";
    std::string partition; // empty: the cluster's default
    std::string gpus;      // --gpus-per-task (empty: none)
    std::string time;      // --time (empty: the partition's default)
    std::string mem;       // --mem (empty: the partition's default)
    int cpusPerTask = 0;   // 0: not set
    int signalSeconds = 0; // > 0: --signal=B:USR1@SECONDS and --requeue: checkpoint, requeue, resume
    int maxParallel = 0;   // > 0: at most this many array tasks at once (--array=...%N)
    std::vector<std::string> extraLines; // more #SBATCH options, e.g. "--account=abc" or "--qos=long"
    std::string cli;                     // absolute path of quantscope-cli on the cluster
    // The tasks' working directory (--chdir), where relative paths in the configs (dataset, init) resolve:
    // the directory `quantscope-cli sweep` ran in. Empty: not set (sbatch's own: where sbatch ran).
    std::string workDir;
};
// The job-array script for the runs `indices` of the sweep in `sweepDir` (absolute): each array task runs
// `quantscope-cli sweep-task SWEEPDIR $SLURM_ARRAY_TASK_ID`; with signalSeconds it traps USR1, forwards it to
// the task (which checkpoints and exits 130), waits and requeues itself with scontrol. Logs go to
// SWEEPDIR/slurm/%A_%a.out (appended across requeues).
std::string slurmScript(const std::string &sweepDir, const std::vector<int> &indices,
                        const SlurmOptions &options);
// "0-3,5,7-9" for sorted indices.
std::string arrayRanges(const std::vector<int> &indices);

// TEXT single-quoted for a POSIX shell (the Slurm script, deploy's make and driver commands).
std::string shellQuote(const std::string &text);

} // namespace qs
