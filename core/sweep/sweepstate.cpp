#include "core/sweep/sweepstate.h"

#include "core/error.h"
#include "core/io/atomicfile.h"
#include "core/io/json.h"
#include "core/runs/runreader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <sys/stat.h>
#include <unistd.h>
#include <variant>

namespace qs {

namespace {

bool exists(const std::string &path, time_t *mtime = nullptr)
{
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return false;
    if (mtime)
        *mtime = st.st_mtime;
    return true;
}

std::string thisHost()
{
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0)
        return {};
    return name;
}

// The running task named by the lock, or empty when there is none or it is gone.
std::string liveTask(const std::string &runDir)
{
    const std::string lock = runDir + "/" + kSweepTaskLockName;
    time_t lockTime = 0;
    if (!exists(lock, &lockTime))
        return {};
    std::string host;
    long long pid = 0;
    try {
        const Json j = parseJson(readWholeFile(lock));
        host = j.at("host").get<std::string>();
        pid = j.at("pid").get<long long>();
    } catch (const std::exception &) {
        // Being written, or damaged: judged by its age alone, as from another host.
    }
    if (!host.empty() && host == thisHost() && pid > 0) {
        if (::kill(pid_t(pid), 0) == 0 || errno == EPERM)
            return "running on " + host + " (pid " + std::to_string(pid) + ")";
        return {};
    }
    time_t metricsTime = 0;
    exists(runDir + "/metrics.jsonl", &metricsTime);
    const time_t newest = std::max(lockTime, metricsTime);
    if (std::time(nullptr) - newest <= kSweepRunningWindowSeconds)
        return "running on " + (host.empty() ? std::string("another host") : host) +
               (pid > 0 ? " (pid " + std::to_string(pid) + ")" : std::string());
    return {};
}

} // namespace

std::string sweepRunStateName(SweepRunState state)
{
    switch (state) {
    case SweepRunState::Pending:
        return "pending";
    case SweepRunState::Running:
        return "running";
    case SweepRunState::Stopped:
        return "stopped";
    case SweepRunState::Finished:
        return "finished";
    case SweepRunState::Failed:
        return "failed";
    }
    return "unknown";
}

SweepRunStatus sweepRunStatus(const std::string &sweepDir, const SweepRun &run)
{
    const std::string runDir = sweepDir + "/" + run.directory;
    SweepRunStatus status;
    if (auto running = liveTask(runDir); !running.empty()) {
        status.state = SweepRunState::Running;
        status.detail = running;
        return status;
    }
    if (exists(runDir + "/" + kSweepErrorName)) {
        status.state = SweepRunState::Failed;
        try {
            status.detail = firstLine(readWholeFile(runDir + "/" + kSweepErrorName));
        } catch (const Error &e) {
            status.detail = e.what();
        }
        return status;
    }
    if (!exists(runDir + "/config.ini"))
        return status; // Pending

    // The last session's ending, from the records of metrics.jsonl (damaged lines are skipped).
    enum class End
    {
        None,
        Done,
        MaxSteps,
        Stop,
        Diverged
    } end = End::None;
    std::string reason;
    if (exists(runDir + "/metrics.jsonl")) {
        MetricsFollower follower(runDir);
        for (const auto &record : follower.poll()) {
            if (std::holds_alternative<StartRecord>(record) ||
                std::holds_alternative<RollbackRecord>(record)) {
                end = End::None;
            } else if (std::holds_alternative<DoneRecord>(record)) {
                end = End::Done;
            } else if (const auto *stop = std::get_if<StopRecord>(&record)) {
                end = stop->reason == "max_steps" ? End::MaxSteps : End::Stop;
            } else if (const auto *divergence = std::get_if<DivergenceRecord>(&record)) {
                end = End::Diverged;
                reason = "diverged at step " + std::to_string(divergence->step) + ": " + divergence->reason;
            }
        }
    }
    switch (end) {
    case End::Done:
    case End::MaxSteps:
        status.state = SweepRunState::Finished;
        break;
    case End::Diverged:
        status.state = SweepRunState::Failed;
        status.diverged = true;
        status.detail = firstLine(reason);
        break;
    case End::Stop:
    case End::None:
        status.state = SweepRunState::Stopped;
        break;
    }
    return status;
}

SweepRunState sweepRunState(const std::string &sweepDir, const SweepRun &run)
{
    return sweepRunStatus(sweepDir, run).state;
}

} // namespace qs
