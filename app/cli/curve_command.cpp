#include "argparse.h"
#include "commands.h"
#include "format.h"

#include "core/io/json.h"
#include "core/quant/curves.h"
#include "core/quant/methods.h"

#include <nlohmann/json.hpp>

namespace qs::cli {

int runCurveCommand(const std::vector<std::string> &args, std::ostream &out)
{
    ArgParser parser("curve",
                     {"method", "bits", "alpha", "base", "dsq-alpha", "gamma", "sigma", "delta", "grad-sign",
                      "from", "to", "points", "format"},
                     {"signed", "no-zero"});
    parser.parse(args);
    // Every registered method's curve, plus the two backward curves over a base grid.
    std::vector<std::string> choices = quantMethodNames();
    choices.push_back("ste");
    if (!findQuantMethod("ewgs"))
        choices.push_back("ewgs");
    const std::string method = parser.choice("method", choices, parser.required("method"));
    const auto backwardCurve = parseCurveMethod(method);
    CurveParams p;
    // `ewgs` with --base is the EWGS backward over that grid (APoT+EWGS); without it, the ewgs method's own
    // weight (--signed) or activation path in the official QConv's units.
    const bool ewgsMethod = method == "ewgs" && !parser.has("base") && findQuantMethod("ewgs");
    if ((backwardCurve == CurveMethod::STE || backwardCurve == CurveMethod::EWGS) && !ewgsMethod)
        p.method = *backwardCurve;
    if (!parser.has("bits"))
        throw UsageError("curve: missing required option --bits");
    p.bits = parser.intValue("bits", 2, 1, 64);
    p.isSigned = parser.flag("signed");
    p.zeroLevel = !parser.flag("no-zero");
    p.alpha = parser.doubleValue("alpha", p.alpha);
    p.base = *parseScheme(parser.choice("base", {"uniform", "pot", "apot"}, "uniform"));
    p.dsqAlpha = parser.doubleValue("dsq-alpha", p.dsqAlpha);
    p.daqGamma = parser.doubleValue("gamma", p.daqGamma);
    p.daqSigma = parser.doubleValue("sigma", p.daqSigma);
    p.ewgsDelta = parser.doubleValue("delta", p.ewgsDelta);
    p.gradSign = parser.doubleValue("grad-sign", p.gradSign);
    p.from = parser.doubleValue("from", p.isSigned ? -1.5 * p.alpha : -0.25 * p.alpha);
    p.to = parser.doubleValue("to", 1.5 * p.alpha);
    p.points = parser.intValue("points", p.points, 2, 1000000);
    const std::string format = parser.choice("format", {"csv", "json"}, "csv");
    CurveSamples c;
    try {
        c = p.method == CurveMethod::STE || p.method == CurveMethod::EWGS ? sampleCurve(p)
                                                                          : quantMethod(method).curve(p);
    } catch (const std::invalid_argument &e) {
        throw UsageError("curve: " + std::string(e.what()));
    }
    if (c.yHard.size() != c.x.size()) // a curve without a separate forward: its forward is y
        c.yHard = c.y;
    // y stays what it always was (DSQ: the tanh surrogate); forward is what the forward pass outputs (DSQ:
    // the hard staircase) and surrogate the curve dydx is the slope of, so neither has to be guessed from y.
    if (format == "csv") {
        out << "x,y,dydx,forward,surrogate\n";
        for (Eigen::Index i = 0; i < c.x.size(); ++i)
            out << formatNumber(c.x[i]) << ',' << formatNumber(c.y[i]) << ',' << formatNumber(c.dydx[i])
                << ',' << formatNumber(c.yHard[i]) << ',' << formatNumber(c.y[i]) << '\n';
        return 0;
    }
    auto array = [](const Eigen::VectorXd &v) { return std::vector<double>(v.data(), v.data() + v.size()); };
    const Json json{
        {"method", method},       {"bits", p.bits},  {"signed", p.isSigned},  {"zero_level", p.zeroLevel},
        {"x", array(c.x)},        {"y", array(c.y)}, {"dydx", array(c.dydx)}, {"forward", array(c.yHard)},
        {"surrogate", array(c.y)}};
    out << jsonText(json) << '\n';
    return 0;
}

} // namespace qs::cli
