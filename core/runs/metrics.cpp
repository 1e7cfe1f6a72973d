#include "core/runs/metrics.h"

#include "core/error.h"

namespace qs {

MetricsWriter::MetricsWriter(const std::string &path) : m_path(path)
{
    m_file = std::fopen(path.c_str(), "ab");
    if (!m_file)
        throw Error(path + ": cannot open for appending");
}

MetricsWriter::~MetricsWriter()
{
    if (m_file)
        std::fclose(m_file);
}

void MetricsWriter::write(const MetricsRecord &record)
{
    const std::string line = metricsLine(record) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), m_file) != line.size() || std::fflush(m_file) != 0)
        throw Error(m_path + ": write failed (disk full?)");
}

} // namespace qs
