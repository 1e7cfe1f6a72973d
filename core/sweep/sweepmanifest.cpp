#include "core/sweep/sweepmanifest.h"

#include "core/error.h"
#include "core/io/atomicfile.h"
#include "core/io/json.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace qs {

namespace {

std::string manifestPath(const std::string &directory)
{
    return (std::filesystem::path(directory) / kSweepManifestName).string();
}

} // namespace

bool isSweepDirectory(const std::string &directory)
{
    std::error_code ec;
    return std::filesystem::is_regular_file(manifestPath(directory), ec);
}

SweepManifest readSweepManifest(const std::string &directory)
{
    const std::string path = manifestPath(directory);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    try {
        const Json j = parseJson(text.str());
        if (!j.is_object() || j.value("schema", std::string()) != "quantscope.sweep")
            throw Error("not a QuantScope sweep manifest (\"schema\" is not \"quantscope.sweep\")");
        SweepManifest m;
        m.version = j.at("version").get<int>();
        if (m.version != 1)
            throw Error("version " + std::to_string(m.version) + " is not supported");
        m.preset = j.value("preset", std::string());
        m.backend = j.value("backend", std::string());
        if (j.contains("extra_arguments"))
            m.extraArguments = j.at("extra_arguments").get<std::vector<std::string>>();
        for (const auto &a : j.at("axes"))
            m.axes.push_back(
                {a.at("key").get<std::string>(), a.at("values").get<std::vector<std::string>>()});
        for (const auto &r : j.at("runs")) {
            SweepRun run;
            run.index = r.at("index").get<int>();
            if (run.index != int(m.runs.size()))
                throw Error("run " + std::to_string(m.runs.size()) + " has index " +
                            std::to_string(run.index));
            run.directory = r.at("directory").get<std::string>();
            if (run.directory.empty() || run.directory.find('/') != std::string::npos ||
                run.directory == "." || run.directory == "..")
                throw Error("run " + std::to_string(run.index) + ": directory \"" + run.directory +
                            "\" is not a plain name");
            const auto &settings = r.at("settings");
            for (const auto &axis : m.axes) {
                if (!settings.contains(axis.key))
                    throw Error("run " + std::to_string(run.index) + " has no setting for \"" + axis.key +
                                "\"");
                run.settings.emplace_back(axis.key, settings.at(axis.key).get<std::string>());
            }
            m.runs.push_back(std::move(run));
        }
        return m;
    } catch (const nlohmann::json::exception &e) {
        throw Error(path + ": " + firstLine(e.what()));
    } catch (const Error &e) {
        throw Error(path + ": " + e.what());
    }
}

void writeSweepManifest(const std::string &directory, const SweepManifest &manifest)
{
    Json j;
    j["schema"] = "quantscope.sweep";
    j["version"] = manifest.version;
    j["preset"] = manifest.preset;
    j["backend"] = manifest.backend;
    Json axes = Json::array();
    for (const auto &a : manifest.axes)
        axes.push_back(Json{{"key", a.key}, {"values", a.values}});
    j["axes"] = axes;
    j["extra_arguments"] = manifest.extraArguments;
    Json runs = Json::array();
    for (const auto &r : manifest.runs) {
        Json settings = Json::object();
        for (const auto &[k, v] : r.settings)
            settings[k] = v;
        runs.push_back(Json{{"index", r.index}, {"directory", r.directory}, {"settings", settings}});
    }
    j["runs"] = runs;
    writeFileAtomically(manifestPath(directory), jsonText(j, 2) + "\n");
}

} // namespace qs
