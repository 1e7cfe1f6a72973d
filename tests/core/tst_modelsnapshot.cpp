// ModelSnapshot: both file formats give the model's conv/linear weights exactly, with the learned clips;
// the whole-model analysis and the bit sweep agree with analyzeWeightValues; errors name the file.

#include "core/io/modelio.h"
#include "core/analysis/modelsnapshot.h"
#include "core/io/torchformat.h"
#include "core/train/trainconfig.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

namespace {

qs::TrainConfig apotConfig()
{
    qs::TrainConfig config;
    config.depth = 20;
    config.method = "apot";
    config.wbits = 4;
    config.abits = 4;
    return config;
}

bool isConvOrLinearWeight(const qs::NamedTensor &t)
{
    const std::string &n = t.name;
    return n.size() > 7 && n.compare(n.size() - 7, 7, ".weight") == 0 &&
           (t.tensor.dim() == 4 || t.tensor.dim() == 2);
}

} // namespace

class TestModelSnapshot final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string m_ckpt, m_torch;
    std::vector<qs::NamedTensor> m_tensors; // the model's state_dict

    std::string file(const char *name) const { return m_dir.filePath(QString::fromUtf8(name)).toStdString(); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        torch::manual_seed(7);
        const auto config = apotConfig();
        qs::ResNet model(qs::resnetOptionsFromConfig(config, 3, 10));
        {
            torch::NoGradGuard noGrad;
            int i = 0;
            for (auto &p : model->named_parameters())
                if (p.key().find("wgt_alpha") != std::string::npos)
                    p.value().fill_(1.5 + 0.1 * i++); // distinct learned clips
        }
        qs::CheckpointState state;
        state.configText = qs::serializeTrainConfig(config);
        state.epoch = 3;
        state.bestTop1 = 42.5;
        m_ckpt = file("model.qsckpt");
        qs::saveCheckpoint(m_ckpt, model, nullptr, nullptr, state);
        m_tensors = qs::exportStateDict(model);
        m_torch = file("model.pt");
        qs::writeTorchStateDict(m_torch, m_tensors);
    }

    void layersMatchTheStateDict_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("qsckpt") << QString::fromStdString(m_ckpt);
        QTest::newRow("pytorch") << QString::fromStdString(m_torch);
    }

    void layersMatchTheStateDict()
    {
        QFETCH(QString, path);
        const auto snapshot = qs::ModelSnapshot::load(path.toStdString());
        QCOMPARE(snapshot.path(), path.toStdString());
        QVERIFY(!snapshot.description().empty());
        std::vector<const qs::NamedTensor *> expected;
        for (const auto &t : m_tensors)
            if (isConvOrLinearWeight(t))
                expected.push_back(&t);
        QCOMPARE(snapshot.layers().size(), expected.size());
        QVERIFY(expected.size() >= 20); // ResNet-20: 19 convs + fc
        int withAlpha = 0;
        int64_t total = 0;
        for (size_t i = 0; i < expected.size(); ++i) {
            const auto &layer = snapshot.layers()[i];
            const auto &t = *expected[i];
            QCOMPARE(layer.name, t.name);
            QCOMPARE(layer.shape, t.tensor.sizes().vec());
            QCOMPARE(layer.numel, t.tensor.numel());
            total += layer.numel;
            const auto &values = snapshot.weights(layer.name);
            QCOMPARE(int64_t(values.size()), layer.numel);
            const auto flat = t.tensor.to(torch::kFloat).contiguous();
            QVERIFY(std::equal(values.begin(), values.end(), flat.data_ptr<float>()));
            if (layer.checkpointAlpha) {
                ++withAlpha;
                const std::string alphaKey =
                    layer.name.substr(0, layer.name.size() - 7) + ".weight_quant.wgt_alpha";
                bool found = false;
                for (const auto &u : m_tensors)
                    if (u.name == alphaKey) {
                        QS_COMPARE_NEAR(*layer.checkpointAlpha, u.tensor.item<double>(), 1e-6);
                        found = true;
                    }
                QVERIFY(found);
            }
        }
        QVERIFY2(withAlpha >= 18, qPrintable(QString::number(withAlpha))); // every quantized conv
        QCOMPARE(snapshot.parameterCount(), total);
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, snapshot.weights("no.such.weight"));
    }

    void savedStateDictLoadsBack()
    {
        const auto snapshot = qs::ModelSnapshot::load(m_ckpt);
        const std::string path = file("resaved.pt");
        snapshot.saveStateDict(path);
        const auto again = qs::ModelSnapshot::load(path);
        QCOMPARE(again.layers().size(), snapshot.layers().size());
        for (size_t i = 0; i < again.layers().size(); ++i) {
            const auto &a = again.layers()[i], &b = snapshot.layers()[i];
            QCOMPARE(a.name, b.name);
            QCOMPARE(a.shape, b.shape);
            QCOMPARE(a.checkpointAlpha.has_value(), b.checkpointAlpha.has_value());
            if (a.checkpointAlpha)
                QS_COMPARE_NEAR(*a.checkpointAlpha, *b.checkpointAlpha, 1e-6);
            QVERIFY(again.weights(a.name) == snapshot.weights(b.name));
        }
    }

    void analysisCountsSumToNumel()
    {
        const auto snapshot = qs::ModelSnapshot::load(m_ckpt);
        const auto result = qs::analyzeSnapshot(snapshot, qs::Scheme::APoT, 4, std::nullopt, false);
        QCOMPARE(result.size(), snapshot.layers().size());
        for (size_t i = 0; i < result.size(); ++i) {
            const auto &a = result[i];
            const auto &layer = snapshot.layers()[i];
            QCOMPARE(a.name, layer.name);
            int64_t sum = 0;
            for (int64_t c : a.counts)
                sum += c;
            QCOMPARE(sum, layer.numel);
            QCOMPARE(a.counts.size(), a.levels.size());
            if (layer.checkpointAlpha) {
                QCOMPARE(a.alphaSource, std::string("checkpoint"));
                QS_COMPARE_NEAR(a.alpha, *layer.checkpointAlpha, 1e-12);
            } else {
                QCOMPARE(a.alphaSource, std::string("default"));
            }
            const auto direct =
                qs::analyzeWeightValues(layer.name, snapshot.weights(layer.name), layer.shape,
                                        {qs::Scheme::APoT, 4, true}, layer.checkpointAlpha, false);
            QS_COMPARE_NEAR(a.mse, direct.mse, 1e-12);
        }
        const auto given = qs::analyzeSnapshot(snapshot, qs::Scheme::Uniform, 3, 2.0, false);
        for (const auto &a : given) {
            QCOMPARE(a.alpha, 2.0);
            QCOMPARE(a.alphaSource, std::string("given"));
        }
        const auto searched = qs::analyzeSnapshot(snapshot, qs::Scheme::Uniform, 3, std::nullopt, true);
        for (size_t i = 0; i < searched.size(); ++i)
            QVERIFY(searched[i].mse <= given[i].mse + 1e-9);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 qs::analyzeSnapshot(snapshot, qs::Scheme::APoT, 9, std::nullopt, false));
    }

    void bitSweepIsSaneAndCancels()
    {
        const auto snapshot = qs::ModelSnapshot::load(m_torch);
        int calls = 0, lastTotal = 0;
        const auto points = qs::bitSweep(snapshot, {qs::Scheme::Uniform, qs::Scheme::APoT}, 2, 6, false,
                                         [&](int done, int total) {
                                             ++calls;
                                             lastTotal = total;
                                             return done <= total;
                                         });
        QCOMPARE(points.size(), size_t(10));
        QCOMPARE(calls, lastTotal);
        QCOMPARE(lastTotal, int(10 * snapshot.layers().size()));
        auto find = [&](qs::Scheme s, int b) {
            for (const auto &p : points)
                if (p.scheme == s && p.bits == b)
                    return p;
            return qs::SweepPoint{};
        };
        const auto u2 = find(qs::Scheme::Uniform, 2), u6 = find(qs::Scheme::Uniform, 6);
        QCOMPARE(u2.bits, 2);
        QCOMPARE(u6.bits, 6);
        QVERIFY2(u6.meanSqnrDb > u2.meanSqnrDb + 6,
                 qPrintable(QStringLiteral("%1 vs %2").arg(u6.meanSqnrDb).arg(u2.meanSqnrDb)));
        QVERIFY(u6.totalMse < u2.totalMse);
        QCOMPARE(u2.layerSqnrDb.size(), snapshot.layers().size());
        // The mean is the mean of the layers' SQNR.
        double sum = 0;
        for (double v : u2.layerSqnrDb)
            sum += v;
        QS_COMPARE_NEAR(u2.meanSqnrDb, sum / double(u2.layerSqnrDb.size()), 1e-9);

        // Cancel after the first layer of the second point: only the first point comes back.
        const int perPoint = int(snapshot.layers().size());
        int seen = 0;
        const auto cancelled = qs::bitSweep(snapshot, {qs::Scheme::Uniform}, 2, 6, false, [&](int done, int) {
            seen = done;
            return done < perPoint + 1;
        });
        QCOMPARE(cancelled.size(), size_t(1));
        QCOMPARE(seen, perPoint + 1);
        QCOMPARE(cancelled.front().bits, 2);
    }

    void corruptFilesThrowNamingThePath_data()
    {
        QTest::addColumn<QString>("what");
        QTest::newRow("missing") << QStringLiteral("missing");
        QTest::newRow("empty") << QStringLiteral("empty");
        QTest::newRow("garbage") << QStringLiteral("garbage");
        QTest::newRow("truncated") << QStringLiteral("truncated");
        QTest::newRow("no-weights") << QStringLiteral("no-weights");
    }

    void corruptFilesThrowNamingThePath()
    {
        QFETCH(QString, what);
        const std::string path = file(qPrintable(QStringLiteral("bad-%1.qsckpt").arg(what)));
        if (what != QLatin1String("missing")) {
            std::string bytes;
            if (what == QLatin1String("garbage"))
                bytes = "this is not a checkpoint\n";
            if (what == QLatin1String("truncated")) {
                std::ifstream in(m_ckpt, std::ios::binary);
                bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
                bytes.resize(bytes.size() / 2);
            }
            if (what == QLatin1String("no-weights")) {
                qs::writeTorchStateDict(path, {{"bn.running_mean", torch::zeros({4})}});
            } else {
                std::ofstream out(path, std::ios::binary | std::ios::trunc);
                out << bytes;
            }
        }
        try {
            qs::ModelSnapshot::load(path);
            QFAIL("no exception");
        } catch (const std::runtime_error &e) {
            const std::string msg = e.what();
            QVERIFY2(msg.rfind(path, 0) == 0, msg.c_str());
            QVERIFY2(msg.find('\n') == std::string::npos, msg.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestModelSnapshot)
#include "tst_modelsnapshot.moc"
