#include "argparse.h"
#include "commands.h"

#include "core/io/json.h"
#include "core/quant/methods.h"
#include "core/train/trainer.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace qs::cli {

namespace {

double rounded(double v, double unit)
{
    return std::round(v / unit) * unit;
}

// One EWGS delta update, timed: the update's seconds, one training step's, and the deltas of each layer.
int runEwgsUpdateBench(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("bench ewgs-update",
                     {"arch", "quant", "bits", "batch", "batches", "threads", "estimator", "exact-mode",
                      "stop", "max-iter", "tol", "seed"},
                     {});
    parser.parse(args);
    EwgsUpdateBenchRequest req;
    req.depth = std::stoi(
        parser.choice("arch", {"resnet20", "resnet32", "resnet44", "resnet56"}, "resnet20").substr(6));
    req.quant = parser.choice("quant", quantMethodNames(), "apot");
    req.bits = parser.intValue("bits", 2, 1, 8);
    req.batch = parser.intValue("batch", 128, 2, 4096);
    req.batches = parser.intValue("batches", 3, 1, 1000);
    req.threads = parser.intValue("threads", 0, 0, 1024);
    // fast: finite-difference products, joint; exact: double backward, per-tensor as the reference (or joint)
    const std::string estimator = parser.choice("estimator", {"exact", "fast"}, "fast");
    const std::string exactMode = parser.choice("exact-mode", {"per-tensor", "joint"}, "per-tensor");
    if (estimator == "fast" && parser.has("exact-mode"))
        throw UsageError("bench ewgs-update: --exact-mode applies to --estimator exact only");
    req.mode = estimator == "fast" ? "finite-difference" : exactMode;
    req.referenceStop = parser.choice("stop", {"abs", "reference"}, "abs") == "reference";
    req.maxIterations = parser.intValue("max-iter", 50, 1, 100000);
    req.tolerance = parser.doubleValue("tol", 1e-3);
    if (!(req.tolerance >= 0) || !std::isfinite(req.tolerance))
        throw UsageError("bench ewgs-update: --tol must be a finite number >= 0");
    req.seed = uint64_t(parser.intValue("seed", 0, 0, 1 << 30));
    EwgsUpdateBenchResult r;
    try {
        r = benchEwgsUpdate(req);
    } catch (const std::runtime_error &e) {
        throw UsageError(std::string("bench: ") + e.what());
    }
    Json layers = Json::array();
    for (size_t i = 0; i < r.layers.size(); ++i)
        layers.push_back({{"layer", r.layers[i]},
                          {"delta_w", r.deltaW[i]},
                          {"delta_w_unclipped", r.deltaWUnclipped[i]},
                          {"delta_w_se", r.deltaWError[i]},
                          {"delta_a", r.deltaA[i]},
                          {"delta_a_unclipped", r.deltaAUnclipped[i]},
                          {"delta_a_se", r.deltaAError[i]}});
    const Json json{{"update_seconds", rounded(r.updateSeconds, 0.001)},
                    {"step_seconds", rounded(r.stepSeconds, 0.0001)},
                    {"update_in_steps", rounded(r.updateSeconds / r.stepSeconds, 0.1)},
                    {"hessian_vector_products", r.products},
                    {"estimator", estimator},
                    {"hutchinson_mode", req.mode},
                    {"stop", req.referenceStop ? "reference" : "abs"},
                    {"max_iter", req.maxIterations},
                    {"tol", req.tolerance},
                    {"threads", r.threads},
                    {"arch", "resnet" + std::to_string(req.depth)},
                    {"quant", req.quant},
                    {"bits", req.bits},
                    {"batch", req.batch},
                    {"batches", req.batches},
                    {"layers", layers}};
    out << jsonText(json) << '\n';
    return 0;
}

} // namespace

int runBenchCommand(const std::vector<std::string> &args, std::ostream &out)
{
    if (!args.empty() && args[0] == "ewgs-update")
        return runEwgsUpdateBench({args.begin() + 1, args.end()}, out);
    if (args.empty() || args[0] != "train-step")
        throw UsageError("bench: expected 'bench train-step ...' or 'bench ewgs-update ...'");
    ArgParser parser("bench train-step", {"arch", "quant", "bits", "batch", "steps", "threads", "image-size"},
                     {"ewgs"});
    parser.parse({args.begin() + 1, args.end()});
    TrainStepBenchRequest req;
    req.depth = std::stoi(
        parser.choice("arch", {"resnet20", "resnet32", "resnet44", "resnet56"}, "resnet20").substr(6));
    req.quant = parser.choice("quant", quantMethodNames(), "fp");
    req.bits = parser.intValue("bits", 4, 1, 8);
    req.ewgs = parser.flag("ewgs");
    req.batch = parser.intValue("batch", 128, 1, 4096);
    req.steps = parser.intValue("steps", 20, 1, 100000);
    req.threads = parser.intValue("threads", 0, 0, 1024);
    req.imageSize = parser.intValue("image-size", 32, 8, 256);
    TrainStepBenchResult r;
    try {
        r = benchTrainStep(req);
    } catch (const std::runtime_error &e) {
        throw UsageError(std::string("bench: ") + e.what());
    }
    const Json json{{"images_per_second", std::round(r.imagesPerSecond * 10) / 10},
                    {"ms_per_step", std::round(r.msPerStep * 100) / 100},
                    {"threads", r.threads},
                    {"arch", "resnet" + std::to_string(req.depth)},
                    {"quant", req.quant},
                    {"bits", req.bits},
                    {"ewgs", req.ewgs},
                    {"batch", req.batch}};
    out << jsonText(json) << '\n';
    return 0;
}

} // namespace qs::cli
