#include "argparse.h"
#include "commands.h"
#include "format.h"

#include "core/io/json.h"
#include "core/quant/levels.h"

#include <nlohmann/json.hpp>

namespace qs::cli {

int runLevelsCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("levels", {"scheme", "bits", "format"}, {"signed", "no-zero"});
    parser.parse(args);
    const auto scheme =
        parseScheme(parser.choice("scheme", {"uniform", "pot", "apot"}, parser.required("scheme")));
    // --no-zero: the signed grid without its zero level (LevelSpec::zeroLevel).
    LevelSpec spec{*scheme, parser.intValue("bits", 0, 1, 64), parser.flag("signed"),
                   !parser.flag("no-zero")};
    if (!parser.has("bits"))
        throw UsageError("levels: missing required option --bits");
    const std::string format = parser.choice("format", {"json", "csv"}, "json");
    if (auto why = checkLevelSpec(spec))
        throw UsageError("levels: " + *why);

    const auto levels = levelSet(spec);
    if (format == "csv") {
        out << "index,level\n";
        for (size_t i = 0; i < levels.size(); ++i)
            out << i << ',' << formatNumber(levels[i]) << '\n';
        return 0;
    }
    const Json json{{"scheme", schemeName(spec.scheme)},
                    {"bits", spec.bits},
                    {"signed", spec.isSigned},
                    {"zero_level", spec.zeroLevel},
                    {"levels", levels}};
    out << jsonText(json) << '\n';
    return 0;
}

} // namespace qs::cli
