#include "core/runs/runreader.h"

#include "core/error.h"
#include "core/quant/methods.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

namespace qs {

namespace {

std::map<std::string, std::string> readConfig(const std::string &path)
{
    std::map<std::string, std::string> config;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq == std::string::npos || line.empty() || line[0] == '#')
            continue;
        auto trim = [](std::string s) {
            const auto b = s.find_first_not_of(" \t\r");
            const auto e = s.find_last_not_of(" \t\r");
            return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
        };
        config[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
    }
    return config;
}

std::string value(const std::map<std::string, std::string> &m, const std::string &key)
{
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
}

std::string fixed(double v, int digits)
{
    if (!std::isfinite(v))
        return std::isnan(v) ? "NaN" : (v > 0 ? "inf" : "-inf");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string latexEscape(const std::string &s)
{
    std::string out;
    for (char c : s) {
        if (c == '_' || c == '%' || c == '&' || c == '#' || c == '$' || c == '{' || c == '}')
            out += '\\';
        out += c;
    }
    return out;
}

std::string csvField(const std::string &s)
{
    if (s.find_first_of(",\"\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

} // namespace

MetricsFollower::MetricsFollower(std::string runDir) : m_path(std::move(runDir) + "/metrics.jsonl") {}

std::vector<MetricsRecord> MetricsFollower::poll()
{
    std::vector<MetricsRecord> out;
    std::ifstream in(m_path, std::ios::binary);
    if (!in)
        return out; // not created yet: a run that has not started writing
    in.seekg(0, std::ios::end);
    const auto size = uint64_t(in.tellg());
    if (size < m_offset) { // truncated or replaced: start over
        m_offset = 0;
        m_partial.clear();
    }
    in.seekg(std::streamoff(m_offset));
    std::string chunk(size - m_offset, '\0');
    in.read(chunk.data(), std::streamsize(chunk.size()));
    m_offset += uint64_t(in.gcount());
    chunk.resize(size_t(in.gcount()));
    m_partial += chunk;
    size_t start = 0, newline;
    while ((newline = m_partial.find('\n', start)) != std::string::npos) {
        const std::string line = m_partial.substr(start, newline - start);
        start = newline + 1;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        try {
            out.push_back(parseMetricsLine(line));
        } catch (const Error &) {
            ++m_malformed; // a damaged line is counted and skipped, the rest of the run still reads
        }
    }
    m_partial.erase(0, start);
    return out;
}

RunSummary summarizeRun(const std::string &runDir)
{
    RunSummary s;
    s.dir = runDir;
    std::ifstream probe(runDir + "/metrics.jsonl");
    if (!probe)
        throw Error(runDir + ": no metrics.jsonl (not a QuantScope run directory)");
    s.config = readRunConfig(runDir);
    s.label = runLabel(s.config, runDir);
    MetricsFollower follower(runDir);
    for (const auto &r : follower.poll()) {
        if (const auto *e = std::get_if<EpochSample>(&r)) {
            s.epochs = e->epoch + 1;
            s.finalTop1 = e->testTop1;
            s.bestTop1 = std::max(s.bestTop1, s.finalTop1);
            s.finalTrainLoss = e->trainLoss;
        } else if (const auto *d = std::get_if<DivergenceRecord>(&r)) {
            s.diverged = true;
            s.divergedAtStep = d->step;
            s.divergenceReason = d->reason;
        }
        s.steps = std::max(s.steps, recordStep(r));
    }
    return s;
}

std::string formatRunTable(const std::vector<RunSummary> &runs, TableFormat format)
{
    std::ostringstream out;
    const char *columns[] = {"run",         "method",     "epochs",           "steps",
                             "final top-1", "best top-1", "final train loss", "diverged at step"};
    auto diverged = [](const RunSummary &r) {
        return r.diverged ? std::to_string(r.divergedAtStep) : std::string();
    };
    switch (format) {
    case TableFormat::Csv:
        out << "run,method,epochs,steps,final_top1,best_top1,final_train_loss,diverged_at_step\n";
        for (const auto &r : runs)
            out << csvField(r.dir) << ',' << csvField(r.label) << ',' << r.epochs << ',' << r.steps << ','
                << fixed(r.finalTop1, 2) << ',' << fixed(r.bestTop1, 2) << ',' << fixed(r.finalTrainLoss, 4)
                << ',' << diverged(r) << '\n';
        break;
    case TableFormat::Markdown:
        out << '|';
        for (const char *c : columns)
            out << ' ' << c << " |";
        out << "\n|---|---|---:|---:|---:|---:|---:|---:|\n";
        for (const auto &r : runs)
            out << "| " << r.dir << " | " << r.label << " | " << r.epochs << " | " << r.steps << " | "
                << fixed(r.finalTop1, 2) << " | " << fixed(r.bestTop1, 2) << " | "
                << fixed(r.finalTrainLoss, 4) << " | " << diverged(r) << " |\n";
        break;
    case TableFormat::Latex:
        out << "\\begin{tabular}{llrrrrrr}\n\\hline\n";
        for (size_t i = 0; i < std::size(columns); ++i)
            out << (i ? " & " : "") << columns[i];
        out << " \\\\\n\\hline\n";
        for (const auto &r : runs)
            out << latexEscape(r.dir) << " & " << latexEscape(r.label) << " & " << r.epochs << " & "
                << r.steps << " & " << fixed(r.finalTop1, 2) << " & " << fixed(r.bestTop1, 2) << " & "
                << fixed(r.finalTrainLoss, 4) << " & " << diverged(r) << " \\\\\n";
        out << "\\hline\n\\end{tabular}\n";
        break;
    }
    return out.str();
}

std::map<std::string, std::string> readRunConfig(const std::string &runDir)
{
    return readConfig(runDir + "/config.ini");
}

std::string runLabel(const std::map<std::string, std::string> &config, const std::string &fallback)
{
    const std::string method = value(config, "method");
    std::string label = method.empty() ? fallback : method;
    const MethodInfo *info = findQuantMethod(method);
    if (!method.empty() && (!info || info->quantizes)) // bits mean nothing for fp
        label += (value(config, "backward") == "ewgs" ? "+EWGS" : "") + std::string(" W") +
                 value(config, "wbits") + "A" + value(config, "abits");
    // A fixed delta (no Hessian updates) is a different experiment from the reference's EWGS: say which.
    if (value(config, "backward") == "ewgs" && value(config, "ewgs_update") == "never")
        label += " δ=" + value(config, "ewgs_delta_init") + " fixed";
    return label;
}

} // namespace qs
