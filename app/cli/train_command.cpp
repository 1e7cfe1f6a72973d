#include "argparse.h"
#include "commands.h"
#include "format.h"
#include "progress.h"
#include "stopsignals.h"

#include "core/io/json.h"
#include "core/train/trainer.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <csignal>
#include <memory>
#include <fstream>
#include <iostream>
#include <sstream>

namespace qs::cli {

namespace {
std::atomic<bool> g_stopRequested{false};

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw UsageError("train: cannot read config file " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
} // namespace

int runTrainCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("train", {"config", "preset", "out", "resume"}, {"list-presets"}, {"set"});
    parser.parse(args);
    if (parser.flag("list-presets")) {
        for (const auto &name : presetNames())
            out << name << '\n';
        return 0;
    }
    const bool resume = parser.has("resume");
    TrainConfig config;
    if (resume) {
        if (parser.has("config") || parser.has("preset") || parser.has("out") || parser.has("set"))
            throw UsageError(
                "train: --resume takes the run directory alone (its config is in the checkpoint)");
    } else {
        if (parser.has("config") == parser.has("preset"))
            throw UsageError("train: give exactly one of --config FILE or --preset NAME");
        if (!parser.has("out"))
            throw UsageError("train: missing required option --out RUNDIR");
        try {
            if (parser.has("preset")) {
                const auto text = presetText(parser.value("preset"));
                if (!text)
                    throw UsageError("train: unknown preset '" + parser.value("preset") +
                                     "' (quantscope-cli train --list-presets)");
                config = parseTrainConfig(*text);
            } else {
                config = parseTrainConfig(readFile(parser.value("config")));
            }
            for (const auto &assignment : parser.values("set"))
                applyConfigOverride(config, assignment);
        } catch (const std::invalid_argument &e) {
            throw UsageError(std::string("train: ") + e.what());
        }
        if (auto why = checkTrainConfig(config))
            throw UsageError("train: " + *why);
    }

    ProgressBar bar;
    TrainCallbacks callbacks;
    double lastLoss = 0;
    callbacks.onStep = [&](const StepSample &s) { lastLoss = s.loss; };
    callbacks.onProgress = [&](const TrainProgress &p) {
        const double perStep = p.step > 0 ? p.seconds / double(p.step) : 0.0;
        const double left =
            perStep * double((p.epochs - p.epoch - 1) * p.batchesPerEpoch + p.batchesPerEpoch - p.batch);
        bar.update("epoch " + std::to_string(p.epoch + 1) + "/" + std::to_string(p.epochs), long(p.batch),
                   long(p.batchesPerEpoch),
                   "loss " + formatNumber(std::round(lastLoss * 1e4) / 1e4) + "  left " +
                       formatDuration(left));
    };
    callbacks.onMessage = [&](const std::string &line) {
        bar.finishLine();
        std::cerr << line << '\n';
    };
    // Ctrl-C, SIGTERM or SIGUSR1: finish the current step and write a resumable checkpoint (stopsignals.h).
    auto stopSignals = std::make_unique<StopSignals>(g_stopRequested);
    TrainResult result;
    try {
        result = resume ? resumeTraining(parser.value("resume"), &g_stopRequested, callbacks)
                        : runTraining(config, parser.value("out"), &g_stopRequested, callbacks);
    } catch (const std::invalid_argument &e) {
        // A setting only the engine can judge (the data set spec): a bad setting, exit 2.
        stopSignals.reset();
        bar.finishLine();
        if (resume)
            throw std::runtime_error(e.what()); // the run's own stored config: a damaged file, exit 1
        throw UsageError(std::string("train: ") + e.what());
    } catch (...) {
        stopSignals.reset();
        bar.finishLine();
        throw;
    }
    stopSignals.reset();
    bar.finishLine();
    out << jsonText(Json{{"outcome", trainOutcomeName(result.outcome)},
                         {"steps", result.steps},
                         {"best_top1", result.bestTop1},
                         {"last_top1", result.lastTop1}})
        << '\n';
    std::cerr << result.message << '\n';
    return trainExitCode(result.outcome);
}

int trainExitCode(TrainOutcome outcome)
{
    switch (outcome) {
    case TrainOutcome::Completed:
    case TrainOutcome::MaxSteps:
        return 0;
    case TrainOutcome::Stopped:
        return 130; // interrupted, as shells report Ctrl-C
    case TrainOutcome::Diverged:
        return 3;
    }
    return 1;
}

} // namespace qs::cli
