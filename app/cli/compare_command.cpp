#include "argparse.h"
#include "commands.h"

#include "core/runs/runreader.h"

#include <iostream>

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
    bool damaged = false;
    for (const auto &dir : dirs) {
        RunSummary summary = summarizeRun(dir); // no metrics.jsonl: one line, exit 1
        // A damaged file is named with its first bad line, one line per file; its bad lines are left out of
        // the table, and a run with no valid record is not tabulated as zeros.
        for (const auto &problem : summary.problems)
            std::cerr << "quantscope-cli: compare: " << problem << '\n';
        damaged = damaged || !summary.problems.empty();
        if (summary.records > 0)
            runs.push_back(std::move(summary));
    }
    out << formatRunTable(runs, format == "csv"     ? TableFormat::Csv
                                : format == "latex" ? TableFormat::Latex
                                                    : TableFormat::Markdown);
    return damaged ? 1 : 0;
}

} // namespace qs::cli
