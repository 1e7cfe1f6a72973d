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

constexpr size_t kKeptProblems = 100;

bool isControl(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

// config.ini as key -> value; the lines that are not `key = value` (a damaged or binary file) go to
// `problems` when given.
std::map<std::string, std::string> readConfig(const std::string &path, std::vector<LineProblem> *problems,
                                              int64_t *problemCount)
{
    std::map<std::string, std::string> config;
    std::ifstream in(path, std::ios::binary);
    std::string line;
    int64_t number = 0;
    auto trim = [](std::string s) {
        const auto b = s.find_first_not_of(" \t\r");
        const auto e = s.find_last_not_of(" \t\r");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    auto report = [&](const std::string &what) {
        if (problemCount)
            ++*problemCount;
        if (problems && problems->size() < kKeptProblems)
            problems->push_back({number, what});
    };
    while (std::getline(in, line)) {
        ++number;
        line = trim(line);
        if (line.empty() || line[0] == '#')
            continue;
        const auto eq = line.find('=');
        const std::string key = eq == std::string::npos ? std::string() : trim(line.substr(0, eq));
        const bool keyOk = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
            return std::islower(static_cast<unsigned char>(c)) ||
                   std::isdigit(static_cast<unsigned char>(c)) || c == '_';
        });
        if (!keyOk || std::any_of(line.begin(), line.end(), isControl)) {
            report("not a 'key = value' line");
            continue;
        }
        config[key] = trim(line.substr(eq + 1));
    }
    return config;
}

std::string withoutPrefix(std::string text, const std::string &prefix)
{
    if (text.compare(0, prefix.size(), prefix) == 0)
        text.erase(0, prefix.size());
    return text;
}

// What parseMetricsLine says about a line, short: the JSON parser's message quotes the bytes it read (binary
// data, in a damaged file), so only its column is kept.
std::string lineProblem(const std::string &error)
{
    if (error.rfind("not JSON", 0) == 0) {
        const auto at = error.find("column ");
        if (at != std::string::npos) {
            const auto end = error.find_first_not_of("0123456789", at + 7);
            return "not JSON (syntax error at column " + error.substr(at + 7, end - (at + 7)) + ")";
        }
        return "not JSON";
    }
    return withoutPrefix(error, "metrics record: ");
}

std::string value(const std::map<std::string, std::string> &m, const std::string &key)
{
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
}

} // namespace

std::optional<std::string> checkMetricsRecord(const MetricsRecord &record)
{
    auto fmt = [](double v) { return numberText(v); };
    auto notNegative = [&](const char *key, double v) -> std::optional<std::string> {
        if (v < 0) // NaN passes: a diverged loss is a value, not damage
            return "\"" + std::string(key) + "\" " + fmt(v) + " is negative";
        return std::nullopt;
    };
    auto finiteNotNegative = [&](const char *key, double v) -> std::optional<std::string> {
        if (!std::isfinite(v) || v < 0)
            return "\"" + std::string(key) + "\" " + fmt(v) + " is not a finite number >= 0";
        return std::nullopt;
    };
    auto percent = [&](const char *key, double v) -> std::optional<std::string> {
        if (!(v >= 0 && v <= 100))
            return "\"" + std::string(key) + "\" " + fmt(v) + " is not a percentage in [0, 100]";
        return std::nullopt;
    };
    auto first = [](std::initializer_list<std::optional<std::string>> checks) -> std::optional<std::string> {
        for (const auto &c : checks)
            if (c)
                return c;
        return std::nullopt;
    };
    if (auto why = notNegative("step", double(recordStep(record))))
        return why;
    if (const auto *r = std::get_if<StepSample>(&record))
        return first({notNegative("epoch", double(r->epoch)), notNegative("loss", r->loss),
                      finiteNotNegative("lr", r->lr), notNegative("grad_norm", r->gradNorm)});
    if (const auto *r = std::get_if<EpochSample>(&record))
        return first({notNegative("epoch", double(r->epoch)), notNegative("train_loss", r->trainLoss),
                      percent("train_top1", r->trainTop1), notNegative("test_loss", r->testLoss),
                      percent("test_top1", r->testTop1), percent("test_top5", r->testTop5),
                      percent("best_top1", r->bestTop1), finiteNotNegative("seconds", r->seconds),
                      finiteNotNegative("lr", r->lr)});
    if (const auto *r = std::get_if<StartRecord>(&record))
        return first({notNegative("epoch", double(r->epoch)), notNegative("threads", double(r->threads)),
                      notNegative("parameters", double(r->parameters)),
                      notNegative("train_images", double(r->trainImages)),
                      notNegative("test_images", double(r->testImages))});
    if (const auto *r = std::get_if<LayersRecord>(&record))
        return notNegative("epoch", double(r->epoch));
    if (const auto *r = std::get_if<EwgsUpdateRecord>(&record))
        return notNegative("epoch", double(r->epoch));
    if (const auto *r = std::get_if<DivergenceRecord>(&record))
        return notNegative("epoch", double(r->epoch));
    if (const auto *r = std::get_if<StopRecord>(&record))
        return first({notNegative("epoch", double(r->epoch)), notNegative("batch", double(r->batch))});
    if (const auto *r = std::get_if<DoneRecord>(&record))
        return percent("best_top1", r->bestTop1);
    return std::nullopt;
}

std::string damageLine(const std::string &path, const std::vector<LineProblem> &problems, int64_t count)
{
    if (problems.empty())
        return {};
    std::string what = problems.front().what;
    std::replace_if(what.begin(), what.end(), isControl, '?');
    if (what.size() > 160)
        what = what.substr(0, 160) + "...";
    std::string line = path + ": line " + std::to_string(problems.front().line) + ": " + what;
    if (count > 1)
        line += " (and " + std::to_string(count - 1) + " more damaged line" + (count > 2 ? "s" : "") + ")";
    return firstLine(line);
}

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
        m_lines = 0;
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
        ++m_lines;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        // A damaged line is counted, kept with its number and skipped; the rest of the run still reads.
        std::string problem;
        try {
            auto record = parseMetricsLine(line);
            if (auto why = checkMetricsRecord(record))
                problem = *why;
            else
                out.push_back(std::move(record));
        } catch (const Error &e) {
            problem = lineProblem(e.what());
        }
        if (!problem.empty()) {
            ++m_malformed;
            if (m_problems.size() < kKeptProblems)
                m_problems.push_back({m_lines, problem});
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
    std::vector<LineProblem> configProblems;
    int64_t configProblemCount = 0;
    s.config = readConfig(runDir + "/config.ini", &configProblems, &configProblemCount);
    if (!configProblems.empty())
        s.problems.push_back(damageLine(runDir + "/config.ini", configProblems, configProblemCount));
    s.label = runLabel(s.config, runDir);
    MetricsFollower follower(runDir);
    auto records = follower.poll();
    std::vector<LineProblem> problems = follower.problems();
    int64_t problemCount = follower.malformedLines();
    // A last line without its newline: a complete record (a file edited by hand) counts; anything else is a
    // line cut off (a copy taken mid-write, a killed writer of an older version, binary data).
    if (follower.pendingLine().find_first_not_of(" \t\r") != std::string::npos) {
        std::string problem;
        try {
            auto record = parseMetricsLine(follower.pendingLine());
            if (auto why = checkMetricsRecord(record))
                problem = *why;
            else
                records.push_back(std::move(record));
        } catch (const Error &) {
            problem = "incomplete last line (no newline)";
        }
        if (!problem.empty()) {
            ++problemCount;
            problems.push_back({follower.pendingLineNumber(), problem});
        }
    }
    s.records = int64_t(records.size());
    if (records.empty()) // one line for the file: nothing to tabulate, and why
        s.problems.push_back(firstLine(
            follower.path() + ": no valid record" +
            (problems.empty() ? std::string()
                              : " (" +
                                    withoutPrefix(damageLine(follower.path(), problems, problemCount),
                                                  follower.path() + ": ") +
                                    ")")));
    else if (!problems.empty())
        s.problems.push_back(damageLine(follower.path(), problems, problemCount));
    for (const auto &r : records) {
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

std::string latexEscape(const std::string &s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '_' || c == '%' || c == '&' || c == '#' || c == '$' || c == '{' || c == '}')
            out += std::string("\\") + c;
        else if (c == '\\')
            out += "\\textbackslash{}";
        else if (c == '~')
            out += "\\textasciitilde{}";
        else if (c == '^')
            out += "\\textasciicircum{}";
        else if (s.compare(i, 2, "\xce\xb4") == 0) { // δ (run labels of fixed-delta EWGS runs)
            out += "$\\delta$";
            ++i;
        } else if (s.compare(i, 2, "\xc2\xb1") == 0) { // ±
            out += "$\\pm$";
            ++i;
        } else
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
                << fixedDecimals(r.finalTop1, 2) << ',' << fixedDecimals(r.bestTop1, 2) << ','
                << fixedDecimals(r.finalTrainLoss, 4) << ',' << diverged(r) << '\n';
        break;
    case TableFormat::Markdown:
        out << '|';
        for (const char *c : columns)
            out << ' ' << c << " |";
        out << "\n|---|---|---:|---:|---:|---:|---:|---:|\n";
        for (const auto &r : runs)
            out << "| " << r.dir << " | " << r.label << " | " << r.epochs << " | " << r.steps << " | "
                << fixedDecimals(r.finalTop1, 2) << " | " << fixedDecimals(r.bestTop1, 2) << " | "
                << fixedDecimals(r.finalTrainLoss, 4) << " | " << diverged(r) << " |\n";
        break;
    case TableFormat::Latex:
        // booktabs rules; the run's label (what the legends say), not its directory, names the row.
        out << "\\begin{tabular}{lrrrrrr}\n\\toprule\n";
        out << "Run & Epochs & Steps & Final top-1 (\\%) & Best top-1 (\\%) & Final train loss & Diverged at "
               "step \\\\\n\\midrule\n";
        for (const auto &r : runs)
            out << latexEscape(r.label.empty() ? r.dir : r.label) << " & " << r.epochs << " & " << r.steps
                << " & " << fixedDecimals(r.finalTop1, 2) << " & " << fixedDecimals(r.bestTop1, 2) << " & "
                << fixedDecimals(r.finalTrainLoss, 4) << " & " << diverged(r) << " \\\\\n";
        out << "\\bottomrule\n\\end{tabular}\n";
        break;
    }
    return out.str();
}

std::map<std::string, std::string> readRunConfig(const std::string &runDir)
{
    return readConfig(runDir + "/config.ini", nullptr, nullptr);
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
    std::replace_if(label.begin(), label.end(), isControl, '?');
    if (label.size() > 80) {
        label.resize(80);
        // Do not end inside a UTF-8 sequence (δ): drop continuation bytes and the lead byte they follow.
        while (!label.empty() && (static_cast<unsigned char>(label.back()) & 0xC0) == 0x80)
            label.pop_back();
        if (!label.empty() && static_cast<unsigned char>(label.back()) >= 0xC0)
            label.pop_back();
    }
    return label;
}

std::string fixedDecimals(double v, int digits)
{
    if (!std::isfinite(v))
        return std::isnan(v) ? "NaN" : (v > 0 ? "inf" : "-inf");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

} // namespace qs
