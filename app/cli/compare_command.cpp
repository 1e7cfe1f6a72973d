#include "argparse.h"
#include "commands.h"

#include "core/runs/runreader.h"
#include "core/runs/trials.h"
#include "core/sweep/sweepmanifest.h"
#include "core/sweep/sweepstate.h"

#include <iostream>

namespace qs::cli {

namespace {

TableFormat tableFormat(const std::string &format)
{
    return format == "csv"     ? TableFormat::Csv
           : format == "latex" ? TableFormat::Latex
                               : TableFormat::Markdown;
}

// A sweep's table: one row per point of the grid without its seed axis, the seeds' trials as mean ± sample
// std (core/runs/trials.h), labelled by the grid's settings. Runs with no record yet are counted on stderr.
int compareSweep(const std::string &dir, const std::string &format, std::ostream &out)
{
    const SweepManifest manifest = readSweepManifest(dir); // one line naming the file, exit 1
    std::vector<RunSummary> runs;
    std::vector<std::string> groupKeys; // the settings without the seed, per tabulated run
    std::vector<std::string> waiting;
    bool damaged = false;
    for (const auto &run : manifest.runs) {
        const std::string runDir = dir + "/" + run.directory;
        std::string key, label;
        for (const auto &[k, v] : run.settings)
            if (k != "seed")
                key += k + "=" + v + "\n";
        // A coupled axis ("preset+init" = "A|a") reads as "preset=A init=a" (no '|' in a Markdown cell).
        for (const auto &[k, v] : expandSweepSettings(run.settings))
            if (k != "seed")
                label += (label.empty() ? "" : " ") + k + "=" + v;
        if (label.empty())
            label = "all seeds";
        RunSummary summary;
        try {
            summary = summarizeRun(runDir);
        } catch (const std::exception &) {
            waiting.push_back(run.directory + " (" + sweepRunStateName(sweepRunState(dir, run)) + ")");
            continue;
        }
        for (const auto &problem : summary.problems)
            std::cerr << "quantscope-cli: compare: " << problem << '\n';
        damaged = damaged || !summary.problems.empty();
        if (summary.records == 0)
            continue;
        summary.label = label;
        runs.push_back(std::move(summary));
        groupKeys.push_back(key);
    }
    if (!waiting.empty()) {
        std::string names;
        for (size_t i = 0; i < waiting.size() && i < 3; ++i)
            names += (i ? ", " : "") + waiting[i];
        std::cerr << "quantscope-cli: compare: " << dir << ": " << waiting.size() << " of "
                  << manifest.runs.size() << " runs have no records yet: " << names
                  << (waiting.size() > 3 ? ", ..." : "") << '\n';
    }
    // Groups in the order of their first run (the grid's order), members in grid order.
    std::vector<TrialGroup> groups;
    std::map<std::string, size_t> groupOf;
    for (size_t i = 0; i < runs.size(); ++i) {
        auto [it, added] = groupOf.emplace(groupKeys[i], groups.size());
        if (added)
            groups.emplace_back();
        TrialGroup &g = groups[it->second];
        g.members.push_back(i);
        const auto seed = runs[i].config.find("seed");
        g.seeds.push_back(seed == runs[i].config.end() ? std::string() : seed->second);
    }
    out << formatTrialTable(runs, groups, tableFormat(format));
    return damaged ? 1 : 0;
}

} // namespace

int runCompareCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("compare", {"format", "sweep"}, {"group-trials"}, {"runs"});
    parser.parse(args);
    const auto format = parser.choice("format", {"md", "csv", "latex"}, "md");
    if (parser.has("sweep")) {
        if (parser.has("runs") || parser.flag("group-trials"))
            throw UsageError(
                "compare: --sweep DIR takes no --runs or --group-trials (it groups by the grid)");
        return compareSweep(parser.value("sweep"), format, out);
    }
    const auto dirs = parser.values("runs");
    if (dirs.empty())
        throw UsageError("compare: give --runs RUNDIR [RUNDIR ...] or --sweep DIR");
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
