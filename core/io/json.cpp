#include "core/io/json.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <limits>

namespace qs {

namespace {

const char *nonFiniteName(double v)
{
    return std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
}

bool hasNonFinite(const Json &v)
{
    if (v.is_number_float())
        return !std::isfinite(v.get<double>());
    if (v.is_structured())
        for (const auto &e : v)
            if (hasNonFinite(e))
                return true;
    return false;
}

void replaceNonFinite(Json &v)
{
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (!std::isfinite(d))
            v = nonFiniteName(d);
    } else if (v.is_structured()) {
        for (auto &e : v)
            replaceNonFinite(e);
    }
}

} // namespace

std::string jsonText(const Json &value, int indent)
{
    auto dump = [indent](const Json &v) {
        return v.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
    };
    if (!hasNonFinite(value))
        return dump(value);
    Json copy = value;
    replaceNonFinite(copy);
    return dump(copy);
}

Json parseJson(const std::string &text)
{
    try {
        return Json::parse(text);
    } catch (const Json::exception &e) {
        throw Error(std::string("not JSON: ") + e.what());
    }
}

double jsonToNumber(const Json &value, const std::string &what)
{
    if (value.is_number())
        return value.get<double>();
    if (value.is_string()) {
        const auto &s = value.get_ref<const std::string &>();
        if (s == "NaN")
            return std::numeric_limits<double>::quiet_NaN();
        if (s == "Infinity")
            return std::numeric_limits<double>::infinity();
        if (s == "-Infinity")
            return -std::numeric_limits<double>::infinity();
    }
    throw Error(what + " is not a number: " + jsonText(value).substr(0, 60));
}

std::string numberText(double value)
{
    if (!std::isfinite(value))
        return nonFiniteName(value);
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

} // namespace qs
