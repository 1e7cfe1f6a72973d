#pragma once
// A command's --format json output read by a strict parser (nlohmann, RFC 8259): one JSON document on one
// line, no NaN or inf tokens, nothing after it.

#include <QByteArray>

#include <nlohmann/json.hpp>

#include <string>

namespace qs::test {

// Parses `out` (a command's whole stdout) into *json; false with the reason in *error when it is not one
// line of strict JSON.
inline bool parseStrictJson(const QByteArray &out, nlohmann::json *json, std::string *error)
{
    if (!out.endsWith('\n') || out.count('\n') != 1) {
        *error = "not one line: " + out.left(200).toStdString();
        return false;
    }
    try {
        *json = nlohmann::json::parse(out.constData(), out.constData() + out.size());
        return true;
    } catch (const nlohmann::json::exception &e) {
        *error = e.what();
        return false;
    }
}

} // namespace qs::test
