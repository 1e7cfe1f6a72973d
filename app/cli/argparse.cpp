#include "argparse.h"

#include <cmath>
#include <cstdlib>

namespace qs::cli {

ArgParser::ArgParser(std::string command, std::set<std::string> valueOptions, std::set<std::string> flags,
                     std::set<std::string> repeatedOptions)
    : m_command(std::move(command)), m_valueOptions(std::move(valueOptions)), m_flagOptions(std::move(flags)),
      m_repeatedOptions(std::move(repeatedOptions))
{}

void ArgParser::parse(const std::vector<std::string> &args)
{
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &word = args[i];
        if (word.rfind("--", 0) != 0 || word.size() < 3)
            throw UsageError(m_command + ": unexpected argument '" + word + "'");
        const std::string name = word.substr(2);
        if (m_flagOptions.count(name)) {
            m_flags.insert(name);
        } else if (m_valueOptions.count(name)) {
            if (i + 1 >= args.size())
                throw UsageError(m_command + ": option --" + name + " needs a value");
            if (m_values.count(name))
                throw UsageError(m_command + ": option --" + name + " given twice");
            m_values[name] = args[++i];
        } else if (m_repeatedOptions.count(name)) {
            auto &list = m_repeated[name];
            while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0)
                list.push_back(args[++i]);
            if (list.empty())
                throw UsageError(m_command + ": option --" + name + " needs at least one value");
        } else {
            throw UsageError(m_command + ": unknown option " + word);
        }
    }
}

bool ArgParser::has(const std::string &name) const
{
    return m_values.count(name) > 0 || m_repeated.count(name) > 0;
}

std::string ArgParser::value(const std::string &name, const std::string &fallback) const
{
    auto it = m_values.find(name);
    return it == m_values.end() ? fallback : it->second;
}

std::string ArgParser::required(const std::string &name) const
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        throw UsageError(m_command + ": missing required option --" + name);
    return it->second;
}

std::vector<std::string> ArgParser::values(const std::string &name) const
{
    auto it = m_repeated.find(name);
    return it == m_repeated.end() ? std::vector<std::string>{} : it->second;
}

int ArgParser::intValue(const std::string &name, int fallback, int lo, int hi) const
{
    if (!has(name))
        return fallback;
    const std::string text = value(name);
    char *end = nullptr;
    const long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0')
        throw UsageError(m_command + ": --" + name + " expects an integer, got '" + text + "'");
    if (v < lo || v > hi)
        throw UsageError(m_command + ": --" + name + " must be between " + std::to_string(lo) + " and " +
                         std::to_string(hi) + ", got " + text);
    return int(v);
}

double ArgParser::doubleValue(const std::string &name, double fallback) const
{
    if (!has(name))
        return fallback;
    const std::string text = value(name);
    char *end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(v))
        throw UsageError(m_command + ": --" + name + " expects a finite number, got '" + text + "'");
    return v;
}

std::string ArgParser::choice(const std::string &name, const std::vector<std::string> &choices,
                              const std::string &fallback) const
{
    const std::string v = value(name, fallback);
    for (const auto &c : choices)
        if (c == v)
            return v;
    std::string list;
    for (const auto &c : choices)
        list += (list.empty() ? "" : "|") + c;
    throw UsageError(m_command + ": --" + name + " must be one of " + list + ", got '" + v + "'");
}

} // namespace qs::cli
