#pragma once
// Reading run directories (config.ini + metrics.jsonl) while they grow, and the comparison table of several
// runs (the seed paper's Tables 1-3). Torch-free: the GUI follows runs with it, the CLI compares them.

#include "core/runs/schema.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qs {

// Follows RUNDIR/metrics.jsonl: each poll() returns the records of the lines completed since the last poll. A
// last line without its newline (the writer is mid-write, or the file was copied mid-write) waits for the
// next poll; a line that is not a record (parseMetricsLine throws) is counted and skipped.
class MetricsFollower
{
public:
    explicit MetricsFollower(std::string runDir);
    std::vector<MetricsRecord> poll();
    int64_t malformedLines() const { return m_malformed; }

private:
    std::string m_path;
    uint64_t m_offset = 0;
    std::string m_partial;
    int64_t m_malformed = 0;
};

struct RunSummary
{
    std::string dir, label; // label: method, backward and bits from config.ini
    std::map<std::string, std::string> config;
    int64_t epochs = 0, steps = 0;
    double finalTop1 = 0, bestTop1 = 0, finalTrainLoss = 0;
    bool diverged = false;
    int64_t divergedAtStep = -1;
    std::string divergenceReason;
};

// Throws qs::Error with one line naming the directory when it holds no readable run.
RunSummary summarizeRun(const std::string &runDir);
// RUNDIR/config.ini as key -> value (empty when unreadable).
std::map<std::string, std::string> readRunConfig(const std::string &runDir);
// "apot+EWGS W2A2" (", δ=2 fixed" for a fixed-delta EWGS run); `fallback` when the config names no method.
std::string runLabel(const std::map<std::string, std::string> &config, const std::string &fallback);

enum class TableFormat
{
    Csv,
    Markdown,
    Latex
};
std::string formatRunTable(const std::vector<RunSummary> &runs, TableFormat format);

} // namespace qs
