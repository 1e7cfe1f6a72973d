#include "argparse.h"
#include "commands.h"
#include "format.h"

#include "core/analysis/analysis.h"

namespace qs::cli {

int runAnalyzeCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("analyze", {"weights", "scheme", "bits", "alpha", "alpha-search", "format"}, {});
    parser.parse(args);
    AnalyzeRequest req;
    req.weights = parser.required("weights");
    req.scheme = *parseScheme(parser.choice("scheme", {"uniform", "pot", "apot"}, parser.required("scheme")));
    if (!parser.has("bits"))
        throw UsageError("analyze: missing required option --bits");
    req.bits = parser.intValue("bits", 4, 1, 64);
    if (auto why = checkLevelSpec({req.scheme, req.bits, true}))
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
    auto list = [&](const auto &v) {
        out << '[';
        for (size_t i = 0; i < v.size(); ++i)
            out << (i ? ", " : "") << formatNumber(double(v[i]));
        out << ']';
    };
    out << "{\"scheme\": \"" << schemeName(req.scheme) << "\", \"bits\": " << req.bits << ", \"layers\": [";
    for (size_t i = 0; i < layers.size(); ++i) {
        const auto &l = layers[i];
        out << (i ? ",\n  " : "\n  ") << "{\"name\": \"" << l.name << "\", \"shape\": ";
        list(l.shape);
        out << ", \"numel\": " << l.numel << ", \"mean\": " << formatNumber(l.mean)
            << ", \"std\": " << formatNumber(l.std) << ", \"alpha\": " << formatNumber(l.alpha)
            << ", \"alpha_source\": \"" << l.alphaSource << "\", \"mse\": " << formatNumber(l.mse)
            << ", \"sqnr_db\": " << formatNumber(l.sqnrDb) << ", \"levels\": ";
        list(l.levels);
        out << ", \"counts\": ";
        list(l.counts);
        out << '}';
    }
    out << "\n]}\n";
    return 0;
}

} // namespace qs::cli
