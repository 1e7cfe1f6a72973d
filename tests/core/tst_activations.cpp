// Input activations and post-training accuracy: the capture records exactly what each quantized conv gets
// (checked against the model's own first block run by hand), subsamples deterministically, reports the
// learned act_alpha; the unsigned activation analysis equals a direct computation of the `_uq` forward;
// the PTQ sweep's numbers equal a hand-quantized model's, 8-bit weights keep the default model's
// accuracy, and both jobs cancel at once.

#include "core/analysis/activations.h"
#include "core/analysis/analysis.h"
#include "core/data/datasets.h"
#include "core/io/modelio.h"
#include "core/io/export.h"
#include "core/analysis/modelsnapshot.h"
#include "core/analysis/ptq.h"
#include "core/train/trainconfig.h"
#include "core/train/trainer.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <random>

namespace {

constexpr int64_t kSyntheticImages = 48;

qs::TrainConfig syntheticConfig(const std::string &method)
{
    qs::TrainConfig c;
    c.dataset = "synthetic:" + std::to_string(kSyntheticImages);
    c.depth = 20;
    c.method = method;
    c.wbits = c.abits = 4;
    c.epochs = 10;
    c.batchSize = 16;
    c.evalBatchSize = 48;
    c.augment = false;
    c.lr = 0.05;
    c.schedule = "constant";
    c.threads = 1; // a second intra-op thread spins on a shared 2-core machine
    c.device = "cpu";
    c.seed = 3;
    return c;
}

// alpha * P(min(x / alpha, 1)) with P the nearest of `levels` (ties low), written out without torch.
double quantizeActivation(double x, double alpha, const std::vector<double> &levels)
{
    const double y = std::min(x / alpha, 1.0);
    double best = levels.front();
    for (double l : levels)
        if (std::abs(y - l) < std::abs(y - best))
            best = l;
    return alpha * best;
}

// mean + std * alpha * sign P(|clamp(wn / alpha, -1, 1)|), wn = (w - mean) / std: the PTQ weight rule.
std::vector<float> quantizeWeightsByHand(const std::vector<float> &w, const qs::LevelSpec &spec, double alpha)
{
    double mean = 0;
    for (float v : w)
        mean += v;
    mean /= double(w.size());
    double var = 0;
    for (float v : w)
        var += (v - mean) * (v - mean);
    const double sd = std::sqrt(var / double(w.size() - 1));
    const auto mags = qs::magnitudeLevels(spec);
    std::vector<float> out(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
        const double x = std::clamp((w[i] - mean) / sd / alpha, -1.0, 1.0);
        double best = mags.front();
        for (double m : mags)
            if (std::abs(std::abs(x) - m) < std::abs(std::abs(x) - best))
                best = m;
        out[i] = float(mean + sd * alpha * (x < 0 ? -best : best));
    }
    return out;
}

qs::ResNet loadModel(const std::string &checkpoint)
{
    const auto state = qs::readCheckpointState(checkpoint);
    qs::ResNet model(qs::resnetOptionsFromConfig(qs::parseTrainConfig(state.configText), state.inputChannels,
                                                 state.numClasses));
    qs::loadCheckpoint(checkpoint, model, nullptr, nullptr);
    model->eval();
    return model;
}

} // namespace

class TestActivations final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string m_apot;    // untrained APoT W4A4 with distinct act_alpha per layer
    std::string m_trained; // FP, trained a few steps on synthetic data

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        torch::manual_seed(11);
        const auto config = syntheticConfig("apot");
        qs::ResNet model(qs::resnetOptionsFromConfig(config, 3, 10));
        {
            torch::NoGradGuard noGrad;
            int i = 0;
            for (auto &[name, conv] : model->quantLayers())
                conv->named_parameters()["act_alpha"].fill_(1.0 + 0.25 * i++);
        }
        qs::CheckpointState state;
        state.configText = qs::serializeTrainConfig(config);
        m_apot = m_dir.filePath(QStringLiteral("apot.qsckpt")).toStdString();
        qs::saveCheckpoint(m_apot, model, nullptr, nullptr, state);

        const QString run = m_dir.filePath(QStringLiteral("fp-run"));
        const auto result = qs::runTraining(syntheticConfig("fp"), run.toStdString(), nullptr, {});
        QCOMPARE(result.outcome, qs::TrainOutcome::Completed);
        m_trained = (run + QStringLiteral("/last.qsckpt")).toStdString();
    }

    void captureRecordsEachQuantizedConvInput()
    {
        qs::ActivationRequest req;
        req.weights = m_apot;
        req.images = 20;
        req.batch = 8; // three batches, the last one short
        req.maxValuesPerLayer = int64_t(1) << 40;
        int calls = 0;
        const auto capture = qs::captureActivations(req, [&](int done, int total) {
            ++calls;
            return done <= total;
        });
        QVERIFY(capture.complete);
        QCOMPARE(calls, 3);
        QCOMPARE(capture.images, int64_t(20));
        QCOMPARE(capture.dataSpec, "synthetic:" + std::to_string(kSyntheticImages)); // the checkpoint's own

        // Every quantized conv, named as the snapshot names its weight, with its learned act_alpha.
        auto model = loadModel(m_apot);
        const auto quantLayers = model->quantLayers();
        QCOMPARE(capture.layers.size(), quantLayers.size());
        const auto snapshot = qs::ModelSnapshot::load(m_apot);
        for (size_t i = 0; i < quantLayers.size(); ++i) {
            const auto &l = capture.layers[i];
            QCOMPARE(l.name, quantLayers[i].first + ".weight");
            QVERIFY(snapshot.layer(l.name));
            QVERIFY(l.checkpointAlpha);
            QS_COMPARE_NEAR(*l.checkpointAlpha, 1.0 + 0.25 * double(i), 1e-6);
            int64_t perImage = 1;
            for (int64_t d : l.inputShape)
                perImage *= d;
            QCOMPARE(l.totalValues, 20 * perImage);
            QCOMPARE(int64_t(l.values.size()), l.totalValues); // nothing dropped under the limit
        }
        QCOMPARE(capture.layers.front().inputShape, (std::vector<int64_t>{16, 32, 32}));
        QVERIFY(!capture.layer("conv1.weight")); // the image: never activation-quantized
        QVERIFY(!capture.layer("fc.weight"));

        // layer1.0.conv1 sees relu(bn1(conv1(x))) of the normalized images: compute that by hand.
        const auto modules = model->named_modules();
        auto conv1 = std::dynamic_pointer_cast<qs::EdgeConv2dImpl>(modules["conv1"]);
        auto bn1 = std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(modules["bn1"]);
        QVERIFY(conv1 && bn1);
        const auto data = qs::loadDataset(qs::parseDatasetSpec(capture.dataSpec), false);
        qs::LoaderOptions options;
        options.batchSize = 20;
        options.shuffle = false;
        options.normalization = qs::defaultNormalization(qs::DatasetKind::Synthetic);
        qs::DataLoader loader(data, options);
        loader.startEpoch(0);
        torch::NoGradGuard noGrad;
        const auto expected =
            torch::relu(bn1->forward(conv1->forward(loader.batch(0).images))).flatten().contiguous();
        const auto &first = capture.layers.front();
        QCOMPARE(int64_t(first.values.size()), expected.numel());
        QVERIFY(std::equal(first.values.begin(), first.values.end(), expected.data_ptr<float>()));
        QS_COMPARE_NEAR(first.maxValue, expected.max().item<double>(), 0.0);
        QS_COMPARE_NEAR(first.minValue, 0.0, 0.0);
    }

    void captureSubsamplesDeterministically()
    {
        qs::ActivationRequest req;
        req.weights = m_apot;
        req.images = 16;
        req.batch = 5;
        req.maxValuesPerLayer = int64_t(1) << 40;
        const auto full = qs::captureActivations(req, {});
        req.maxValuesPerLayer = 3000;
        const auto a = qs::captureActivations(req, {});
        const auto b = qs::captureActivations(req, {});
        req.seed = 1;
        const auto c = qs::captureActivations(req, {});
        QCOMPARE(a.layers.size(), full.layers.size());
        bool anyDiffers = false;
        for (size_t i = 0; i < a.layers.size(); ++i) {
            const auto &sample = a.layers[i].values;
            QCOMPARE(int64_t(sample.size()), std::min<int64_t>(3000, full.layers[i].totalValues));
            QCOMPARE(a.layers[i].totalValues, full.layers[i].totalValues);
            QCOMPARE(a.layers[i].maxValue, full.layers[i].maxValue); // over everything, not the sample
            QVERIFY(sample == b.layers[i].values);
            anyDiffers = anyDiffers || sample != c.layers[i].values;
            // A sample of the recorded values, in their order: a subsequence of the full record.
            const auto &all = full.layers[i].values;
            size_t j = 0;
            for (float v : sample) {
                while (j < all.size() && all[j] != v)
                    ++j;
                QVERIFY(j < all.size());
                ++j;
            }
        }
        QVERIFY(anyDiffers);
    }

    void activationAnalysisMatchesTheQuantizer_data()
    {
        QTest::addColumn<int>("scheme");
        QTest::addColumn<int>("bits");
        QTest::addColumn<double>("alpha");
        for (auto s : {qs::Scheme::Uniform, qs::Scheme::PoT, qs::Scheme::APoT})
            for (int b : {2, 3, 4, 6})
                QTest::addRow("%s-%d", qs::schemeName(s).c_str(), b) << int(s) << b << 2.5;
        QTest::newRow("apot-4-small-clip") << int(qs::Scheme::APoT) << 4 << 0.4;
    }

    void activationAnalysisMatchesTheQuantizer()
    {
        QFETCH(int, scheme);
        QFETCH(int, bits);
        QFETCH(double, alpha);
        // Post-ReLU-like values: a quarter exact zeros, a few slightly negative, a long right tail.
        std::mt19937 rng(5);
        std::exponential_distribution<float> tail(1.2f);
        std::vector<float> values(20000);
        for (size_t i = 0; i < values.size(); ++i)
            values[i] = i % 4 == 0 ? 0.0f : i % 97 == 0 ? -0.01f : tail(rng);
        const qs::LevelSpec spec{qs::Scheme(scheme), bits, false};
        const auto a = qs::analyzeActivationValues("layer", values, spec, alpha, false);

        const auto levels = qs::levelSet(spec);
        double signal = 0, noise = 0;
        std::vector<int64_t> counts(levels.size(), 0);
        for (float v : values) {
            const double q = quantizeActivation(v, alpha, levels);
            signal += double(v) * v;
            noise += (v - q) * (v - q);
            const auto at = std::find_if(levels.begin(), levels.end(),
                                         [&](double l) { return std::abs(l * alpha - q) < 1e-12; });
            ++counts[size_t(at - levels.begin())];
        }
        QCOMPARE(a.alpha, alpha);
        QCOMPARE(a.alphaSource, std::string("given"));
        QCOMPARE(a.numel, int64_t(values.size()));
        QS_COMPARE_NEAR(a.mse, noise / double(values.size()), 1e-12);
        QS_COMPARE_NEAR(a.sqnrDb, 10.0 * std::log10(signal / noise), 1e-9);
        QCOMPARE(a.levels.size(), levels.size());
        for (size_t i = 0; i < levels.size(); ++i)
            QS_COMPARE_NEAR(a.levels[i], alpha * levels[i], 1e-12);
        QCOMPARE(a.counts, counts);

        // The MSE-optimal clip beats every clip on a grid, and the default is the reference's 8.0.
        const auto searched = qs::analyzeActivationValues("layer", values, spec, std::nullopt, true);
        QCOMPARE(searched.alphaSource, std::string("mse-search"));
        double top = 0;
        for (float v : values)
            top = std::max(top, double(v));
        for (int k = 1; k <= 40; ++k) {
            const double clip = 2.0 * top * k / 40.0;
            QVERIFY2(searched.mse <=
                         qs::analyzeActivationValues("layer", values, spec, clip, false).mse + 1e-12,
                     qPrintable(QString::number(clip)));
        }
        const auto fallback = qs::analyzeActivationValues("layer", values, spec, std::nullopt, false);
        QCOMPARE(fallback.alpha, qs::kDefaultActivationAlpha);
        QCOMPARE(fallback.alphaSource, std::string("default"));

        QVERIFY_THROWS_EXCEPTION(
            std::invalid_argument,
            qs::analyzeActivationValues("layer", values, {spec.scheme, bits, true}, alpha, false));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 qs::analyzeActivationValues("layer", {}, spec, alpha, false));
    }

    void ptqMatchesAHandQuantizedModel()
    {
        qs::PtqRequest req;
        req.weights = m_trained;
        req.schemes = {qs::Scheme::Uniform, qs::Scheme::APoT};
        req.fromBits = 2;
        req.toBits = 3;
        req.testImages = 0; // the whole (synthetic) test split
        req.batch = 20;
        int calls = 0, lastTotal = 0;
        const auto result = qs::ptqAccuracySweep(req, [&](int, int total) {
            ++calls;
            lastTotal = total;
            return true;
        });
        QVERIFY(result.complete);
        QCOMPARE(result.images, kSyntheticImages);
        QCOMPARE(result.edges, std::string("8-bit max-scaled")); // TrainConfig's default edge layers
        QCOMPARE(result.points.size(), size_t(4));
        QCOMPARE(calls, lastTotal);
        QCOMPARE(lastTotal, 5 * 3); // (baseline + 4 points) x 3 batches of 20 over 48 images

        // The baseline is what `eval` reports for the checkpoint on the same data.
        qs::EvalRequest eval;
        eval.weights = m_trained;
        eval.data = result.dataSpec;
        eval.threads = 1;
        eval.device = "cpu";
        QS_COMPARE_NEAR(result.referenceTop1, qs::evaluateWeights(eval).top1, 1e-9);

        // Each point: the checkpoint with its quantized convs' weights replaced by hand, evaluated by hand.
        auto model = loadModel(m_trained);
        const auto data = qs::loadDataset(qs::parseDatasetSpec(result.dataSpec), false);
        qs::LoaderOptions options;
        options.batchSize = 1000;
        options.shuffle = false;
        options.normalization = qs::defaultNormalization(qs::DatasetKind::Synthetic);
        qs::DataLoader loader(data, options);
        loader.startEpoch(0);
        const auto batch = loader.batch(0);
        torch::NoGradGuard noGrad;
        std::vector<at::Tensor> originals;
        for (auto &[name, conv] : model->quantLayers())
            originals.push_back(conv->weight.detach().clone());
        bool anyBelowBaseline = false;
        for (const auto &point : result.points) {
            const qs::LevelSpec spec{point.scheme, point.bits, true};
            size_t i = 0;
            for (auto &[name, conv] : model->quantLayers()) {
                const auto w = originals[i++].contiguous();
                const std::vector<float> values(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
                // FP checkpoint: no wgt_alpha, so the default clip 3.0.
                const auto q = quantizeWeightsByHand(values, spec, 3.0);
                conv->weight.copy_(torch::tensor(q).reshape(w.sizes()));
            }
            const auto predicted = model->forward(batch.images).argmax(1);
            const double top1 =
                100.0 * predicted.eq(batch.labels).sum().item<double>() / double(kSyntheticImages);
            QS_COMPARE_NEAR(point.top1, top1, 1e-9);
            anyBelowBaseline = anyBelowBaseline || point.top1 < result.referenceTop1;
        }
        QVERIFY2(result.referenceTop1 > 30, qPrintable(QString::number(result.referenceTop1))); // it learned something
        QVERIFY(anyBelowBaseline);
    }

    void ptqKeepsTheDefaultModelAt8Bits()
    {
        const QString model = QStringLiteral(QUANTSCOPE_DEFAULT_MODEL);
        if (!QFileInfo(model).isFile())
            QSKIP("resources/models/default.qsckpt is not in this checkout");
        if (!QFileInfo(QStringLiteral("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"))
                 .isFile())
            QSKIP("Fashion-MNIST is not installed at /usr/share/datasets/fashion-mnist (Debian's "
                  "fashion-mnist data package)");
        qs::PtqRequest req;
        req.weights = model.toStdString();
        req.schemes = {qs::Scheme::Uniform};
        req.fromBits = 2;
        req.toBits = 8;
        req.testImages = 2000;
        QElapsedTimer timer;
        timer.start();
        const auto result = qs::ptqAccuracySweep(req, {});
        qInfo("PTQ uniform 2-8 bits on %lld images took %.1f s", static_cast<long long>(result.images),
              double(timer.elapsed()) / 1000.0);
        QCOMPARE(result.images, int64_t(2000));
        QCOMPARE(result.dataSpec, std::string("fashion-mnist:"));
        QCOMPARE(result.points.size(), size_t(7));
        QVERIFY2(result.referenceTop1 > 88, qPrintable(QString::number(result.referenceTop1)));
        for (const auto &p : result.points)
            qInfo("uniform W%d: top-1 %.2f%% (FP %.2f%%)", p.bits, p.top1, result.referenceTop1);
        const auto &w8 = result.points.back();
        QCOMPARE(w8.bits, 8);
        QVERIFY2(std::abs(w8.top1 - result.referenceTop1) <= 1.0,
                 qPrintable(QStringLiteral("8-bit %1 vs FP %2").arg(w8.top1).arg(result.referenceTop1)));
        // More bits never cost more than noise.
        for (size_t i = 1; i < result.points.size(); ++i)
            QVERIFY2(result.points[i].top1 >= result.points[i - 1].top1 - 1.0,
                     qPrintable(QStringLiteral("W%1 %2 < W%3 %4")
                                    .arg(result.points[i].bits)
                                    .arg(result.points[i].top1)
                                    .arg(result.points[i - 1].bits)
                                    .arg(result.points[i - 1].top1)));
        QVERIFY(result.points.front().top1 < result.referenceTop1 - 1.0); // 2 bits (ternary) costs accuracy
    }

    void jobsCancelAtTheFirstCheck()
    {
        qs::PtqRequest req;
        req.weights = m_trained;
        req.batch = 16;
        int calls = 0;
        const auto ptq = qs::ptqAccuracySweep(req, [&](int, int) { return ++calls < 2; });
        QVERIFY(!ptq.complete);
        QCOMPARE(calls, 2);
        QVERIFY(ptq.points.empty());

        qs::ActivationRequest capture;
        capture.weights = m_apot;
        capture.images = 32;
        capture.batch = 8;
        calls = 0;
        const auto cancelled = qs::captureActivations(capture, [&](int, int) { return ++calls < 1; });
        QVERIFY(!cancelled.complete);
        QCOMPARE(calls, 1);
        QVERIFY(cancelled.layers.empty());
    }

    void errorsAreOneLine()
    {
        // A PyTorch state_dict has no stored data set: the caller must name one.
        const std::string pt = m_dir.filePath(QStringLiteral("model.pt")).toStdString();
        qs::exportWeights(m_trained, pt);
        for (const std::string &weights :
             {pt, m_dir.filePath(QStringLiteral("missing.qsckpt")).toStdString()}) {
            qs::ActivationRequest req;
            req.weights = weights;
            try {
                qs::captureActivations(req, {});
                QFAIL("no exception");
            } catch (const std::runtime_error &e) {
                const std::string what = e.what();
                QVERIFY2(what.find(weights) != std::string::npos, what.c_str());
                QVERIFY2(what.find('\n') == std::string::npos, what.c_str());
            }
        }
        qs::PtqRequest bad;
        bad.weights = m_trained;
        bad.schemes = {qs::Scheme::APoT};
        bad.fromBits = bad.toBits = 9;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::ptqAccuracySweep(bad, {}));
    }
};

QTEST_APPLESS_MAIN(TestActivations)
#include "tst_activations.moc"
