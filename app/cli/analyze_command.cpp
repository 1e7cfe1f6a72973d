#include "argparse.h"
#include "commands.h"

#include "core/analysis/analysis.h"
#include "core/io/json.h"

#include <nlohmann/json.hpp>

namespace qs::cli {

int runAnalyzeCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("analyze", {"weights", "scheme", "bits", "alpha", "alpha-search", "format"},
                     {"no-zero"});
    parser.parse(args);
    AnalyzeRequest req;
    req.weights = parser.required("weights");
    req.scheme = *parseScheme(parser.choice("scheme", {"uniform", "pot", "apot"}, parser.required("scheme")));
    if (!parser.has("bits"))
        throw UsageError("analyze: missing required option --bits");
    req.bits = parser.intValue("bits", 4, 1, 64);
    req.zeroLevel = !parser.flag("no-zero");
    if (auto why = checkLevelSpec({req.scheme, req.bits, true, req.zeroLevel}))
        throw UsageError("analyze: " + *why);
    if (parser.has("alpha") && parser.has("alpha-search"))
        throw UsageError("analyze: give --alpha or --alpha-search, not both");
    if (parser.has("alpha")) {
        req.alpha = parser.doubleValue("alpha", 3.0);
        if (!(*req.alpha > 0))
            throw UsageError("analyze: --alpha must be positive");
    }
    if (parser.has("alpha-search")) {
        parser.choice("alpha-search", {"mse"}, "mse");
        req.alphaSearch = true;
    }
    const auto format = parser.choice("format", {"json", "text"}, "json");
    const auto layers = analyzeWeights(req);
    if (format == "text") {
        for (const auto &l : layers)
            out << l.name << ": numel " << l.numel << ", alpha " << l.alpha << " (" << l.alphaSource
                << "), MSE " << l.mse << ", SQNR " << l.sqnrDb << " dB\n";
        return 0;
    }
    // SQNR is infinite when every weight sits on a level: written "Infinity" (core/io/json.h).
    Json json{{"scheme", schemeName(req.scheme)},
              {"bits", req.bits},
              {"zero_level", req.zeroLevel},
              {"layers", Json::array()}};
    for (const auto &l : layers)
        json["layers"].push_back(Json{{"name", l.name},
                                      {"shape", l.shape},
                                      {"numel", l.numel},
                                      {"mean", l.mean},
                                      {"std", l.std},
                                      {"alpha", l.alpha},
                                      {"alpha_source", l.alphaSource},
                                      {"mse", l.mse},
                                      {"sqnr_db", l.sqnrDb},
                                      {"levels", l.levels},
                                      {"counts", l.counts}});
    out << jsonText(json) << '\n';
    return 0;
}

} // namespace qs::cli
