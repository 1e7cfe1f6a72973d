#pragma once
// metrics.jsonl: one JSON object per line (core/runs/schema.h), appended as training goes, so a reader (the
// GUI, a second process, a copy from a GPU server) can follow a run while it grows. Each line is written
// whole or not at all (core/io/atomicfile.h: a failed append is cut back off). Torch-free.

#include "core/io/atomicfile.h"
#include "core/runs/schema.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qs {

class MetricsWriter
{
public:
    explicit MetricsWriter(const std::string &path); // appends; throws qs::Error naming the path
    // One whole line; throws qs::Error ("PATH: cannot append (No space left on device)") and leaves no part
    // of it in the file.
    void write(const MetricsRecord &record);

private:
    AppendFile m_file;
};

// Before a resume from a checkpoint taken at `checkpointStep`: rewrites RUNDIR's metrics.jsonl (atomically)
// without the records the resumed run writes again, i.e. those past the checkpoint: every record with a
// larger step, and, at that step, the records written after the checkpoint (EWGS updates, divergence,
// rollback, done, an earlier resume). A half-written last line goes too. Returns how many lines were dropped.
int64_t dropRecordsAfterCheckpoint(const std::string &metricsPath, int64_t checkpointStep);

} // namespace qs
