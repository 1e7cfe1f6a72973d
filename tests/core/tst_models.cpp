// CIFAR ResNets: parameter counts against the literature, output shapes, gradients through every quantizer,
// APoT state_dict naming, config checks, and the APoT QuantConv2d forward against methods.md 1.3/1.4.

#include "core/quant/levels.h"
#include "core/nn/models.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QtTest>

#include <set>

namespace {

qs::ResNetOptions fpOptions(int depth, qs::Shortcut shortcut, int64_t channels = 3, int64_t classes = 10)
{
    qs::ResNetOptions o;
    o.depth = depth;
    o.shortcut = shortcut;
    o.inputChannels = channels;
    o.numClasses = classes;
    o.quant.method = "fp";
    return o;
}

// Nearest level by the reference's N x L broadcast argmin (methods.md 1.3: argmin_j |x - v_j|).
at::Tensor nearestLevel(const at::Tensor &x, const std::vector<double> &levels)
{
    const auto table = torch::tensor(levels, torch::kDouble).to(x.scalar_type());
    const auto idx = (x.unsqueeze(-1) - table).abs().argmin(-1);
    return table.index({idx});
}

std::set<std::string> stateDictKeys(torch::nn::Module &m)
{
    std::set<std::string> keys;
    for (const auto &p : m.named_parameters())
        keys.insert(p.key());
    for (const auto &b : m.named_buffers())
        keys.insert(b.key());
    return keys;
}

} // namespace

class TestModels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        at::set_num_threads(1); // tiny tensors: extra threads only contend with the rest of the machine
        torch::manual_seed(11);
    }

    void parameterCountsMatchTheLiterature_data()
    {
        QTest::addColumn<int>("depth");
        QTest::addColumn<double>("millions"); // He et al. 2016, Table 6 (option A)
        QTest::newRow("resnet20") << 20 << 0.27;
        QTest::newRow("resnet32") << 32 << 0.46;
        QTest::newRow("resnet44") << 44 << 0.66;
        QTest::newRow("resnet56") << 56 << 0.85;
    }
    void parameterCountsMatchTheLiterature()
    {
        QFETCH(int, depth);
        QFETCH(double, millions);
        qs::ResNet a(fpOptions(depth, qs::Shortcut::A));
        const int64_t countA = qs::parameterCount(*a);
        // Two significant digits: 0.27M means [0.265M, 0.275M).
        QCOMPARE(std::llround(double(countA) / 1e4), std::llround(millions * 100));
        qs::ResNet b(fpOptions(depth, qs::Shortcut::B));
        const int64_t countB = qs::parameterCount(*b);
        // Option B adds two 1x1 convs (16->32, 32->64) and their BNs: 512 + 2048 + 2 * (32 + 64).
        QCOMPARE(countB - countA, int64_t(512 + 2048 + 2 * (32 + 64)));
        QVERIFY(countB > countA);
    }

    void resnet20ExactParameterCount()
    {
        // conv 432 + 13824 + 50688 + 202752, fc 650, BN affine 1376.
        qs::ResNet a(fpOptions(20, qs::Shortcut::A));
        QCOMPARE(qs::parameterCount(*a), int64_t(269722));
    }

    void forwardOutputShape_data()
    {
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("classes");
        QTest::addColumn<int>("shortcut");
        QTest::newRow("mnist 1x28x28 10 A") << 1 << 28 << 10 << int(qs::Shortcut::A);
        QTest::newRow("mnist 1x28x28 10 B") << 1 << 28 << 10 << int(qs::Shortcut::B);
        QTest::newRow("cifar100 3x32x32 100 A") << 3 << 32 << 100 << int(qs::Shortcut::A);
        QTest::newRow("cifar100 3x32x32 100 B") << 3 << 32 << 100 << int(qs::Shortcut::B);
    }
    void forwardOutputShape()
    {
        QFETCH(int, channels);
        QFETCH(int, size);
        QFETCH(int, classes);
        QFETCH(int, shortcut);
        auto o = fpOptions(20, qs::Shortcut(shortcut), channels, classes);
        o.quant.method = "apot";
        qs::ResNet model(o);
        model->eval();
        torch::NoGradGuard noGrad;
        const auto out = model->forward(torch::rand({3, channels, size, size}));
        QCOMPARE(out.dim(), int64_t(2));
        QCOMPARE(out.size(0), int64_t(3));
        QCOMPARE(out.size(1), int64_t(classes));
        QVERIFY(torch::isfinite(out).all().item<bool>());
    }

    void everyMethodHasFiniteNonZeroGradients_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("ewgs");
        QTest::newRow("fp") << QStringLiteral("fp") << 4 << false;
        QTest::newRow("uniform 4") << QStringLiteral("uniform") << 4 << false;
        QTest::newRow("uniform 2") << QStringLiteral("uniform") << 2 << false;
        QTest::newRow("lsq 4") << QStringLiteral("lsq") << 4 << false;
        QTest::newRow("lsq 2") << QStringLiteral("lsq") << 2 << false;
        QTest::newRow("pot 3") << QStringLiteral("pot") << 3 << false;
        QTest::newRow("apot 2") << QStringLiteral("apot") << 2 << false;
        QTest::newRow("apot 4") << QStringLiteral("apot") << 4 << false;
        QTest::newRow("apot 3 ewgs") << QStringLiteral("apot") << 3 << true;
        QTest::newRow("dsq 2") << QStringLiteral("dsq") << 2 << false;
        QTest::newRow("dsq 4") << QStringLiteral("dsq") << 4 << false;
        QTest::newRow("daq 1") << QStringLiteral("daq") << 1 << false;
        QTest::newRow("daq 4") << QStringLiteral("daq") << 4 << false;
    }
    void everyMethodHasFiniteNonZeroGradients()
    {
        QFETCH(QString, method);
        QFETCH(int, bits);
        QFETCH(bool, ewgs);
        auto o = fpOptions(20, qs::Shortcut::B);
        o.quant.method = method.toStdString();
        o.quant.weightBits = o.quant.actBits = bits;
        o.quant.ewgs = ewgs;
        o.quant.ewgsDeltaInit = ewgs ? 0.1 : 0.0;
        QVERIFY(!qs::checkQuantConfig(o.quant));
        torch::manual_seed(3);
        qs::ResNet model(o);
        model->train();
        const auto x = torch::randn({6, 3, 16, 16});
        const auto y = torch::arange(6) % 10;
        const auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
        QVERIFY(std::isfinite(loss.item<double>()));
        loss.backward();

        int quantizerParams = 0;
        for (auto &[layerName, layer] : model->quantLayers()) {
            for (const auto &p : layer->named_parameters()) {
                const auto what = QStringLiteral("%1.%2").arg(QString::fromStdString(layerName),
                                                              QString::fromStdString(p.key()));
                const auto g = p.value().grad();
                QVERIFY2(g.defined(), qPrintable(what + QStringLiteral(" has no gradient")));
                QVERIFY2(torch::isfinite(g).all().item<bool>(),
                         qPrintable(what + QStringLiteral(" has a non-finite gradient")));
                QVERIFY2(g.abs().sum().item<double>() > 0,
                         qPrintable(what + QStringLiteral(" has an all-zero gradient")));
                if (p.key() != "weight")
                    ++quantizerParams;
            }
        }
        const std::map<std::string, int> perLayer = {{"fp", 0},   {"uniform", 2}, {"lsq", 2}, {"pot", 2},
                                                     {"apot", 2}, {"dsq", 5},     {"daq", 4}};
        QCOMPARE(quantizerParams, perLayer.at(method.toStdString()) * 20); // 18 convs + 2 downsample convs
        // The edge layers learn too.
        for (const char *name : {"conv1.weight", "fc.weight", "fc.bias"}) {
            const auto g = model->named_parameters()[name].grad();
            QVERIFY(g.defined() && torch::isfinite(g).all().item<bool>() && g.abs().sum().item<double>() > 0);
        }
    }

    void apotLayerNamesAndStateDictLayout()
    {
        auto o = fpOptions(20, qs::Shortcut::B);
        o.quant.method = "apot";
        qs::ResNet model(o);
        std::vector<std::string> names;
        for (auto &[name, layer] : model->quantLayers())
            names.push_back(name);
        QCOMPARE(names.size(), size_t(20));
        QCOMPARE(names.front(), std::string("layer1.0.conv1")); // forward order
        QVERIFY(std::count(names.begin(), names.end(), "layer2.0.downsample.0") == 1);
        QVERIFY(std::count(names.begin(), names.end(), "layer3.0.downsample.0") == 1);
        QVERIFY(std::count(names.begin(), names.end(), "layer3.2.conv2") == 1);

        const auto keys = stateDictKeys(*model);
        for (const char *key :
             {"conv1.weight", "bn1.weight", "bn1.running_mean", "bn1.running_var", "layer1.0.conv1.weight",
              "layer1.0.conv1.act_alpha", "layer1.0.conv1.weight_quant.wgt_alpha", "layer1.0.bn2.running_var",
              "layer2.0.downsample.0.weight", "layer2.0.downsample.0.act_alpha",
              "layer2.0.downsample.0.weight_quant.wgt_alpha", "layer2.0.downsample.1.weight",
              "layer2.0.downsample.1.running_mean", "fc.weight", "fc.bias"})
            QVERIFY2(keys.count(key), key);
        QCOMPARE(model->named_parameters()["layer1.0.conv1.act_alpha"].item<double>(), 8.0);
        QCOMPARE(model->named_parameters()["layer1.0.conv1.weight_quant.wgt_alpha"].item<double>(), 3.0);
        QVERIFY(!keys.count("linear.weight"));
        QVERIFY(!keys.count("layer1.0.downsample.0.weight")); // no shape change in layer1

        qs::ResNet a(fpOptions(20, qs::Shortcut::A));
        for (const auto &k : stateDictKeys(*a))
            QVERIFY2(k.find("downsample") == std::string::npos, k.c_str());
    }

    void checkQuantConfigRejectsUndefinedCombinations_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("wbits");
        QTest::addColumn<int>("abits");
        QTest::addColumn<bool>("ewgs");
        QTest::addColumn<bool>("valid");
        QTest::newRow("apot w9") << QStringLiteral("apot") << 9 << 4 << false << false;
        QTest::newRow("apot w7 (signed max)") << QStringLiteral("apot") << 7 << 4 << false << true;
        QTest::newRow("apot a7 (unsigned max is 6)") << QStringLiteral("apot") << 4 << 7 << false << false;
        QTest::newRow("apot w1") << QStringLiteral("apot") << 1 << 4 << false << false;
        QTest::newRow("apot ewgs") << QStringLiteral("apot") << 3 << 3 << true << true;
        QTest::newRow("dsq ewgs") << QStringLiteral("dsq") << 4 << 4 << true << false;
        QTest::newRow("daq ewgs") << QStringLiteral("daq") << 2 << 2 << true << false;
        QTest::newRow("lsq w1") << QStringLiteral("lsq") << 1 << 4 << false << false;
        QTest::newRow("daq w1a1") << QStringLiteral("daq") << 1 << 1 << false << true;
        QTest::newRow("dsq w9") << QStringLiteral("dsq") << 9 << 4 << false << false;
        QTest::newRow("fp any bits") << QStringLiteral("fp") << 32 << 32 << false << true;
    }
    void checkQuantConfigRejectsUndefinedCombinations()
    {
        QFETCH(QString, method);
        QFETCH(int, wbits);
        QFETCH(int, abits);
        QFETCH(bool, ewgs);
        QFETCH(bool, valid);
        qs::QuantConfig c;
        c.method = method.toStdString();
        c.weightBits = wbits;
        c.actBits = abits;
        c.ewgs = ewgs;
        const auto why = qs::checkQuantConfig(c);
        QCOMPARE(!why.has_value(), valid);
        if (why) {
            QVERIFY(!why->empty());
            QVERIFY(why->find('\n') == std::string::npos);
            auto o = fpOptions(20, qs::Shortcut::A);
            o.quant = c;
            QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::ResNet{o});
        }
        if (method == QLatin1String("apot") && wbits == 9)
            QVERIFY2(why->find('9') != std::string::npos, why->c_str());
        if (ewgs && !valid)
            QVERIFY2(why->find("EWGS") != std::string::npos, why->c_str());
    }

    void apotConvForwardEqualsTheReferenceFormula_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<double>("wgtAlpha");
        QTest::addColumn<double>("actAlpha");
        QTest::newRow("2 bits (ternary weights, PoT acts)") << 2 << 1.5 << 1.2;
        QTest::newRow("3 bits") << 3 << 2.0 << 1.0;
        QTest::newRow("4 bits") << 4 << 3.0 << 1.7;
        QTest::newRow("5 bits") << 5 << 2.5 << 2.2;
    }
    void apotConvForwardEqualsTheReferenceFormula()
    {
        QFETCH(int, bits);
        QFETCH(double, wgtAlpha);
        QFETCH(double, actAlpha);
        qs::QuantConfig c;
        c.method = "apot";
        c.weightBits = c.actBits = bits;
        torch::manual_seed(100 + bits);
        qs::QuantConv2d conv(5, 7, 3, 2, 1, c);
        {
            torch::NoGradGuard noGrad;
            conv->named_parameters()["weight_quant.wgt_alpha"].fill_(wgtAlpha);
            conv->named_parameters()["act_alpha"].fill_(actAlpha);
        }
        const auto x = torch::relu(torch::randn({2, 5, 9, 9}) * 1.3); // post-ReLU input, some above the clip
        const auto out = conv->forward(x).detach();

        // methods.md 1.3: detached mean/std (unbiased), clamp to [-1, 1], sign * nearest magnitude.
        const auto w = conv->weight.detach();
        const auto wn = (w - w.mean()) / w.std();
        const auto xc = torch::clamp(wn / wgtAlpha, -1.0, 1.0);
        const auto mags = qs::magnitudeLevels({qs::Scheme::APoT, bits, true});
        const auto wq = torch::sign(xc) * nearestLevel(xc.abs(), mags) * wgtAlpha;
        // methods.md 1.4: clamp(x / alpha, max = 1), nearest unsigned level.
        const auto yc = torch::clamp_max(x / actAlpha, 1.0);
        const auto aq = nearestLevel(yc, qs::levelSet({qs::Scheme::APoT, bits, false})) * actAlpha;
        const auto expected = torch::nn::functional::conv2d(
            aq, wq, torch::nn::functional::Conv2dFuncOptions().stride(2).padding(1));

        QCOMPARE(out.sizes(), expected.sizes());
        QS_COMPARE_NEAR((out - expected).abs().max().item<double>(), 0.0, 1e-4);
        // The quantized weights take only alpha * (signed levels), and effectiveWeight() is that tensor.
        QS_COMPARE_NEAR((conv->effectiveWeight() - wq).abs().max().item<double>(), 0.0, 1e-6);
        QVERIFY(std::get<0>(torch::_unique(wq.flatten())).numel() <= int64_t(2 * mags.size() - 1));
        QVERIFY(std::get<0>(torch::_unique(wq.flatten())).numel() >= 3);
        // The 2-bit weight grid is ternary (methods.md 1.2).
        if (bits == 2)
            QCOMPARE(mags, (std::vector<double>{0.0, 1.0}));
    }
};

QTEST_APPLESS_MAIN(TestModels)
#include "tst_models.moc"
