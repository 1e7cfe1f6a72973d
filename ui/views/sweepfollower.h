#pragma once
// A sweep directory followed as it runs: sweep.json (core/sweep/sweepmanifest.h) names one run directory per
// grid point; each is followed into its state (core/sweep/sweepstate.h: pending, running, stopped, finished,
// failed), its epochs done of those configured, and its latest and best test top-1, read from its
// metrics.jsonl (MetricsFollower: only what was appended since the last poll, and only for files whose size
// or time changed). Rows of the
// sweep table group the runs by a choice of the grid's keys, with the runs differing only in the other keys
// (the seed, by default) aggregated as mean ± sample standard deviation. No widgets: the Runs tab's sweep
// panel shows it, the tests check it.

#include "core/runs/runhistory.h"
#include "core/runs/trials.h"
#include "core/sweep/sweepmanifest.h"
#include "core/sweep/sweepstate.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qs::ui {

inline constexpr int kSweepRunStates = 5; // qs::SweepRunState's values

// What the sweep table shows of one run: its state as core/sweep/sweepstate.h judges it (so the table and
// `quantscope-cli compare --sweep` agree), and its progress from the records of its metrics.jsonl.
struct SweepRunProgress
{
    SweepRunState state = SweepRunState::Pending;
    std::string detail;        // sweepRunStatus's line: the running task, the error, the divergence
    int64_t epochsDone = 0;    // epochs with a test evaluation
    int64_t epochsPlanned = 0; // config.ini's "epochs"; 0 while unknown
    std::optional<double> latestTop1, bestTop1; // test top-1 (%) of the last epoch, and the best epoch
    std::string problem;                        // a damaged metrics.jsonl, one line; empty when none
};

// One row of the sweep table: the runs that share `values` for the grouped keys.
struct SweepRow
{
    std::vector<std::string> values;           // one per grouped key, in axis order
    std::vector<size_t> members;               // run indices, in manifest order
    std::array<int, kSweepRunStates> states{}; // how many members are in each state
    int64_t epochsDone = 0, epochsPlanned = 0; // summed over the members
    MeanStd latestTop1, bestTop1;              // over the members with at least one epoch
};

// Rows for `groupKeys` (a subset of the manifest's axis keys; others are aggregated over), in the order each
// combination first appears in the manifest.
std::vector<SweepRow> groupSweepRuns(const SweepManifest &manifest,
                                     const std::vector<SweepRunProgress> &status,
                                     const std::vector<std::string> &groupKeys);

// A run's or a row's grid settings as a short label for lists and legends: a number with its key ("wbits=2"),
// a name alone ("apot"): "apot wbits=2 seed=1"; a coupled axis ("preset+init" = "P|fp/best.qsckpt") key by
// key.
std::string settingsLabel(const std::vector<std::pair<std::string, std::string>> &settings);

class SweepFollower
{
public:
    // Reads DIRECTORY/sweep.json; throws qs::Error (one line) when it is missing or damaged.
    explicit SweepFollower(const std::string &directory);
    ~SweepFollower();
    SweepFollower(const SweepFollower &) = delete;
    SweepFollower &operator=(const SweepFollower &) = delete;

    const std::string &directory() const { return m_directory; }
    const SweepManifest &manifest() const { return m_manifest; }
    size_t size() const { return m_manifest.runs.size(); }
    std::string runDirectory(size_t index) const; // the sweep directory joined with the run's directory
    std::string runLabel(size_t index) const;     // "apot wbits=2 seed=1" (settingsLabel)
    const SweepRunProgress &status(size_t index) const { return m_status[index]; }
    const std::vector<SweepRunProgress> &statuses() const { return m_status; }

    // Reads what is new in every run whose files (metrics.jsonl, config.ini, the task's lock or error file)
    // changed in size or time since the last poll; a running run's state is asked again every poll (its task
    // may have died: that reads no more than its lock). True when a status changed.
    bool poll();
    // How many metrics.jsonl files the last poll read (0 when nothing changed): the tests check it is cheap.
    int lastPollReads() const { return m_lastReads; }

private:
    struct Followed;
    std::string m_directory;
    SweepManifest m_manifest;
    std::vector<std::unique_ptr<Followed>> m_runs;
    std::vector<SweepRunProgress> m_status;
    int m_lastReads = 0;
    bool m_first = true;
};

} // namespace qs::ui
