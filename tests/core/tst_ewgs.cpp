// The `ewgs` method against the official EWGS code: expected values from a Python restatement of its QConv
// and ResNet-20 (tests/data/ewgs/make_fixtures.py, run with python3-torch). The weight and activation grids
// at 1, 2 and 4 bits; the initialization from one batch; forward with inputs at exact rounding midpoints
// (half to even); backward with delta > 0 (EWGS) and under the STE; a Hessian-vector product through a
// downstream EWGS backward (what the delta update needs); and a state_dict saved by the official model
// loading strictly and giving its logits.

#include "core/analysis/trainedas.h"
#include "core/io/modelio.h"
#include "core/io/torchformat.h"
#include "core/nn/models.h"
#include "core/quant/methods.h"
#include "core/train/trainer.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace {

const std::string kFixtures = QUANTSCOPE_EWGS_FIXTURES;

// expected.txt: CASE \t NAME \t SHAPE \t VALUES, by case and name.
using Fixtures = std::map<std::string, std::map<std::string, at::Tensor>>;

Fixtures readFixtures()
{
    Fixtures out;
    std::ifstream in(kFixtures + "/expected.txt");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string kase, name, shapeText, valuesText;
        std::getline(fields, kase, '\t');
        std::getline(fields, name, '\t');
        std::getline(fields, shapeText, '\t');
        std::getline(fields, valuesText);
        std::vector<int64_t> shape;
        std::istringstream shapeStream(shapeText);
        for (std::string d; std::getline(shapeStream, d, ',');)
            shape.push_back(std::stoll(d));
        std::vector<double> values;
        std::istringstream valueStream(valuesText);
        for (double v; valueStream >> v;)
            values.push_back(v);
        out[kase][name] = torch::tensor(values, torch::kDouble).to(torch::kFloat).reshape(shape);
    }
    return out;
}

// max |a - b| / max(1, |b|) over the elements, in double.
double maxRelativeError(const at::Tensor &actual, const at::Tensor &expected)
{
    const auto a = actual.detach().to(torch::kDouble).reshape(expected.sizes());
    const auto b = expected.to(torch::kDouble);
    return ((a - b).abs() / b.abs().clamp_min(1.0)).max().item<double>();
}

#define QCOMPARE_TENSORS(actual, expected, tolerance)                                                        \
    do {                                                                                                     \
        const double err = maxRelativeError((actual), (expected));                                           \
        QVERIFY2(                                                                                            \
            err <= (tolerance),                                                                              \
            qPrintable(QStringLiteral("%1: max relative error %2").arg(QLatin1String(#actual)).arg(err)));   \
    } while (0)

qs::QuantConfig ewgsConfig(int bits, bool ewgs)
{
    qs::QuantConfig c;
    c.method = "ewgs";
    c.weightBits = bits;
    c.actBits = bits;
    c.ewgs = ewgs;
    c.edges = qs::EdgeLayers::FullPrecision;
    return c;
}

at::Tensor quantizerTensor(qs::QuantConv2dImpl &conv, const std::string &name)
{
    for (const auto &t : conv.quantizerTensors())
        if (t.spec->name == name)
            return t.tensor;
    return {};
}

} // namespace

class TestEwgs : public QObject
{
    Q_OBJECT

    Fixtures m_fixtures;

private Q_SLOTS:
    void initTestCase()
    {
        torch::set_num_threads(1); // the fixtures were made with one thread
        m_fixtures = readFixtures();
        QVERIFY2(m_fixtures.size() >= 8, "tests/data/ewgs/expected.txt is missing or incomplete");
    }

    void gridMatchesReference_data()
    {
        QTest::addColumn<int>("bits");
        QTest::newRow("1 bit") << 1;
        QTest::newRow("2 bits") << 2;
        QTest::newRow("4 bits") << 4;
    }

    void gridMatchesReference()
    {
        QFETCH(int, bits);
        const auto &expected = m_fixtures.at("grid_" + std::to_string(bits));
        const auto &info = qs::quantMethod("ewgs");
        QVERIFY(info.levels);
        const auto weights = torch::tensor(info.levels(bits, true), torch::kDouble);
        const auto acts = torch::tensor(info.levels(bits, false), torch::kDouble);
        QCOMPARE(weights.numel(), expected.at("weights").numel());
        QCOMPARE(acts.numel(), expected.at("activations").numel());
        QCOMPARE_TENSORS(weights, expected.at("weights"), 1e-6);
        QCOMPARE_TENSORS(acts, expected.at("activations"), 1e-6);
        // No zero weight level at any bit width.
        QVERIFY(weights.abs().min().item<double>() > 0.05);
        bool threw = false;
        try {
            info.levels(9, true);
        } catch (const std::invalid_argument &) {
            threw = true;
        }
        QVERIFY(threw);
    }

    void layerMatchesReference_data()
    {
        QTest::addColumn<QString>("kase");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("ewgs");
        QTest::newRow("W1A1 EWGS") << QStringLiteral("layer_w1a1_ewgs") << 1 << true;
        QTest::newRow("W2A2 EWGS") << QStringLiteral("layer_w2a2_ewgs") << 2 << true;
        QTest::newRow("W4A4 EWGS") << QStringLiteral("layer_w4a4_ewgs") << 4 << true;
        QTest::newRow("W2A2 STE") << QStringLiteral("layer_w2a2_ste") << 2 << false;
    }

    void layerMatchesReference()
    {
        QFETCH(QString, kase);
        QFETCH(int, bits);
        QFETCH(bool, ewgs);
        const auto &f = m_fixtures.at(kase.toStdString());
        qs::QuantConv2d conv(3, 4, 3, 1, 1, ewgsConfig(bits, ewgs));
        {
            torch::NoGradGuard noGrad;
            conv->weight.copy_(f.at("weight"));
        }
        // The initialization from the first batch, then the first forward.
        {
            torch::NoGradGuard noGrad;
            conv->forward(f.at("init_input"));
        }
        for (const char *name : {"uW", "lW", "uA", "lA", "output_scale"})
            QVERIFY2(maxRelativeError(quantizerTensor(*conv, name), f.at(std::string("init_") + name)) <=
                         1e-6,
                     name);

        // Set ranges and deltas; weights and inputs at exact rounding midpoints.
        {
            torch::NoGradGuard noGrad;
            conv->weight.copy_(f.at("weight_ties"));
            const auto ranges = f.at("ranges");
            const char *names[] = {"uW", "lW", "uA", "lA", "output_scale"};
            for (int i = 0; i < 5; ++i)
                quantizerTensor(*conv, names[i]).fill_(ranges[i]);
        }
        conv->setEwgsDeltas(f.at("delta_w").item<double>(), f.at("delta_a").item<double>());
        for (const char *name : {"uW", "lW", "uA", "lA", "output_scale"})
            quantizerTensor(*conv, name).mutable_grad() = at::Tensor();
        conv->weight.mutable_grad() = at::Tensor();
        const auto input = f.at("input").clone().requires_grad_(true);
        conv->setCapture(true);
        const auto out = conv->forward(input);
        QCOMPARE_TENSORS(out, f.at("output"), 1e-6);
        QCOMPARE_TENSORS(conv->capture().weightOut, f.at("wq01"), 1e-6);
        QCOMPARE_TENSORS(conv->capture().actOut, f.at("qact"), 1e-6);
        QCOMPARE_TENSORS(conv->effectiveWeight(), f.at("qweight"), 1e-6);
        // Ties went to even: the output is exact, not merely close.
        QVERIFY(torch::equal(conv->capture().weightOut.detach(), f.at("wq01")));
        QVERIFY(torch::equal(conv->capture().actOut.detach(), f.at("qact")));

        (out * f.at("upstream")).sum().backward();
        conv->setCapture(false);
        QCOMPARE_TENSORS(input.grad(), f.at("grad_input"), 1e-6);
        QCOMPARE_TENSORS(conv->weight.grad(), f.at("grad_weight"), 1e-6);
        for (const char *name : {"uW", "lW", "uA", "lA", "output_scale"})
            QVERIFY2(maxRelativeError(quantizerTensor(*conv, name).grad(),
                                      f.at(std::string("grad_") + name)) <= 1e-5,
                     name);
        if (ewgs) {
            // The delta term is exercised: with delta 0 (the STE) the input gradient is not the reference's.
            conv->setEwgsDeltas(0.0, 0.0);
            const auto again = f.at("input").clone().requires_grad_(true);
            (conv->forward(again) * f.at("upstream")).sum().backward();
            QVERIFY(maxRelativeError(again.grad(), f.at("grad_input")) > 1e-4);
        }
    }

    void hessianVectorProductThroughEwgsBackward()
    {
        const auto &f = m_fixtures.at("hessian");
        qs::QuantConv2d a(2, 3, 3, 1, 1, ewgsConfig(2, true));
        qs::QuantConv2d b(3, 2, 3, 1, 1, ewgsConfig(2, true));
        {
            torch::NoGradGuard noGrad;
            a->weight.copy_(f.at("conv0_weight"));
            b->weight.copy_(f.at("conv1_weight"));
            for (auto *conv : {a.get(), b.get()}) {
                quantizerTensor(*conv, "uW").fill_(0.9);
                quantizerTensor(*conv, "lW").fill_(-0.8);
                quantizerTensor(*conv, "uA").fill_(2.0);
                quantizerTensor(*conv, "lA").fill_(0.0);
                quantizerTensor(*conv, "output_scale").fill_(0.7);
                conv->markInitialized();
            }
        }
        // The deltas as float32 buffers hold them, as the reference's are.
        a->setEwgsDeltas(double(0.4f), double(0.3f));
        b->setEwgsDeltas(double(0.6f), double(0.5f));
        a->setCapture(true);
        b->setCapture(true);
        const auto out = b->forward(torch::relu(a->forward(f.at("input"))));
        const auto loss = (out - f.at("target")).pow(2).mean();
        QCOMPARE_TENSORS(loss, f.at("loss"), 1e-6);
        const std::vector<at::Tensor> params = {a->capture().weightOut, b->capture().actOut};
        const auto grads = torch::autograd::grad({loss}, params, {}, true, true);
        QCOMPARE_TENSORS(grads[0], f.at("grad_wq"), 1e-6);
        QCOMPARE_TENSORS(grads[1], f.at("grad_qa"), 1e-6);
        const auto hv = torch::autograd::grad(grads, params, {f.at("v_wq"), f.at("v_qa")}, true);
        QCOMPARE_TENSORS(hv[0], f.at("hv_wq"), 1e-6);
        QCOMPARE_TENSORS(hv[1], f.at("hv_qa"), 1e-6);
        QVERIFY(hv[0].abs().max().item<double>() > 0); // a Hessian that is not zero
        a->setCapture(false);
        b->setCapture(false);
    }

    void officialStateDictGivesItsLogits()
    {
        const std::string path = kFixtures + "/resnet20_w2a2.pt";
        const auto &f = m_fixtures.at("model_w2a2");
        const auto dict = qs::readTorchCheckpoint(path);
        QCOMPARE(int64_t(dict.tensors.size()), int64_t(f.at("keys").item<double>()));

        const auto trained = qs::inferTrainedAs(path);
        QCOMPARE(trained.method, std::string("ewgs"));
        QVERIFY2(trained.evaluable(), trained.notEvaluable.c_str());

        qs::ResNetOptions options;
        options.depth = 20;
        options.shortcut = qs::Shortcut::A;
        options.quant = ewgsConfig(2, true);
        qs::ResNet model(options);
        const auto report = qs::loadStateDict(model, dict.tensors, /*strict=*/true, path);
        QVERIFY2(report.missing.empty() && report.unexpected.empty(), report.summary().c_str());
        // The official deltas (bkwd_scaling_factorW/A) land in the conv's delta buffers.
        for (auto &[name, layer] : model->quantLayers()) {
            QCOMPARE(layer->ewgsDeltaW(), double(0.01f));
            QCOMPARE(layer->ewgsDeltaA(), double(0.02f));
        }
        model->eval();
        torch::NoGradGuard noGrad;
        const auto logits = model->forward(f.at("input"));
        QCOMPARE_TENSORS(logits, f.at("logits"), 1e-5);
    }

    void exportedStateDictUsesOfficialNames()
    {
        qs::ResNetOptions options;
        options.quant = ewgsConfig(1, true);
        qs::ResNet model(options);
        {
            torch::NoGradGuard noGrad;
            model->forward(torch::randn({4, 3, 32, 32})); // the first batch initializes the ranges
        }
        model->quantLayers().front().second->setEwgsDeltas(0.25, 0.5);
        const auto tensors = qs::exportStateDict(model);
        std::map<std::string, at::Tensor> byName;
        for (const auto &t : tensors)
            byName[t.name] = t.tensor;
        // The official model's keys: linear, bn2 (BatchNorm1d), each QConv's ranges, deltas and init flag.
        for (const char *key :
             {"linear.weight", "bn2.running_mean", "layer1.0.conv1.uW", "layer1.0.conv1.lA",
              "layer1.0.conv1.output_scale", "layer1.0.conv1.bkwd_scaling_factorW", "layer1.0.conv1.init"})
            QVERIFY2(byName.count(key), key);
        QCOMPARE(byName.at("layer1.0.conv1.bkwd_scaling_factorA").item<double>(), 0.5);
        QVERIFY(!byName.count("fc.weight"));
        // And it reads back: the same logits.
        qs::ResNet copy(options);
        qs::loadStateDict(copy, tensors, /*strict=*/true, "exported");
        QCOMPARE(copy->quantLayers().front().second->ewgsDeltaW(), 0.25);
        model->eval();
        copy->eval();
        torch::NoGradGuard noGrad;
        const auto x = torch::randn({2, 3, 32, 32});
        // The copy's ranges came from the file, so it does not initialize them again.
        QVERIFY(torch::allclose(model->forward(x), copy->forward(x)));
    }

    // The APoT+EWGS distance unit: `normalized` measures x_n - x_q of the weights on [0, 1], half the grid's
    // [-1, 1] distance, so a fixed delta acts like half of it in grid units; activations are [0, 1] in both.
    void distanceUnitsScaleTheWeightTerm()
    {
        auto gradients = [](double delta, double weightScale) {
            torch::manual_seed(3);
            qs::QuantConfig c;
            c.method = "apot";
            c.weightBits = c.actBits = 2;
            c.ewgs = true;
            c.ewgsWeightDistanceScale = weightScale;
            qs::QuantConv2d conv(3, 4, 3, 1, 1, c);
            conv->setEwgsDeltas(delta, 0.0);
            const auto x = torch::rand({2, 3, 6, 6}) * 2;
            conv->forward(x).pow(2).sum().backward();
            return conv->weight.grad().clone();
        };
        const auto normalized = gradients(0.8, 0.5);
        const auto grid = gradients(0.4, 1.0);
        const auto gridSameDelta = gradients(0.8, 1.0);
        QVERIFY(torch::allclose(normalized, grid, 1e-6, 1e-7));
        QVERIFY(!torch::allclose(normalized, gridSameDelta, 1e-4, 1e-6));

        qs::TrainConfig config;
        config.method = "apot";
        config.ewgsDistanceUnits = "normalized";
        QCOMPARE(qs::quantConfigFromConfig(config).ewgsWeightDistanceScale, 0.5);
        config.ewgsDistanceUnits = "grid";
        QCOMPARE(qs::quantConfigFromConfig(config).ewgsWeightDistanceScale, 1.0);
        config.ewgsDistanceUnits = "half";
        const auto why = qs::checkTrainConfig(config);
        QVERIFY(why && why->find("ewgs_distance_units") != std::string::npos);
    }

    // The trainer's delta update (Hutchinson at each QConv's w_q in [0, 1] and Q_a) runs for the ewgs method:
    // every layer gets a finite delta >= 0, and some > 0.
    void trainerUpdatesDeltas()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        qs::TrainConfig c;
        c.dataset = "synthetic:64";
        c.testSubset = 16;
        c.augment = false;
        c.method = "ewgs";
        c.backward = "ewgs";
        c.wbits = c.abits = 1;
        c.edgeLayers = "fp";
        c.epochs = 1;
        c.batchSize = 16;
        c.optimizer = "adam";
        c.lr = 1e-3;
        c.weightDecay = 1e-4;
        c.schedule = "cosine";
        c.quantOptimizer = "adam";
        c.quantLr = 1e-5;
        c.ewgsUpdate = "iterations";
        c.ewgsUpdateEvery = 2;
        c.ewgsUpdateStart = 1;
        c.ewgsBatches = 1;
        c.hutchinsonMaxIter = 3;
        c.threads = 1;
        c.device = "cpu";
        QVERIFY(!qs::checkTrainConfig(c));
        const std::string run = (dir.path() + QStringLiteral("/run")).toStdString();
        const auto result = qs::runTraining(c, run, nullptr, {});
        QVERIFY2(result.outcome == qs::TrainOutcome::Completed, result.message.c_str());
        QFile metrics(QString::fromStdString(run) + QStringLiteral("/metrics.jsonl"));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        int updates = 0;
        for (const auto &line : metrics.readAll().split('\n')) {
            const auto record = QJsonDocument::fromJson(line).object();
            if (record.value(QStringLiteral("type")).toString() != QStringLiteral("ewgs_update"))
                continue;
            ++updates;
            double largest = 0;
            for (const char *key : {"delta_w", "delta_a"}) {
                const auto deltas = record.value(QLatin1String(key)).toArray();
                QCOMPARE(deltas.size(), 18); // ResNet-20: 18 quantized convs
                for (const auto &d : deltas) {
                    QVERIFY(std::isfinite(d.toDouble()) && d.toDouble() >= 0);
                    largest = std::max(largest, d.toDouble());
                }
            }
            QVERIFY(largest > 0);
        }
        QCOMPARE(updates, 2); // steps 1 and 3 of 4
    }
};

QTEST_APPLESS_MAIN(TestEwgs)
#include "tst_ewgs.moc"
