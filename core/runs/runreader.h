#pragma once
// Reading run directories (config.ini + metrics.jsonl) while they grow, and the comparison table of several
// runs (the seed paper's Tables 1-3). Torch-free: the GUI follows runs with it, the CLI compares them.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qs {

// One metrics.jsonl line: its scalar fields. Nested arrays/objects are kept as raw JSON text.
struct MetricsRecord
{
    std::string type;
    std::map<std::string, double> numbers; // "NaN"/"Infinity" strings are read back as numbers
    std::map<std::string, std::string> strings;
    std::map<std::string, std::string> nested;
    double number(const std::string &key, double fallback) const;
};

// Parses one line; throws std::invalid_argument when it is not a JSON object.
MetricsRecord parseMetricsLine(const std::string &line);
// A nested value (MetricsRecord::nested) read as an array of flat objects, numbers ("NaN"/"Infinity" strings
// as numbers) or strings. Throw std::invalid_argument when it is not such an array.
std::vector<MetricsRecord> parseRecordArray(const std::string &json);
std::vector<double> parseNumberArray(const std::string &json);
std::vector<std::string> parseStringArray(const std::string &json);

// Follows RUNDIR/metrics.jsonl: each poll() returns the records of the lines completed since the last poll. A
// last line without its newline (the writer is mid-write, or the file was copied mid-write) waits for the
// next poll.
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

// Throws std::runtime_error with one line naming the directory when it holds no readable run.
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
