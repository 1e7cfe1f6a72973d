#pragma once
// metrics.jsonl: one JSON object per line, appended and flushed as training goes, so a reader (the GUI, a
// second process, a copy from a GPU server) can follow a run while it grows. Torch-free.

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace qs {

// Builds one JSON object; values are numbers, strings, or pre-built JSON (arrays, objects).
class JsonObject
{
public:
    JsonObject &add(const std::string &key, double value);
    JsonObject &add(const std::string &key, int64_t value);
    JsonObject &add(const std::string &key, int value) { return add(key, int64_t(value)); }
    JsonObject &add(const std::string &key, const std::string &value);
    JsonObject &add(const std::string &key, const char *value) { return add(key, std::string(value)); }
    JsonObject &addRaw(const std::string &key, const std::string &json);
    std::string str() const { return "{" + m_body + "}"; }

private:
    void key(const std::string &k);
    std::string m_body;
};

std::string jsonString(const std::string &text);
std::string
jsonNumber(double value); // NaN and Inf become strings ("NaN", "Infinity"): the record must not be lost
std::string jsonArray(const std::vector<double> &values);

class MetricsWriter
{
public:
    explicit MetricsWriter(const std::string &path); // appends; throws std::runtime_error naming the path
    ~MetricsWriter();
    MetricsWriter(const MetricsWriter &) = delete;
    MetricsWriter &operator=(const MetricsWriter &) = delete;
    void write(const JsonObject &record); // one line, flushed

private:
    std::string m_path;
    std::FILE *m_file = nullptr;
};

} // namespace qs
