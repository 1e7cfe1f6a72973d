#include "core/sweep/sweepmanifest.h"

#include "core/error.h"
#include "core/io/atomicfile.h"
#include "core/io/json.h"

#include <nlohmann/json.hpp>

#include <set>
#include <sys/stat.h>

namespace qs {

namespace {

constexpr const char *kSchema = "quantscope.sweep";

[[noreturn]] void fail(const std::string &where, const std::string &what)
{
    throw Error(where + ": " + what);
}

const Json &member(const Json &object, const char *key, const std::string &context, const std::string &where)
{
    const auto it = object.find(key);
    if (it == object.end())
        fail(where, context + "missing \"" + key + "\"");
    return *it;
}

std::string stringMember(const Json &object, const char *key, const std::string &context,
                         const std::string &where)
{
    const Json &v = member(object, key, context, where);
    if (!v.is_string())
        fail(where, context + "\"" + key + "\" is not a string");
    return v.get<std::string>();
}

// A run directory must stay inside the sweep directory: one plain path component.
bool isPlainName(const std::string &name)
{
    if (name.empty() || name == "." || name == "..")
        return false;
    for (const char c : name)
        if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
            return false;
    return true;
}

} // namespace

std::vector<std::pair<std::string, std::string>>
expandSweepSettings(const std::vector<std::pair<std::string, std::string>> &settings)
{
    const auto split = [](const std::string &text, char separator) {
        std::vector<std::string> parts;
        size_t start = 0;
        for (size_t end; (end = text.find(separator, start)) != std::string::npos; start = end + 1)
            parts.push_back(text.substr(start, end - start));
        parts.push_back(text.substr(start));
        return parts;
    };
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto &[key, value] : settings) {
        const auto keys = split(key, '+');
        const auto values = split(value, '|');
        if (keys.size() == 1 || keys.size() != values.size()) {
            out.emplace_back(key, value);
            continue;
        }
        for (size_t k = 0; k < keys.size(); ++k)
            out.emplace_back(keys[k], values[k]);
    }
    return out;
}

bool isSweepDirectory(const std::string &directory)
{
    struct stat st;
    return ::stat((directory + "/" + kSweepManifestName).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string sweepManifestText(const SweepManifest &manifest)
{
    Json axes = Json::array();
    for (const auto &axis : manifest.axes)
        axes.push_back(Json{{"key", axis.key}, {"values", axis.values}});
    Json runs = Json::array();
    for (const auto &run : manifest.runs) {
        Json settings = Json::object();
        for (const auto &[key, value] : run.settings)
            settings[key] = value;
        runs.push_back(Json{{"index", run.index}, {"directory", run.directory}, {"settings", settings}});
    }
    const Json j{{"schema", kSchema},
                 {"version", manifest.version},
                 {"preset", manifest.preset},
                 {"backend", manifest.backend},
                 {"axes", axes},
                 {"extra_arguments", manifest.extraArguments},
                 {"runs", runs}};
    return jsonText(j, 1) + "\n";
}

SweepManifest parseSweepManifest(const std::string &text, const std::string &where)
{
    Json j;
    try {
        j = parseJson(text);
    } catch (const Error &e) {
        fail(where, e.what());
    }
    if (!j.is_object())
        fail(where, "not a JSON object");
    const std::string schema = stringMember(j, "schema", "", where);
    if (schema != kSchema)
        fail(where, "\"schema\" is \"" + schema + "\", not \"" + kSchema + "\"");
    const Json &version = member(j, "version", "", where);
    if (!version.is_number_integer() || version.get<int64_t>() != 1)
        fail(where, "\"version\" " + version.dump() + " is not 1 (a newer QuantScope wrote it?)");

    SweepManifest m;
    m.version = 1;
    m.preset = stringMember(j, "preset", "", where);
    m.backend = stringMember(j, "backend", "", where);
    if (m.backend != "local" && m.backend != "slurm")
        fail(where, "\"backend\" is \"" + m.backend + "\", not \"local\" or \"slurm\"");

    const Json &axes = member(j, "axes", "", where);
    if (!axes.is_array() || axes.empty())
        fail(where, "\"axes\" is not a non-empty array");
    std::set<std::string> keys;
    for (size_t a = 0; a < axes.size(); ++a) {
        const std::string context = "axes[" + std::to_string(a) + "]: ";
        if (!axes[a].is_object())
            fail(where, context + "not an object");
        SweepAxis axis;
        axis.key = stringMember(axes[a], "key", context, where);
        if (axis.key.empty() || !keys.insert(axis.key).second)
            fail(where, context + "key \"" + axis.key + "\" is empty or repeated");
        const Json &values = member(axes[a], "values", context, where);
        if (!values.is_array() || values.empty())
            fail(where, context + "\"values\" is not a non-empty array");
        for (const auto &v : values) {
            if (!v.is_string())
                fail(where, context + "a value is not a string");
            axis.values.push_back(v.get<std::string>());
        }
        m.axes.push_back(std::move(axis));
    }

    if (const auto it = j.find("extra_arguments"); it != j.end()) {
        if (!it->is_array())
            fail(where, "\"extra_arguments\" is not an array");
        for (const auto &v : *it) {
            if (!v.is_string())
                fail(where, "\"extra_arguments\": an element is not a string");
            m.extraArguments.push_back(v.get<std::string>());
        }
    }

    const Json &runs = member(j, "runs", "", where);
    if (!runs.is_array())
        fail(where, "\"runs\" is not an array");
    std::set<std::string> directories;
    for (size_t r = 0; r < runs.size(); ++r) {
        const std::string context = "runs[" + std::to_string(r) + "]: ";
        const Json &entry = runs[r];
        if (!entry.is_object())
            fail(where, context + "not an object");
        SweepRun run;
        const Json &index = member(entry, "index", context, where);
        if (!index.is_number_integer() || index.get<int64_t>() != int64_t(r))
            fail(where, context + "\"index\" " + index.dump() + " is not its position " + std::to_string(r));
        run.index = int(r);
        run.directory = stringMember(entry, "directory", context, where);
        if (!isPlainName(run.directory))
            fail(where, context + "\"directory\" \"" + run.directory +
                            "\" is not a plain directory name inside the sweep");
        if (!directories.insert(run.directory).second)
            fail(where, context + "\"directory\" \"" + run.directory + "\" is repeated");
        const Json &settings = member(entry, "settings", context, where);
        if (!settings.is_object())
            fail(where, context + "\"settings\" is not an object");
        for (const auto &axis : m.axes) {
            const auto it = settings.find(axis.key);
            if (it == settings.end() || !it->is_string())
                fail(where, context + "\"settings\" has no string for axis \"" + axis.key + "\"");
            run.settings.emplace_back(axis.key, it->get<std::string>());
        }
        if (settings.size() != m.axes.size())
            fail(where, context + "\"settings\" has a key that is not an axis");
        m.runs.push_back(std::move(run));
    }
    return m;
}

SweepManifest readSweepManifest(const std::string &directory)
{
    const std::string path = directory + "/" + kSweepManifestName;
    return parseSweepManifest(readWholeFile(path), path); // unreadable: "PATH: cannot open (reason)"
}

void writeSweepManifest(const std::string &directory, const SweepManifest &manifest)
{
    writeFileAtomically(directory + "/" + kSweepManifestName, sweepManifestText(manifest));
}

} // namespace qs
