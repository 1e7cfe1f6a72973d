#include "core/sweep/sweepplan.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

namespace qs {

namespace {

const std::set<std::string> &sweepOwnKeys()
{
    static const std::set<std::string> keys{"preset", "bits"};
    return keys;
}

bool isConfigKey(const std::string &key, const std::string &sample)
{
    TrainConfig config;
    try {
        applyConfigOverride(config, key + "=" + sample);
    } catch (const std::invalid_argument &e) {
        return std::string(e.what()).find("unknown key") == std::string::npos;
    }
    return true;
}

std::vector<std::string> split(const std::string &text, char separator)
{
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, separator))
        parts.push_back(part);
    if (!text.empty() && text.back() == separator)
        parts.emplace_back();
    return parts;
}

bool hasAxis(const SweepManifest &m, const std::string &key)
{
    return std::any_of(m.axes.begin(), m.axes.end(), [&](const SweepAxis &a) {
        const auto keys = split(a.key, '+');
        return std::find(keys.begin(), keys.end(), key) != keys.end();
    });
}

void apply(TrainConfig &config, const std::string &assignment, const std::string &run)
{
    try {
        applyConfigOverride(config, assignment);
    } catch (const std::invalid_argument &e) {
        throw std::invalid_argument("run " + run + ": " + e.what());
    }
}

} // namespace

std::vector<SweepAxis> parseSweepGrid(const std::string &grid)
{
    std::vector<SweepAxis> axes;
    std::istringstream in(grid);
    std::string piece;
    std::set<std::string> seen;
    while (in >> piece) {
        const auto eq = piece.find('=');
        if (eq == std::string::npos || eq == 0)
            throw std::invalid_argument("--grid: '" + piece + "' is not key=value1,value2,...");
        SweepAxis axis;
        axis.key = piece.substr(0, eq);
        axis.values = split(piece.substr(eq + 1), ',');
        if (axis.values.empty() || std::any_of(axis.values.begin(), axis.values.end(),
                                               [](const std::string &v) { return v.empty(); }))
            throw std::invalid_argument("--grid: key '" + axis.key + "' has an empty value");
        if (!seen.insert(axis.key).second)
            throw std::invalid_argument("--grid: key '" + axis.key + "' is given twice");
        if (std::set<std::string>(axis.values.begin(), axis.values.end()).size() != axis.values.size())
            throw std::invalid_argument("--grid: key '" + axis.key + "' repeats a value");
        // A coupled axis, "key1+key2=a1|a2,b1|b2": each value sets every key of it at once.
        const std::vector<std::string> keys = split(axis.key, '+');
        for (const auto &value : axis.values)
            if (split(value, '|').size() != keys.size())
                throw std::invalid_argument("--grid: key '" + axis.key + "': value '" + value + "' has " +
                                            std::to_string(split(value, '|').size()) + " parts, not " +
                                            std::to_string(keys.size()) + " (join them with '|')");
        const std::vector<std::string> sample = split(axis.values.front(), '|');
        for (size_t k = 0; k < keys.size(); ++k) {
            if (keys[k].empty() || sample[k].empty())
                throw std::invalid_argument("--grid: key '" + axis.key + "' has an empty part");
            if (!sweepOwnKeys().count(keys[k]) && !isConfigKey(keys[k], sample[k]))
                throw std::invalid_argument("--grid: unknown key '" + keys[k] +
                                            "' (a training config key, or preset or bits)");
        }
        axes.push_back(std::move(axis));
    }
    if (axes.empty())
        throw std::invalid_argument("--grid: no axis (expected \"key=v1,v2 key2=w1,w2\")");
    return axes;
}

std::string sweepRunName(const std::vector<std::pair<std::string, std::string>> &settings)
{
    std::string name;
    for (const auto &[key, value] : settings) {
        if (!name.empty())
            name += '_';
        for (const char c : key + "-" + value) {
            const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                               c == '.' || c == '+' || c == '=' || c == '-';
            name += plain ? c : '-';
        }
    }
    if (name.size() > 200)
        name.resize(200);
    return name;
}

SweepManifest planSweep(const std::string &preset, const std::vector<SweepAxis> &axes,
                        const std::vector<std::string> &extraArguments, const std::string &backend)
{
    SweepManifest m;
    m.preset = preset;
    m.axes = axes;
    m.extraArguments = extraArguments;
    m.backend = backend;
    size_t total = 1;
    for (const auto &axis : axes)
        total *= axis.values.size();
    std::set<std::string> names;
    for (size_t i = 0; i < total; ++i) {
        SweepRun run;
        run.index = int(i);
        size_t rest = i;
        std::vector<size_t> position(axes.size());
        for (size_t a = axes.size(); a-- > 0;) { // the last axis varies fastest
            position[a] = rest % axes[a].values.size();
            rest /= axes[a].values.size();
        }
        for (size_t a = 0; a < axes.size(); ++a)
            run.settings.emplace_back(axes[a].key, axes[a].values[position[a]]);
        run.directory = sweepRunName(run.settings);
        // Two values that read the same once made plain (a/b and a-b) get the run's index to tell them apart.
        if (!names.insert(run.directory).second) {
            run.directory += "_" + std::to_string(i);
            names.insert(run.directory);
        }
        m.runs.push_back(std::move(run));
    }
    return m;
}

TrainConfig sweepRunConfig(const SweepManifest &manifest, const SweepRun &run)
{
    const auto settings = expandSweepSettings(run.settings);
    std::string preset = manifest.preset;
    for (const auto &[key, value] : settings)
        if (key == "preset")
            preset = value;
    const auto text = presetText(preset);
    if (!text)
        throw std::invalid_argument("run " + run.directory + ": unknown preset '" + preset +
                                    "' (quantscope-cli train --list-presets)");
    TrainConfig config = parseTrainConfig(*text);
    for (size_t i = 0; i < manifest.extraArguments.size(); ++i) {
        const std::string &arg = manifest.extraArguments[i];
        if (arg != "--set" || i + 1 >= manifest.extraArguments.size())
            throw std::invalid_argument("run " + run.directory + ": extra argument '" + arg +
                                        "' is not --set key=value");
        apply(config, manifest.extraArguments[++i], run.directory);
    }
    const bool backwardAxis = hasAxis(manifest, "backward");
    for (const auto &[key, value] : settings) {
        if (key == "preset")
            continue;
        if (key == "bits") {
            apply(config, "wbits=" + value, run.directory);
            apply(config, "abits=" + value, run.directory);
        } else if (key == "method" && !backwardAxis) {
            const std::string suffix = "-ewgs";
            const bool ewgs = value.size() > suffix.size() &&
                              value.compare(value.size() - suffix.size(), suffix.size(), suffix) == 0;
            apply(config, "method=" + (ewgs ? value.substr(0, value.size() - suffix.size()) : value),
                  run.directory);
            apply(config, std::string("backward=") + (ewgs ? "ewgs" : "ste"), run.directory);
        } else {
            apply(config, key + "=" + value, run.directory);
        }
    }
    return config;
}

void validateSweep(const SweepManifest &manifest)
{
    for (const auto &run : manifest.runs) {
        const TrainConfig config = sweepRunConfig(manifest, run);
        if (auto why = checkTrainConfig(config))
            throw std::invalid_argument("run " + run.directory + ": " + *why);
    }
}

bool sameSweep(const SweepManifest &a, const SweepManifest &b)
{
    if (a.preset != b.preset || a.extraArguments != b.extraArguments || a.axes.size() != b.axes.size() ||
        a.runs.size() != b.runs.size())
        return false;
    for (size_t i = 0; i < a.axes.size(); ++i)
        if (a.axes[i].key != b.axes[i].key || a.axes[i].values != b.axes[i].values)
            return false;
    for (size_t i = 0; i < a.runs.size(); ++i)
        if (a.runs[i].directory != b.runs[i].directory || a.runs[i].settings != b.runs[i].settings)
            return false;
    return true;
}

std::string arrayRanges(const std::vector<int> &indices)
{
    std::string out;
    for (size_t i = 0; i < indices.size();) {
        size_t j = i;
        while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1)
            ++j;
        if (!out.empty())
            out += ',';
        out += std::to_string(indices[i]);
        if (j > i)
            out += "-" + std::to_string(indices[j]);
        i = j + 1;
    }
    return out;
}

std::string shellQuote(const std::string &text)
{
    std::string out = "'";
    for (const char c : text)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string slurmScript(const std::string &sweepDir, const std::vector<int> &indices,
                        const SlurmOptions &options)
{
    std::ostringstream s;
    s << "#!/bin/bash\n"
      << "# A QuantScope sweep as one Slurm job array: each task trains one run of " << sweepDir
      << "/sweep.json\n"
      << "# into its own run directory (quantscope-cli sweep-task). Written by quantscope-cli sweep.\n"
      << "#SBATCH --job-name=" << options.jobName << "\n"
      << "#SBATCH --array=" << arrayRanges(indices)
      << (options.maxParallel > 0 ? "%" + std::to_string(options.maxParallel) : std::string()) << "\n"
      << "#SBATCH --output=" << sweepDir << "/slurm/%A_%a.out\n"
      << "#SBATCH --open-mode=append\n"
      << (options.workDir.empty() ? std::string() : "#SBATCH --chdir=" + options.workDir + "\n")
      << "#SBATCH --ntasks=1\n";
    if (!options.partition.empty())
        s << "#SBATCH --partition=" << options.partition << "\n";
    if (!options.gpus.empty())
        s << "#SBATCH --gpus-per-task=" << options.gpus << "\n";
    if (options.cpusPerTask > 0)
        s << "#SBATCH --cpus-per-task=" << options.cpusPerTask << "\n";
    if (!options.time.empty())
        s << "#SBATCH --time=" << options.time << "\n";
    if (!options.mem.empty())
        s << "#SBATCH --mem=" << options.mem << "\n";
    if (options.signalSeconds > 0)
        s << "#SBATCH --signal=B:USR1@" << options.signalSeconds << "\n"
          << "#SBATCH --requeue\n";
    for (const auto &line : options.extraLines)
        s << "#SBATCH " << line << "\n";
    s << "\n"
      << "cli=" << shellQuote(options.cli) << "\n"
      << "sweep=" << shellQuote(sweepDir) << "\n"
      << "echo \"quantscope sweep task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname) "
         "(restart ${SLURM_RESTART_COUNT:-0})\"\n"
      << "\"$cli\" sweep-task \"$sweep\" \"$SLURM_ARRAY_TASK_ID\" --threads \"${SLURM_CPUS_PER_TASK:-0}\" &\n"
      << "child=$!\n";
    if (options.signalSeconds > 0) {
        s << "# Before the time limit Slurm sends USR1 to this script: the task checkpoints after its "
             "current\n"
          << "# step and exits 130; then the task is requeued and resumes from its checkpoint.\n"
          << "signalled=0\n"
          << "trap 'signalled=1; kill -USR1 \"$child\" 2>/dev/null' USR1\n"
          << "wait \"$child\"\n"
          << "rc=$?\n"
          << "while kill -0 \"$child\" 2>/dev/null; do wait \"$child\"; rc=$?; done\n"
          << "if [ \"$signalled\" = 1 ] && [ \"$rc\" = 130 ]; then\n"
          << "    echo \"quantscope sweep task: stopped before the time limit; requeueing\"\n"
          << "    scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n"
          << "    exit 0\n"
          << "fi\n"
          << "exit \"$rc\"\n";
    } else {
        s << "wait \"$child\"\n"
          << "exit $?\n";
    }
    return s.str();
}

} // namespace qs
