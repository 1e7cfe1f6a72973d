#include "argparse.h"
#include "commands.h"

#include "core/runs/runreader.h"

namespace qs::cli {

int runCompareCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("compare", {"format"}, {}, {"runs"});
    parser.parse(args);
    const auto dirs = parser.values("runs");
    if (dirs.empty())
        throw UsageError("compare: give --runs RUNDIR [RUNDIR ...]");
    const auto format = parser.choice("format", {"md", "csv", "latex"}, "md");
    std::vector<RunSummary> runs;
    for (const auto &dir : dirs)
        runs.push_back(summarizeRun(dir)); // an unreadable directory: one line, exit 1
    out << formatRunTable(runs, format == "csv"     ? TableFormat::Csv
                                : format == "latex" ? TableFormat::Latex
                                                    : TableFormat::Markdown);
    return 0;
}

} // namespace qs::cli
