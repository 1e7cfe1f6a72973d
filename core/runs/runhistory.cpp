#include "core/runs/runhistory.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace qs {

namespace {

// A nested array of the record, or nothing when it is absent or malformed (a record is kept for what it has).
template <typename T>
std::vector<T> nestedArray(const MetricsRecord &r, const std::string &key,
                           std::vector<T> (*parse)(const std::string &))
{
    auto it = r.nested.find(key);
    if (it == r.nested.end())
        return {};
    try {
        return parse(it->second);
    } catch (const std::invalid_argument &) {
        return {};
    }
}

std::vector<double> numberArray(const MetricsRecord &r, const std::string &key)
{
    return nestedArray(r, key, &parseNumberArray);
}

std::string stringField(const MetricsRecord &r, const std::string &key)
{
    auto it = r.strings.find(key);
    return it == r.strings.end() ? std::string() : it->second;
}

int64_t intField(const MetricsRecord &r, const std::string &key, int64_t fallback)
{
    const double v = r.number(key, double(fallback));
    return std::isfinite(v) ? int64_t(v) : fallback;
}

bool isLayerChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_';
}

// The first word of `reason` that looks like a module path ("layer2.0.conv1", "conv1", "fc"), else "".
std::string layerInReason(const std::string &reason, const std::vector<std::string> &known)
{
    size_t bestPos = std::string::npos;
    std::string best;
    for (const auto &name : known) { // a known layer name wins, wherever it is
        const size_t pos = reason.find(name);
        if (pos != std::string::npos && (pos < bestPos || (pos == bestPos && name.size() > best.size()))) {
            bestPos = pos;
            best = name;
        }
    }
    if (!best.empty())
        return best;
    for (size_t i = 0; i < reason.size();) {
        while (i < reason.size() && !isLayerChar(reason[i]))
            ++i;
        const size_t start = i;
        while (i < reason.size() && isLayerChar(reason[i]))
            ++i;
        const std::string word = reason.substr(start, i - start);
        if (word.find('.') != std::string::npos &&
            (word.rfind("layer", 0) == 0 || word.find("conv") != std::string::npos ||
             word.find("linear") != std::string::npos || word.find("fc") != std::string::npos))
            return word;
    }
    return {};
}

} // namespace

RunHistory::RunHistory(std::string runDir) : m_dir(std::move(runDir))
{
    // The label summarizeRun gives the run, so the table and the legends agree.
    m_label = runLabel(readRunConfig(m_dir), m_dir);
}

void RunHistory::distinguishFrom(const RunHistory &other)
{
    if (other.m_label != m_label)
        return;
    auto path = std::filesystem::path(m_dir).lexically_normal();
    if (path.filename().empty())
        path = path.parent_path();
    m_label += " (" + (path.filename().empty() ? m_dir : path.filename().string()) + ")";
}

void RunHistory::append(const std::vector<MetricsRecord> &records)
{
    for (const auto &r : records)
        append(r);
}

void RunHistory::append(const MetricsRecord &r)
{
    const int64_t step = intField(r, "step", m_lastStep);
    const int64_t epoch = intField(r, "epoch", m_epochs.empty() ? 0 : m_epochs.back().epoch);
    auto addLayerPoint = [&](const std::string &name, const LayerPoint &p, bool full) {
        auto &points = m_layers[name];
        if (points.empty() && std::find(m_layerNames.begin(), m_layerNames.end(), name) == m_layerNames.end())
            m_layerNames.push_back(name);
        // An EWGS update and an epoch-end record at the same step describe one moment: merge them.
        if (!points.empty() && points.back().step == p.step) {
            LayerPoint &last = points.back();
            last.deltaW = p.deltaW;
            last.deltaA = p.deltaA;
            if (full) {
                last.alphaW = p.alphaW;
                last.alphaA = p.alphaA;
                last.mse = p.mse;
                last.sqnrDb = p.sqnrDb;
                last.full = true;
            }
            return;
        }
        points.push_back(p);
        points.back().full = full;
    };
    // "layers" and "divergence" records carry every layer's state: clips, deltas, error and occupancy.
    auto readLayerStates = [&] {
        for (const auto &layer : nestedArray(r, "layers", &parseRecordArray)) {
            const std::string name = stringField(layer, "name");
            if (name.empty())
                continue;
            LayerPoint p;
            p.step = step;
            p.epoch = epoch;
            p.alphaW = layer.number("alpha_w", 0);
            p.alphaA = layer.number("alpha_a", 0);
            p.deltaW = layer.number("delta_w", 0);
            p.deltaA = layer.number("delta_a", 0);
            p.mse = layer.number("mse", 0);
            p.sqnrDb = layer.number("sqnr_db", 0);
            addLayerPoint(name, p, true);
            LayerOccupancy occupancy{step, numberArray(layer, "levels"), numberArray(layer, "counts")};
            if (!occupancy.levels.empty() && occupancy.levels.size() == occupancy.counts.size())
                m_occupancy[name] = std::move(occupancy);
        }
    };

    if (r.type == "step") {
        m_steps.push_back({step, epoch, r.number("loss", std::numeric_limits<double>::quiet_NaN()),
                           r.number("lr", 0), r.number("grad_norm", 0)});
    } else if (r.type == "epoch") {
        EpochPoint e;
        e.epoch = epoch;
        e.step = step;
        e.trainLoss = r.number("train_loss", 0);
        e.trainTop1 = r.number("train_top1", 0);
        e.testLoss = r.number("test_loss", 0);
        e.testTop1 = r.number("test_top1", 0);
        e.testTop5 = r.number("test_top5", 0);
        e.lr = r.number("lr", 0);
        e.seconds = r.number("seconds", 0);
        m_epochs.push_back(e);
    } else if (r.type == "layers") {
        readLayerStates();
    } else if (r.type == "ewgs_update") {
        const auto names = nestedArray(r, "layers", &parseStringArray);
        const auto dw = numberArray(r, "delta_w"), da = numberArray(r, "delta_a");
        for (size_t i = 0; i < names.size(); ++i) {
            LayerPoint p;
            p.step = step;
            p.epoch = epoch;
            p.deltaW = i < dw.size() ? dw[i] : 0.0;
            p.deltaA = i < da.size() ? da[i] : 0.0;
            // Alpha is not in an EWGS update: carry the layer's last known clip so the point is not a 0.
            const auto &known = layer(names[i]);
            if (!known.empty()) {
                p.alphaW = known.back().alphaW;
                p.alphaA = known.back().alphaA;
            }
            addLayerPoint(names[i], p, false);
        }
    } else if (r.type == "divergence") {
        readLayerStates();
        DivergenceEvent d;
        d.step = step;
        d.epoch = epoch;
        d.reason = stringField(r, "reason");
        d.layer = stringField(r, "layer");
        if (d.layer.empty())
            d.layer = layerInReason(d.reason, m_layerNames);
        for (const auto &[key, v] : r.numbers)
            if (key != "step" && key != "epoch")
                d.values[key] = v;
        m_divergence = std::move(d);
        m_finished = true;
    } else if (r.type == "start" || r.type == "resume") {
        // A resumed run repeats the steps after its last checkpoint: the repeat replaces them.
        if (r.type == "resume") {
            auto later = [&](const auto &p) { return p.step > step; };
            m_steps.erase(std::remove_if(m_steps.begin(), m_steps.end(), later), m_steps.end());
            m_epochs.erase(std::remove_if(m_epochs.begin(), m_epochs.end(),
                                          [&](const EpochPoint &e) { return e.epoch >= epoch; }),
                           m_epochs.end());
            for (auto &[name, points] : m_layers)
                points.erase(std::remove_if(points.begin(), points.end(), later), points.end());
        }
        m_finished = false;
    } else if (r.type == "done" || r.type == "stop") {
        m_finished = true;
    } else {
        return; // rollback and unknown types add nothing
    }
    m_lastStep = std::max(m_lastStep, step);
    if (r.type == "resume")
        m_lastStep = step;
    ++m_records;
}

const std::vector<LayerPoint> &RunHistory::layer(const std::string &name) const
{
    static const std::vector<LayerPoint> empty;
    auto it = m_layers.find(name);
    return it == m_layers.end() ? empty : it->second;
}

int64_t RunHistory::lastStep() const
{
    return m_lastStep;
}

std::vector<double> RunHistory::smoothedLoss(double beta) const
{
    // TensorBoard's rule: last = beta*last + (1-beta)*x over the finite values, divided by 1 - beta^n so the
    // first points are not pulled toward 0; a non-finite loss is passed through and does not enter the mean.
    std::vector<double> out;
    out.reserve(m_steps.size());
    beta = std::clamp(beta, 0.0, 0.9999);
    double last = 0, weight = 1;
    for (const auto &s : m_steps) {
        if (!std::isfinite(s.loss)) {
            out.push_back(s.loss);
            continue;
        }
        last = beta * last + (1 - beta) * s.loss;
        weight *= beta;
        out.push_back(weight < 1 ? last / (1 - weight) : s.loss);
    }
    return out;
}

RunHistory loadRunHistory(const std::string &runDir)
{
    if (!std::ifstream(runDir + "/metrics.jsonl"))
        throw std::runtime_error(runDir + ": no metrics.jsonl (not a QuantScope run directory)");
    RunHistory history(runDir);
    MetricsFollower follower(runDir);
    history.append(follower.poll());
    return history;
}

} // namespace qs
