#include "ui/views/sweepfollower.h"

#include "core/runs/runreader.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace qs::ui {

namespace fs = std::filesystem;

namespace {

// A file's size and modification time; both -1 when it does not exist.
struct Stamp
{
    intmax_t size = -1;
    fs::file_time_type time{};
    bool operator==(const Stamp &o) const { return size == o.size && time == o.time; }
    bool operator!=(const Stamp &o) const { return !(*this == o); }
};

Stamp stampOf(const fs::path &path)
{
    std::error_code ec;
    Stamp s;
    const auto size = fs::file_size(path, ec);
    if (ec)
        return s;
    s.size = intmax_t(size);
    s.time = fs::last_write_time(path, ec);
    return s;
}

} // namespace

struct SweepFollower::Followed
{
    explicit Followed(std::string d) : dir(std::move(d)) { reset(); }
    void reset()
    {
        follower = std::make_unique<MetricsFollower>(dir);
        history = std::make_unique<RunHistory>();
        metrics = Stamp{};
    }
    std::string dir;
    std::unique_ptr<MetricsFollower> follower;
    std::unique_ptr<RunHistory> history; // no label: only the records matter here
    Stamp metrics, config, lock, error;
};

SweepFollower::SweepFollower(const std::string &directory)
    : m_directory(directory), m_manifest(readSweepManifest(directory))
{
    for (size_t i = 0; i < m_manifest.runs.size(); ++i)
        m_runs.push_back(std::make_unique<Followed>(runDirectory(i)));
    m_status.resize(m_runs.size());
    poll();
}

SweepFollower::~SweepFollower() = default;

std::string SweepFollower::runDirectory(size_t index) const
{
    return (fs::path(m_directory) / m_manifest.runs.at(index).directory).lexically_normal().string();
}

std::string settingsLabel(const std::vector<std::pair<std::string, std::string>> &coupled)
{
    // A coupled axis ("preset+init" = "A|a") is labelled key by key, as `compare --sweep` does.
    const auto settings = expandSweepSettings(coupled);
    std::string out;
    for (const auto &[key, value] : settings) {
        const bool number = !value.empty() && value.find_first_not_of("0123456789.+-eE") == std::string::npos;
        out += (out.empty() ? "" : " ") + (number || value.empty() ? key + "=" + value : value);
    }
    return out;
}

std::string SweepFollower::runLabel(size_t index) const
{
    const std::string label = settingsLabel(m_manifest.runs.at(index).settings);
    return label.empty() ? m_manifest.runs.at(index).directory : label;
}

bool SweepFollower::poll()
{
    bool changed = false;
    m_lastReads = 0;
    for (size_t i = 0; i < m_runs.size(); ++i) {
        Followed &f = *m_runs[i];
        SweepRunProgress next = m_status[i];
        const Stamp config = stampOf(fs::path(f.dir) / "config.ini");
        if (config != f.config) {
            const auto values = readRunConfig(f.dir);
            const auto it = values.find("epochs");
            next.epochsPlanned = 0;
            if (it != values.end()) {
                try {
                    next.epochsPlanned = std::max<int64_t>(0, std::stoll(it->second));
                } catch (const std::exception &) { // a damaged value: unknown
                }
            }
        }
        const Stamp metrics = stampOf(fs::path(f.dir) / "metrics.jsonl");
        const bool metricsChanged = metrics != f.metrics;
        if (metricsChanged) {
            if (metrics.size < f.metrics.size) // truncated or replaced (a run restarted): read it again
                f.reset();
            f.metrics = metrics;
            ++m_lastReads;
            f.history->append(f.follower->poll());
            const RunHistory &h = *f.history;
            next.epochsDone = h.epochs().empty() ? 0 : h.epochs().back().epoch + 1;
            next.latestTop1.reset();
            next.bestTop1.reset();
            for (const EpochSample &e : h.epochs())
                next.bestTop1 = std::max(next.bestTop1.value_or(e.testTop1), e.testTop1);
            if (!h.epochs().empty())
                next.latestTop1 = h.epochs().back().testTop1;
            next.problem =
                damageLine(f.follower->path(), f.follower->problems(), f.follower->malformedLines());
        }
        const Stamp lock = stampOf(fs::path(f.dir) / kSweepTaskLockName);
        const Stamp error = stampOf(fs::path(f.dir) / kSweepErrorName);
        if (m_first || metricsChanged || config != f.config || lock != f.lock || error != f.error ||
            next.state == SweepRunState::Running) {
            f.config = config;
            f.lock = lock;
            f.error = error;
            const SweepRunStatus state = sweepRunStatus(m_directory, m_manifest.runs[i]);
            next.state = state.state;
            next.detail = state.detail;
        }
        const bool same = next.state == m_status[i].state && next.detail == m_status[i].detail &&
                          next.epochsDone == m_status[i].epochsDone &&
                          next.epochsPlanned == m_status[i].epochsPlanned &&
                          next.latestTop1 == m_status[i].latestTop1 &&
                          next.bestTop1 == m_status[i].bestTop1 && next.problem == m_status[i].problem;
        if (!same) {
            m_status[i] = std::move(next);
            changed = true;
        }
    }
    m_first = false;
    return changed;
}

std::vector<SweepRow> groupSweepRuns(const SweepManifest &manifest,
                                     const std::vector<SweepRunProgress> &status,
                                     const std::vector<std::string> &groupKeys)
{
    std::vector<SweepRow> rows;
    std::map<std::vector<std::string>, size_t> rowOf;
    for (size_t i = 0; i < manifest.runs.size() && i < status.size(); ++i) {
        std::vector<std::string> values;
        for (const auto &[key, value] : manifest.runs[i].settings)
            if (std::find(groupKeys.begin(), groupKeys.end(), key) != groupKeys.end())
                values.push_back(value);
        auto [it, inserted] = rowOf.emplace(values, rows.size());
        if (inserted) {
            rows.emplace_back();
            rows.back().values = values;
        }
        rows[it->second].members.push_back(i);
    }
    for (SweepRow &row : rows) {
        std::vector<double> latest, best;
        for (size_t i : row.members) {
            const SweepRunProgress &s = status[i];
            ++row.states[size_t(s.state)];
            row.epochsDone += s.epochsDone;
            row.epochsPlanned += s.epochsPlanned;
            if (s.latestTop1)
                latest.push_back(*s.latestTop1);
            if (s.bestTop1)
                best.push_back(*s.bestTop1);
        }
        row.latestTop1 = meanStd(latest);
        row.bestTop1 = meanStd(best);
    }
    return rows;
}

} // namespace qs::ui
