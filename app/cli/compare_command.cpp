#include "argparse.h"
#include "commands.h"

#include "core/runs/runreader.h"
#include "core/runs/trials.h"

#include <iostream>

namespace qs::cli {

int runCompareCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("compare", {"format"}, {"group-trials"}, {"runs"});
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
    const TableFormat table = format == "csv"     ? TableFormat::Csv
                              : format == "latex" ? TableFormat::Latex
                                                  : TableFormat::Markdown;
    if (parser.flag("group-trials")) {
        // Runs whose config.ini differ only in seed (and machine paths) are one row: mean ± sample std.
        std::vector<std::map<std::string, std::string>> configs;
        for (const auto &r : runs)
            configs.push_back(r.config);
        out << formatTrialTable(runs, groupTrials(configs), table);
    } else {
        out << formatRunTable(runs, table);
    }
    return damaged ? 1 : 0;
}

} // namespace qs::cli
