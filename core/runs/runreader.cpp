#include "core/runs/runreader.h"

#include "core/quant/methods.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace qs {

namespace {

class LineParser
{
public:
    explicit LineParser(const std::string &text) : m_s(text) {}

    MetricsRecord parse()
    {
        MetricsRecord r;
        skipSpace();
        expect('{');
        skipSpace();
        if (peek() == '}') {
            ++m_i;
            return r;
        }
        while (true) {
            skipSpace();
            const std::string key = parseString();
            skipSpace();
            expect(':');
            skipSpace();
            const char c = peek();
            if (c == '"') {
                const std::string value = parseString();
                if (const auto special = specialNumber(value))
                    r.numbers[key] = *special;
                else
                    r.strings[key] = value;
            } else if (c == '{' || c == '[') {
                r.nested[key] = parseNested();
            } else if (c == 't' || c == 'f' || c == 'n') {
                const std::string word = parseWord();
                if (word == "true" || word == "false")
                    r.numbers[key] = word == "true" ? 1.0 : 0.0;
                else if (word != "null")
                    fail("unexpected '" + word + "'");
            } else {
                r.numbers[key] = parseNumber();
            }
            skipSpace();
            if (peek() == ',') {
                ++m_i;
                continue;
            }
            expect('}');
            break;
        }
        auto it = r.strings.find("type");
        if (it != r.strings.end())
            r.type = it->second;
        return r;
    }

    // `[e, e, ...]`: calls element() with the parser at each element's first character.
    template <typename Element> void parseArray(Element element)
    {
        skipSpace();
        expect('[');
        skipSpace();
        if (peek() == ']') {
            ++m_i;
            return;
        }
        while (true) {
            skipSpace();
            element();
            skipSpace();
            if (peek() == ',') {
                ++m_i;
                continue;
            }
            expect(']');
            return;
        }
    }
    // A number, or one of the strings the writer uses for non-finite values; another string is NaN.
    double parseNumberValue()
    {
        if (peek() != '"')
            return parseNumber();
        return specialNumber(parseString()).value_or(std::numeric_limits<double>::quiet_NaN());
    }
    std::string parseStringValue() { return parseString(); }

private:
    // jsonNumber() writes NaN and the infinities as strings so that a record is never lost.
    static std::optional<double> specialNumber(const std::string &value)
    {
        if (value == "NaN")
            return std::numeric_limits<double>::quiet_NaN();
        if (value == "Infinity" || value == "-Infinity")
            return value[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        return std::nullopt;
    }
    char peek() const { return m_i < m_s.size() ? m_s[m_i] : '\0'; }
    void skipSpace()
    {
        while (m_i < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_i])))
            ++m_i;
    }
    [[noreturn]] void fail(const std::string &what) const
    {
        throw std::invalid_argument("not a metrics record at column " + std::to_string(m_i + 1) + ": " +
                                    what);
    }
    void expect(char c)
    {
        if (peek() != c)
            fail(std::string("expected '") + c + "'");
        ++m_i;
    }
    std::string parseString()
    {
        expect('"');
        std::string out;
        while (m_i < m_s.size() && m_s[m_i] != '"') {
            char c = m_s[m_i++];
            if (c == '\\') {
                if (m_i >= m_s.size())
                    fail("unterminated escape");
                const char e = m_s[m_i++];
                switch (e) {
                case 'n':
                    c = '\n';
                    break;
                case 't':
                    c = '\t';
                    break;
                case 'u':
                    if (m_i + 4 > m_s.size())
                        fail("short \\u escape");
                    c = char(
                        std::stoi(m_s.substr(m_i, 4), nullptr, 16)); // the writer escapes control bytes only
                    m_i += 4;
                    break;
                default:
                    c = e;
                }
            }
            out += c;
        }
        expect('"');
        return out;
    }
    std::string parseWord()
    {
        const size_t start = m_i;
        while (m_i < m_s.size() && std::isalpha(static_cast<unsigned char>(m_s[m_i])))
            ++m_i;
        return m_s.substr(start, m_i - start);
    }
    double parseNumber()
    {
        const char *begin = m_s.c_str() + m_i;
        char *end = nullptr;
        const double v = std::strtod(begin, &end);
        if (end == begin)
            fail("expected a value");
        m_i += size_t(end - begin);
        return v;
    }
    std::string parseNested()
    {
        const size_t start = m_i;
        int depth = 0;
        bool inString = false;
        for (; m_i < m_s.size(); ++m_i) {
            const char c = m_s[m_i];
            if (inString) {
                if (c == '\\')
                    ++m_i;
                else if (c == '"')
                    inString = false;
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    ++m_i;
                    return m_s.substr(start, m_i - start);
                }
            }
        }
        fail("unterminated array or object");
    }

    const std::string &m_s;
    size_t m_i = 0;
};

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

double MetricsRecord::number(const std::string &key, double fallback) const
{
    auto it = numbers.find(key);
    return it == numbers.end() ? fallback : it->second;
}

MetricsRecord parseMetricsLine(const std::string &line)
{
    return LineParser(line).parse();
}

std::vector<MetricsRecord> parseRecordArray(const std::string &json)
{
    LineParser p(json);
    std::vector<MetricsRecord> out;
    p.parseArray([&] { out.push_back(p.parse()); });
    return out;
}

std::vector<double> parseNumberArray(const std::string &json)
{
    LineParser p(json);
    std::vector<double> out;
    p.parseArray([&] { out.push_back(p.parseNumberValue()); });
    return out;
}

std::vector<std::string> parseStringArray(const std::string &json)
{
    LineParser p(json);
    std::vector<std::string> out;
    p.parseArray([&] { out.push_back(p.parseStringValue()); });
    return out;
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
        } catch (const std::invalid_argument &) {
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
        throw std::runtime_error(runDir + ": no metrics.jsonl (not a QuantScope run directory)");
    s.config = readRunConfig(runDir);
    s.label = runLabel(s.config, runDir);
    MetricsFollower follower(runDir);
    for (const auto &r : follower.poll()) {
        if (r.type == "epoch") {
            s.epochs = int64_t(r.number("epoch", -1)) + 1;
            s.finalTop1 = r.number("test_top1", 0);
            s.bestTop1 = std::max(s.bestTop1, s.finalTop1);
            s.finalTrainLoss = r.number("train_loss", 0);
        } else if (r.type == "divergence") {
            s.diverged = true;
            s.divergedAtStep = int64_t(r.number("step", -1));
            auto it = r.strings.find("reason");
            s.divergenceReason = it == r.strings.end() ? std::string() : it->second;
        }
        s.steps = std::max<int64_t>(s.steps, int64_t(r.number("step", 0)));
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
