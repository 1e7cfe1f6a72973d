// QuantScope checkpoints (round trip, schema and format checks) and PyTorch state_dict import/export:
// layout inference, strict and non-strict loading, the option-A `linear` naming, warm starts.

#include "core/io/modelio.h"
#include "core/io/torchformat.h"
#include "core/train/trainconfig.h"
#include "testsupport.h"
#include "ziprecords.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <set>

namespace {

qs::ResNetOptions options(const std::string &method, qs::Shortcut shortcut, int depth = 20,
                          int64_t channels = 3, int64_t classes = 10, int bits = 3)
{
    qs::ResNetOptions o;
    o.depth = depth;
    o.shortcut = shortcut;
    o.inputChannels = channels;
    o.numClasses = classes;
    o.quant.method = method;
    o.quant.weightBits = o.quant.actBits = bits;
    return o;
}

// A model whose every tensor differs from a fresh one: trained-looking BN statistics and moved clips.
qs::ResNet perturbedModel(const qs::ResNetOptions &o, uint64_t seed)
{
    torch::manual_seed(seed);
    qs::ResNet model(o);
    model->train();
    {
        torch::NoGradGuard noGrad;
        for (int i = 0; i < 2; ++i)
            model->forward(torch::rand({4, o.inputChannels, 16, 16}) * 2);
        for (auto &p : model->named_parameters())
            if (p.key().find("alpha") != std::string::npos || p.key().find("_step") != std::string::npos ||
                p.key().find("upper") != std::string::npos)
                p.value().mul_(0.8 + 0.4 * torch::rand({}).item<double>());
            else if (p.key().find("bn") != std::string::npos ||
                     p.key().find("downsample.1") != std::string::npos)
                p.value().add_(torch::randn_like(p.value()) * 0.1);
    }
    model->eval();
    return model;
}

at::Tensor outputs(qs::ResNet &model, int64_t channels = 3)
{
    torch::NoGradGuard noGrad;
    model->eval();
    torch::manual_seed(1234);
    return model->forward(torch::rand({5, channels, 16, 16}) * 2);
}

void writeBytes(const std::string &path, const std::string &bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::string readBytes(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string fixture(const char *name)
{
    return std::string(QUANTSCOPE_FIXTURES_DIR) + "/" + name;
}

using ziprecords::Records;
using ziprecords::readRecords;
using ziprecords::writeRecords;

std::vector<qs::NamedTensor> roundTripThroughTorchFile(const std::vector<qs::NamedTensor> &tensors,
                                                       const std::string &path)
{
    qs::writeTorchStateDict(path, tensors);
    return qs::readTorchCheckpoint(path).tensors;
}

} // namespace

class TestModelIo : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string file(const char *name) const
    {
        return (m_dir.path() + QLatin1Char('/') + QLatin1String(name)).toStdString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        at::set_num_threads(1); // tiny tensors: extra threads only contend with the rest of the machine
    }

    void downloadedOptionAResNetGivesPythonLogits_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int64_t>("counter");
        // Legacy stream, DataParallel names, no num_batches_tracked (filled with 0, as PyTorch does).
        QTest::newRow("pre-0.4.1 checkpoint") << QStringLiteral("resnet20_option_a_old.th") << int64_t(0);
        QTest::newRow("torch.jit.save of the same network")
            << QStringLiteral("resnet20_option_a_scripted.pt") << int64_t(7);
    }

    void downloadedOptionAResNetGivesPythonLogits()
    {
        QFETCH(QString, file);
        QFETCH(int64_t, counter);
        const std::string path = fixture(qPrintable(file));
        const auto sd = qs::readTorchCheckpoint(path);
        const auto io = qs::readTorchCheckpoint(fixture("resnet20_option_a_io.pt"));
        QCOMPARE(io.tensors.size(), size_t(2));
        QCOMPARE(io.tensors[0].name, std::string("input"));
        QCOMPARE(io.tensors[1].name, std::string("logits"));
        const auto layout = qs::inferLayout(sd.tensors, path);
        QCOMPARE(layout.layout, std::string("option-a"));
        QCOMPARE(layout.depth, 20);
        QCOMPARE(int(layout.shortcut), int(qs::Shortcut::A));
        auto o = options("fp", qs::Shortcut::A);
        o.quant.edges = qs::EdgeLayers::FullPrecision;
        qs::ResNet model(o);
        const auto report = qs::loadStateDict(model, sd.tensors, /*strict=*/true, path);
        QVERIFY2(report.missing.empty() && report.unexpected.empty(), report.summary().c_str());
        QCOMPARE(model->named_buffers()["layer2.1.bn2.num_batches_tracked"].item<int64_t>(), counter);
        torch::NoGradGuard noGrad;
        model->eval();
        const auto logits = model->forward(io.tensors[0].tensor);
        const double diff = (logits - io.tensors[1].tensor).abs().max().item<double>();
        QVERIFY2(diff < 1e-5, qPrintable(QStringLiteral("max |logit difference| %1").arg(diff)));
        QCOMPARE(logits.argmax(1).sizes(), io.tensors[1].tensor.argmax(1).sizes());
    }

    void damagedCheckpointIsRefused_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("message");
        QTest::newRow("intact, rewritten") << QStringLiteral("none") << QString();
        QTest::newRow("a bit flipped in a tensor record")
            << QStringLiteral("flip") << QStringLiteral("fails its CRC check");
        QTest::newRow("tensor record cut short")
            << QStringLiteral("short") << QStringLiteral("too short for");
        QTest::newRow("tensor record empty")
            << QStringLiteral("empty") << QStringLiteral("has 0 bytes, too short");
    }

    void damagedCheckpointIsRefused()
    {
        // LibTorch's archive reader checks neither CRCs nor record sizes: a damaged .qsckpt used to load
        // wrong weights, read past a record (analyze reported a mean of 3.4e26) or crash in clone().
        QFETCH(QString, damage);
        QFETCH(QString, message);
        const std::string good = file("good.qsckpt"),
                          path = file(qPrintable(damage + QStringLiteral(".qsckpt")));
        qs::ResNet model(options("fp", qs::Shortcut::A));
        qs::CheckpointState s;
        s.configText = qs::serializeTrainConfig({});
        qs::saveCheckpoint(good, model, nullptr, nullptr, s);
        // conv1.weight's record: the first data/ record of 16x3x3x3 float32.
        caffe2::serialize::PyTorchStreamReader reader(good);
        std::string conv1;
        for (const auto &name : reader.getAllRecords())
            if (name.rfind("data/", 0) == 0 && std::get<1>(reader.getRecord(name)) == 1728 && conv1.empty())
                conv1 = name;
        QVERIFY(!conv1.empty());
        if (damage == QLatin1String("flip")) {
            std::string bytes = readBytes(good);
            bytes[reader.getRecordOffset(conv1) + 100] ^= 0x40;
            writeBytes(path, bytes);
        } else {
            auto records = readRecords(good);
            for (auto &[name, bytes] : records)
                if (name == conv1 && damage != QLatin1String("none"))
                    bytes.resize(damage == QLatin1String("short") ? bytes.size() / 2 : 0);
            writeRecords(path, records);
        }
        qs::ResNet target(options("fp", qs::Shortcut::A));
        if (message.isEmpty()) {
            QVERIFY(qs::isQuantScopeCheckpoint(path));
            qs::readCheckpointState(path);
            qs::loadCheckpoint(path, target, nullptr, nullptr);
            QVERIFY(torch::equal(target->named_parameters()["conv1.weight"],
                                 model->named_parameters()["conv1.weight"]));
            return;
        }
        QVERIFY(!qs::isQuantScopeCheckpoint(path));
        for (int call = 0; call < 2; ++call) {
            try {
                if (call == 0)
                    qs::readCheckpointState(path);
                else
                    qs::loadCheckpoint(path, target, nullptr, nullptr);
                QFAIL("a damaged checkpoint was accepted");
            } catch (const qs::ModelIoError &e) {
                const QString msg = QString::fromUtf8(e.what());
                QVERIFY2(msg.startsWith(QString::fromStdString(path) + QStringLiteral(": ")),
                         qPrintable(msg));
                QVERIFY2(!msg.contains(QLatin1Char('\n')), qPrintable(msg));
                QVERIFY2(msg.contains(message), qPrintable(msg));
            }
        }
        // The PyTorch-file path the app falls back to says the same.
        QVERIFY_THROWS_EXCEPTION(qs::TorchFormatError, qs::readTorchCheckpoint(path));
    }

    void checkpointRoundTrip()
    {
        qs::TrainConfig config;
        config.method = "apot";
        config.shortcut = "B";
        config.wbits = config.abits = 3;
        const auto o = qs::resnetOptionsFromConfig(config, 3, 10);
        auto model = perturbedModel(o, 5);
        // An optimizer with momentum state, so its round trip is observable.
        torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
        model->train();
        torch::nn::functional::cross_entropy(model->forward(torch::rand({4, 3, 16, 16})), torch::arange(4))
            .backward();
        sgd.step();
        model->eval();

        qs::CheckpointState state;
        state.configText = qs::serializeTrainConfig(config);
        state.inputChannels = 3;
        state.numClasses = 10;
        state.epoch = 7;
        state.batchInEpoch = 3;
        state.step = 1234;
        state.bestTop1 = 61.25;
        state.lastTop1 = 59.5;
        const auto path = file("round.qsckpt");
        qs::saveCheckpoint(path, model, &sgd, nullptr, state);
        QVERIFY(QFileInfo::exists(QString::fromStdString(path)));
        QVERIFY(!QFileInfo::exists(QString::fromStdString(path + ".tmp")));
        QVERIFY(qs::isQuantScopeCheckpoint(path));

        const auto read = qs::readCheckpointState(path);
        QCOMPARE(read.configText, state.configText);
        QCOMPARE(read.inputChannels, state.inputChannels);
        QCOMPARE(read.numClasses, state.numClasses);
        QCOMPARE(read.epoch, state.epoch);
        QCOMPARE(read.batchInEpoch, state.batchInEpoch);
        QCOMPARE(read.step, state.step);
        QCOMPARE(read.bestTop1, state.bestTop1);
        QCOMPARE(read.lastTop1, state.lastTop1);

        auto fresh = perturbedModel(o, 99);
        QVERIFY(!torch::equal(outputs(fresh), outputs(model)));
        torch::optim::SGD freshSgd(fresh->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
        qs::loadCheckpoint(path, fresh, &freshSgd, nullptr);
        QVERIFY(torch::equal(outputs(fresh), outputs(model)));
        auto a = model->named_parameters(), b = fresh->named_parameters();
        for (const auto &p : a)
            QVERIFY2(torch::equal(p.value(), b[p.key()]), p.key().c_str());
        auto ab = model->named_buffers(), bb = fresh->named_buffers();
        for (const auto &p : ab)
            QVERIFY2(torch::equal(p.value(), bb[p.key()]), p.key().c_str());

        // The momentum buffers came back: one more identical step gives identical weights.
        for (auto *pair : {&model, &fresh}) {
            auto &m = *pair;
            m->train();
            torch::manual_seed(77);
            auto &opt = pair == &model ? sgd : freshSgd;
            opt.zero_grad();
            torch::nn::functional::cross_entropy(m->forward(torch::rand({4, 3, 16, 16})), torch::arange(4))
                .backward();
            opt.step();
        }
        for (const auto &p : model->named_parameters())
            QVERIFY2(torch::equal(p.value(), fresh->named_parameters()[p.key()]), p.key().c_str());
    }

    void badCheckpointFilesThrowNamingThePath_data()
    {
        QTest::addColumn<QString>("what");
        QTest::newRow("missing") << QStringLiteral("missing");
        QTest::newRow("empty") << QStringLiteral("empty");
        QTest::newRow("text") << QStringLiteral("text");
        QTest::newRow("truncated") << QStringLiteral("truncated");
        QTest::newRow("pytorch state_dict") << QStringLiteral("pytorch");
        QTest::newRow("newer schema") << QStringLiteral("schema");
    }
    void badCheckpointFilesThrowNamingThePath()
    {
        QFETCH(QString, what);
        const std::string path = file(qPrintable(QStringLiteral("bad-%1.qsckpt").arg(what)));
        std::string mention;
        if (what == QLatin1String("empty")) {
            writeBytes(path, "");
        } else if (what == QLatin1String("text")) {
            writeBytes(path, "depth = 20\nmethod = apot\n");
        } else if (what == QLatin1String("truncated") || what == QLatin1String("pytorch")) {
            qs::ResNet model(options("fp", qs::Shortcut::A));
            if (what == QLatin1String("pytorch")) {
                qs::writeTorchStateDict(path, qs::exportStateDict(model));
            } else {
                qs::CheckpointState s;
                s.configText = qs::serializeTrainConfig({});
                qs::saveCheckpoint(path, model, nullptr, nullptr, s);
                const auto bytes = readBytes(path);
                QVERIFY(bytes.size() > 1000);
                writeBytes(path, bytes.substr(0, bytes.size() / 2));
            }
        } else if (what == QLatin1String("schema")) {
            torch::serialize::OutputArchive archive;
            archive.write("format", c10::IValue(std::string("quantscope-checkpoint")));
            archive.write("schema_version", c10::IValue(int64_t(qs::kCheckpointSchemaVersion + 98)));
            archive.write("config", c10::IValue(qs::serializeTrainConfig({})));
            for (const char *k : {"input_channels", "num_classes", "epoch", "batch_in_epoch", "step"})
                archive.write(k, c10::IValue(int64_t(1)));
            archive.save_to(path);
            mention = std::to_string(qs::kCheckpointSchemaVersion + 98);
        }
        QVERIFY(!qs::isQuantScopeCheckpoint(path) || what == QLatin1String("schema"));
        try {
            qs::readCheckpointState(path);
            QFAIL("readCheckpointState accepted a bad file");
        } catch (const qs::ModelIoError &e) {
            const std::string msg = e.what();
            QVERIFY2(msg.find(path) != std::string::npos, msg.c_str());
            QVERIFY2(msg.find('\n') == std::string::npos, msg.c_str());
            if (!mention.empty())
                QVERIFY2(msg.find(mention) != std::string::npos, msg.c_str());
        }
        if (what != QLatin1String("schema")) {
            qs::ResNet model(options("fp", qs::Shortcut::A));
            QVERIFY_THROWS_EXCEPTION(qs::ModelIoError, qs::loadCheckpoint(path, model, nullptr, nullptr));
        }
    }

    void inferLayoutAndStrictLoadRoundTrip_data()
    {
        QTest::addColumn<int>("depth");
        QTest::addColumn<int>("shortcut");
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("classes");
        QTest::addColumn<QString>("method");
        QTest::newRow("apot resnet20 B 3ch 10")
            << 20 << int(qs::Shortcut::B) << 3 << 10 << QStringLiteral("apot");
        QTest::newRow("apot resnet20 A 1ch 10")
            << 20 << int(qs::Shortcut::A) << 1 << 10 << QStringLiteral("apot");
        QTest::newRow("fp resnet32 B 3ch 100")
            << 32 << int(qs::Shortcut::B) << 3 << 100 << QStringLiteral("fp");
        QTest::newRow("pot resnet32 A 3ch 100")
            << 32 << int(qs::Shortcut::A) << 3 << 100 << QStringLiteral("pot");
    }
    void inferLayoutAndStrictLoadRoundTrip()
    {
        QFETCH(int, depth);
        QFETCH(int, shortcut);
        QFETCH(int, channels);
        QFETCH(int, classes);
        QFETCH(QString, method);
        const auto o = options(method.toStdString(), qs::Shortcut(shortcut), depth, channels, classes);
        auto model = perturbedModel(o, 21);
        const auto exported = qs::exportStateDict(model);
        QCOMPARE(exported.front().name, std::string("conv1.weight")); // PyTorch's state_dict order
        QCOMPARE(exported.back().name, std::string("fc.bias"));
        for (const auto &t : exported)
            QVERIFY2(t.name.find("quant_initialized") == std::string::npos &&
                         t.name.find("ewgs_delta") == std::string::npos,
                     t.name.c_str());
        const auto path = file("layout.pt");
        const auto tensors = roundTripThroughTorchFile(exported, path);
        QCOMPARE(tensors.size(), exported.size());

        const auto layout = qs::inferLayout(tensors, path);
        QCOMPARE(layout.layout, std::string("apot"));
        QCOMPARE(layout.depth, depth);
        QCOMPARE(int(layout.shortcut), shortcut);
        QCOMPARE(layout.inputChannels, int64_t(channels));
        QCOMPARE(layout.numClasses, int64_t(classes));
        QCOMPARE(layout.hasApotAlphas, method != QLatin1String("fp"));

        auto fresh = perturbedModel(o, 22);
        QVERIFY(!torch::equal(outputs(fresh, channels), outputs(model, channels)));
        const auto report = qs::loadStateDict(fresh, tensors, /*strict=*/true, path);
        QCOMPARE(report.loaded.size(), exported.size());
        QVERIFY(report.missing.empty() && report.unexpected.empty() && report.mismatched.empty());
        QVERIFY(torch::equal(outputs(fresh, channels), outputs(model, channels)));
    }

    void optionALinearLayoutLoads()
    {
        auto o = options("fp", qs::Shortcut::A);
        o.quant.edges = qs::EdgeLayers::FullPrecision;
        auto model = perturbedModel(o, 31);
        auto tensors = qs::exportStateDict(model);
        int renamed = 0;
        for (auto &t : tensors)
            if (t.name.rfind("fc.", 0) == 0) {
                t.name = "linear." + t.name.substr(3);
                ++renamed;
            }
        QCOMPARE(renamed, 2);
        const auto path = file("option-a.pth");
        tensors = roundTripThroughTorchFile(tensors, path);
        const auto layout = qs::inferLayout(tensors, path);
        QCOMPARE(layout.layout, std::string("option-a"));
        QCOMPARE(layout.shortcut, qs::Shortcut::A);
        QCOMPARE(layout.depth, 20);
        QCOMPARE(layout.numClasses, int64_t(10));
        QVERIFY(!layout.hasApotAlphas);
        auto fresh = perturbedModel(o, 32);
        const auto report = qs::loadStateDict(fresh, tensors, true, path);
        QVERIFY(report.unexpected.empty());
        QVERIFY(torch::equal(outputs(fresh), outputs(model)));
        QVERIFY(torch::equal(fresh->named_parameters()["fc.weight"], model->named_parameters()["fc.weight"]));
    }

    void strictLoadListsEveryOffendingKey()
    {
        const auto o = options("apot", qs::Shortcut::B);
        auto model = perturbedModel(o, 41);
        auto tensors = qs::exportStateDict(model);
        const auto before = outputs(model);
        std::vector<qs::NamedTensor> bad;
        for (const auto &t : tensors) {
            if (t.name == "layer1.0.bn1.running_mean" || t.name == "layer2.1.conv1.act_alpha")
                continue; // missing
            if (t.name == "fc.weight")
                bad.push_back({t.name, torch::zeros({5, 64})}); // wrong shape
            else
                bad.push_back(t);
        }
        bad.push_back({"layer9.0.conv1.weight", torch::zeros({3})}); // unexpected
        const std::string path = file("bad-keys.pt");
        try {
            qs::loadStateDict(model, bad, true, path);
            QFAIL("strict loading accepted a state_dict with missing, unexpected and mismatched keys");
        } catch (const qs::ModelIoError &e) {
            const std::string msg = e.what();
            for (const char *key : {"layer1.0.bn1.running_mean", "layer2.1.conv1.act_alpha",
                                    "layer9.0.conv1.weight", "fc.weight", "missing", "unexpected", "shape"})
                QVERIFY2(msg.find(key) != std::string::npos,
                         qPrintable(QStringLiteral("'%1' not in: %2")
                                        .arg(QLatin1String(key))
                                        .arg(QString::fromStdString(msg))));
            QVERIFY2(msg.rfind(path, 0) == 0, msg.c_str());
            QVERIFY(msg.find('\n') == std::string::npos);
        }

        // Non-strict: the same lists in the report, everything else copied.
        auto fresh = perturbedModel(o, 42);
        const auto report = qs::loadStateDict(fresh, bad, false, path);
        QCOMPARE(report.unexpected, std::vector<std::string>{"layer9.0.conv1.weight"});
        QCOMPARE(report.mismatched.size(), size_t(1));
        QVERIFY(report.mismatched[0].rfind("fc.weight", 0) == 0);
        const std::set<std::string> missing(report.missing.begin(), report.missing.end());
        QCOMPARE(missing, (std::set<std::string>{"layer1.0.bn1.running_mean", "layer2.1.conv1.act_alpha"}));
        QCOMPARE(report.loaded.size(), tensors.size() - 3); // 2 left out, 1 wrong shape
        QVERIFY(torch::equal(fresh->named_parameters()["layer3.2.conv2.weight"],
                             model->named_parameters()["layer3.2.conv2.weight"]));
        QVERIFY(torch::equal(outputs(model), before)); // the failed strict load changed nothing visible
    }

    void nonResNetStateDictIsRejectedClearly()
    {
        const std::vector<qs::NamedTensor> tensors = {{"features.0.weight", torch::zeros({8, 3, 3, 3})},
                                                      {"features.0.bias", torch::zeros({8})},
                                                      {"classifier.weight", torch::zeros({10, 8})}};
        const auto path = file("vgg.pt");
        const auto read = roundTripThroughTorchFile(tensors, path);
        try {
            qs::inferLayout(read, path);
            QFAIL("inferLayout accepted a non-ResNet state_dict");
        } catch (const qs::ModelIoError &e) {
            const std::string msg = e.what();
            QVERIFY2(msg.rfind(path, 0) == 0, msg.c_str());
            QVERIFY2(msg.find("ResNet") != std::string::npos, msg.c_str());
            QVERIFY2(msg.find("conv1.weight") != std::string::npos, msg.c_str());
        }
    }

    void warmStartFromFpCheckpointIntoApot()
    {
        qs::TrainConfig config;
        config.method = "fp";
        config.shortcut = "B";
        auto source = perturbedModel(qs::resnetOptionsFromConfig(config, 3, 10), 51);
        qs::CheckpointState state;
        state.configText = qs::serializeTrainConfig(config);
        const auto path = file("fp-source.qsckpt");
        qs::saveCheckpoint(path, source, nullptr, nullptr, state);

        auto target = options("apot", qs::Shortcut::B);
        torch::manual_seed(52);
        qs::ResNet model(target);
        const auto report = qs::loadWeightsInto(model, path);
        std::set<std::string> expectedMissing;
        for (auto &[name, layer] : model->quantLayers()) {
            expectedMissing.insert(name + ".act_alpha");
            expectedMissing.insert(name + ".weight_quant.wgt_alpha");
        }
        QCOMPARE(expectedMissing.size(), size_t(40));
        QCOMPARE(std::set<std::string>(report.missing.begin(), report.missing.end()), expectedMissing);
        QVERIFY(report.unexpected.empty());
        QVERIFY(report.mismatched.empty());
        QVERIFY(report.summary().find("missing") != std::string::npos);
        for (const auto &p : source->named_parameters())
            QVERIFY2(torch::equal(p.value(), model->named_parameters()[p.key()]), p.key().c_str());
        for (const auto &b : source->named_buffers())
            QVERIFY2(torch::equal(b.value(), model->named_buffers()[b.key()]), b.key().c_str());
        // The quantizer parameters keep their initial values.
        QCOMPARE(model->named_parameters()["layer2.0.downsample.0.act_alpha"].item<double>(), 8.0);
        QCOMPARE(model->named_parameters()["layer2.0.downsample.0.weight_quant.wgt_alpha"].item<double>(),
                 3.0);

        // The same through a PyTorch file.
        const auto pt = file("fp-source.pt");
        qs::writeTorchStateDict(pt, qs::exportStateDict(source));
        torch::manual_seed(53);
        qs::ResNet other(target);
        const auto viaTorch = qs::loadWeightsInto(other, pt);
        QCOMPARE(std::set<std::string>(viaTorch.missing.begin(), viaTorch.missing.end()), expectedMissing);
        QVERIFY(torch::equal(outputs(other), outputs(model)));
    }

    // Learned ranges of LSQ/DSQ/DAQ are initialized from the first batch unless `quant_initialized` says they
    // were already set. exportStateDict leaves that buffer out, so a strict load must mark the layer
    // initialized; otherwise the first forward overwrites the loaded step/range.
    void stateDictRoundTripKeepsLearnedRanges_data()
    {
        QTest::addColumn<QString>("method");
        QTest::newRow("lsq") << QStringLiteral("lsq");
        QTest::newRow("dsq") << QStringLiteral("dsq");
        QTest::newRow("daq") << QStringLiteral("daq");
        QTest::newRow("apot") << QStringLiteral("apot");
    }
    void stateDictRoundTripKeepsLearnedRanges()
    {
        QFETCH(QString, method);
        const auto o = options(method.toStdString(), qs::Shortcut::A, 20, 3, 10, 4);
        auto model = perturbedModel(o, 61); // its forwards ran the lazy init, then the ranges moved
        const auto expected = outputs(model);
        const auto path = file("ranges.pt");
        const auto tensors = roundTripThroughTorchFile(qs::exportStateDict(model), path);
        torch::manual_seed(62);
        qs::ResNet fresh(o);
        qs::loadStateDict(fresh, tensors, true, path);
        const auto got = outputs(fresh);
        QVERIFY2(torch::equal(got, expected),
                 qPrintable(QStringLiteral("max |diff| %1 after a strict load of a %2 state_dict")
                                .arg((got - expected).abs().max().item<double>())
                                .arg(method)));
        for (const auto &p : model->named_parameters())
            QVERIFY2(torch::equal(p.value(), fresh->named_parameters()[p.key()]), p.key().c_str());
    }
};

QTEST_APPLESS_MAIN(TestModelIo)
#include "tst_modelio.moc"
