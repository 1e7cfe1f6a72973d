#pragma once
// A sweep directory: sweep.json (this manifest) and one ordinary run directory per point of the grid
// (config.ini, metrics.jsonl, checkpoints), which the Runs tab and `quantscope-cli compare` read as they read
// any run. `quantscope-cli sweep` writes it; `sweep-task`, `compare --sweep` and the GUI's sweep view read
// it. Torch-free, Qt-free.
//
// On disk (one JSON object):
//   {"schema":"quantscope.sweep","version":1,"preset":"quick-synthetic","backend":"local",
//    "axes":[{"key":"method","values":["apot","apot-ewgs"]}, ...],
//    "extra_arguments":["--set","epochs=2"],
//    "runs":[{"index":0,"directory":"method-apot_wbits-2_seed-1","settings":{"method":"apot",...}}, ...]}
// A run's "settings" is an object; reading follows "axes" for the order, so every axis key must be in it.

#include <string>
#include <utility>
#include <vector>

namespace qs {

inline constexpr const char *kSweepManifestName = "sweep.json";

struct SweepAxis
{
    std::string key;
    std::vector<std::string> values; // in the order given on --grid
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
    std::vector<SweepRun> runs;              // index == position
    std::string backend;                     // "local" or "slurm"
    std::vector<std::string> extraArguments; // train overrides common to every run (may be empty)
};

// Whether DIRECTORY/sweep.json exists.
bool isSweepDirectory(const std::string &directory);
// A run's settings with each coupled axis ("k1+k2" = "v1|v2") split into one pair per key, in order; a
// setting whose parts do not match its keys is kept as it is.
std::vector<std::pair<std::string, std::string>>
expandSweepSettings(const std::vector<std::pair<std::string, std::string>> &settings);
// Reads DIRECTORY/sweep.json. Throws qs::Error with one line naming the file and what is wrong (not JSON, a
// missing or mistyped field, an unknown schema or version, a run whose index is not its position, a run
// directory that is not a plain name, a run without a setting for an axis).
SweepManifest readSweepManifest(const std::string &directory);
// Writes DIRECTORY/sweep.json atomically (core/io/atomicfile.h).
void writeSweepManifest(const std::string &directory, const SweepManifest &manifest);

// The manifest as its JSON text (indented), and back; `where` names the source in errors.
std::string sweepManifestText(const SweepManifest &manifest);
SweepManifest parseSweepManifest(const std::string &text, const std::string &where);

} // namespace qs
