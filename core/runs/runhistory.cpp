#include "core/runs/runhistory.h"

#include "core/error.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace qs {

namespace {

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
    const int64_t step = recordStep(r);
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
    auto readLayerStates = [&](const std::vector<LayerState> &layers, int64_t epoch) {
        for (const auto &layer : layers) {
            if (layer.name.empty())
                continue;
            LayerPoint p;
            p.step = step;
            p.epoch = epoch;
            p.alphaW = layer.alphaW;
            p.alphaA = layer.alphaA;
            p.deltaW = layer.deltaW;
            p.deltaA = layer.deltaA;
            p.mse = layer.mse.value_or(0.0);
            p.sqnrDb = layer.sqnrDb.value_or(0.0);
            addLayerPoint(layer.name, p, true);
            if (!layer.levels.empty() && layer.levels.size() == layer.counts.size())
                m_occupancy[layer.name] = LayerOccupancy{
                    step, layer.levels, std::vector<double>(layer.counts.begin(), layer.counts.end())};
        }
    };

    if (const auto *s = std::get_if<StepSample>(&r)) {
        m_steps.push_back(*s);
    } else if (const auto *e = std::get_if<EpochSample>(&r)) {
        m_epochs.push_back(*e);
    } else if (const auto *l = std::get_if<LayersRecord>(&r)) {
        readLayerStates(l->layers, l->epoch);
    } else if (const auto *u = std::get_if<EwgsUpdateRecord>(&r)) {
        for (size_t i = 0; i < u->layers.size(); ++i) {
            LayerPoint p;
            p.step = step;
            p.epoch = u->epoch;
            p.deltaW = i < u->deltaW.size() ? u->deltaW[i] : 0.0;
            p.deltaA = i < u->deltaA.size() ? u->deltaA[i] : 0.0;
            // Alpha is not in an EWGS update: carry the layer's last known clip so the point is not a 0.
            const auto &known = layer(u->layers[i]);
            if (!known.empty()) {
                p.alphaW = known.back().alphaW;
                p.alphaA = known.back().alphaA;
            }
            addLayerPoint(u->layers[i], p, false);
        }
    } else if (const auto *d = std::get_if<DivergenceRecord>(&r)) {
        readLayerStates(d->layers, d->epoch);
        m_divergence = *d;
        if (m_divergence->layer.empty())
            m_divergence->layer = layerInReason(d->reason, m_layerNames);
        m_finished = true;
    } else if (const auto *start = std::get_if<StartRecord>(&r)) {
        // A resumed run repeats the steps after its last checkpoint: the repeat replaces them.
        if (start->resume) {
            auto later = [&](const auto &p) { return p.step > step; };
            m_steps.erase(std::remove_if(m_steps.begin(), m_steps.end(), later), m_steps.end());
            m_epochs.erase(
                std::remove_if(m_epochs.begin(), m_epochs.end(),
                               [&](const EpochSample &kept) { return kept.epoch >= start->epoch; }),
                m_epochs.end());
            for (auto &[name, points] : m_layers)
                points.erase(std::remove_if(points.begin(), points.end(), later), points.end());
            m_lastStep = step;
        }
        m_finished = false;
        m_stopReason.clear();
    } else if (std::holds_alternative<DoneRecord>(r)) {
        m_finished = true;
    } else if (const auto *stop = std::get_if<StopRecord>(&r)) {
        m_finished = true;
        m_stopReason = stop->reason.empty() ? std::string("stopped") : stop->reason;
    } else {
        return; // rollback and unknown types add nothing
    }
    m_lastStep = std::max(m_lastStep, step);
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
        throw Error(runDir + ": no metrics.jsonl (not a QuantScope run directory)");
    RunHistory history(runDir);
    MetricsFollower follower(runDir);
    history.append(follower.poll());
    return history;
}

} // namespace qs
