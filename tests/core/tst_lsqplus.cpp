// LSQ+ (method `lsqplus`, core/quant/methods/lsqplus.cpp): the activation forward equals the formula, the
// gradients of x, the step and the offset equal hand-computed and finite-difference values, the first batch
// initializes as documented, and it trains, checkpoints, evaluates and plots through the CLI.

#include "core/io/modelio.h"
#include "core/nn/models.h"
#include "core/quant/methods.h"
#include "core/quant/quantizers.h"
#include "core/train/trainconfig.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <set>

namespace {

constexpr int kActBits = 3;
constexpr double kQp = 7; // 2^3 - 1

// A 1x1, one-channel conv whose weight quantizes to exactly 1: its output is the quantized activation.
qs::QuantConv2d identityConv(double step, double offset, double ewgsDelta = 0.0)
{
    qs::QuantConfig c;
    c.method = "lsqplus";
    c.weightBits = 3;
    c.actBits = kActBits;
    c.ewgs = ewgsDelta > 0;
    c.ewgsDeltaInit = ewgsDelta;
    qs::QuantConv2d conv(1, 1, 1, 1, 0, c);
    torch::NoGradGuard noGrad;
    conv->weight.fill_(1.0);
    conv->named_parameters()["weight_step"].fill_(1.0); // round(clamp(1 / 1, -4, 3)) * 1 = 1
    conv->named_parameters()["act_step"].fill_(step);
    conv->named_parameters()["act_offset"].fill_(offset);
    conv->markInitialized(); // keep these values: no first-batch initialization
    return conv;
}

// Inputs on both sides of the range [beta, beta + 7 s] and inside it, away from rounding ties.
at::Tensor testInputs(double step, double offset)
{
    torch::manual_seed(3);
    const auto u = torch::rand({1, 1, 8, 8}, torch::kDouble) * 10 - 1.5; // u = (x - beta) / s in [-1.5, 8.5)
    return (u * step + offset).to(torch::kFloat);
}

struct Grads
{
    at::Tensor x;
    double step = 0, offset = 0;
};

// Runs sum(out * g) backward through the conv.
std::pair<at::Tensor, Grads> forwardBackward(qs::QuantConv2d &conv, const at::Tensor &input,
                                             const at::Tensor &g)
{
    auto x = input.clone().requires_grad_(true);
    const auto out = conv->forward(x);
    (out * g).sum().backward();
    return {out.detach(),
            {x.grad(), conv->named_parameters()["act_step"].grad().item<double>(),
             conv->named_parameters()["act_offset"].grad().item<double>()}};
}

std::string file(QTemporaryDir &dir, const char *name)
{
    return dir.filePath(QString::fromLatin1(name)).toStdString();
}

QStringList args(std::initializer_list<const char *> words)
{
    QStringList list;
    for (const char *w : words)
        list << QString::fromLatin1(w);
    return list;
}

} // namespace

class TestLsqPlus : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        at::set_num_threads(1);
    }

    void isRegisteredAfterTheBuiltIns()
    {
        const auto names = qs::quantMethodNames();
        const auto it = std::find(names.begin(), names.end(), "lsqplus");
        QVERIFY(it != names.end());
        QVERIFY(it > std::find(names.begin(), names.end(), "daq"));
        const auto &info = qs::quantMethod("lsqplus");
        QVERIFY(info.ewgs);
        QVERIFY(info.description.find("min(x)") != std::string::npos); // says which init it uses
        QVERIFY(!qs::checkMethodBits("lsqplus", 2, 1));
        QVERIFY(qs::checkMethodBits("lsqplus", 1, 4)); // LSQ's signed weights need 2 bits
        std::map<std::string, qs::QuantizerGroup> groups;
        std::vector<std::string> positive;
        for (const auto &spec : qs::quantMethodImplementation("lsqplus").tensors) {
            groups[spec.name] = spec.group;
            if (spec.mustStayPositive)
                positive.push_back(spec.name);
        }
        QCOMPARE(groups.size(), size_t(3));
        QVERIFY(groups.at("weight_step") == qs::QuantizerGroup::Weight);
        QVERIFY(groups.at("act_step") == qs::QuantizerGroup::Activation);
        QVERIFY(groups.at("act_offset") == qs::QuantizerGroup::Activation);
        QCOMPARE(positive, (std::vector<std::string>{"weight_step", "act_step"}));
    }

    void forwardEqualsTheFormula_data()
    {
        QTest::addColumn<double>("step");
        QTest::addColumn<double>("offset");
        QTest::newRow("zero offset") << 0.25 << 0.0;
        QTest::newRow("negative offset") << 0.4 << -0.9;
        QTest::newRow("positive offset") << 0.1 << 0.3;
    }
    void forwardEqualsTheFormula()
    {
        QFETCH(double, step);
        QFETCH(double, offset);
        auto conv = identityConv(step, offset);
        const auto x = testInputs(step, offset);
        torch::NoGradGuard noGrad;
        const auto out = conv->forward(x).to(torch::kDouble);
        const auto xd = x.to(torch::kDouble);
        const auto expected = torch::round(((xd - offset) / step).clamp(0, kQp)) * step + offset;
        QS_COMPARE_NEAR((out - expected).abs().max().item<double>(), 0.0, 1e-5);
        // Only the 2^b levels beta + k s appear, and both ends of the range are hit.
        const auto levels = std::get<0>(torch::_unique(torch::round((out - offset) / step)));
        QCOMPARE(levels.numel(), int64_t(kQp + 1));
    }

    void gradientsEqualHandComputedValues_data()
    {
        QTest::addColumn<double>("step");
        QTest::addColumn<double>("offset");
        QTest::addColumn<double>("delta");
        QTest::newRow("STE") << 0.4 << -0.9 << 0.0;
        QTest::newRow("STE, zero offset") << 0.25 << 0.0 << 0.0;
        QTest::newRow("EWGS") << 0.4 << -0.9 << 0.3;
    }
    void gradientsEqualHandComputedValues()
    {
        QFETCH(double, step);
        QFETCH(double, offset);
        QFETCH(double, delta);
        auto conv = identityConv(step, offset, delta);
        const auto x = testInputs(step, offset);
        torch::manual_seed(4);
        const auto g = torch::randn(x.sizes());
        const auto [out, grads] = forwardBackward(conv, x, g);

        const auto xd = x.to(torch::kDouble), gd = g.to(torch::kDouble);
        const auto u = (xd - offset) / step;
        const auto q = torch::round(u.clamp(0, kQp));
        const auto inside = (u >= 0).logical_and(u <= kQp);
        const auto f = 1 + delta * torch::sign(gd) * (u - q) / kQp; // 1 for the STE
        const double gradScale = 1.0 / std::sqrt(double(x.numel()) * kQp);
        const auto gx = torch::where(inside, gd * f, torch::zeros_like(gd));
        const double gs = torch::where(inside, gd * (q - u * f), gd * q).sum().item<double>() * gradScale;
        const double gb = torch::where(inside, gd * (1 - f), gd).sum().item<double>() * gradScale;
        QS_COMPARE_NEAR((grads.x.to(torch::kDouble) - gx).abs().max().item<double>(), 0.0, 1e-5);
        QS_COMPARE_NEAR(grads.step, gs, 1e-4);
        QS_COMPARE_NEAR(grads.offset, gb, 1e-5);
        if (delta == 0) {
            // The paper's statement: dbeta = 0 inside the range, 1 outside.
            const double outside = torch::where(inside, torch::zeros_like(gd), gd).sum().item<double>();
            QS_COMPARE_NEAR(grads.offset, outside * gradScale, 1e-5);
            // And the same as autograd of the formula written with the STE idiom round(v) -> v + (round(v) -
            // v).detach(), in double.
            auto s = torch::full({}, step, torch::kDouble).requires_grad_(true);
            auto b = torch::full({}, offset, torch::kDouble).requires_grad_(true);
            auto xr = xd.clone().requires_grad_(true);
            const auto v = ((xr - b) / s).clamp(0, kQp);
            const auto reference = (v + (torch::round(v) - v).detach()) * s + b;
            (reference * gd).sum().backward();
            QS_COMPARE_NEAR((grads.x.to(torch::kDouble) - xr.grad()).abs().max().item<double>(), 0.0, 1e-5);
            QS_COMPARE_NEAR(grads.step, s.grad().item<double>() * gradScale, 1e-4);
            QS_COMPARE_NEAR(grads.offset, b.grad().item<double>() * gradScale, 1e-5);
        }
    }

    void clippedGradientsEqualFiniteDifferences()
    {
        // Outside the range the output is beta or beta + Qp s: smooth in s and beta, so finite differences of
        // the forward are the gradients (before LSQ's gradient scale).
        const double step = 0.3, offset = -0.2, eps = 1e-3;
        torch::manual_seed(6);
        const auto below = offset - 0.5 - torch::rand({1, 1, 4, 4});              // u < 0
        const auto above = offset + kQp * step + 0.5 + torch::rand({1, 1, 4, 4}); // u > Qp
        const auto x = torch::cat({below, above}, 2);
        const auto g = torch::randn(x.sizes());
        auto objective = [&](double s, double b) {
            auto conv = identityConv(s, b);
            torch::NoGradGuard noGrad;
            return (conv->forward(x).to(torch::kDouble) * g.to(torch::kDouble)).sum().item<double>();
        };
        auto conv = identityConv(step, offset);
        const auto [out, grads] = forwardBackward(conv, x, g);
        const double gradScale = 1.0 / std::sqrt(double(x.numel()) * kQp);
        const double dStep = (objective(step + eps, offset) - objective(step - eps, offset)) / (2 * eps);
        const double dOffset = (objective(step, offset + eps) - objective(step, offset - eps)) / (2 * eps);
        QS_COMPARE_NEAR(grads.step / gradScale, dStep, 1e-3);
        QS_COMPARE_NEAR(grads.offset / gradScale, dOffset, 1e-3);
        QCOMPARE(grads.x.abs().max().item<double>(), 0.0); // no input gradient where clipped
    }

    void firstBatchInitializes()
    {
        qs::QuantConfig c;
        c.method = "lsqplus";
        c.weightBits = 4;
        c.actBits = kActBits;
        torch::manual_seed(8);
        qs::QuantConv2d conv(3, 5, 3, 1, 1, c);
        const auto x = torch::randn({2, 3, 6, 6}) + 0.3; // some negative inputs: beta goes below 0
        conv->train();
        conv->forward(x);
        const auto params = conv->named_parameters();
        QS_COMPARE_NEAR(params["act_offset"].item<double>(), x.min().item<double>(), 1e-7);
        QS_COMPARE_NEAR(params["act_step"].item<double>(), 2 * x.abs().mean().item<double>() / std::sqrt(kQp),
                        1e-6);
        const auto w = conv->weight.detach();
        QS_COMPARE_NEAR(params["weight_step"].item<double>(),
                        2 * w.abs().mean().item<double>() / std::sqrt(7.0), 1e-6);
        QS_COMPARE_NEAR(conv->actClip(), params["act_step"].item<double>() * kQp + x.min().item<double>(),
                        1e-6);
    }

    void trainsCheckpointsEvaluatesAndPlots()
    {
        // A few training steps through the CLI (a small ResNet-8), with the EWGS backward and one delta
        // update.
        const auto run = m_dir.filePath(QStringLiteral("run"));
        const auto train = qs::test::runQuantscopeCli(args({"train",
                                                            "--preset",
                                                            "quick-synthetic",
                                                            "--set",
                                                            "method=lsqplus",
                                                            "--set",
                                                            "wbits=3",
                                                            "--set",
                                                            "abits=3",
                                                            "--set",
                                                            "depth=8",
                                                            "--set",
                                                            "batch_size=16",
                                                            "--set",
                                                            "backward=ewgs",
                                                            "--set",
                                                            "ewgs_update=iterations",
                                                            "--set",
                                                            "ewgs_update_start=1",
                                                            "--set",
                                                            "ewgs_batches=1",
                                                            "--set",
                                                            "hutchinson_mode=joint",
                                                            "--set",
                                                            "hutchinson_max_iter=2",
                                                            "--set",
                                                            "max_steps=4",
                                                            "--set",
                                                            "threads=1",
                                                            "--out"})
                                                      << run);
        QVERIFY2(train.exitCode == 0, train.err.constData());
        QFile metrics(run + QStringLiteral("/metrics.jsonl"));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        std::map<QString, int> types;
        for (const auto &line : metrics.readAll().split('\n'))
            if (!line.trimmed().isEmpty())
                ++types[QJsonDocument::fromJson(line).object().value(QStringLiteral("type")).toString()];
        QCOMPARE(types[QStringLiteral("step")], 4);
        QCOMPARE(types[QStringLiteral("ewgs_update")], 1);
        QCOMPARE(types[QStringLiteral("divergence")], 0);

        // The checkpoint round-trips: loaded, saved again and reloaded, the outputs are identical.
        const auto last = (run + QStringLiteral("/last.qsckpt")).toStdString();
        const auto state = qs::readCheckpointState(last);
        const auto config = qs::parseTrainConfig(state.configText);
        QCOMPARE(config.method, std::string("lsqplus"));
        qs::ResNet model(qs::resnetOptionsFromConfig(config, state.inputChannels, state.numClasses));
        qs::loadCheckpoint(last, model, nullptr, nullptr);
        const auto copy = file(m_dir, "copy.qsckpt");
        qs::saveCheckpoint(copy, model, nullptr, nullptr, state);
        qs::ResNet again(qs::resnetOptionsFromConfig(config, state.inputChannels, state.numClasses));
        qs::loadCheckpoint(copy, again, nullptr, nullptr);
        torch::manual_seed(9);
        const auto x = torch::rand({3, 3, 32, 32});
        torch::NoGradGuard noGrad;
        model->eval();
        again->eval();
        const auto out = model->forward(x);
        QVERIFY(torch::isfinite(out).all().item<bool>());
        QVERIFY(out.equal(again->forward(x)));
        for (auto &[name, layer] : again->quantLayers())
            QVERIFY(layer->named_parameters().contains("act_offset"));

        // eval accepts --quant lsqplus.
        const auto eval = qs::test::runQuantscopeCli(
            QStringList{QStringLiteral("eval"), QStringLiteral("--weights"), QString::fromStdString(copy),
                        QStringLiteral("--data"), QStringLiteral("synthetic:64"), QStringLiteral("--quant"),
                        QStringLiteral("lsqplus"), QStringLiteral("--bits"), QStringLiteral("3"),
                        QStringLiteral("--threads"), QStringLiteral("1")});
        QVERIFY2(eval.exitCode == 0, eval.err.constData());
        QVERIFY2(eval.out.contains("\"top1\""), eval.out.constData());

        // curve --method lsqplus prints the 3-bit staircase: 8 levels from 0 to alpha.
        const auto curve = qs::test::runQuantscopeCli(args({"curve", "--method", "lsqplus", "--bits", "3"}));
        QVERIFY2(curve.exitCode == 0, curve.err.constData());
        const auto rows = curve.out.trimmed().split('\n');
        QCOMPARE(rows.front(), QByteArray("x,y,dydx,forward,surrogate"));
        QCOMPARE(rows.size(), qsizetype(602));
        std::set<double> ys;
        for (qsizetype i = 1; i < rows.size(); ++i)
            ys.insert(std::round(rows[i].split(',')[1].toDouble() * 7.0));
        QCOMPARE(ys.size(), size_t(8));
    }
};

QTEST_APPLESS_MAIN(TestLsqPlus)
#include "tst_lsqplus.moc"
