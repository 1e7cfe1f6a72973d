#pragma once
// SIGINT, SIGTERM and SIGUSR1 as a request to stop training: the trainer finishes its current step, writes a
// resumable last.qsckpt and returns Stopped (the command exits 130). A second signal of any of them takes its
// default action (ends the process at once; the checkpoint already on disk is intact: files are written
// atomically). SIGTERM is what a scheduler or `kill` sends; SIGUSR1 is Slurm's warning before the time limit
// (`#SBATCH --signal=B:USR1@SECONDS`, forwarded by the sweep's batch script).

#include <atomic>
#include <csignal>

namespace qs::cli {

class StopSignals
{
public:
    explicit StopSignals(std::atomic<bool> &flag); // installs the handlers (flag cleared)
    ~StopSignals();                                // restores the previous ones
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;
    static int signalReceived(); // the first signal received since installation, 0 when none

private:
    struct sigaction m_previous[3];
};

} // namespace qs::cli
