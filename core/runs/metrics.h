#pragma once
// metrics.jsonl: one JSON object per line (core/runs/schema.h), appended and flushed as training goes, so a
// reader (the GUI, a second process, a copy from a GPU server) can follow a run while it grows. Torch-free.

#include "core/runs/schema.h"

#include <cstdio>
#include <string>

namespace qs {

class MetricsWriter
{
public:
    explicit MetricsWriter(const std::string &path); // appends; throws qs::Error naming the path
    ~MetricsWriter();
    MetricsWriter(const MetricsWriter &) = delete;
    MetricsWriter &operator=(const MetricsWriter &) = delete;
    void write(const MetricsRecord &record); // one line, flushed

private:
    std::string m_path;
    std::FILE *m_file = nullptr;
};

} // namespace qs
