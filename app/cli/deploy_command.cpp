// quantscope-cli deploy: a quantized ResNet as integer-only C for a host or a Cortex-M
// (core/deploy/deploy.h).

#include "argparse.h"
#include "commands.h"

#include "core/deploy/deploy.h"
#include "core/io/json.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iomanip>
#include <sstream>

namespace qs::cli {

int runDeployCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("deploy", {"weights", "out", "scheme", "wbits", "abits", "verify", "count", "format"},
                     {"plan-only"});
    parser.parse(args);
    DeployOptions options;
    options.weights = parser.required("weights");
    if (parser.has("scheme"))
        options.scheme = parser.choice("scheme", {"uniform", "pot", "apot"}, "apot");
    options.wbits = parser.intValue("wbits", 0, 1, 8);
    options.abits = parser.intValue("abits", 0, 1, 8);
    const std::string format = parser.choice("format", {"md", "json"}, "md");
    const bool planOnly = parser.flag("plan-only");
    if (!planOnly && !parser.has("out"))
        throw UsageError("deploy: missing required option --out DIR (or --plan-only)");
    if (planOnly && parser.has("verify"))
        throw UsageError("deploy: --verify needs the C files: drop --plan-only");
    const int count = parser.intValue("count", 1000, 1, 1000000);

    const DeployPlan plan =
        planOnly ? planDeployment(options) : writeDeployment(options, parser.required("out"));
    Json report = Json::parse(deployPlanJson(plan));
    if (format == "md") {
        out << deployTableMarkdown(plan) << "\nflash: " << plan.weightBytes + plan.parameterBytes
            << " B (weights " << plan.weightBytes << ", parameters " << plan.parameterBytes
            << "; float32 weights " << plan.floatWeightBytes << "), activation arena " << plan.arenaBytes
            << " B\n";
        for (const auto &note : plan.notes)
            out << "note: " << note << '\n';
    }
    if (!planOnly && format == "md")
        out << "wrote " << parser.required("out") << " (make -C " << parser.required("out")
            << " host | cortex-m)\n";

    if (parser.has("verify")) {
        const std::string dir = parser.required("out");
        const auto reference = deployReference(options, parser.required("verify"), count,
                                               (std::filesystem::path(dir) / "verify_images.bin").string());
        const auto check = checkDeployment(dir, reference);
        report["verify"] = {{"images", check.images},
                            {"agreement", check.agreement},
                            {"app_top1", check.appTop1},
                            {"c_top1", check.cTop1},
                            {"max_logit_difference", check.maxLogitDifference}};
        if (format == "md") {
            std::ostringstream line;
            line << std::fixed << std::setprecision(2) << "verify: " << check.images
                 << " images, C agrees with the app on " << check.agreement << " %; top-1 app "
                 << check.appTop1 << " %, C " << check.cTop1 << " %; largest logit difference "
                 << std::setprecision(6) << check.maxLogitDifference << '\n';
            out << line.str();
        }
    }
    if (format == "json")
        out << jsonText(report) << '\n';
    return 0;
}

} // namespace qs::cli
