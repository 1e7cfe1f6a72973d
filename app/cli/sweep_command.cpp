// quantscope-cli sweep (a grid of runs, here or as a Slurm job array) and sweep-task (one run of a sweep).

#include "argparse.h"
#include "commands.h"
#include "stopsignals.h"

#include "core/error.h"
#include "core/io/atomicfile.h"
#include "core/io/json.h"
#include "core/sweep/sweepmanifest.h"
#include "core/sweep/sweepplan.h"
#include "core/sweep/sweepstate.h"
#include "core/train/trainer.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace qs::cli {

namespace {

namespace fs = std::filesystem;

std::string selfExecutable()
{
    std::error_code ec;
    const auto path = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        throw std::runtime_error("sweep: cannot find this program's path (/proc/self/exe: " + ec.message() +
                                 ")");
    return path.string();
}

std::string hostName()
{
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    return name;
}

std::string stateWord(const SweepRunStatus &status)
{
    if (status.state == SweepRunState::Failed && status.diverged)
        return "diverged";
    return sweepRunStateName(status.state);
}

// Whether `sweep` has anything left to do for a run in this state: pending, stopped and failed (an error,
// retried) runs are trained; finished and diverged ones are results; a running one belongs to another task.
bool needsTraining(const SweepRunStatus &status)
{
    switch (status.state) {
    case SweepRunState::Pending:
    case SweepRunState::Stopped:
        return true;
    case SweepRunState::Failed:
        return !status.diverged;
    case SweepRunState::Running:
    case SweepRunState::Finished:
        return false;
    }
    return false;
}

// Runs PROGRAM ARGS with stdout captured; returns (exit status, stdout). Throws when it cannot start.
std::pair<int, std::string> runCaptured(const std::vector<std::string> &argv)
{
    int pipeFds[2];
    if (::pipe(pipeFds) != 0)
        throw std::runtime_error(std::string("sweep: pipe: ") + std::strerror(errno));
    int errorPipe[2];
    if (::pipe2(errorPipe, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("sweep: pipe: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(pipeFds[1], 1);
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        ::close(errorPipe[0]);
        std::vector<char *> args;
        for (const auto &a : argv)
            args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        const int err = errno;
        (void)!::write(errorPipe[1], &err, sizeof err);
        ::_exit(127);
    }
    ::close(pipeFds[1]);
    ::close(errorPipe[1]);
    std::string output;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(pipeFds[0], buffer, sizeof buffer);
        if (n > 0)
            output.append(buffer, size_t(n));
        else if (n == 0 || errno != EINTR)
            break;
    }
    ::close(pipeFds[0]);
    int execError = 0;
    const bool failedToStart = ::read(errorPipe[0], &execError, sizeof execError) == sizeof execError;
    ::close(errorPipe[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (failedToStart)
        throw std::runtime_error("sweep: cannot run " + argv[0] + " (" + std::strerror(execError) + ")");
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

std::atomic<bool> g_sweepStop{false};

int runLocal(const std::string &dir, const SweepManifest &manifest, const std::vector<int> &todo, int jobs,
             int threads, std::ostream &out)
{
    const std::string cli = selfExecutable();
    fs::create_directories(dir + "/logs");
    StopSignals stopSignals(g_sweepStop);
    std::map<pid_t, int> running; // pid -> run index
    size_t next = 0;
    int done = 0, failed = 0, stopped = 0;
    const int total = int(todo.size());
    while ((next < todo.size() && !g_sweepStop) || !running.empty()) {
        while (!g_sweepStop && next < todo.size() && int(running.size()) < jobs) {
            const SweepRun &run = manifest.runs[size_t(todo[next++])];
            const std::string log = dir + "/logs/" + run.directory + ".log";
            const pid_t pid = ::fork();
            if (pid < 0)
                throw std::runtime_error(std::string("sweep: fork: ") + std::strerror(errno));
            if (pid == 0) {
                ::setpgid(0, 0); // a terminal's Ctrl-C reaches the sweep only; it forwards one SIGTERM
                const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
                if (fd >= 0) {
                    ::dup2(fd, 1);
                    ::dup2(fd, 2);
                    ::close(fd);
                }
                const std::string index = std::to_string(run.index), t = std::to_string(threads);
                ::execl(cli.c_str(), cli.c_str(), "sweep-task", dir.c_str(), index.c_str(), "--threads",
                        t.c_str(), static_cast<char *>(nullptr));
                ::_exit(127);
            }
            running[pid] = run.index;
            std::cerr << "sweep: started " << run.directory << " (log: " << log << ")\n";
        }
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno != EINTR)
                break;
            if (g_sweepStop) // forward the stop once to every task: each checkpoints and exits 130
                for (const auto &[child, index] : running)
                    ::kill(child, SIGTERM);
            continue;
        }
        const auto it = running.find(pid);
        if (it == running.end())
            continue;
        const SweepRun &run = manifest.runs[size_t(it->second)];
        running.erase(it);
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        const SweepRunStatus state = sweepRunStatus(dir, run);
        ++done;
        if (code == 130)
            ++stopped;
        else if (code != 0 && code != 3)
            ++failed;
        std::cerr << "sweep: [" << done << "/" << total << "] " << run.directory << ": " << stateWord(state)
                  << (code != 0 && code != 3 && code != 130 ? " (exit " + std::to_string(code) + "; see " +
                                                                  dir + "/logs/" + run.directory + ".log)"
                                                            : std::string())
                  << '\n';
        if (g_sweepStop)
            for (const auto &[child, index] : running)
                ::kill(child, SIGTERM);
    }
    int finished = 0;
    for (const auto &run : manifest.runs)
        finished += sweepRunState(dir, run) == SweepRunState::Finished;
    out << jsonText(Json{{"sweep", dir},
                         {"runs", manifest.runs.size()},
                         {"finished", finished},
                         {"failed", failed},
                         {"stopped", stopped + int(todo.size() - next)}})
        << '\n';
    if (g_sweepStop) {
        std::cerr << "sweep: stopped; the same command resumes it\n";
        return 130;
    }
    return failed > 0 ? 1 : 0;
}

} // namespace

int runSweepCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("sweep",
                     {"preset", "grid", "out", "backend", "jobs", "threads", "partition", "gpus", "time",
                      "mem", "cpus-per-task", "signal", "max-parallel", "job-name", "cli"},
                     {"dry-run"}, {"set", "sbatch-option"});
    parser.parse(args);
    const std::string preset = parser.required("preset");
    const std::string grid = parser.required("grid");
    const std::string outDir = parser.required("out");
    const std::string backend = parser.choice("backend", {"local", "slurm"}, "local");
    const int jobs = parser.intValue("jobs", 1, 1, 256);
    if (!presetText(preset))
        throw UsageError("sweep: unknown preset '" + preset + "' (quantscope-cli train --list-presets)");
    if (backend == "local")
        for (const char *o : {"partition", "gpus", "time", "mem", "cpus-per-task", "signal", "max-parallel",
                              "job-name", "sbatch-option", "cli"})
            if (parser.has(o))
                throw UsageError(std::string("sweep: --") + o + " is for --backend slurm");
    if (backend == "slurm" && parser.has("jobs"))
        throw UsageError("sweep: --jobs is for --backend local (slurm: --max-parallel N)");

    std::vector<std::string> extra;
    for (const auto &assignment : parser.values("set")) {
        extra.push_back("--set");
        extra.push_back(assignment);
    }
    SweepManifest manifest;
    try {
        manifest = planSweep(preset, parseSweepGrid(grid), extra, backend);
        validateSweep(manifest);
    } catch (const std::invalid_argument &e) {
        throw UsageError(std::string("sweep: ") + e.what());
    }
    const std::string dir = fs::absolute(outDir).lexically_normal().string();
    if (isSweepDirectory(dir)) {
        const SweepManifest existing = readSweepManifest(dir);
        if (!sameSweep(existing, manifest))
            throw UsageError("sweep: " + dir + "/" + kSweepManifestName +
                             " holds a different sweep (preset, grid or --set differ); give another --out");
    } else if (fs::exists(dir) && !fs::is_empty(dir)) {
        throw UsageError("sweep: " + dir + " exists and is not a sweep directory; give another --out");
    }

    std::vector<int> todo;
    std::ostringstream plan;
    for (const auto &run : manifest.runs) {
        const SweepRunStatus status = sweepRunStatus(dir, run);
        const bool train = needsTraining(status);
        if (train)
            todo.push_back(run.index);
        plan << run.index << '\t' << run.directory << '\t' << stateWord(status) << '\t'
             << (train ? (status.state == SweepRunState::Pending ? "train" : "resume") : "skip")
             << (status.detail.empty() ? std::string() : "\t" + status.detail) << '\n';
    }
    const int cores = std::max(1u, std::thread::hardware_concurrency());
    const int threads = parser.has("threads") ? parser.intValue("threads", 0, 1, 4096)
                                              : std::max(1, cores / std::max(1, jobs));

    SlurmOptions slurm;
    if (backend == "slurm") {
        slurm.jobName = parser.value("job-name", "quantscope-sweep");
        slurm.partition = parser.value("partition");
        slurm.gpus = parser.value("gpus");
        slurm.time = parser.value("time");
        slurm.mem = parser.value("mem");
        slurm.cpusPerTask = parser.intValue("cpus-per-task", 0, 1, 4096);
        slurm.signalSeconds = parser.intValue("signal", 0, 1, 86400);
        slurm.maxParallel = parser.intValue("max-parallel", 0, 1, 100000);
        for (const auto &option : parser.values("sbatch-option"))
            slurm.extraLines.push_back(option.rfind("-", 0) == 0 ? option : "--" + option);
        slurm.workDir = fs::current_path().string();
        slurm.cli = parser.has("cli") ? fs::absolute(parser.value("cli")).string() : selfExecutable();
    }

    if (parser.flag("dry-run")) {
        out << "# sweep " << dir << ": " << manifest.runs.size()
            << (manifest.runs.size() == 1 ? " run, " : " runs, ") << todo.size() << " to train (" << backend
            << (backend == "local"
                    ? ", " + std::to_string(jobs) + " at a time, " + std::to_string(threads) + " threads each"
                    : std::string())
            << ")\n"
            << plan.str();
        if (backend == "slurm" && !todo.empty())
            out << "\n# " << dir << "/sweep.sbatch\n" << slurmScript(dir, todo, slurm);
        return 0;
    }

    fs::create_directories(dir);
    writeSweepManifest(dir, manifest);
    std::cerr << plan.str();
    if (todo.empty()) {
        std::cerr << "sweep: every run of " << dir << " is finished (or diverged); nothing to train\n";
        out << jsonText(Json{{"sweep", dir}, {"runs", manifest.runs.size()}, {"to_train", 0}}) << '\n';
        return 0;
    }
    if (backend == "local")
        return runLocal(dir, manifest, todo, jobs, threads, out);

    fs::create_directories(dir + "/slurm");
    const std::string script = dir + "/sweep.sbatch";
    writeFileAtomically(script, slurmScript(dir, todo, slurm));
    const auto [code, output] = runCaptured({"sbatch", "--parsable", script});
    if (code != 0)
        throw std::runtime_error("sweep: sbatch " + script + " failed (exit " + std::to_string(code) + ")");
    const std::string jobId = firstLine(output.substr(0, output.find(';')));
    std::cerr << "sweep: submitted job array " << jobId << " (" << todo.size()
              << " tasks); follow it with squeue -j " << jobId << " and quantscope-cli compare --sweep "
              << dir << '\n';
    out << jsonText(Json{{"sweep", dir},
                         {"runs", manifest.runs.size()},
                         {"to_train", todo.size()},
                         {"job", jobId},
                         {"script", script}})
        << '\n';
    return 0;
}

namespace {
std::atomic<bool> g_taskStop{false};
}

int runSweepTaskCommand(const std::vector<std::string> &args, std::ostream &out)
{
    if (args.size() < 2 || args[0].rfind("--", 0) == 0 || args[1].rfind("--", 0) == 0)
        throw UsageError("sweep-task: expected SWEEPDIR INDEX [--threads T]");
    ArgParser parser("sweep-task", {"threads"}, {});
    parser.parse(std::vector<std::string>(args.begin() + 2, args.end()));
    const int threads = parser.intValue("threads", 0, 0, 4096);
    const std::string dir = args[0];
    const SweepManifest manifest = readSweepManifest(dir); // unreadable or damaged: one line, exit 1
    char *end = nullptr;
    const long index = std::strtol(args[1].c_str(), &end, 10);
    if (args[1].empty() || *end != '\0' || index < 0 || index >= long(manifest.runs.size()))
        throw UsageError("sweep-task: INDEX '" + args[1] + "' is not a run of " + dir + " (0.." +
                         std::to_string(manifest.runs.size() - 1) + ")");
    const SweepRun &run = manifest.runs[size_t(index)];
    const std::string runDir = dir + "/" + run.directory;
    const SweepRunStatus status = sweepRunStatus(dir, run);
    if (status.state == SweepRunState::Running)
        throw std::runtime_error("sweep-task: " + runDir + " is " + status.detail);
    if (!needsTraining(status)) {
        std::cerr << "sweep-task: " << runDir << " is " << stateWord(status) << "; skipped\n";
        out << jsonText(Json{{"run", run.directory}, {"outcome", "skipped"}, {"state", stateWord(status)}})
            << '\n';
        return 0;
    }

    fs::create_directories(runDir);
    fs::remove(runDir + "/" + kSweepErrorName);
    const std::string lock = runDir + "/" + kSweepTaskLockName;
    writeFileAtomically(lock, jsonText(Json{{"host", hostName()},
                                            {"pid", long(::getpid())},
                                            {"started", long(std::time(nullptr))},
                                            {"index", run.index}}) +
                                  "\n");
    TrainCallbacks callbacks;
    callbacks.onMessage = [](const std::string &line) { std::cerr << line << '\n'; };
    TrainResult result;
    try {
        StopSignals stopSignals(g_taskStop);
        std::cerr << "sweep-task: " << runDir << " (" << stateWord(status)
                  << "): " << (fs::exists(runDir + "/config.ini") ? "resuming" : "starting") << '\n';
        if (fs::exists(runDir + "/config.ini")) {
            result = resumeTraining(runDir, &g_taskStop, callbacks, threads);
        } else {
            TrainConfig config;
            try {
                config = sweepRunConfig(manifest, run);
            } catch (const std::invalid_argument &e) {
                throw std::runtime_error(dir + "/" + kSweepManifestName + ": " + e.what());
            }
            result = runTraining(config, runDir, &g_taskStop, callbacks, threads);
        }
    } catch (const std::exception &e) {
        try {
            writeFileAtomically(runDir + "/" + kSweepErrorName, firstLine(e.what()) + "\n");
        } catch (const std::exception &) {
        }
        fs::remove(lock);
        throw std::runtime_error(firstLine(e.what()));
    }
    fs::remove(lock);
    out << jsonText(Json{{"run", run.directory},
                         {"outcome", trainOutcomeName(result.outcome)},
                         {"steps", result.steps},
                         {"best_top1", result.bestTop1},
                         {"last_top1", result.lastTop1}})
        << '\n';
    std::cerr << result.message << '\n';
    return trainExitCode(result.outcome);
}

} // namespace qs::cli
