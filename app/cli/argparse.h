#pragma once
// A small, strict command-line parser: every subcommand declares its options, anything else is an error.

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace qs::cli {

// A malformed or undefined request. main() prints its message on one line and exits with 2.
struct UsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

class ArgParser
{
public:
    // valueOptions take one value (`--bits 4`); flags take none (`--signed`); repeated options take several
    // values until the next `--` word (`--runs a b c`).
    ArgParser(std::string command, std::set<std::string> valueOptions, std::set<std::string> flags,
              std::set<std::string> repeatedOptions = {});

    void parse(const std::vector<std::string> &args);

    bool has(const std::string &name) const;
    bool flag(const std::string &name) const { return m_flags.count(name) > 0; }
    std::string value(const std::string &name, const std::string &fallback = {}) const;
    std::string required(const std::string &name) const;
    std::vector<std::string> values(const std::string &name) const;

    int intValue(const std::string &name, int fallback, int lo, int hi) const;
    double doubleValue(const std::string &name, double fallback) const;
    // One of the listed choices, or a UsageError naming them.
    std::string choice(const std::string &name, const std::vector<std::string> &choices,
                       const std::string &fallback) const;

private:
    std::string m_command;
    std::set<std::string> m_valueOptions, m_flagOptions, m_repeatedOptions;
    std::map<std::string, std::string> m_values;
    std::map<std::string, std::vector<std::string>> m_repeated;
    std::set<std::string> m_flags;
};

} // namespace qs::cli
