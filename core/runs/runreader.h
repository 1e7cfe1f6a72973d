#pragma once
// Reading run directories (config.ini + metrics.jsonl) while they grow, and the comparison table of several
// runs (the seed paper's Tables 1-3). Torch-free: the GUI follows runs with it, the CLI compares them.

#include "core/runs/schema.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qs {

// A damaged metrics.jsonl or config.ini line: its 1-based number and what is wrong with it, one line.
struct LineProblem
{
    int64_t line = 0;
    std::string what; // e.g. "\"epoch\" 1e+308 is not an integer in range"
};

// The checks every record read from a file passes, beyond its JSON types (parseMetricsLine): steps, epochs
// and counts not negative, accuracies in [0, 100], losses, learning rates and times not negative. Empty, or
// what is wrong in one line.
std::optional<std::string> checkMetricsRecord(const MetricsRecord &record);

// One line for one damaged file: "PATH: line 17: \"epoch\" 1e+308 is not an integer in range" with
// "(and N more damaged lines)" when there are more. Empty when `problems` is.
std::string damageLine(const std::string &path, const std::vector<LineProblem> &problems, int64_t count);

// Follows RUNDIR/metrics.jsonl: each poll() returns the records of the lines completed since the last poll. A
// last line without its newline (the writer is mid-write, or the file was copied mid-write) waits for the
// next poll; a line that is not a record (parseMetricsLine throws) or fails checkMetricsRecord is counted,
// kept in problems() with its line number, and skipped.
class MetricsFollower
{
public:
    explicit MetricsFollower(std::string runDir);
    std::vector<MetricsRecord> poll();
    int64_t malformedLines() const { return m_malformed; }
    const std::vector<LineProblem> &problems() const { return m_problems; } // the first 100
    const std::string &path() const { return m_path; }
    // The text after the last newline (empty when the file ends with one), and its line number.
    const std::string &pendingLine() const { return m_partial; }
    int64_t pendingLineNumber() const { return m_lines + 1; }

private:
    std::string m_path;
    uint64_t m_offset = 0;
    std::string m_partial;
    int64_t m_malformed = 0, m_lines = 0;
    std::vector<LineProblem> m_problems;
};

struct RunSummary
{
    std::string dir, label; // label: method, backward and bits from config.ini, control characters replaced
    std::map<std::string, std::string> config;
    int64_t epochs = 0, steps = 0;
    double finalTop1 = 0, bestTop1 = 0, finalTrainLoss = 0;
    bool diverged = false;
    int64_t divergedAtStep = -1;
    std::string divergenceReason;
    int64_t records = 0; // valid records read; 0: nothing to tabulate (the run is reported, not shown)
    // One line per damaged file (damageLine), and "DIR/metrics.jsonl: no valid record" when records is 0.
    std::vector<std::string> problems;
};

// Throws qs::Error with one line naming the directory when it holds no metrics.jsonl. Damaged lines are
// skipped and reported in `problems`, never read as zeros.
RunSummary summarizeRun(const std::string &runDir);
// RUNDIR/config.ini as key -> value (empty when unreadable).
std::map<std::string, std::string> readRunConfig(const std::string &runDir);
// "apot+EWGS W2A2" (", δ=2 fixed" for a fixed-delta EWGS run); `fallback` when the config names no method.
// Control characters (NUL, newlines, escapes from a damaged file) become '?', and it is cut at 80 bytes.
std::string runLabel(const std::map<std::string, std::string> &config, const std::string &fallback);

enum class TableFormat
{
    Csv,
    Markdown,
    Latex
};
// Csv and Markdown: the directory, then the label and the numbers. Latex: a booktabs tabular (\toprule,
// \midrule, \bottomrule) whose first column is the label, escaped (needs \usepackage{booktabs}).
std::string formatRunTable(const std::vector<RunSummary> &runs, TableFormat format);
// A table cell: v with `digits` decimals; "NaN", "inf" or "-inf" when not finite.
std::string fixedDecimals(double v, int digits);
// TEXT for a LaTeX table cell: _ % & # $ { } \ ~ ^ escaped, δ and ± as math.
std::string latexEscape(const std::string &text);
// TEXT as one CSV field (quoted when it holds a comma, quote or newline).
std::string csvField(const std::string &text);

} // namespace qs
