#include "core/runs/metrics.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace qs {

std::string jsonString(const std::string &text)
{
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    return out + "\"";
}

std::string jsonNumber(double value)
{
    if (std::isnan(value))
        return "\"NaN\"";
    if (std::isinf(value))
        return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, r.ptr);
}

std::string jsonArray(const std::vector<double> &values)
{
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i)
        out += (i ? "," : "") + jsonNumber(values[i]);
    return out + "]";
}

void JsonObject::key(const std::string &k)
{
    if (!m_body.empty())
        m_body += ",";
    m_body += jsonString(k) + ":";
}

JsonObject &JsonObject::add(const std::string &k, double value)
{
    key(k);
    m_body += jsonNumber(value);
    return *this;
}

JsonObject &JsonObject::add(const std::string &k, int64_t value)
{
    key(k);
    m_body += std::to_string(value);
    return *this;
}

JsonObject &JsonObject::add(const std::string &k, const std::string &value)
{
    key(k);
    m_body += jsonString(value);
    return *this;
}

JsonObject &JsonObject::addRaw(const std::string &k, const std::string &json)
{
    key(k);
    m_body += json;
    return *this;
}

MetricsWriter::MetricsWriter(const std::string &path) : m_path(path)
{
    m_file = std::fopen(path.c_str(), "ab");
    if (!m_file)
        throw std::runtime_error(path + ": cannot open for appending");
}

MetricsWriter::~MetricsWriter()
{
    if (m_file)
        std::fclose(m_file);
}

void MetricsWriter::write(const JsonObject &record)
{
    const std::string line = record.str() + "\n";
    if (std::fwrite(line.data(), 1, line.size(), m_file) != line.size() || std::fflush(m_file) != 0)
        throw std::runtime_error(m_path + ": write failed (disk full?)");
}

} // namespace qs
