#pragma once
// Where each run of a sweep stands, from its run directory alone (so it works on a copy, on shared storage
// seen from another machine, and while `sweep-task` is writing it). Torch-free, Qt-free.
//
//   Pending   no RUNDIR/config.ini yet: never started.
//   Running   RUNDIR/sweep-task.json (the task's lock: host, pid, start time; written when a task starts,
//             removed when it ends, however it ends short of SIGKILL) exists and its task is alive: on the
//             same host, its pid exists; seen from another host, the lock or metrics.jsonl changed within
//             kSweepRunningWindowSeconds (a task killed outright leaves a stale lock, which this ages out).
//   Finished  the last session of metrics.jsonl ended with "done" (every epoch), or with "stop" for
//             max_steps (the configured limit: resuming would stop again at once).
//   Failed    the last session ended in a "divergence" with no rollback after it, or the task failed
//             before or during training: RUNDIR/sweep-error.txt holds its one-line error.
//   Stopped   anything else with a config.ini: stopped by a signal ("stop" record), killed, or started but
//             not yet written; `sweep-task` resumes it from last.qsckpt (or restarts it in place when there
//             is no checkpoint yet).

#include "core/sweep/sweepmanifest.h"

#include <string>

namespace qs {

enum class SweepRunState
{
    Pending,
    Running,
    Stopped,
    Finished,
    Failed
};

inline constexpr const char *kSweepTaskLockName = "sweep-task.json";
inline constexpr const char *kSweepErrorName = "sweep-error.txt";
inline constexpr int kSweepRunningWindowSeconds = 600;

struct SweepRunStatus
{
    SweepRunState state = SweepRunState::Pending;
    std::string detail; // one line: the divergence reason, the task's error, the running task's host and pid
    bool diverged = false; // Failed by a divergence (an outcome, not retried) rather than by an error
};

SweepRunState sweepRunState(const std::string &sweepDir, const SweepRun &run);
SweepRunStatus sweepRunStatus(const std::string &sweepDir, const SweepRun &run);
// "pending", "running", "stopped", "finished", "failed".
std::string sweepRunStateName(SweepRunState state);

} // namespace qs
