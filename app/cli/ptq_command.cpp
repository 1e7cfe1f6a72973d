// quantscope-cli ptq: post-training quantization by reconstruction (AdaRound, BRECQ) or nearest rounding
// (core/ptq/reconstruction.h). Writes OUT (method ptq) and OUT.ptq.json; Ctrl-C writes nothing (exit 130).

#include "argparse.h"
#include "commands.h"
#include "format.h"
#include "progress.h"
#include "stopsignals.h"

#include "core/io/json.h"
#include "core/ptq/reconstruction.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

namespace qs::cli {

namespace {
std::atomic<bool> g_stopRequested{false};

std::string percent(const std::optional<double> &v)
{
    if (!v)
        return "-";
    std::ostringstream s;
    s << std::fixed << std::setprecision(2) << *v << " %";
    return s.str();
}
} // namespace

int runPtqCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("ptq",
                     {"weights", "data", "method", "scheme", "wbits", "abits", "iters", "calib", "batch",
                      "lambda", "seed", "test-images", "threads", "out", "format"},
                     {"fisher"});
    parser.parse(args);
    ReconstructionRequest request;
    request.weights = parser.required("weights");
    request.out = parser.required("out");
    request.data = parser.value("data");
    request.method = parser.choice("method", {"nearest", "adaround", "brecq"}, "brecq");
    request.scheme = parser.choice("scheme", {"uniform", "pot", "apot"}, "uniform");
    request.wbits = parser.intValue("wbits", 4, 2, 8);
    request.abits = parser.intValue("abits", 0, 0, 8);
    request.iters = parser.intValue("iters", 20000, 1, 100000000);
    request.calibImages = parser.intValue("calib", 1024, 1, 100000000);
    request.batch = parser.intValue("batch", 32, 1, 1000000);
    request.lambda = parser.doubleValue("lambda", 0.01);
    request.seed = uint64_t(parser.intValue("seed", 1005, 0, 2147483647));
    request.testImages = parser.intValue("test-images", 0, 0, 100000000);
    request.threads = parser.intValue("threads", 0, 0, 1024);
    request.fisher = parser.flag("fisher");
    const std::string format = parser.choice("format", {"text", "json"}, "text");
    if (auto why = checkReconstructionRequest(request))
        throw UsageError(*why);

    ProgressBar bar;
    int announced = -1;
    auto onProgress = [&](const ReconstructionProgress &p) {
        if (g_stopRequested.load())
            return false;
        const std::string label =
            "unit " + std::to_string(p.unitIndex + 1) + "/" + std::to_string(p.unitCount) + " " + p.unit;
        if (p.iteration < p.iterations && announced != p.unitIndex) {
            // Logs see each unit start too (the bar is drawn on terminals only).
            announced = p.unitIndex;
            bar.finishLine();
            std::cerr << label << ": " << p.iterations << " iterations\n";
        }
        if (p.iteration < p.iterations) {
            bar.update(label, long(p.iteration), long(p.iterations),
                       "loss " + formatNumber(std::round(p.loss * 1e4) / 1e4));
        } else {
            bar.finishLine();
            std::cerr << label << ": loss " << formatNumber(std::round(p.loss * 1e5) / 1e5) << '\n';
        }
        return true;
    };
    // Ctrl-C, SIGTERM or SIGUSR1: stop at the next iteration, write nothing (stopsignals.h).
    auto stopSignals = std::make_unique<StopSignals>(g_stopRequested);
    ReconstructionResult result;
    try {
        result = runReconstruction(request, onProgress);
    } catch (const std::invalid_argument &e) {
        stopSignals.reset();
        bar.finishLine();
        throw UsageError(e.what()); // the data spec, say
    } catch (...) {
        stopSignals.reset();
        bar.finishLine();
        throw;
    }
    stopSignals.reset();
    bar.finishLine();
    if (result.stopped) {
        std::cerr << "ptq: stopped; nothing written\n";
        return 130;
    }
    if (format == "json") {
        out << reconstructionJson(request, result) << '\n';
        return 0;
    }
    out << "wrote " << result.checkpoint << " (" << request.method << ", " << request.scheme << " W"
        << request.wbits
        << (request.abits ? "A" + std::to_string(request.abits) : std::string(" weights only")) << ") and "
        << result.sidecar << " in " << formatDuration(result.seconds) << '\n';
    for (const auto &u : result.units)
        out << "  " << std::left << std::setw(18) << u.unit << " loss nearest " << formatNumber(u.nearestLoss)
            << " -> " << formatNumber(u.finalLoss) << '\n';
    if (result.testImages > 0)
        out << "top-1 on " << result.testImages << " test images: before " << percent(result.top1Before)
            << ", after " << percent(result.top1After) << '\n';
    return 0;
}

} // namespace qs::cli
