#include "argparse.h"
#include "commands.h"
#include "format.h"

#include "core/io/json.h"
#include "core/quant/levels.h"
#include "core/quant/methods.h"

#include <nlohmann/json.hpp>

namespace qs::cli {

int runLevelsCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("levels", {"scheme", "bits", "format"}, {"signed", "no-zero"});
    parser.parse(args);
    // The grid schemes, and the methods with a fixed grid of their own (ewgs: the official QConv's).
    std::vector<std::string> schemes = {"uniform", "pot", "apot"};
    for (const auto &method : quantMethods())
        if (method.levels)
            schemes.push_back(method.name);
    const std::string schemeArg = parser.choice("scheme", schemes, parser.required("scheme"));
    const int bits = parser.intValue("bits", 0, 1, 64);
    const bool isSigned = parser.flag("signed");
    // --no-zero: the signed grid without its zero level (LevelSpec::zeroLevel).
    const bool zeroLevel = !parser.flag("no-zero");
    if (!parser.has("bits"))
        throw UsageError("levels: missing required option --bits");
    const std::string format = parser.choice("format", {"json", "csv"}, "json");
    std::vector<double> levels;
    if (const auto scheme = parseScheme(schemeArg)) {
        const LevelSpec spec{*scheme, bits, isSigned, zeroLevel};
        if (auto why = checkLevelSpec(spec))
            throw UsageError("levels: " + *why);
        levels = levelSet(spec);
    } else {
        if (!zeroLevel)
            throw UsageError("levels: --no-zero is for the uniform, pot and apot grids (" + schemeArg +
                             " has no zero level to remove)");
        try {
            levels = quantMethod(schemeArg).levels(bits, isSigned);
        } catch (const std::invalid_argument &e) {
            throw UsageError("levels: " + std::string(e.what()));
        }
    }
    if (format == "csv") {
        out << "index,level\n";
        for (size_t i = 0; i < levels.size(); ++i)
            out << i << ',' << formatNumber(levels[i]) << '\n';
        return 0;
    }
    const Json json{{"scheme", schemeArg},
                    {"bits", bits},
                    {"signed", isSigned},
                    {"zero_level", zeroLevel && parseScheme(schemeArg).has_value()},
                    {"levels", levels}};
    out << jsonText(json) << '\n';
    return 0;
}

} // namespace qs::cli
