// How a checkpoint was trained, read from the file (core/analysis/trainedas.h): our checkpoints' stored
// config, the APoT reference's wgt_alpha/act_alpha, EWGS's uW/lW/uA/lA, the registry's LSQ/DSQ/DAQ/LSQ+
// names, a plain full-precision state_dict; bits suggested by a file name; torchvision's ImageNet ResNets
// (real key names and shapes from tests/data/torchvision/*.keys, written by torchvision itself) read as
// weights only, with evaluation refused in one line; and the post-training sweep's reference evaluated as
// trained.

#include "core/analysis/modelsnapshot.h"
#include "core/analysis/ptq.h"
#include "core/analysis/trainedas.h"
#include "core/io/modelio.h"
#include "core/io/torchformat.h"
#include "core/quant/methods.h"
#include "core/train/trainconfig.h"
#include "core/train/trainer.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

namespace {

struct KeyLine
{
    std::string name, dtype;
    std::vector<int64_t> shape;
};

// tests/data/torchvision/NAME.keys: "name dtype 64x3x7x7" per line ("-": a scalar), '#' comments.
std::vector<KeyLine> readKeys(const QString &file)
{
    std::vector<KeyLine> keys;
    std::ifstream in(file.toStdString());
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream fields(line);
        KeyLine k;
        std::string shape;
        fields >> k.name >> k.dtype >> shape;
        if (shape != "-") {
            std::istringstream dims(shape);
            std::string d;
            while (std::getline(dims, d, 'x'))
                k.shape.push_back(std::stoll(d));
        }
        keys.push_back(std::move(k));
    }
    return keys;
}

// A state_dict with torchvision's names, shapes and dtypes and seeded values, written by our own writer.
void writeTorchvisionModel(const std::vector<KeyLine> &keys, const std::string &path)
{
    torch::manual_seed(5);
    std::vector<qs::NamedTensor> tensors;
    for (const auto &k : keys) {
        if (k.dtype == "int64")
            tensors.push_back({k.name, torch::full(k.shape, 100, torch::kLong)});
        else
            tensors.push_back({k.name, 0.05f * torch::randn(k.shape)});
    }
    qs::writeTorchStateDict(path, tensors);
}

std::vector<qs::TensorShape> shapesOf(const std::vector<KeyLine> &keys)
{
    std::vector<qs::TensorShape> shapes;
    for (const auto &k : keys)
        shapes.push_back({k.name, k.shape});
    return shapes;
}

qs::TrainConfig tinyConfig(const std::string &method, int bits)
{
    qs::TrainConfig c;
    c.dataset = "synthetic:64";
    c.method = method;
    c.wbits = c.abits = bits;
    c.epochs = 1;
    c.batchSize = 32;
    c.evalBatchSize = 64;
    c.augment = false;
    c.threads = 1; // a second intra-op thread spins on a shared 2-core machine
    c.device = "cpu";
    c.seed = 7;
    return c;
}

} // namespace

class TestTrainedAs final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string m_apotW3; // ours: APoT W3A3, trained two steps
    std::string m_ewgsW2; // ours: uniform W2A2 with the EWGS backward, untrained
    std::string m_resnet18;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        torch::set_num_threads(1);
        const auto config = tinyConfig("apot", 3);
        const QString run = m_dir.filePath(QStringLiteral("apot-w3"));
        const auto result = qs::runTraining(config, run.toStdString(), nullptr, {});
        QCOMPARE(result.outcome, qs::TrainOutcome::Completed);
        m_apotW3 = (run + QStringLiteral("/last.qsckpt")).toStdString();

        auto ewgs = tinyConfig("uniform", 2);
        ewgs.backward = "ewgs";
        ewgs.ewgsDeltaInit = 1e-3;
        qs::ResNet model(qs::resnetOptionsFromConfig(ewgs, 3, 10));
        qs::CheckpointState state;
        state.configText = qs::serializeTrainConfig(ewgs);
        m_ewgsW2 = m_dir.filePath(QStringLiteral("ewgs.qsckpt")).toStdString();
        qs::saveCheckpoint(m_ewgsW2, model, nullptr, nullptr, state);
    }

    void bitsFromFileNames()
    {
        QCOMPARE(qs::bitsFromFileName("runs/apot_r20_w4a4_state_dict.pt"), std::optional<int>(4));
        QCOMPARE(qs::bitsFromFileName("/x/APoT_ResNet20_W3A3.pth"), std::optional<int>(3));
        QCOMPARE(qs::bitsFromFileName("res20_2bit.pth.tar"), std::optional<int>(2));
        QCOMPARE(qs::bitsFromFileName("res20-5-bit.pt"), std::optional<int>(5));
        QCOMPARE(qs::bitsFromFileName("resnet20_4_best.pth"), std::optional<int>(4));
        QCOMPARE(qs::bitsFromFileName("dir_w2a2/model.pt"), std::nullopt); // only the file's own name
        QCOMPARE(qs::bitsFromFileName("resnet20.pt"), std::nullopt);       // 20 is the depth, not bits
        QCOMPARE(qs::bitsFromFileName("w2a4.pt"), std::nullopt);           // two widths: no one suggestion
        QCOMPARE(qs::bitsFromFileName("w4a4_2bit.pt"), std::nullopt);      // contradicting
        QCOMPARE(qs::bitsFromFileName("fp32_32bit.pt"), std::nullopt);     // outside 1..8
    }

    void apotReferenceFilesAreApotWithBitsFromTheirNames()
    {
        for (int bits : {2, 3, 4}) {
            const QString path =
                QStringLiteral(QUANTSCOPE_REFERENCE_FIXTURES "/apot_r20_w%1a%1_state_dict.pt").arg(bits);
            const auto t = qs::inferTrainedAs(path.toStdString());
            QCOMPARE(t.method, std::string("apot"));
            QVERIFY(t.quantized());
            QCOMPARE(t.wbits, 0); // a state_dict does not store them
            QVERIFY(!t.bitsKnown());
            QCOMPARE(t.fileNameBits, std::optional<int>(bits));
            QCOMPARE(t.source, std::string("checkpoint keys"));
            QVERIFY2(t.evidence.find("wgt_alpha") != std::string::npos, t.evidence.c_str());
            QCOMPARE(t.family, qs::ModelFamily::CifarResNet);
            QCOMPARE(t.architecture, std::string("CIFAR ResNet-20"));
            QCOMPARE(t.numClasses, int64_t(10));
            QVERIFY(t.evaluable());
            QCOMPARE(t.label(), std::string("APoT, bits unknown"));
            QVERIFY2(t.describe().find("suggests " + std::to_string(bits)) != std::string::npos,
                     t.describe().c_str());
            // The Model view reads the same from the snapshot.
            QCOMPARE(qs::ModelSnapshot::load(path.toStdString()).trainedAs().method, std::string("apot"));
        }
    }

    void oursComeFromTheStoredConfig()
    {
        const auto t = qs::inferTrainedAs(m_apotW3);
        const auto stored = qs::parseTrainConfig(qs::readCheckpointState(m_apotW3).configText);
        QCOMPARE(stored.method, std::string("apot"));
        QCOMPARE(t.method, stored.method);
        QCOMPARE(t.wbits, 3);
        QCOMPARE(t.abits, 3);
        QVERIFY(!t.ewgs);
        QCOMPARE(t.source, std::string("checkpoint config"));
        QCOMPARE(t.label(), std::string("APoT W3A3"));
        QVERIFY(t.evaluable());
        const auto e = qs::inferTrainedAs(m_ewgsW2);
        QCOMPARE(e.method, std::string("uniform"));
        QVERIFY(e.ewgs);
        QCOMPARE(e.label(), std::string("Uniform W2A2 (EWGS)"));

        const QString model = QStringLiteral(QUANTSCOPE_DEFAULT_MODEL);
        if (!QFileInfo(model).isFile())
            QSKIP("resources/models/default.qsckpt is not in this checkout");
        const auto own = qs::parseTrainConfig(qs::readCheckpointState(model.toStdString()).configText);
        const auto d = qs::inferTrainedAs(model.toStdString());
        QCOMPARE(d.method, qs::quantMethod(own.method).quantizes ? own.method : std::string("fp"));
        QCOMPARE(d.source, std::string("checkpoint config"));
        QCOMPARE(d.mean, own.mean);
    }

    void stateDictsNameTheirMethodThroughTheRegistry()
    {
        // Each method's own parameters, exported as a PyTorch state_dict: the file says its method.
        // uniform and PoT register APoT's names (wgt_alpha/act_alpha): such a file reads as APoT.
        for (const auto &method : qs::quantMethods()) {
            auto config = tinyConfig(method.name, 4);
            if (method.weightBits)
                config.wbits = std::clamp(4, method.weightBits->lowest, method.weightBits->highest);
            if (method.actBits)
                config.abits = std::clamp(4, method.actBits->lowest, method.actBits->highest);
            qs::ResNet model(qs::resnetOptionsFromConfig(config, 3, 10));
            const std::string path =
                m_dir.filePath(QString::fromStdString(method.name + ".pt")).toStdString();
            qs::writeTorchStateDict(path, qs::exportStateDict(model));
            const auto t = qs::inferTrainedAs(path);
            const bool sharesApotNames = method.name == "uniform" || method.name == "pot";
            const std::string expected = sharesApotNames ? "apot" : method.name;
            QVERIFY2(t.method == expected, (method.name + " read as " + t.method).c_str());
            QCOMPARE(t.quantized(), method.quantizes);
            if (!method.quantizes)
                QCOMPARE(t.evidence, std::string("no quantizer parameters"));
            QCOMPARE(t.fileNameBits, std::nullopt);
        }
    }

    void ewgsKeysReadAsTheEwgsMethod()
    {
        std::vector<qs::TensorShape> shapes{
            {"conv1.weight", {16, 3, 3, 3}},      {"layer1.0.conv1.weight", {16, 16, 3, 3}},
            {"layer1.0.conv1.uW", {1}},           {"layer1.0.conv1.lW", {1}},
            {"layer1.0.conv1.uA", {1}},           {"layer1.0.conv1.lA", {1}},
            {"layer1.0.conv1.output_scale", {1}}, {"linear.weight", {10, 64}}};
        const auto t = qs::inferTrainedAsFromTensors(shapes, "ewgs_resnet20_w1a1.pth");
        // The official QConv: the ewgs method loads it by its own names (tst_ewgs runs such a file).
        QCOMPARE(t.method, std::string("ewgs"));
        QVERIFY(t.ewgs);
        QCOMPARE(t.fileNameBits, std::optional<int>(1));
        QVERIFY2(t.evaluable(), t.notEvaluable.c_str());
        QVERIFY(t.evidence.find("uW") != std::string::npos);
        QCOMPARE(t.label(), std::string("EWGS, bits unknown"));
        QVERIFY(!t.zeroLevel); // EWGS's weight grid has no zero level
    }

    void zeroLevelComesFromTheConfig()
    {
        // Ours: the config's zero_level on a grid method; a method without the switch keeps the zero level.
        QVERIFY(qs::inferTrainedAs(m_apotW3).zeroLevel);
        QVERIFY(qs::inferTrainedAs(m_ewgsW2).zeroLevel);
        auto config = tinyConfig("apot", 3);
        config.methodOptions["zero_level"] = 0;
        qs::ResNet model(qs::resnetOptionsFromConfig(config, 3, 10));
        qs::CheckpointState state;
        state.configText = qs::serializeTrainConfig(config);
        const auto path = m_dir.filePath(QStringLiteral("apot-no-zero.qsckpt")).toStdString();
        qs::saveCheckpoint(path, model, nullptr, nullptr, state);
        const auto t = qs::inferTrainedAs(path);
        QVERIFY(!t.zeroLevel);
        QVERIFY2(t.describe().find("without its zero level") != std::string::npos, t.describe().c_str());
        auto lsq = tinyConfig("lsq", 3);
        qs::ResNet lsqModel(qs::resnetOptionsFromConfig(lsq, 3, 10));
        state.configText = qs::serializeTrainConfig(lsq);
        const auto lsqPath = m_dir.filePath(QStringLiteral("lsq.qsckpt")).toStdString();
        qs::saveCheckpoint(lsqPath, lsqModel, nullptr, nullptr, state);
        QVERIFY(qs::inferTrainedAs(lsqPath).zeroLevel);
    }

    void torchvisionResNetsAreRecognized()
    {
        const auto r18 = readKeys(QStringLiteral(QUANTSCOPE_TORCHVISION_KEYS "/resnet18.keys"));
        const auto r50 = readKeys(QStringLiteral(QUANTSCOPE_TORCHVISION_KEYS "/resnet50.keys"));
        QCOMPARE(r18.size(), size_t(122)); // torchvision 0.14's resnet18 state_dict
        QCOMPARE(r50.size(), size_t(320));
        const auto t18 = qs::inferTrainedAsFromTensors(shapesOf(r18), "resnet18.pth");
        QCOMPARE(t18.family, qs::ModelFamily::ImageNetResNet);
        QCOMPARE(t18.architecture, std::string("torchvision ResNet-18"));
        QCOMPARE(t18.numClasses, int64_t(1000));
        QCOMPARE(t18.method, std::string("fp"));
        QVERIFY(!t18.evaluable());
        QVERIFY2(t18.notEvaluable.find("CIFAR-style") != std::string::npos, t18.notEvaluable.c_str());
        const auto t50 = qs::inferTrainedAsFromTensors(shapesOf(r50), "resnet50.pth");
        QCOMPARE(t50.architecture, std::string("torchvision ResNet-50"));
        QVERIFY(!t50.evaluable());
    }

    void torchvisionResNet18OpensAsWeights()
    {
        const auto keys = readKeys(QStringLiteral(QUANTSCOPE_TORCHVISION_KEYS "/resnet18.keys"));
        m_resnet18 = m_dir.filePath(QStringLiteral("resnet18.pth")).toStdString();
        writeTorchvisionModel(keys, m_resnet18);

        const auto snapshot = qs::ModelSnapshot::load(m_resnet18);
        // Every conv and linear weight torchvision lists, in its order and shapes.
        std::vector<KeyLine> expected;
        for (const auto &k : keys)
            if ((k.shape.size() == 4 || k.shape.size() == 2) && k.name.size() > 7 &&
                k.name.compare(k.name.size() - 7, 7, ".weight") == 0)
                expected.push_back(k);
        QCOMPARE(expected.size(), size_t(21)); // stem + 16 block convs + 3 downsample.0 + fc
        QCOMPARE(snapshot.layers().size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            QCOMPARE(snapshot.layers()[i].name, expected[i].name);
            QCOMPARE(snapshot.layers()[i].shape, expected[i].shape);
            QVERIFY(!snapshot.layers()[i].checkpointAlpha);
        }
        QVERIFY(snapshot.layer("layer2.0.downsample.0.weight"));
        QCOMPARE(snapshot.trainedAs().architecture, std::string("torchvision ResNet-18"));
        QVERIFY2(snapshot.description().find("torchvision ResNet-18") != std::string::npos,
                 snapshot.description().c_str());
        // The values are the file's: torch reads the same numbers back.
        const auto file = qs::readTorchCheckpoint(m_resnet18);
        for (const auto &t : file.tensors)
            if (t.name == "layer3.1.conv2.weight") {
                const auto w = t.tensor.contiguous();
                const auto &held = snapshot.weights(t.name);
                QCOMPARE(int64_t(held.size()), w.numel());
                QCOMPARE(held[12345], w.data_ptr<float>()[12345]);
            }

        // Weight analyses run on it: one layer, every layer, the bit sweep's mean SQNR.
        const auto layers = qs::analyzeSnapshot(snapshot, qs::Scheme::APoT, 4, std::nullopt, false);
        QCOMPARE(layers.size(), size_t(21));
        for (const auto &l : layers)
            QVERIFY2(std::isfinite(l.sqnrDb) && l.sqnrDb > 5, l.name.c_str());
        qs::AnalyzeRequest analyze;
        analyze.weights = m_resnet18;
        analyze.scheme = qs::Scheme::Uniform;
        analyze.bits = 4;
        QCOMPARE(qs::analyzeWeights(analyze).size(), size_t(21));

        // Evaluation says in one line why not, everywhere it is asked for.
        qs::PtqRequest ptq;
        ptq.weights = m_resnet18;
        ptq.data = "synthetic:32";
        try {
            qs::ptqAccuracySweep(ptq, {});
            QFAIL("a PTQ sweep of an ImageNet ResNet ran");
        } catch (const qs::Error &e) {
            const std::string what = e.what();
            QVERIFY2(what.find("CIFAR-style") != std::string::npos && what.find('\n') == std::string::npos,
                     e.what());
        }
        const auto r = qs::test::runQuantscopeCli({QStringLiteral("eval"), QStringLiteral("--weights"),
                                                   QString::fromStdString(m_resnet18),
                                                   QStringLiteral("--data"), QStringLiteral("synthetic:32")});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err.count('\n'), qsizetype(1));
        QVERIFY2(r.err.contains("torchvision ResNet-18") && r.err.contains("CIFAR-style"), r.err.constData());
    }

    void nearChanceFlags()
    {
        QVERIFY(qs::nearChance(9.65, 10));
        QVERIFY(qs::nearChance(12.9, 10));
        QVERIFY(!qs::nearChance(13.1, 10));
        QVERIFY(!qs::nearChance(91.0, 10));
        QVERIFY(qs::nearChance(1.5, 100));
        QVERIFY(!qs::nearChance(50.0, 0)); // classes unknown: never
        qs::TrainedAs apot;
        apot.method = "apot";
        const auto line = qs::nearChanceWarning(9.65, 10, apot);
        QVERIFY(line.find("normalization") != std::string::npos && line.find("APoT") != std::string::npos &&
                line.find("bits") != std::string::npos);
    }

    void ptqReferenceIsTheModelAsTrained()
    {
        // Ours, APoT W3A3: the reference is `eval` with the stored setting, and the APoT 3-bit point is the
        // same model (the learned clips, the trained activations).
        qs::PtqRequest req;
        req.weights = m_apotW3;
        req.schemes = {qs::Scheme::APoT, qs::Scheme::Uniform};
        req.fromBits = 3;
        req.toBits = 3;
        req.testImages = 0;
        req.batch = 32;
        const auto result = qs::ptqAccuracySweep(req, {});
        QVERIFY(result.complete);
        QCOMPARE(result.reference, std::string("as trained (APoT W3A3)"));
        QCOMPARE(result.classes, int64_t(10));
        qs::EvalRequest eval;
        eval.weights = m_apotW3;
        eval.device = "cpu";
        eval.threads = 1;
        const auto asStored = qs::evaluateWeights(eval);
        QS_COMPARE_NEAR(result.referenceTop1, asStored.top1, 1e-9);
        QCOMPARE(result.mean, asStored.mean);
        QCOMPARE(result.std, asStored.std);
        QCOMPARE(result.points.size(), size_t(2));
        QCOMPARE(result.points[0].scheme, qs::Scheme::APoT);
        QS_COMPARE_NEAR(result.points[0].top1, result.referenceTop1, 1e-9);
        // The uniform 3-bit point: the model built as uniform W3A3 with the same parameters.
        eval.quant = "uniform";
        QS_COMPARE_NEAR(result.points[1].top1, qs::evaluateWeights(eval).top1, 1e-9);

        // Asked for full precision: the reference is `eval --quant fp`, and the label says so.
        req.quant = "fp";
        req.schemes = {qs::Scheme::APoT};
        const auto fp = qs::ptqAccuracySweep(req, {});
        QCOMPARE(fp.reference, std::string("full precision (trained as APoT W3A3)"));
        eval.quant = "fp";
        QS_COMPARE_NEAR(fp.referenceTop1, qs::evaluateWeights(eval).top1, 1e-9);
        QCOMPARE(fp.activations, std::string("full precision"));
        // An EWGS-trained checkpoint in full precision too (the backward does not matter for evaluation).
        req.weights = m_ewgsW2;
        const auto ewgsFp = qs::ptqAccuracySweep(req, {});
        QCOMPARE(ewgsFp.reference, std::string("full precision (trained as Uniform W2A2 (EWGS))"));
        QCOMPARE(ewgsFp.points.size(), size_t(1));

        // The APoT reference file stores no bits: refused until given, then `eval --quant apot --bits 4`.
        qs::PtqRequest file;
        file.weights = QUANTSCOPE_REFERENCE_FIXTURES "/apot_r20_w4a4_state_dict.pt";
        file.data = "synthetic:48";
        file.schemes = {qs::Scheme::APoT};
        file.fromBits = file.toBits = 4;
        file.batch = 48;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::ptqAccuracySweep(file, {}));
        file.wbits = file.abits = 4;
        const auto apot = qs::ptqAccuracySweep(file, {});
        QCOMPARE(apot.reference, std::string("as trained (APoT W4A4)"));
        qs::EvalRequest fileEval;
        fileEval.weights = file.weights;
        fileEval.data = file.data;
        fileEval.quant = "apot";
        fileEval.wbits = fileEval.abits = 4;
        fileEval.device = "cpu";
        fileEval.threads = 1;
        QS_COMPARE_NEAR(apot.referenceTop1, qs::evaluateWeights(fileEval).top1, 1e-9);
        QS_COMPARE_NEAR(apot.points.at(0).top1, apot.referenceTop1, 1e-9);
    }

    void evalCliInfersTheSetting()
    {
        const QString apot = QStringLiteral(QUANTSCOPE_REFERENCE_FIXTURES "/apot_r20_w4a4_state_dict.pt");
        // No bits in the file: exit 2, one line naming the method and the file name's suggestion.
        auto r = qs::test::runQuantscopeCli({QStringLiteral("eval"), QStringLiteral("--weights"), apot,
                                             QStringLiteral("--data"), QStringLiteral("synthetic:48")});
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(r.err.count('\n'), qsizetype(1));
        QVERIFY2(r.err.contains("APoT") && r.err.contains("--bits 4"), r.err.constData());

        // --bits alone: the method from the keys, the same top-1 as --quant apot --bits 4.
        r = qs::test::runQuantscopeCli({QStringLiteral("eval"), QStringLiteral("--weights"), apot,
                                        QStringLiteral("--data"), QStringLiteral("synthetic:48"),
                                        QStringLiteral("--bits"), QStringLiteral("4")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.startsWith("eval: as trained: APoT W4A4 (method from checkpoint keys"),
                 r.err.constData());
        const auto inferred = QJsonDocument::fromJson(r.out).object();
        r = qs::test::runQuantscopeCli({QStringLiteral("eval"), QStringLiteral("--weights"), apot,
                                        QStringLiteral("--data"), QStringLiteral("synthetic:48"),
                                        QStringLiteral("--quant"), QStringLiteral("apot"),
                                        QStringLiteral("--bits"), QStringLiteral("4")});
        QCOMPARE(r.exitCode, 0);
        const auto explicitly = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(inferred.value(QStringLiteral("top1")).toDouble(),
                 explicitly.value(QStringLiteral("top1")).toDouble());
        QCOMPARE(inferred.value(QStringLiteral("mean")).toArray().size(), 3);

        // Ours: everything from the stored config, said in one line.
        r = qs::test::runQuantscopeCli({QStringLiteral("eval"), QStringLiteral("--weights"),
                                        QString::fromStdString(m_apotW3), QStringLiteral("--data"),
                                        QStringLiteral("synthetic:64")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.startsWith("eval: as trained: APoT W3A3 (from checkpoint config)"), r.err.constData());
        QCOMPARE(r.err.count("\neval: as trained"), qsizetype(0));
    }
};

QTEST_GUILESS_MAIN(TestTrainedAs)
#include "tst_trainedas.moc"
