#pragma once
// One run's metrics.jsonl gathered into plot-ready series: loss per step, accuracy and learning rate per
// epoch, each layer's alpha and EWGS delta over time, the latest level occupancy, and the divergence event.
// Torch-free: the dashboard, the run comparison and `quantscope-cli figure --kind curves|ewgs|compare` all
// read runs through it. Fed record by record, so a run that is still being written grows in place.

#include "core/runs/runreader.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qs {

// One layer's state at one moment (a "layers" record at an epoch end, or an "ewgs_update").
struct LayerPoint
{
    int64_t step = 0, epoch = 0;
    double alphaW = 0, alphaA = 0, deltaW = 0, deltaA = 0;
    double mse = 0, sqnrDb = 0; // only from "layers" records (0 otherwise)
    bool full = false; // from a "layers" or "divergence" record: alpha, mse and sqnr are the layer's own
};

struct LayerOccupancy
{
    int64_t step = 0;
    std::vector<double> levels, counts; // the quantized weight values and how many weights sit on each
};

// The divergence as the history keeps it: the record, with `layer` the layer it names or else the first
// layer in its reason (e.g. "layer2.0.conv1" from "layer2.0.conv1 weight delta = 3.2e+05"), and `values` the
// record's other numbers (loss, delta, ...).
using DivergenceEvent = DivergenceRecord;

class RunHistory
{
public:
    RunHistory() = default;
    explicit RunHistory(std::string runDir); // label from config.ini when readable (summarizeRun's label)

    void append(const MetricsRecord &record); // unknown record types are ignored
    void append(const std::vector<MetricsRecord> &records);

    const std::string &dir() const { return m_dir; }
    const std::string &label() const { return m_label; }
    void setLabel(std::string label) { m_label = std::move(label); }
    // Two runs of the same recipe get the same label: when `other`'s equals this one's, this run's directory
    // name ("runs/apot/" -> "apot") is added to it.
    void distinguishFrom(const RunHistory &other);

    const std::vector<StepSample> &steps() const { return m_steps; }
    const std::vector<EpochSample> &epochs() const { return m_epochs; }
    // Layer names in first-seen order, and each layer's points in time order. EWGS updates and epoch-end
    // layer records both add points (alpha comes from the latter, delta from both).
    const std::vector<std::string> &layerNames() const { return m_layerNames; }
    const std::vector<LayerPoint> &layer(const std::string &name) const; // empty when unknown
    // The newest occupancy of each layer (from the last "layers" or "divergence" record that had one).
    const std::map<std::string, LayerOccupancy> &occupancy() const { return m_occupancy; }
    const std::optional<DivergenceEvent> &divergence() const { return m_divergence; }
    bool finished() const { return m_finished; } // a "done" or "stop" record, or a divergence
    // Why the newest session ended early: "stopped" (Pause or Stop; last.qsckpt resumes it) or "max_steps";
    // empty when it ran to its end, diverged, or is still running.
    const std::string &stopReason() const { return m_stopReason; }
    int64_t lastStep() const;
    int64_t recordCount() const { return m_records; } // records that changed the history (grows on append)

    // Exponential moving average of the loss (weight `beta` on the past, bias-corrected like TensorBoard's
    // smoothing); one value per steps() entry.
    std::vector<double> smoothedLoss(double beta = 0.9) const;

private:
    std::string m_dir, m_label;
    std::vector<StepSample> m_steps;
    std::vector<EpochSample> m_epochs;
    std::vector<std::string> m_layerNames;
    std::map<std::string, std::vector<LayerPoint>> m_layers;
    std::map<std::string, LayerOccupancy> m_occupancy;
    std::optional<DivergenceEvent> m_divergence;
    bool m_finished = false;
    std::string m_stopReason;
    int64_t m_lastStep = 0;
    int64_t m_records = 0;
};

// Reads RUNDIR/metrics.jsonl as it is now (a half-written last line waits). Throws qs::Error with
// one line naming the directory when it holds no metrics.jsonl.
RunHistory loadRunHistory(const std::string &runDir);

} // namespace qs
