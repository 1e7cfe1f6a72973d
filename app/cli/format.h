#pragma once
// Number formatting shared by the subcommands: the shortest text that reads back as the same double.

#include <charconv>
#include <string>

namespace qs::cli {

inline std::string formatNumber(double v)
{
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, result.ptr);
}

} // namespace qs::cli
