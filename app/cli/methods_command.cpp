#include "argparse.h"
#include "commands.h"
#include "format.h"

#include "core/quant/methods.h"

#include <cmath>

namespace qs::cli {

namespace {

std::string jsonString(const std::string &s)
{
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string bitsText(const std::optional<BitRange> &range)
{
    return range ? std::to_string(range->lowest) + ".." + std::to_string(range->highest) : "any";
}

std::string intervalText(const MethodConfigKey &k)
{
    auto bound = [](double v) {
        return std::isinf(v) ? std::string(v > 0 ? "inf" : "-inf") : formatNumber(v);
    };
    return (k.lowestOpen ? "(" : "[") + bound(k.lowest) + ", " + bound(k.highest) +
           (k.highestOpen ? ")" : "]");
}

} // namespace

int runMethodsCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("methods", {"format"}, {});
    parser.parse(args);
    const std::string format = parser.choice("format", {"text", "json"}, "text");
    if (format == "text") {
        for (const auto &m : quantMethods()) {
            out << m.name << ": " << m.title << " - " << m.description << '\n';
            out << "    bits: weights " << bitsText(m.weightBits) << ", activations " << bitsText(m.actBits)
                << "; EWGS: " << (m.ewgs ? "yes" : "no")
                << "; grid: " << (m.gridScheme ? schemeName(*m.gridScheme) : std::string("none")) << '\n';
            for (const auto &k : m.configKeys)
                out << "    " << k.key << " = "
                    << (k.isSwitch ? std::string(k.defaultValue != 0 ? "true" : "false") + " (true|false)"
                                   : formatNumber(k.defaultValue) + " in " + intervalText(k))
                    << ": " << k.help << '\n';
            if (!m.codeNote.empty())
                out << "    note: " << m.codeNote << '\n';
        }
        return 0;
    }
    auto range = [](const std::optional<BitRange> &r) {
        return r ? "[" + std::to_string(r->lowest) + ", " + std::to_string(r->highest) + "]"
                 : std::string("null");
    };
    out << "[";
    bool first = true;
    for (const auto &m : quantMethods()) {
        out << (first ? "" : ", ") << "{\"name\": " << jsonString(m.name)
            << ", \"title\": " << jsonString(m.title) << ", \"description\": " << jsonString(m.description)
            << ", \"note\": " << jsonString(m.codeNote) << ", \"weight_bits\": " << range(m.weightBits)
            << ", \"act_bits\": " << range(m.actBits) << ", \"ewgs\": " << (m.ewgs ? "true" : "false")
            << ", \"grid\": " << (m.gridScheme ? jsonString(schemeName(*m.gridScheme)) : std::string("null"))
            << ", \"keys\": {";
        for (size_t i = 0; i < m.configKeys.size(); ++i)
            out << (i ? ", " : "") << jsonString(m.configKeys[i].key) << ": "
                << formatNumber(m.configKeys[i].defaultValue);
        out << "}}";
        first = false;
    }
    out << "]\n";
    return 0;
}

} // namespace qs::cli
