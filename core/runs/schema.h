#pragma once
// The metrics.jsonl records, defined once. The trainer writes them (MetricsWriter, one line each), the run
// readers read them (MetricsFollower, summarizeRun, RunHistory), and the training callbacks carry two of them
// (StepSample, EpochSample) to the GUI and the CLI. The JSON field names below are the file format: every
// metrics.jsonl written so far reads back as it did. Each type has one conversion each way (to_json and
// from_json, nlohmann's hooks); non-finite numbers follow core/io/json.h ("NaN", "Infinity", "-Infinity").
//
// Reading is lenient where old or hand-written files need it: a missing field takes the default given here,
// unknown fields are ignored, an unknown "type" is an UnknownRecord. A field of the wrong JSON type makes the
// whole line malformed (qs::Error). Torch-free.

#include "core/io/json.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace qs {

// "start" (a new run) or "resume" (a run continued from last.qsckpt; the steps after `step` are repeated).
struct StartRecord
{
    bool resume = false; // the "type": "resume" instead of "start"
    int64_t step = 0, epoch = 0;
    int64_t threads = 0;
    std::string device; // "cpu" or "cuda"
    int64_t parameters = 0, trainImages = 0, testImages = 0;
    std::string data; // the training set, one line
};

// "step": one optimizer step (written every log_every steps; the onStep callback gets every one).
struct StepSample
{
    int64_t step = 0, epoch = 0;           // step: the global step count after this step
    double loss = 0, lr = 0, gradNorm = 0; // loss: NaN when a record has none
};

// "epoch": an epoch's end, with the test set's evaluation.
struct EpochSample
{
    int64_t epoch = 0, step = 0; // epoch index (0-based) and the global step at its end
    double trainLoss = 0, trainTop1 = 0, testLoss = 0, testTop1 = 0, testTop5 = 0;
    double bestTop1 = 0; // the best test top-1 so far, this epoch included
    double seconds = 0;  // the epoch's wall time
    double lr = 0;
};

// One quantized layer's state in a "layers" or "divergence" record.
struct LayerState
{
    std::string name;
    double alphaW = 0, alphaA = 0; // the clips (LSQ: the step sizes)
    double deltaW = 0, deltaA = 0; // the EWGS deltas
    // Weight quantization error; absent when the layer could not be quantized (a clip through zero).
    std::optional<double> mse, sqnrDb;
    // The quantized weight values and how many weights sit on each; empty (not written) beyond 256 values.
    std::vector<double> levels;
    std::vector<int64_t> counts;
};

// "layers": every quantized layer at an epoch's end.
struct LayersRecord
{
    int64_t epoch = 0, step = 0;
    std::vector<LayerState> layers;
};

// "ewgs_update": the EWGS deltas re-estimated from the Hessian trace, one entry per layer.
struct EwgsUpdateRecord
{
    int64_t epoch = 0, step = 0;
    std::vector<std::string> layers;
    std::vector<double> deltaW, deltaA;
};

// "divergence": the run stopped on a NaN/Inf loss or gradient, an exploding EWGS delta or a clip through
// zero.
struct DivergenceRecord
{
    int64_t epoch = 0, step = 0;
    std::string reason; // one line, e.g. "layer2.0.conv1 weight delta = 3.2e+05"
    std::string layer;  // the layer blamed ("" when none: not written)
    std::string detail; // the explosion's own line ("" when none: not written)
    // The record's other numbers ("loss", "alpha", "delta", ...), written as fields of their own.
    std::map<std::string, double> values;
    std::vector<LayerState> layers;
};

// "rollback": after a divergence, the model was reloaded from `checkpoint`.
struct RollbackRecord
{
    std::string checkpoint;
    int64_t step = 0;
};

// "stop": the stop flag or max_steps ended the session; last.qsckpt resumes at (epoch, batch).
struct StopRecord
{
    std::string reason; // trainOutcomeName: "stopped" or "max_steps"
    int64_t step = 0, epoch = 0, batch = 0;
};

// "done": every epoch finished.
struct DoneRecord
{
    int64_t step = 0;
    double bestTop1 = 0;
};

// A record of a type this version does not know (kept so a newer file still reads).
struct UnknownRecord
{
    std::string type;
    int64_t step = 0; // its "step" when that is a number, else 0
};

using MetricsRecord = std::variant<StartRecord, StepSample, EpochSample, LayersRecord, EwgsUpdateRecord,
                                   DivergenceRecord, RollbackRecord, StopRecord, DoneRecord, UnknownRecord>;

std::string recordType(const MetricsRecord &record); // its "type"
int64_t recordStep(const MetricsRecord &record);     // its "step"

// One metrics.jsonl line, without the newline.
std::string metricsLine(const MetricsRecord &record);
// Parses one metrics.jsonl line. Throws qs::Error with one line when it is not a JSON object, or a known
// field has the wrong type.
MetricsRecord parseMetricsLine(const std::string &line);

void to_json(Json &j, const StartRecord &r);
void from_json(const Json &j, StartRecord &r);
void to_json(Json &j, const StepSample &r);
void from_json(const Json &j, StepSample &r);
void to_json(Json &j, const EpochSample &r);
void from_json(const Json &j, EpochSample &r);
void to_json(Json &j, const LayerState &r);
void from_json(const Json &j, LayerState &r);
void to_json(Json &j, const LayersRecord &r);
void from_json(const Json &j, LayersRecord &r);
void to_json(Json &j, const EwgsUpdateRecord &r);
void from_json(const Json &j, EwgsUpdateRecord &r);
void to_json(Json &j, const DivergenceRecord &r);
void from_json(const Json &j, DivergenceRecord &r);
void to_json(Json &j, const RollbackRecord &r);
void from_json(const Json &j, RollbackRecord &r);
void to_json(Json &j, const StopRecord &r);
void from_json(const Json &j, StopRecord &r);
void to_json(Json &j, const DoneRecord &r);
void from_json(const Json &j, DoneRecord &r);
void to_json(Json &j, const UnknownRecord &r);
void from_json(const Json &j, UnknownRecord &r);
void to_json(Json &j, const MetricsRecord &r);   // with its "type"
void from_json(const Json &j, MetricsRecord &r); // by its "type"

} // namespace qs
