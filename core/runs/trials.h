#pragma once
// Trials: runs of one recipe that differ only in their seed (the seed paper's Table 3 is three trials of APoT
// W2A2 + EWGS, presets seed-table3-trial{1,2,3}). Grouped from their config.ini, summarized as mean ± sample
// standard deviation. Torch-free: the Runs tab and `quantscope-cli compare --group-trials` use it.

#include "core/runs/runreader.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace qs {

// Whether two runs with configs differing in `key` can still be trials of one recipe: `seed`, and keys that
// name a machine's files or resources rather than the experiment (`init`: compared as set/unset; `dataset`:
// compared by its kind, the part before ':'; `threads`, `log_every`).
bool isTrialInvariantKey(const std::string &key);

// The config a trial is compared by: every key but `seed`, with the path keys reduced as above.
std::map<std::string, std::string> trialRecipe(const std::map<std::string, std::string> &config);

struct TrialGroup
{
    std::vector<size_t> members;    // indices into the input, in input order
    std::vector<std::string> seeds; // each member's seed ("" when its config has none)
};

// Groups runs whose trialRecipe() is equal, in the order each group's first member appears. A run without a
// readable config (empty map) is a group of its own.
std::vector<TrialGroup> groupTrials(const std::vector<std::map<std::string, std::string>> &configs);

// Mean and sample standard deviation (divisor n - 1; 0 for a single value) of the finite values.
struct MeanStd
{
    double mean = 0, std = 0;
    int n = 0;
};
MeanStd meanStd(const std::vector<double> &values);

// One row per group: its label (the first member's, or "LABEL (n trials)"), trials, final and best top-1 and
// final train loss as mean ± sample std over the members, and how many of them diverged. Csv gives mean and
// std in separate columns. `runs` must hold a summary for every index the groups name.
std::string formatTrialTable(const std::vector<RunSummary> &runs, const std::vector<TrialGroup> &groups,
                             TableFormat format);

} // namespace qs
