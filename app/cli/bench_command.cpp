#include "argparse.h"
#include "commands.h"

#include "core/io/json.h"
#include "core/quant/methods.h"
#include "core/train/trainer.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace qs::cli {

int runBenchCommand(const std::vector<std::string> &args, std::ostream &out)
{
    if (args.empty() || args[0] != "train-step")
        throw UsageError("bench: expected 'bench train-step ...'");
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
