#pragma once
// A sweep directory: sweep.json (this manifest) and one ordinary run directory per point of the grid.
// Torch-free, Qt-free. (Stand-in with the agreed interface until branch sweep-core's version is merged.)

#include <string>
#include <utility>
#include <vector>

namespace qs {

inline constexpr const char *kSweepManifestName = "sweep.json";

struct SweepAxis
{
    std::string key;
    std::vector<std::string> values;
};

struct SweepRun
{
    int index = 0;
    std::string directory;                                     // relative to the sweep dir
    std::vector<std::pair<std::string, std::string>> settings; // one per axis, axis order
};

struct SweepManifest
{
    int version = 1;
    std::string preset;
    std::vector<SweepAxis> axes;
    std::vector<SweepRun> runs;
    std::string backend;
    std::vector<std::string> extraArguments;
};

// Whether DIRECTORY/sweep.json exists.
bool isSweepDirectory(const std::string &directory);
// Reads DIRECTORY/sweep.json. Throws qs::Error with one line naming the file and what is wrong.
SweepManifest readSweepManifest(const std::string &directory);
// Writes DIRECTORY/sweep.json atomically.
void writeSweepManifest(const std::string &directory, const SweepManifest &manifest);

} // namespace qs
