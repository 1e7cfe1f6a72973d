#include "argparse.h"
#include "commands.h"

#include "core/analysis/trainedas.h"
#include "core/io/json.h"
#include "core/quant/methods.h"
#include "core/train/trainer.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>
#include <optional>
#include <sstream>

namespace qs::cli {

namespace {
std::vector<double> parseList(const std::string &option, const std::string &text)
{
    std::vector<double> values;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        char *end = nullptr;
        const double v = std::strtod(item.c_str(), &end);
        if (item.empty() || *end != '\0' || !std::isfinite(v))
            throw UsageError("eval: --" + option + " expects numbers separated by commas, got '" + text +
                             "'");
        values.push_back(v);
    }
    return values;
}

// Fills the method (and bits the file stores) the checkpoint was trained with when --quant is not given, and
// says on stderr, in one line, what it inferred. Exit 2 for a quantization-trained file that does not say its
// bits when --bits is not given; exit 1 for a model QuantScope cannot evaluate.
// Returns what was inferred (nullopt for an unreadable file: evaluateWeights reports it in its own words).
// `said` gets the line to print once the evaluation succeeded (an error stays the only line).
std::optional<TrainedAs> applyTrainedAs(const ArgParser &parser, EvalRequest &req, std::string &said)
{
    std::optional<TrainedAs> trained;
    try {
        trained = inferTrainedAs(req.weights);
    } catch (const std::exception &) {
        return std::nullopt;
    }
    if (!trained->evaluable())
        throw std::runtime_error("eval: " + req.weights + ": " + trained->notEvaluable);
    const bool bitsGiven = req.wbits > 0 && req.abits > 0;
    if (parser.has("quant")) {
        if (trained->quantized() && req.quant == "fp")
            said = "eval: note: " + req.weights + " was trained as " + trained->label() +
                   "; evaluating it in full precision as asked";
        return trained;
    }
    if (trained->quantized() && !trained->bitsKnown() && !bitsGiven) {
        std::string suggestion;
        if (trained->fileNameBits)
            suggestion = " (its name suggests --bits " + std::to_string(*trained->fileNameBits) + ")";
        throw UsageError("eval: " + req.weights + " was trained as " + trained->label() + " (from " +
                         trained->source + ": " + trained->evidence +
                         ") but does not store its bits; give --bits B" + suggestion +
                         ", or --quant fp for full precision");
    }
    req.quant = trained->method;
    TrainedAs used = *trained;
    if (req.wbits > 0)
        used.wbits = req.wbits;
    if (req.abits > 0)
        used.abits = req.abits;
    std::string from =
        "from " + trained->source + (trained->evidence.empty() ? "" : ": " + trained->evidence);
    if (trained->quantized() && (req.wbits > 0 || req.abits > 0))
        from = "method " + from + ", bits from the command line";
    said = "eval: as trained: " + used.label() + " (" + from + ")";
    return trained;
}
} // namespace

int runEvalCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("eval",
                     {"weights", "data", "arch", "quant", "bits", "wbits", "abits", "edges", "mean", "std",
                      "batch", "format", "threads", "device"},
                     {});
    parser.parse(args);
    EvalRequest req;
    req.weights = parser.required("weights");
    req.data = parser.required("data");
    if (parser.has("arch")) {
        const auto arch = parser.choice("arch", {"resnet20", "resnet32", "resnet44", "resnet56"}, "");
        req.depth = std::stoi(arch.substr(6));
    }
    if (parser.has("quant"))
        req.quant = parser.choice("quant", quantMethodNames(), "");
    if (parser.has("bits") && (parser.has("wbits") || parser.has("abits")))
        throw UsageError("eval: give --bits or --wbits/--abits, not both");
    req.wbits = req.abits = parser.intValue("bits", 0, 1, 16);
    req.wbits = parser.intValue("wbits", req.wbits, 1, 16);
    req.abits = parser.intValue("abits", req.abits, 1, 16);
    if (parser.has("edges"))
        req.edges = parser.choice("edges", {"fp", "8bit"}, "");
    if (parser.has("mean") != parser.has("std"))
        throw UsageError("eval: --mean and --std go together");
    if (parser.has("mean")) {
        req.mean = parseList("mean", parser.value("mean"));
        req.std = parseList("std", parser.value("std"));
        if (req.mean.size() != req.std.size())
            throw UsageError("eval: --mean and --std need the same number of values");
    }
    req.batch = parser.intValue("batch", 256, 1, 100000);
    req.threads = parser.intValue("threads", 0, 0, 1024);
    req.device = parser.choice("device", {"auto", "cpu", "cuda"}, "auto");
    const auto format = parser.choice("format", {"json", "text"}, "json");
    std::string said;
    const auto trained = applyTrainedAs(parser, req, said);
    try {
        const auto r = evaluateWeights(req);
        if (!said.empty())
            std::cerr << said << '\n';
        if (format == "json")
            out << jsonText(Json{{"top1", r.top1},
                                 {"top5", r.top5},
                                 {"loss", r.loss},
                                 {"images", r.images},
                                 {"model", r.model},
                                 {"mean", r.mean},
                                 {"std", r.std}})
                << '\n';
        else
            out << r.model << ": top-1 " << r.top1 << "%, top-5 " << r.top5 << "%, loss " << r.loss << " on "
                << r.images << " images (" << normalizationText(r.mean, r.std) << ")\n";
        if (trained && nearChance(r.top1, trained->numClasses))
            std::cerr << "eval: warning: " << nearChanceWarning(r.top1, trained->numClasses, *trained)
                      << '\n';
    } catch (const std::invalid_argument &e) {
        throw UsageError(std::string("eval: ") + e.what());
    }
    return 0;
}

} // namespace qs::cli
