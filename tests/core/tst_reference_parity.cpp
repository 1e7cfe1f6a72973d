// Parity with the APoT reference code: a state_dict written by the PyTorch reference model
// (bench/reference/apot_reference.py, fixtures made by tests/data/apot_reference/make_fixtures.py) loads
// strictly into qs::ResNet (option B, APoT W{b}A{b}, 8-bit max-scaled first conv / last fc) and gives the
// same logits on the same inputs: max |diff| < 1e-4 in float32 and the same argmax for every image. This is
// what makes a reference checkpoint's accuracy the same in QuantScope as in its own code.

#include "core/io/modelio.h"
#include "core/nn/models.h"
#include "core/io/torchformat.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QtTest>

#include <string>

namespace {

const QString kFixtures = QStringLiteral(QUANTSCOPE_REFERENCE_FIXTURES);

std::string fixture(const QString &name)
{
    return (kFixtures + QLatin1Char('/') + name).toStdString();
}

at::Tensor tensorNamed(const qs::StateDict &dict, const std::string &name)
{
    for (const auto &t : dict.tensors)
        if (t.name == name)
            return t.tensor;
    return {};
}

} // namespace

class TestReferenceParity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // The fixtures were made with one thread; one thread here keeps the float32 summation order alike.
        torch::set_num_threads(1);
    }

    void logitsMatchReference_data()
    {
        QTest::addColumn<int>("bits");
        QTest::newRow("W2A2") << 2;
        QTest::newRow("W3A3") << 3;
        QTest::newRow("W4A4") << 4;
    }

    void logitsMatchReference()
    {
        QFETCH(int, bits);
        const QString stem = QStringLiteral("apot_r20_w%1a%1").arg(bits);
        const auto weightsPath = fixture(stem + QStringLiteral("_state_dict.pt"));
        const auto ioPath = fixture(stem + QStringLiteral("_io.pt"));

        const auto state = qs::readTorchCheckpoint(weightsPath);
        const auto io = qs::readTorchCheckpoint(ioPath);
        const auto input = tensorNamed(io, "input");
        const auto expected = tensorNamed(io, "logits");
        QVERIFY2(input.defined() && expected.defined(), "the io fixture lacks 'input' or 'logits'");
        QCOMPARE(input.sizes().vec(), (std::vector<int64_t>{8, 3, 32, 32}));
        QCOMPARE(expected.sizes().vec(), (std::vector<int64_t>{8, 10}));

        qs::ResNetOptions options;
        options.depth = 20;
        options.inputChannels = 3;
        options.numClasses = 10;
        options.shortcut = qs::Shortcut::B;
        options.quant.method = "apot";
        options.quant.weightBits = bits;
        options.quant.actBits = bits;
        options.quant.edges = qs::EdgeLayers::MaxScaled8Bit;
        qs::ResNet model(options);
        const auto report = qs::loadStateDict(model, state.tensors, /*strict=*/true, weightsPath);
        QVERIFY2(report.missing.empty() && report.unexpected.empty() && report.mismatched.empty(),
                 report.summary().c_str());
        model->eval();

        at::Tensor logits;
        {
            torch::NoGradGuard noGrad;
            logits = model->forward(input.to(at::kFloat).contiguous());
        }
        QCOMPARE(logits.scalar_type(), at::kFloat);
        QCOMPARE(logits.sizes().vec(), expected.sizes().vec());
        const double maxDiff = (logits - expected).abs().max().item<double>();
        qInfo("W%dA%d: max |logit - reference| = %.3g (reference logits up to %.3g)", bits, bits, maxDiff,
              expected.abs().max().item<double>());
        QVERIFY2(maxDiff < 1e-4,
                 qPrintable(QStringLiteral("max abs logit difference %1 >= 1e-4").arg(maxDiff)));
        const auto ours = logits.argmax(1), theirs = expected.argmax(1);
        QVERIFY2(ours.equal(theirs), "argmax differs from the reference for some image");
    }

    void loadIsStrict()
    {
        // A reference checkpoint does not load into the wrong layout: option A has no downsample weights.
        const auto weightsPath = fixture(QStringLiteral("apot_r20_w4a4_state_dict.pt"));
        const auto state = qs::readTorchCheckpoint(weightsPath);
        qs::ResNetOptions options;
        options.shortcut = qs::Shortcut::A;
        options.quant.method = "apot";
        options.quant.weightBits = options.quant.actBits = 4;
        qs::ResNet model(options);
        QVERIFY_THROWS_EXCEPTION(qs::ModelIoError,
                                 qs::loadStateDict(model, state.tensors, /*strict=*/true, weightsPath));
    }
};

QTEST_APPLESS_MAIN(TestReferenceParity)
#include "tst_reference_parity.moc"
