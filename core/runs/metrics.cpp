#include "core/runs/metrics.h"

#include "core/error.h"

#include <filesystem>

namespace qs {

MetricsWriter::MetricsWriter(const std::string &path) : m_file(path) {}

void MetricsWriter::write(const MetricsRecord &record)
{
    m_file.append(metricsLine(record) + "\n");
}

namespace {

// True when a record at the checkpoint's own step was written before the checkpoint was taken: the step
// itself, its epoch's end ("epoch", "layers", then last.qsckpt), the stop that wrote the checkpoint, and the
// start of the run. Everything else at that step (an EWGS update at the next batch's start, a divergence,
// a rollback, "done", a resume that got no further) comes after it and is written again on resume.
bool writtenBeforeCheckpoint(const MetricsRecord &record)
{
    return std::holds_alternative<StepSample>(record) || std::holds_alternative<EpochSample>(record) ||
           std::holds_alternative<LayersRecord>(record) || std::holds_alternative<StopRecord>(record) ||
           (std::holds_alternative<StartRecord>(record) && !std::get<StartRecord>(record).resume);
}

} // namespace

int64_t dropRecordsAfterCheckpoint(const std::string &metricsPath, int64_t checkpointStep)
{
    if (!std::filesystem::exists(metricsPath))
        return 0;
    const std::string text = readWholeFile(metricsPath);
    std::string kept;
    kept.reserve(text.size());
    int64_t dropped = 0;
    size_t start = 0;
    while (start < text.size()) {
        const size_t newline = text.find('\n', start);
        if (newline == std::string::npos) { // a half-written last line (the writer was killed mid-line)
            ++dropped;
            break;
        }
        const std::string line = text.substr(start, newline - start);
        start = newline + 1;
        bool keep = true;
        try {
            const MetricsRecord record = parseMetricsLine(line);
            const int64_t step = recordStep(record);
            keep = step < checkpointStep || (step == checkpointStep && writtenBeforeCheckpoint(record));
        } catch (const Error &) {
            keep = true; // not ours to judge here: the run readers report a damaged line
        }
        if (keep)
            kept += line + '\n';
        else
            ++dropped;
    }
    if (dropped > 0)
        writeFileAtomically(metricsPath, kept);
    return dropped;
}

} // namespace qs
