#include "core/runs/schema.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace qs {

namespace {

// Field readers: a missing (or null) field is `fallback`; a field of another JSON type throws qs::Error.
const Json *field(const Json &j, const char *key)
{
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
}

[[noreturn]] void wrongType(const char *key, const char *expected)
{
    throw Error(std::string("metrics record: \"") + key + "\" is not " + expected);
}

double number(const Json &j, const char *key, double fallback = 0)
{
    const Json *v = field(j, key);
    return v ? jsonToNumber(*v, std::string("metrics record: \"") + key + "\"") : fallback;
}

int64_t integer(const Json &j, const char *key, int64_t fallback = 0)
{
    const Json *v = field(j, key);
    if (!v)
        return fallback;
    if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
        throw Error(std::string("metrics record: \"") + key + "\" " + v->dump() +
                    " is not an integer in range");
    if (v->is_number_integer())
        return v->get<int64_t>();
    // 173.0 is an integer; 1e308, 1.5 and NaN are not (a cast would make 1e308 into -9223372036854775807).
    if (v->is_number_float()) {
        const double d = v->get<double>();
        if (std::isfinite(d) && std::trunc(d) == d && std::abs(d) < 9.2e18)
            return static_cast<int64_t>(d);
        throw Error(std::string("metrics record: \"") + key + "\" " + v->dump() +
                    " is not an integer in range");
    }
    wrongType(key, "an integer");
}

std::string text(const Json &j, const char *key)
{
    const Json *v = field(j, key);
    if (!v)
        return {};
    if (!v->is_string())
        wrongType(key, "a string");
    return v->get<std::string>();
}

const Json *array(const Json &j, const char *key)
{
    const Json *v = field(j, key);
    if (v && !v->is_array())
        wrongType(key, "an array");
    return v;
}

std::vector<double> numbers(const Json &j, const char *key)
{
    std::vector<double> out;
    if (const Json *v = array(j, key))
        for (const auto &e : *v)
            out.push_back(jsonToNumber(e, std::string("metrics record: an element of \"") + key + "\""));
    return out;
}

std::vector<int64_t> integers(const Json &j, const char *key)
{
    std::vector<int64_t> out;
    if (const Json *v = array(j, key))
        for (const auto &e : *v) {
            if (e.is_number_integer())
                out.push_back(e.get<int64_t>());
            else if (e.is_number_float() && std::trunc(e.get<double>()) == e.get<double>() &&
                     std::abs(e.get<double>()) < 9.2e18) // 173.0
                out.push_back(static_cast<int64_t>(e.get<double>()));
            else
                wrongType(key, "an array of integers");
        }
    return out;
}

std::vector<std::string> texts(const Json &j, const char *key)
{
    std::vector<std::string> out;
    if (const Json *v = array(j, key))
        for (const auto &e : *v) {
            if (!e.is_string())
                wrongType(key, "an array of strings");
            out.push_back(e.get<std::string>());
        }
    return out;
}

std::vector<LayerState> layerStates(const Json &j)
{
    std::vector<LayerState> out;
    if (const Json *v = array(j, "layers"))
        for (const auto &e : *v)
            out.push_back(e.get<LayerState>());
    return out;
}

void checkObject(const Json &j)
{
    if (!j.is_object())
        throw Error("metrics record: not a JSON object");
}

// The fields of a divergence record that are its own, not one of its `values`.
bool divergenceField(const std::string &key)
{
    for (const char *own : {"type", "reason", "layer", "detail", "epoch", "step", "layers"})
        if (key == own)
            return true;
    return false;
}

// Each record's "type".
const char *typeOf(const StartRecord &r)
{
    return r.resume ? "resume" : "start";
}
const char *typeOf(const StepSample &)
{
    return "step";
}
const char *typeOf(const EpochSample &)
{
    return "epoch";
}
const char *typeOf(const LayersRecord &)
{
    return "layers";
}
const char *typeOf(const EwgsUpdateRecord &)
{
    return "ewgs_update";
}
const char *typeOf(const DivergenceRecord &)
{
    return "divergence";
}
const char *typeOf(const RollbackRecord &)
{
    return "rollback";
}
const char *typeOf(const StopRecord &)
{
    return "stop";
}
const char *typeOf(const DoneRecord &)
{
    return "done";
}
const char *typeOf(const UnknownRecord &r)
{
    return r.type.c_str();
}

} // namespace

void to_json(Json &j, const StartRecord &r)
{
    j = Json{{"type", typeOf(r)},
             {"step", r.step},
             {"epoch", r.epoch},
             {"threads", r.threads},
             {"device", r.device},
             {"parameters", r.parameters},
             {"train_images", r.trainImages},
             {"test_images", r.testImages},
             {"data", r.data}};
}

void from_json(const Json &j, StartRecord &r)
{
    checkObject(j);
    r.resume = text(j, "type") == "resume";
    r.step = integer(j, "step");
    r.epoch = integer(j, "epoch");
    r.threads = integer(j, "threads");
    r.device = text(j, "device");
    r.parameters = integer(j, "parameters");
    r.trainImages = integer(j, "train_images");
    r.testImages = integer(j, "test_images");
    r.data = text(j, "data");
}

void to_json(Json &j, const StepSample &r)
{
    j = Json{{"type", typeOf(r)}, {"step", r.step}, {"epoch", r.epoch},
             {"loss", r.loss},    {"lr", r.lr},     {"grad_norm", r.gradNorm}};
}

void from_json(const Json &j, StepSample &r)
{
    checkObject(j);
    r.step = integer(j, "step");
    r.epoch = integer(j, "epoch");
    r.loss = number(j, "loss", std::numeric_limits<double>::quiet_NaN());
    r.lr = number(j, "lr");
    r.gradNorm = number(j, "grad_norm");
}

void to_json(Json &j, const EpochSample &r)
{
    j = Json{{"type", typeOf(r)},
             {"epoch", r.epoch},
             {"step", r.step},
             {"train_loss", r.trainLoss},
             {"train_top1", r.trainTop1},
             {"test_loss", r.testLoss},
             {"test_top1", r.testTop1},
             {"test_top5", r.testTop5},
             {"best_top1", r.bestTop1},
             {"seconds", r.seconds},
             {"lr", r.lr}};
}

void from_json(const Json &j, EpochSample &r)
{
    checkObject(j);
    r.epoch = integer(j, "epoch");
    r.step = integer(j, "step");
    r.trainLoss = number(j, "train_loss");
    r.trainTop1 = number(j, "train_top1");
    r.testLoss = number(j, "test_loss");
    r.testTop1 = number(j, "test_top1");
    r.testTop5 = number(j, "test_top5");
    r.bestTop1 = number(j, "best_top1");
    r.seconds = number(j, "seconds");
    r.lr = number(j, "lr");
}

void to_json(Json &j, const LayerState &r)
{
    j = Json{{"name", r.name},
             {"alpha_w", r.alphaW},
             {"alpha_a", r.alphaA},
             {"delta_w", r.deltaW},
             {"delta_a", r.deltaA}};
    if (r.mse)
        j["mse"] = *r.mse;
    if (r.sqnrDb)
        j["sqnr_db"] = *r.sqnrDb;
    if (!r.levels.empty() || !r.counts.empty()) {
        j["levels"] = r.levels;
        j["counts"] = r.counts;
    }
}

void from_json(const Json &j, LayerState &r)
{
    checkObject(j);
    r.name = text(j, "name");
    r.alphaW = number(j, "alpha_w");
    r.alphaA = number(j, "alpha_a");
    r.deltaW = number(j, "delta_w");
    r.deltaA = number(j, "delta_a");
    r.mse = field(j, "mse") ? std::optional<double>(number(j, "mse")) : std::nullopt;
    r.sqnrDb = field(j, "sqnr_db") ? std::optional<double>(number(j, "sqnr_db")) : std::nullopt;
    r.levels = numbers(j, "levels");
    r.counts = integers(j, "counts");
}

void to_json(Json &j, const LayersRecord &r)
{
    j = Json{{"type", typeOf(r)}, {"epoch", r.epoch}, {"step", r.step}, {"layers", r.layers}};
}

void from_json(const Json &j, LayersRecord &r)
{
    checkObject(j);
    r.epoch = integer(j, "epoch");
    r.step = integer(j, "step");
    r.layers = layerStates(j);
}

void to_json(Json &j, const EwgsUpdateRecord &r)
{
    j = Json{{"type", typeOf(r)},  {"epoch", r.epoch},    {"step", r.step},
             {"layers", r.layers}, {"delta_w", r.deltaW}, {"delta_a", r.deltaA}};
}

void from_json(const Json &j, EwgsUpdateRecord &r)
{
    checkObject(j);
    r.epoch = integer(j, "epoch");
    r.step = integer(j, "step");
    r.layers = texts(j, "layers");
    r.deltaW = numbers(j, "delta_w");
    r.deltaA = numbers(j, "delta_a");
}

void to_json(Json &j, const DivergenceRecord &r)
{
    j = Json{{"type", typeOf(r)}, {"reason", r.reason}, {"epoch", r.epoch}, {"step", r.step}};
    if (!r.layer.empty())
        j["layer"] = r.layer;
    if (!r.detail.empty())
        j["detail"] = r.detail;
    for (const auto &[key, value] : r.values)
        if (!divergenceField(key))
            j[key] = value;
    j["layers"] = r.layers;
}

void from_json(const Json &j, DivergenceRecord &r)
{
    checkObject(j);
    r.epoch = integer(j, "epoch");
    r.step = integer(j, "step");
    r.reason = text(j, "reason");
    r.layer = text(j, "layer");
    r.detail = text(j, "detail");
    r.values.clear();
    for (const auto &[key, value] : j.items()) {
        if (divergenceField(key))
            continue;
        if (value.is_number())
            r.values[key] = value.get<double>();
        else if (value.is_string()) // a non-finite number; another string is not one of the values
            try {
                r.values[key] = jsonToNumber(value, key);
            } catch (const Error &) {
            }
    }
    r.layers = layerStates(j);
}

void to_json(Json &j, const RollbackRecord &r)
{
    j = Json{{"type", typeOf(r)}, {"checkpoint", r.checkpoint}, {"step", r.step}};
}

void from_json(const Json &j, RollbackRecord &r)
{
    checkObject(j);
    r.checkpoint = text(j, "checkpoint");
    r.step = integer(j, "step");
}

void to_json(Json &j, const StopRecord &r)
{
    j = Json{
        {"type", typeOf(r)}, {"reason", r.reason}, {"step", r.step}, {"epoch", r.epoch}, {"batch", r.batch}};
}

void from_json(const Json &j, StopRecord &r)
{
    checkObject(j);
    r.reason = text(j, "reason");
    r.step = integer(j, "step");
    r.epoch = integer(j, "epoch");
    r.batch = integer(j, "batch");
}

void to_json(Json &j, const DoneRecord &r)
{
    j = Json{{"type", typeOf(r)}, {"step", r.step}, {"best_top1", r.bestTop1}};
}

void from_json(const Json &j, DoneRecord &r)
{
    checkObject(j);
    r.step = integer(j, "step");
    r.bestTop1 = number(j, "best_top1");
}

void to_json(Json &j, const UnknownRecord &r)
{
    j = Json{{"type", typeOf(r)}, {"step", r.step}};
}

void from_json(const Json &j, UnknownRecord &r)
{
    checkObject(j);
    r.type = text(j, "type");
    const Json *step = field(j, "step");
    r.step = step && step->is_number() ? integer(j, "step") : 0;
}

void to_json(Json &j, const MetricsRecord &r)
{
    std::visit([&j](const auto &record) { to_json(j, record); }, r);
}

void from_json(const Json &j, MetricsRecord &r)
{
    checkObject(j);
    const std::string type = text(j, "type");
    if (type == "step")
        r = j.get<StepSample>();
    else if (type == "epoch")
        r = j.get<EpochSample>();
    else if (type == "layers")
        r = j.get<LayersRecord>();
    else if (type == "ewgs_update")
        r = j.get<EwgsUpdateRecord>();
    else if (type == "divergence")
        r = j.get<DivergenceRecord>();
    else if (type == "start" || type == "resume")
        r = j.get<StartRecord>();
    else if (type == "rollback")
        r = j.get<RollbackRecord>();
    else if (type == "stop")
        r = j.get<StopRecord>();
    else if (type == "done")
        r = j.get<DoneRecord>();
    else
        r = j.get<UnknownRecord>();
}

std::string recordType(const MetricsRecord &record)
{
    return std::visit([](const auto &r) { return std::string(typeOf(r)); }, record);
}

int64_t recordStep(const MetricsRecord &record)
{
    return std::visit([](const auto &r) { return r.step; }, record);
}

std::string metricsLine(const MetricsRecord &record)
{
    return jsonText(Json(record));
}

MetricsRecord parseMetricsLine(const std::string &line)
{
    const Json j = parseJson(line);
    try {
        return j.get<MetricsRecord>();
    } catch (const Json::exception &e) {
        throw Error(std::string("metrics record: ") + e.what());
    }
}

} // namespace qs
