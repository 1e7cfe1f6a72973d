#pragma once
// Subcommands of quantscope-cli. Each takes the arguments after its name, writes its result to `out`,
// and returns the exit code; malformed input throws UsageError (exit 2), other failures std::exception (exit
// 1).

#include <ostream>
#include <string>
#include <vector>

namespace qs {
enum class TrainOutcome;
}

namespace qs::cli {

// train's and sweep-task's exit code for an outcome: 0 completed or max_steps, 130 stopped (as shells report
// Ctrl-C), 3 diverged.
int trainExitCode(TrainOutcome outcome);

int runLevelsCommand(const std::vector<std::string> &args, std::ostream &out);
int runCurveCommand(const std::vector<std::string> &args, std::ostream &out);
int runMethodsCommand(const std::vector<std::string> &args, std::ostream &out);
int runFigureCommand(const std::vector<std::string> &args, std::ostream &out);
int runTrainCommand(const std::vector<std::string> &args, std::ostream &out);
int runEvalCommand(const std::vector<std::string> &args, std::ostream &out);
int runAnalyzeCommand(const std::vector<std::string> &args, std::ostream &out);
int runBenchCommand(const std::vector<std::string> &args, std::ostream &out);
int runExportCommand(const std::vector<std::string> &args, std::ostream &out);
int runCompareCommand(const std::vector<std::string> &args, std::ostream &out);
int runSweepCommand(const std::vector<std::string> &args, std::ostream &out);
int runDeployCommand(const std::vector<std::string> &args, std::ostream &out);
int runPtqCommand(const std::vector<std::string> &args, std::ostream &out);
// One run of a sweep (what each Slurm array task and each local job runs): SWEEPDIR INDEX [--threads T].
int runSweepTaskCommand(const std::vector<std::string> &args, std::ostream &out);

} // namespace qs::cli
