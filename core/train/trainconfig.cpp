#include "core/train/trainconfig.h"

#include "core/quant/levels.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <sstream>
#include <stdexcept>

namespace qs {

namespace {

std::string trim(const std::string &s)
{
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos)
        return {};
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

std::string formatDouble(double v)
{
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

template <typename T> T parseNumber(const std::string &key, const std::string &text)
{
    T value{};
    const auto *end = text.data() + text.size();
    auto r = std::from_chars(text.data(), end, value);
    if (r.ec == std::errc::result_out_of_range && r.ptr == end)
        throw std::invalid_argument(key + ": '" + text + "' is out of range");
    if (r.ec != std::errc() || r.ptr != end)
        throw std::invalid_argument(key + ": '" + text + "' is not a valid number");
    if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(value))
            throw std::invalid_argument(key + ": '" + text + "' is not finite");
    return value;
}

bool parseBool(const std::string &key, const std::string &text)
{
    if (text == "true" || text == "1" || text == "yes")
        return true;
    if (text == "false" || text == "0" || text == "no")
        return false;
    throw std::invalid_argument(key + ": '" + text + "' is not true or false");
}

template <typename T> std::vector<T> parseList(const std::string &key, const std::string &text)
{
    std::vector<T> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!trim(item).empty())
            out.push_back(parseNumber<T>(key, trim(item)));
    return out;
}

template <typename T> std::string joinList(const std::vector<T> &v)
{
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) {
        if constexpr (std::is_floating_point_v<T>)
            s += (i ? "," : "") + formatDouble(v[i]);
        else
            s += (i ? "," : "") + std::to_string(v[i]);
    }
    return s;
}

struct Field
{
    const char *key;
    std::function<void(TrainConfig &, const std::string &)> set;
    std::function<std::string(const TrainConfig &)> get;
};

template <typename T> Field field(const char *key, T TrainConfig::*member)
{
    Field f{key, {}, {}};
    f.set = [key, member](TrainConfig &c, const std::string &v) {
        if constexpr (std::is_same_v<T, std::string>) {
            (void)key; // captured for the other types' messages; clang warns on an unused capture
            c.*member = v;
        } else if constexpr (std::is_same_v<T, bool>)
            c.*member = parseBool(key, v);
        else if constexpr (std::is_same_v<T, std::vector<int>> || std::is_same_v<T, std::vector<double>>)
            c.*member = parseList<typename T::value_type>(key, v);
        else
            c.*member = parseNumber<T>(key, v);
    };
    f.get = [member](const TrainConfig &c) -> std::string {
        if constexpr (std::is_same_v<T, std::string>)
            return c.*member;
        else if constexpr (std::is_same_v<T, bool>)
            return c.*member ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::vector<int>> || std::is_same_v<T, std::vector<double>>)
            return joinList(c.*member);
        else if constexpr (std::is_floating_point_v<T>)
            return formatDouble(c.*member);
        else
            return std::to_string(c.*member);
    };
    return f;
}

const std::vector<Field> &fields()
{
    static const std::vector<Field> all = {
        field("depth", &TrainConfig::depth),
        field("shortcut", &TrainConfig::shortcut),
        field("method", &TrainConfig::method),
        field("backward", &TrainConfig::backward),
        field("wbits", &TrainConfig::wbits),
        field("abits", &TrainConfig::abits),
        field("edge_layers", &TrainConfig::edgeLayers),
        field("weight_alpha_init", &TrainConfig::weightAlphaInit),
        field("act_alpha_init", &TrainConfig::actAlphaInit),
        field("dataset", &TrainConfig::dataset),
        field("mean", &TrainConfig::mean),
        field("std", &TrainConfig::std),
        field("augment", &TrainConfig::augment),
        field("train_subset", &TrainConfig::trainSubset),
        field("test_subset", &TrainConfig::testSubset),
        field("epochs", &TrainConfig::epochs),
        field("batch_size", &TrainConfig::batchSize),
        field("eval_batch_size", &TrainConfig::evalBatchSize),
        field("optimizer", &TrainConfig::optimizer),
        field("lr", &TrainConfig::lr),
        field("momentum", &TrainConfig::momentum),
        field("weight_decay", &TrainConfig::weightDecay),
        field("nesterov", &TrainConfig::nesterov),
        field("schedule", &TrainConfig::schedule),
        field("milestones", &TrainConfig::milestones),
        field("lr_gamma", &TrainConfig::lrGamma),
        field("step_size", &TrainConfig::stepSize),
        field("quant_optimizer", &TrainConfig::quantOptimizer),
        field("act_alpha_lr", &TrainConfig::actAlphaLr),
        field("wgt_alpha_lr", &TrainConfig::wgtAlphaLr),
        field("alpha_weight_decay", &TrainConfig::alphaWeightDecay),
        field("quant_lr", &TrainConfig::quantLr),
        field("init", &TrainConfig::init),
        field("ewgs_delta_init", &TrainConfig::ewgsDeltaInit),
        field("ewgs_distance_units", &TrainConfig::ewgsDistanceUnits),
        field("ewgs_update", &TrainConfig::ewgsUpdate),
        field("ewgs_update_every", &TrainConfig::ewgsUpdateEvery),
        field("ewgs_update_start", &TrainConfig::ewgsUpdateStart),
        field("ewgs_batches", &TrainConfig::ewgsBatches),
        field("hutchinson_max_iter", &TrainConfig::hutchinsonMaxIter),
        field("hutchinson_tol", &TrainConfig::hutchinsonTol),
        field("hutchinson_mode", &TrainConfig::hutchinsonMode),
        field("hutchinson_stop", &TrainConfig::hutchinsonStop),
        field("seed", &TrainConfig::seed),
        field("threads", &TrainConfig::threads),
        field("device", &TrainConfig::device),
        field("max_steps", &TrainConfig::maxSteps),
        field("divergence_delta_max", &TrainConfig::divergenceDeltaMax),
        field("on_divergence", &TrainConfig::onDivergence),
        field("log_every", &TrainConfig::logEvery),
    };
    return all;
}

const Field *findField(const std::string &key)
{
    for (const auto &f : fields())
        if (key == f.key)
            return &f;
    return nullptr;
}

void setField(TrainConfig &config, const std::string &key, const std::string &value)
{
    if (const Field *f = findField(key)) {
        f->set(config, value);
        return;
    }
    // A method's own setting: any registered method's key is accepted whatever `method` says (a form may
    // switch methods), and checkTrainConfig checks the values.
    if (const MethodConfigKey *k = findMethodConfigKey(key)) {
        config.methodOptions[key] =
            k->isSwitch ? (parseBool(key, value) ? 1.0 : 0.0) : parseNumber<double>(key, value);
        return;
    }
    throw std::invalid_argument("unknown key '" + key + "'");
}

// Every method config key that has no TrainConfig field, once, in method list order.
std::vector<const MethodConfigKey *> mapBackedMethodKeys()
{
    std::vector<const MethodConfigKey *> keys;
    for (const auto &info : quantMethods())
        for (const auto &k : info.configKeys)
            if (!findField(k.key) && std::none_of(keys.begin(), keys.end(), [&](const MethodConfigKey *seen) {
                    return seen->key == k.key;
                }))
                keys.push_back(&k);
    return keys;
}

// The interval of every numeric key. Parameters, learning rates and data are 32-bit floats in LibTorch, so a
// value that cannot become one (or whose products with the others overflow at once) is refused here with its
// key, not later by LibTorch without it. Counts have bounds that keep a run finishing in finite time.
struct NumericRange
{
    const char *key;
    double lowest, highest;
    bool lowestOpen = false;
};
constexpr double kHuge = 1e30; // well inside float's range (3.4e38)
constexpr double kIntMax = 2147483647.0;
constexpr double kCountMax = 9.2e18; // int64 subset sizes and step limits
const NumericRange kRanges[] = {
    {"depth", 8, 1202},
    {"wbits", 1, 32},
    {"abits", 1, 32},
    {"weight_alpha_init", 0, kHuge, true},
    {"act_alpha_init", 0, kHuge, true},
    {"train_subset", 0, kCountMax},
    {"test_subset", 0, kCountMax},
    {"epochs", 1, kIntMax},
    {"batch_size", 1, 1 << 20},
    {"eval_batch_size", 1, 1 << 20},
    {"lr", 0, kHuge, true},
    {"momentum", 0, 1},
    {"weight_decay", 0, kHuge},
    {"lr_gamma", 0, 10},
    {"step_size", 1, kIntMax},
    {"act_alpha_lr", 0, kHuge},
    {"wgt_alpha_lr", 0, kHuge},
    {"alpha_weight_decay", 0, kHuge},
    {"quant_lr", 0, kHuge},
    {"ewgs_delta_init", 0, kHuge},
    {"ewgs_update_every", 1, kIntMax},
    {"ewgs_update_start", 0, kIntMax},
    {"ewgs_batches", 1, kIntMax},
    {"hutchinson_max_iter", 1, 100000},
    {"hutchinson_tol", 0, kHuge},
    {"threads", 0, 1024},
    {"max_steps", 0, kCountMax},
    {"divergence_delta_max", -kHuge, kHuge},
    {"log_every", 1, kIntMax},
};

// Whole numbers as integers (100000, not 1e+05), the rest in the shortest form that reads back.
std::string boundText(double v)
{
    if (std::isfinite(v) && std::trunc(v) == v && std::abs(v) < 1e15)
        return std::to_string(static_cast<int64_t>(v));
    return formatDouble(v);
}

std::string rangeMessage(const char *key, double lowest, double highest, bool lowestOpen, double value)
{
    return std::string(key) + " must lie in " + (lowestOpen ? "(" : "[") + boundText(lowest) + ", " +
           boundText(highest) + "], not " + boundText(value);
}

std::optional<std::string> checkRange(const NumericRange &r, double value)
{
    const bool above = r.lowestOpen ? value > r.lowest : value >= r.lowest;
    if (std::isfinite(value) && above && value <= r.highest)
        return std::nullopt;
    return rangeMessage(r.key, r.lowest, r.highest, r.lowestOpen, value);
}

template <typename... Choices> bool oneOf(const std::string &v, Choices... choices)
{
    return ((v == choices) || ...);
}

} // namespace

TrainConfig parseTrainConfig(const std::string &text, const TrainConfig &base)
{
    TrainConfig config = base;
    std::stringstream ss(text);
    std::string line;
    int number = 0;
    while (std::getline(ss, line)) {
        ++number;
        // '#' starts a comment at the start of a line, after whitespace or right after the '=' (so no value
        // starts with '#': serializeTrainConfig writes "key = value", which must read back the same); inside
        // a value (a path) it is text.
        for (size_t i = 0; i < line.size(); ++i)
            if (line[i] == '#' &&
                (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t' || line[i - 1] == '=')) {
                line = line.substr(0, i);
                break;
            }
        line = trim(line);
        if (line.empty())
            continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos)
            throw std::invalid_argument("line " + std::to_string(number) + ": expected 'key = value', got '" +
                                        line + "'");
        try {
            setField(config, trim(line.substr(0, eq)), trim(line.substr(eq + 1)));
        } catch (const std::invalid_argument &e) {
            throw std::invalid_argument("line " + std::to_string(number) + ": " + e.what());
        }
    }
    return config;
}

void applyConfigOverride(TrainConfig &config, const std::string &assignment)
{
    const auto eq = assignment.find('=');
    if (eq == std::string::npos)
        throw std::invalid_argument("--set expects key=value, got '" + assignment + "'");
    const std::string value = trim(assignment.substr(eq + 1));
    if (!value.empty() && value[0] == '#') // it would be a comment in the run's config.ini
        throw std::invalid_argument("--set " + assignment + ": a value may not start with '#'");
    setField(config, trim(assignment.substr(0, eq)), value);
}

std::string serializeTrainConfig(const TrainConfig &config)
{
    std::string out;
    for (const auto &f : fields())
        out += std::string(f.key) + " = " + f.get(config) + "\n";
    // The method's own settings, defaults included, so a run records what it trained with.
    const MethodInfo *method = findQuantMethod(config.method);
    for (const MethodConfigKey *k : mapBackedMethodKeys()) {
        const bool ownKey = method && std::any_of(method->configKeys.begin(), method->configKeys.end(),
                                                  [&](const MethodConfigKey &m) { return m.key == k->key; });
        if (!ownKey && !config.methodOptions.count(k->key))
            continue;
        const double value = methodOption(config, k->key);
        // A switch reads back from true/false; any other value is left as it is for checkTrainConfig to name.
        const bool asSwitch = k->isSwitch && (value == 0.0 || value == 1.0);
        out += k->key + " = " +
               (asSwitch ? std::string(value != 0.0 ? "true" : "false") : formatDouble(value)) + "\n";
    }
    return out;
}

double methodOption(const TrainConfig &config, const std::string &key)
{
    if (const Field *f = findField(key))
        return parseNumber<double>(key, f->get(config));
    if (const auto it = config.methodOptions.find(key); it != config.methodOptions.end())
        return it->second;
    if (const MethodConfigKey *k = findMethodConfigKey(key))
        return k->defaultValue;
    throw std::invalid_argument("unknown method setting '" + key + "'");
}

std::optional<std::string> checkTrainConfig(const TrainConfig &c)
{
    for (const NumericRange &r : kRanges)
        if (auto why = checkRange(r, parseNumber<double>(r.key, findField(r.key)->get(c))))
            return why;
    for (double m : c.mean)
        if (auto why = checkRange({"mean", -kHuge, kHuge}, m))
            return why;
    for (double s : c.std)
        if (auto why = checkRange({"std", 0, kHuge, true}, s))
            return why;
    for (int m : c.milestones)
        if (auto why = checkRange({"milestones", 0, kIntMax}, m))
            return why;
    if (c.depth < 8 || (c.depth - 2) % 6 != 0)
        return "depth must be 6n + 2 (20, 32, 44, 56), not " + std::to_string(c.depth);
    if (!oneOf(c.shortcut, "A", "B"))
        return "shortcut must be A or B, not '" + c.shortcut + "'";
    const MethodInfo *method = findQuantMethod(c.method);
    if (!method)
        return "method: " + unknownQuantMethodMessage(c.method);
    if (!oneOf(c.backward, "ste", "ewgs"))
        return "backward must be ste or ewgs, not '" + c.backward + "'";
    if (!oneOf(c.edgeLayers, "fp", "8bit"))
        return "edge_layers must be fp or 8bit, not '" + c.edgeLayers + "'";
    if (auto why = checkMethodBits(c.method, c.wbits, c.abits))
        return why;
    if (c.epochs < 1 || c.batchSize < 1 || c.evalBatchSize < 1)
        return "epochs, batch_size and eval_batch_size must be positive";
    if (!oneOf(c.optimizer, "sgd", "adam"))
        return "optimizer must be sgd or adam, not '" + c.optimizer + "'";
    if (!(c.lr > 0))
        return "lr must be positive";
    if (!oneOf(c.schedule, "constant", "step", "multistep", "cosine"))
        return "schedule must be constant, step, multistep or cosine, not '" + c.schedule + "'";
    if (c.schedule == "step" && c.stepSize < 1)
        return "step_size must be positive for the step schedule";
    if (!oneOf(c.quantOptimizer, "groups", "adam"))
        return "quant_optimizer must be groups or adam, not '" + c.quantOptimizer + "'";
    if (!oneOf(c.ewgsUpdate, "epochs", "iterations", "never"))
        return "ewgs_update must be epochs, iterations or never, not '" + c.ewgsUpdate + "'";
    if (c.ewgsUpdateEvery < 1 || c.ewgsBatches < 1 || c.hutchinsonMaxIter < 1)
        return "ewgs_update_every, ewgs_batches and hutchinson_max_iter must be positive";
    if (!oneOf(c.ewgsDistanceUnits, "grid", "normalized"))
        return "ewgs_distance_units must be grid or normalized, not '" + c.ewgsDistanceUnits + "'";
    if (!oneOf(c.hutchinsonMode, "per-tensor", "joint", "finite-difference"))
        return "hutchinson_mode must be per-tensor, joint or finite-difference, not '" + c.hutchinsonMode +
               "'";
    if (!oneOf(c.hutchinsonStop, "abs", "reference"))
        return "hutchinson_stop must be abs or reference, not '" + c.hutchinsonStop + "'";
    if (c.backward == "ewgs" && !method->ewgs) {
        std::string hard;
        for (const auto &m : quantMethods())
            if (m.ewgs)
                hard += (hard.empty() ? "" : ", ") + m.name;
        return "backward = ewgs needs a hard quantizer (" + hard + "), not " + c.method;
    }
    for (const auto &k : method->configKeys)
        if (auto why = checkMethodConfigValue(k, methodOption(c, k.key)))
            return why;
    for (const auto &[key, value] : c.methodOptions) {
        const MethodConfigKey *k = findMethodConfigKey(key);
        if (!k)
            return "unknown method setting '" + key + "'";
        if (auto why = checkMethodConfigValue(*k, value))
            return why;
    }
    if (!oneOf(c.device, "auto", "cpu", "cuda"))
        return "device must be auto, cpu or cuda, not '" + c.device + "'";
    if (!oneOf(c.onDivergence, "stop", "rollback"))
        return "on_divergence must be stop or rollback, not '" + c.onDivergence + "'";
    if (c.mean.size() != c.std.size())
        return "mean and std need the same number of channels";
    for (double s : c.std)
        if (!(s > 0))
            return "std values must be positive";
    if (c.logEvery < 1)
        return "log_every must be positive";
    for (const auto &[key, value] :
         {std::pair<const char *, const std::string &>{"dataset", c.dataset}, {"init", c.init}})
        if (value.find(" #") != std::string::npos || value.find('\n') != std::string::npos)
            return std::string(key) +
                   ": a value may not contain a newline or ' #' (it would read back as a comment)";
    return std::nullopt;
}

} // namespace qs
