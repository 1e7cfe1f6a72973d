#pragma once
// QuantScope's JSON text, one rule for every writer and reader (metrics.jsonl, the CLI's --format json):
// nlohmann's ordered_json (keys stay in the order written), numbers as nlohmann writes them (the shortest
// text that reads back as the same double), and the non-finite numbers JSON has no spelling for written as
// the strings "NaN", "Infinity" and "-Infinity" and read back as those doubles. What is written is always
// valid JSON. Torch-free; only nlohmann's forward declarations here, json.hpp stays in the .cpp files.

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace qs {

using Json = nlohmann::ordered_json;

// `value` as JSON text: one line (indent < 0) or indented. Non-finite numbers anywhere in it become their
// strings; bytes that are not UTF-8 become U+FFFD (a record is never lost to a bad byte in a path).
std::string jsonText(const Json &value, int indent = -1);
// Parses one JSON document (RFC 8259, nothing after it). Throws qs::Error with one line when it is not JSON.
Json parseJson(const std::string &text);
// A number written by jsonText: a JSON number, or "NaN", "Infinity", "-Infinity". Throws qs::Error naming
// `what` for anything else.
double jsonToNumber(const Json &value, const std::string &what);
// `value` for a message: the shortest text that reads back as the same double; "NaN", "Infinity",
// "-Infinity" when it is not finite (the spelling jsonText uses).
std::string numberText(double value);

} // namespace qs
