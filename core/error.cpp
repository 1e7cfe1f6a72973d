#include "core/error.h"

namespace qs {

std::string firstLine(const std::string &text, size_t maxLength)
{
    std::string out;
    for (char c : text) {
        if (c == '\n' || c == '\r') {
            if (!out.empty())
                break;
            continue;
        }
        out.push_back(c);
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t'))
        out.pop_back();
    if (out.empty())
        return "unknown error";
    if (out.size() > maxLength)
        out = out.substr(0, maxLength) + "...";
    return out;
}

Error::Error(const std::string &message) : std::runtime_error(firstLine(message)) {}

} // namespace qs
