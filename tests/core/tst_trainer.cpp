// Training runs on synthetic data: the loss falls, the run directory, resume == uninterrupted, divergence
// records, and the configuration file format (parse, check, serialize, presets).

#include "core/io/modelio.h"
#include "core/runs/runreader.h"
#include "core/train/trainconfig.h"
#include "core/train/trainer.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>

namespace {

qs::TrainConfig smallConfig()
{
    qs::TrainConfig c;
    c.dataset = "synthetic:128"; // 128 train and 128 test images (the test set cut to 32 below)
    c.depth = 20;
    c.method = "fp";
    c.epochs = 3;
    c.batchSize = 32;
    c.evalBatchSize = 128;
    c.testSubset = 32;
    c.augment = false;
    c.lr = 0.05;
    c.momentum = 0.9;
    c.weightDecay = 1e-4;
    c.schedule = "constant";
    c.threads = 1; // one intra-op thread: on a shared 2-core machine a second OpenMP thread spins and runs
                   // ~10x slower
    c.device = "cpu";
    c.seed = 5;
    return c;
}

std::vector<QJsonObject> readMetrics(const QString &dir)
{
    QFile f(dir + QStringLiteral("/metrics.jsonl"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    std::vector<QJsonObject> records;
    for (const auto &line : f.readAll().split('\n')) {
        if (line.isEmpty())
            continue;
        QJsonParseError error;
        const auto doc = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return {}; // callers check that every line parsed
        records.push_back(doc.object());
    }
    return records;
}

// One epoch of 4 steps, APoT WbAb with the EWGS backward.
qs::TrainConfig apotEwgsConfig(int bits)
{
    auto config = smallConfig();
    config.dataset = "synthetic:64";
    config.batchSize = 16;
    config.epochs = 1;
    config.method = "apot";
    config.wbits = config.abits = bits;
    config.backward = "ewgs";
    return config;
}

int countLines(const QString &dir)
{
    QFile f(dir + QStringLiteral("/metrics.jsonl"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    return int(f.readAll().count('\n'));
}

std::vector<QJsonObject> ofType(const std::vector<QJsonObject> &records, const char *type)
{
    std::vector<QJsonObject> out;
    for (const auto &r : records)
        if (r.value(QStringLiteral("type")).toString() == QLatin1String(type))
            out.push_back(r);
    return out;
}

qs::ResNet loadRunModel(const std::string &checkpoint)
{
    const auto state = qs::readCheckpointState(checkpoint);
    qs::ResNet model(qs::resnetOptionsFromConfig(qs::parseTrainConfig(state.configText), state.inputChannels,
                                                 state.numClasses));
    qs::loadCheckpoint(checkpoint, model, nullptr, nullptr);
    return model;
}

std::string path(const QTemporaryDir &dir, const char *name)
{
    return (dir.path() + QLatin1Char('/') + QLatin1String(name)).toStdString();
}

} // namespace

class TestTrainer : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void lossFallsAndRunDirectoryIsComplete()
    {
        const auto dir = path(m_dir, "falls");
        const auto qdir = QString::fromStdString(dir);
        std::vector<qs::EpochSample> epochs;
        int steps = 0, messages = 0;
        qs::TrainCallbacks cb;
        cb.onStep = [&](const qs::StepSample &s) {
            ++steps;
            QCOMPARE(s.step, int64_t(steps));
        };
        cb.onEpoch = [&](const qs::EpochSample &e) { epochs.push_back(e); };
        cb.onMessage = [&](const std::string &) { ++messages; };
        const auto result = qs::runTraining(smallConfig(), dir, nullptr, cb);
        QCOMPARE(result.outcome, qs::TrainOutcome::Completed);
        QCOMPARE(result.steps, int64_t(3 * 128 / 32));
        QCOMPARE(steps, 12);
        QCOMPARE(epochs.size(), size_t(3));
        QVERIFY(messages >= 3);
        QVERIFY2(epochs.back().trainLoss < epochs.front().trainLoss,
                 qPrintable(QStringLiteral("train loss %1 -> %2")
                                .arg(epochs.front().trainLoss)
                                .arg(epochs.back().trainLoss)));

        for (const char *name : {"config.ini", "metrics.jsonl", "last.qsckpt", "best.qsckpt"})
            QVERIFY2(QFileInfo::exists(qdir + QLatin1Char('/') + QLatin1String(name)), name);
        QFile config(qdir + QStringLiteral("/config.ini"));
        QVERIFY(config.open(QIODevice::ReadOnly));
        QCOMPARE(qs::serializeTrainConfig(qs::parseTrainConfig(config.readAll().toStdString())),
                 qs::serializeTrainConfig(smallConfig()));

        const auto records = readMetrics(qdir);
        QCOMPARE(int(records.size()), countLines(qdir)); // every line is a JSON object
        QCOMPARE(records.front().value(QStringLiteral("type")).toString(), QStringLiteral("start"));
        QCOMPARE(records.back().value(QStringLiteral("type")).toString(), QStringLiteral("done"));
        QCOMPARE(ofType(records, "step").size(), size_t(12));
        const auto epochRecords = ofType(records, "epoch");
        QCOMPARE(epochRecords.size(), size_t(3));
        for (size_t i = 0; i < 3; ++i) {
            QCOMPARE(epochRecords[i].value(QStringLiteral("epoch")).toInt(), int(i));
            QCOMPARE(epochRecords[i].value(QStringLiteral("train_loss")).toDouble(), epochs[i].trainLoss);
            QCOMPARE(epochRecords[i].value(QStringLiteral("test_top1")).toDouble(), epochs[i].testTop1);
        }
        QVERIFY(epochRecords.back().value(QStringLiteral("train_loss")).toDouble() <
                epochRecords.front().value(QStringLiteral("train_loss")).toDouble());
        // The callback's sample is the record: one type, read back equal.
        qs::MetricsFollower follower(dir);
        std::vector<qs::EpochSample> read;
        for (const auto &r : follower.poll())
            if (const auto *e = std::get_if<qs::EpochSample>(&r))
                read.push_back(*e);
        QCOMPARE(follower.malformedLines(), int64_t(0));
        QCOMPARE(read.size(), epochs.size());
        for (size_t i = 0; i < read.size(); ++i)
            QCOMPARE(qs::metricsLine(read[i]), qs::metricsLine(epochs[i]));

        const auto last = qs::readCheckpointState(dir + "/last.qsckpt");
        QCOMPARE(last.epoch, int64_t(3));
        QCOMPARE(last.batchInEpoch, int64_t(0));
        QCOMPARE(last.step, int64_t(12));
        const auto best = qs::readCheckpointState(dir + "/best.qsckpt");
        QCOMPARE(best.bestTop1, result.bestTop1);
        QCOMPARE(last.lastTop1, result.lastTop1);

        // A second run into the same directory is refused and leaves the run alone.
        const int lines = countLines(qdir);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, qs::runTraining(smallConfig(), dir, nullptr, {}));
        QCOMPARE(countLines(qdir), lines);
    }

    void resumeEqualsUninterrupted()
    {
        auto config = smallConfig();
        config.dataset = "synthetic:64";
        config.batchSize = 16;
        config.epochs = 2;
        config.method = "apot";
        config.wbits = config.abits = 3;
        config.lr = 0.02;
        const auto dirA = path(m_dir, "straight"), dirB = path(m_dir, "interrupted");
        const auto a = qs::runTraining(config, dirA, nullptr, {});
        QCOMPARE(a.outcome, qs::TrainOutcome::Completed);
        QCOMPARE(a.steps, int64_t(8));

        std::atomic<bool> stop{false};
        qs::TrainCallbacks cb;
        cb.onStep = [&](const qs::StepSample &s) {
            if (s.step == 2)
                stop = true;
        };
        const auto b1 = qs::runTraining(config, dirB, &stop, cb);
        QCOMPARE(b1.outcome, qs::TrainOutcome::Stopped);
        QCOMPARE(b1.steps, int64_t(2));
        const auto mid = qs::readCheckpointState(dirB + "/last.qsckpt");
        QCOMPARE(mid.epoch, int64_t(0));
        QCOMPARE(mid.batchInEpoch, int64_t(2));
        QCOMPARE(mid.step, int64_t(2));

        stop = false;
        const auto b2 = qs::resumeTraining(dirB, &stop, {});
        QCOMPARE(b2.outcome, qs::TrainOutcome::Completed);
        QCOMPARE(b2.steps, a.steps);
        QCOMPARE(b2.lastTop1, a.lastTop1);

        auto modelA = loadRunModel(dirA + "/last.qsckpt");
        auto modelB = loadRunModel(dirB + "/last.qsckpt");
        const auto dictA = qs::exportStateDict(modelA), dictB = qs::exportStateDict(modelB);
        QCOMPARE(dictA.size(), dictB.size());
        for (size_t i = 0; i < dictA.size(); ++i) {
            QCOMPARE(dictA[i].name, dictB[i].name);
            QVERIFY2(
                torch::equal(dictA[i].tensor, dictB[i].tensor),
                qPrintable(QStringLiteral("%1 differs by %2")
                               .arg(QString::fromStdString(dictA[i].name))
                               .arg((dictA[i].tensor.to(torch::kDouble) - dictB[i].tensor.to(torch::kDouble))
                                        .abs()
                                        .max()
                                        .item<double>())));
        }

        const auto recA = readMetrics(QString::fromStdString(dirA)),
                   recB = readMetrics(QString::fromStdString(dirB));
        QCOMPARE(int(recB.size()), countLines(QString::fromStdString(dirB)));
        QCOMPARE(ofType(recB, "stop").size(), size_t(1));
        QCOMPARE(ofType(recB, "resume").size(), size_t(1));
        const auto epochsA = ofType(recA, "epoch"), epochsB = ofType(recB, "epoch");
        QCOMPARE(epochsA.size(), size_t(2));
        QCOMPARE(epochsB.size(), size_t(2));
        QCOMPARE(epochsB.back().value(QStringLiteral("test_top1")).toDouble(),
                 epochsA.back().value(QStringLiteral("test_top1")).toDouble());
        QCOMPARE(epochsB.back().value(QStringLiteral("test_loss")).toDouble(),
                 epochsA.back().value(QStringLiteral("test_loss")).toDouble());
        // The epoch after the resume is a whole epoch in both runs.
        QCOMPARE(epochsB.back().value(QStringLiteral("train_loss")).toDouble(),
                 epochsA.back().value(QStringLiteral("train_loss")).toDouble());
    }

    void nonFiniteLossDiverges_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("lr 1e30") << QStringLiteral("lr");
        QTest::newRow("init with an Inf weight") << QStringLiteral("init");
    }
    void nonFiniteLossDiverges()
    {
        QFETCH(QString, how);
        auto config = smallConfig();
        config.dataset = "synthetic:64";
        config.epochs = 2;
        config.batchSize = 16;
        const auto dir = path(m_dir, qPrintable(QStringLiteral("nan-") + how));
        if (how == QLatin1String("lr")) {
            config.lr = 1e30;
        } else {
            torch::manual_seed(1);
            qs::ResNet source(qs::resnetOptionsFromConfig(config, 3, 10));
            {
                torch::NoGradGuard noGrad;
                source->named_parameters()["layer2.1.conv1.weight"].view(-1)[7] =
                    std::numeric_limits<float>::infinity();
            }
            qs::CheckpointState state;
            state.configText = qs::serializeTrainConfig(config);
            config.init = dir + "-init.qsckpt";
            qs::saveCheckpoint(config.init, source, nullptr, nullptr, state);
        }
        std::string lastMessage;
        qs::TrainCallbacks cb;
        cb.onMessage = [&](const std::string &m) { lastMessage = m; };
        const auto result = qs::runTraining(config, dir, nullptr, cb);
        QCOMPARE(result.outcome, qs::TrainOutcome::Diverged);
        QVERIFY(result.steps < 8);
        QVERIFY(result.message.find("diverged") != std::string::npos);
        QCOMPARE(lastMessage, result.message);

        const auto qdir = QString::fromStdString(dir);
        const auto records = readMetrics(qdir);
        QCOMPARE(int(records.size()), countLines(qdir));
        const auto div = ofType(records, "divergence");
        QCOMPARE(div.size(), size_t(1));
        const auto &d = div[0];
        for (const char *key : {"step", "epoch", "reason", "layer"})
            QVERIFY2(d.contains(QLatin1String(key)), key);
        QCOMPARE(d.value(QStringLiteral("step")).toInt(), int(result.steps));
        QVERIFY(!d.value(QStringLiteral("reason")).toString().isEmpty());
        QVERIFY(!d.value(QStringLiteral("layer")).toString().isEmpty());
        if (how == QLatin1String("init")) {
            QCOMPARE(result.steps, int64_t(0));
            QCOMPARE(d.value(QStringLiteral("layer")).toString(), QStringLiteral("layer2.1.conv1"));
            QVERIFY(d.value(QStringLiteral("reason")).toString().contains(QStringLiteral("loss")));
        }
        QVERIFY(ofType(records, "done").empty());
    }

    void explodingEwgsDeltaDiverges()
    {
        auto config = apotEwgsConfig(3);
        config.ewgsUpdate = "iterations";
        config.ewgsUpdateEvery = 1;
        config.ewgsUpdateStart = 1;
        config.ewgsBatches = 1;
        config.hutchinsonMaxIter = 2;
        config.hutchinsonMode = "joint";
        config.divergenceDeltaMax = 0;
        QVERIFY(!qs::checkTrainConfig(config));
        const auto dir = path(m_dir, "ewgs");
        const auto result = qs::runTraining(config, dir, nullptr, {});
        QCOMPARE(result.outcome, qs::TrainOutcome::Diverged);
        QCOMPARE(result.steps, int64_t(1));
        QVERIFY2(result.message.find("delta") != std::string::npos, result.message.c_str());
        const auto qdir = QString::fromStdString(dir);
        const auto records = readMetrics(qdir);
        QCOMPARE(int(records.size()), countLines(qdir));
        QCOMPARE(ofType(records, "ewgs_update").size(), size_t(1));
        const auto div = ofType(records, "divergence");
        QCOMPARE(div.size(), size_t(1));
        QVERIFY(div[0].value(QStringLiteral("reason")).toString().contains(QStringLiteral("delta")));
        QCOMPARE(div[0].value(QStringLiteral("step")).toInt(), 1);
        QCOMPARE(div[0].value(QStringLiteral("epoch")).toInt(), 0);
    }

    // A large fixed EWGS delta scales the activation gradients enough that one SGD step pushes a learned clip
    // alpha through zero (measured: -163 from 8): the run records a divergence naming the layer, it does not
    // die in the next forward with a LibTorch exception.
    void clipAlphaThroughZeroDiverges()
    {
        auto config = apotEwgsConfig(2);
        config.ewgsUpdate = "never";
        config.ewgsDeltaInit = 32;
        config.lr = 0.04;
        QVERIFY(!qs::checkTrainConfig(config));
        const auto dir = path(m_dir, "clip");
        const auto result = qs::runTraining(config, dir, nullptr, {});
        QCOMPARE(result.outcome, qs::TrainOutcome::Diverged);
        QVERIFY2(result.message.find("clip alpha") != std::string::npos, result.message.c_str());
        const auto div = ofType(readMetrics(QString::fromStdString(dir)), "divergence");
        QCOMPARE(div.size(), size_t(1));
        QVERIFY(div[0].value(QStringLiteral("alpha")).toDouble() <= 0);
        QVERIFY(div[0].value(QStringLiteral("layer")).toString().startsWith(QStringLiteral("layer")));
        QCOMPARE(div[0].value(QStringLiteral("step")).toInt(), int(result.steps));
    }

    void checkTrainConfigNamesTheKey_data()
    {
        QTest::addColumn<QString>("assignment");
        QTest::addColumn<QString>("key");
        QTest::newRow("depth") << QStringLiteral("depth=21") << QStringLiteral("depth");
        QTest::newRow("shortcut") << QStringLiteral("shortcut=C") << QStringLiteral("shortcut");
        QTest::newRow("method") << QStringLiteral("method=ternary") << QStringLiteral("method");
        QTest::newRow("backward") << QStringLiteral("backward=sgd") << QStringLiteral("backward");
        QTest::newRow("edge_layers") << QStringLiteral("edge_layers=4bit") << QStringLiteral("edge_layers");
        QTest::newRow("epochs") << QStringLiteral("epochs=0") << QStringLiteral("epochs");
        QTest::newRow("batch_size") << QStringLiteral("batch_size=0") << QStringLiteral("batch_size");
        QTest::newRow("optimizer") << QStringLiteral("optimizer=rmsprop") << QStringLiteral("optimizer");
        QTest::newRow("lr") << QStringLiteral("lr=0") << QStringLiteral("lr");
        QTest::newRow("schedule") << QStringLiteral("schedule=linear") << QStringLiteral("schedule");
        QTest::newRow("step_size") << QStringLiteral("schedule=step;step_size=0")
                                   << QStringLiteral("step_size");
        QTest::newRow("quant_optimizer")
            << QStringLiteral("quant_optimizer=sgd") << QStringLiteral("quant_optimizer");
        QTest::newRow("ewgs_update") << QStringLiteral("ewgs_update=daily") << QStringLiteral("ewgs_update");
        QTest::newRow("ewgs_batches") << QStringLiteral("ewgs_batches=0") << QStringLiteral("ewgs_batches");
        QTest::newRow("hutchinson_mode")
            << QStringLiteral("hutchinson_mode=exact") << QStringLiteral("hutchinson_mode");
        QTest::newRow("ewgs with dsq")
            << QStringLiteral("method=dsq;backward=ewgs") << QStringLiteral("backward");
        QTest::newRow("ewgs with fp") << QStringLiteral("backward=ewgs") << QStringLiteral("backward");
        QTest::newRow("device") << QStringLiteral("device=tpu") << QStringLiteral("device");
        QTest::newRow("on_divergence")
            << QStringLiteral("on_divergence=ignore") << QStringLiteral("on_divergence");
        QTest::newRow("mean without std") << QStringLiteral("mean=0.5") << QStringLiteral("std");
        QTest::newRow("std zero") << QStringLiteral("mean=0.5;std=0") << QStringLiteral("std");
        QTest::newRow("log_every") << QStringLiteral("log_every=0") << QStringLiteral("log_every");
        QTest::newRow("apot wbits 9") << QStringLiteral("method=apot;wbits=9") << QStringLiteral("wbits");
        QTest::newRow("apot abits 7") << QStringLiteral("method=apot;abits=7") << QStringLiteral("abits");
        QTest::newRow("pot wbits 1") << QStringLiteral("method=pot;wbits=1") << QStringLiteral("wbits");
    }
    void checkTrainConfigNamesTheKey()
    {
        QFETCH(QString, assignment);
        QFETCH(QString, key);
        auto config = smallConfig();
        QVERIFY(!qs::checkTrainConfig(config));
        for (const auto &a : assignment.split(QLatin1Char(';')))
            qs::applyConfigOverride(config, a.toStdString());
        const auto why = qs::checkTrainConfig(config);
        QVERIFY2(why.has_value(), qPrintable(assignment));
        QVERIFY2(why->find(key.toStdString()) != std::string::npos, why->c_str());
        QVERIFY(why->find('\n') == std::string::npos);
        // runTraining refuses it before creating anything.
        const auto dir = path(m_dir, "refused");
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, qs::runTraining(config, dir, nullptr, {}));
        QVERIFY(!QFileInfo::exists(QString::fromStdString(dir + "/metrics.jsonl")));
    }

    // checkTrainConfig must accept exactly what the model accepts: the non-grid methods' bit limits
    // (lsq 2..8 weights, dsq/daq 1..8) are checked only by checkQuantConfig, so such a config passes the
    // config check and then fails inside runTraining with std::invalid_argument (not the documented
    // std::runtime_error; the CLI exits 1 instead of 2).
    void checkTrainConfigAgreesWithTheModel_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("wbits");
        QTest::addColumn<int>("abits");
        QTest::newRow("lsq w1") << QStringLiteral("lsq") << 1 << 4;
        QTest::newRow("lsq w9") << QStringLiteral("lsq") << 9 << 4;
        QTest::newRow("dsq w9") << QStringLiteral("dsq") << 9 << 4;
        QTest::newRow("daq a0") << QStringLiteral("daq") << 4 << 0;
        QTest::newRow("lsq w2a2 (valid)") << QStringLiteral("lsq") << 2 << 2;
        QTest::newRow("daq w1a1 (valid)") << QStringLiteral("daq") << 1 << 1;
        QTest::newRow("apot w7a6 (valid)") << QStringLiteral("apot") << 7 << 6;
    }
    void checkTrainConfigAgreesWithTheModel()
    {
        QFETCH(QString, method);
        QFETCH(int, wbits);
        QFETCH(int, abits);
        auto config = smallConfig();
        config.method = method.toStdString();
        config.wbits = wbits;
        config.abits = abits;
        const bool modelAccepts = !qs::checkQuantConfig(qs::quantConfigFromConfig(config));
        const auto why = qs::checkTrainConfig(config);
        QVERIFY2(modelAccepts == !why.has_value(),
                 qPrintable(QStringLiteral("checkTrainConfig %1 what the model %2")
                                .arg(why ? QStringLiteral("rejects") : QStringLiteral("accepts"))
                                .arg(modelAccepts ? QStringLiteral("accepts") : QStringLiteral("rejects"))));
        if (why)
            QVERIFY2(why->find("bits") != std::string::npos, why->c_str());
    }

    void parseTrainConfigRejectsNamingTheLine_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("unknown key") << QStringLiteral("depth = 20\n# comment\nfrobnicate = 3\n")
                                     << QStringLiteral("line 3|frobnicate");
        QTest::newRow("word for int")
            << QStringLiteral("\nepochs = three") << QStringLiteral("line 2|epochs|three");
        QTest::newRow("fraction for int")
            << QStringLiteral("depth = 20.5") << QStringLiteral("line 1|depth|20.5");
        QTest::newRow("trailing junk") << QStringLiteral("lr = 0.1x") << QStringLiteral("line 1|lr|0.1x");
        QTest::newRow("not finite") << QStringLiteral("depth = 20\nlr = 1e400")
                                    << QStringLiteral("line 2|lr");
        QTest::newRow("nan") << QStringLiteral("momentum = nan") << QStringLiteral("line 1|momentum");
        QTest::newRow("negative unsigned") << QStringLiteral("seed = -1") << QStringLiteral("line 1|seed");
        QTest::newRow("bad bool") << QStringLiteral("augment = maybe")
                                  << QStringLiteral("line 1|augment|maybe");
        QTest::newRow("bad list") << QStringLiteral("milestones = 10, x")
                                  << QStringLiteral("line 1|milestones");
        QTest::newRow("no equals") << QStringLiteral("depth 20") << QStringLiteral("line 1|depth 20");
        QTest::newRow("empty number") << QStringLiteral("epochs =") << QStringLiteral("line 1|epochs");
    }
    void parseTrainConfigRejectsNamingTheLine()
    {
        QFETCH(QString, text);
        QFETCH(QString, mentions);
        try {
            qs::parseTrainConfig(text.toStdString());
            QFAIL("parseTrainConfig accepted a bad file");
        } catch (const std::invalid_argument &e) {
            const QString msg = QString::fromUtf8(e.what());
            for (const auto &m : mentions.split(QLatin1Char('|')))
                QVERIFY2(msg.contains(m), qPrintable(QStringLiteral("'%1' not in: %2").arg(m, msg)));
            QVERIFY(!msg.contains(QLatin1Char('\n')));
        }
    }

    void parseKeepsBaseAndSerializeRoundTrips()
    {
        qs::TrainConfig c;
        c.depth = 32;
        c.shortcut = "B";
        c.method = "apot";
        c.backward = "ewgs";
        c.wbits = 2;
        c.abits = 3;
        c.edgeLayers = "fp";
        c.weightAlphaInit = 2.75;
        c.actAlphaInit = 0.1; // not exactly representable: shortest round-trip text
        c.dataset = "cifar100:/data/c100";
        c.mean = {0.1, 0.2, 0.3};
        c.std = {0.25, 1.0 / 3.0, 0.5};
        c.augment = false;
        c.trainSubset = 1000;
        c.testSubset = 500;
        c.epochs = 300;
        c.batchSize = 96;
        c.evalBatchSize = 512;
        c.optimizer = "adam";
        c.lr = 4e-2;
        c.momentum = 0.85;
        c.weightDecay = 3e-5;
        c.nesterov = true;
        c.schedule = "multistep";
        c.milestones = {150, 225};
        c.lrGamma = 0.2;
        c.stepSize = 7;
        c.quantOptimizer = "adam";
        c.actAlphaLr = 0.3;
        c.wgtAlphaLr = 0.04;
        c.alphaWeightDecay = 2e-4;
        c.quantLr = 1e-6;
        c.init = "/runs/w3a3/best.qsckpt";
        c.ewgsDeltaInit = 1e-3;
        c.ewgsUpdate = "iterations";
        c.ewgsUpdateEvery = 500;
        c.ewgsUpdateStart = 3;
        c.ewgsBatches = 2;
        c.hutchinsonMaxIter = 25;
        c.hutchinsonTol = 1e-2;
        c.hutchinsonMode = "joint";
        c.seed = 18446744073709551615ull;
        c.threads = 3;
        c.device = "cuda";
        c.maxSteps = 123456789012;
        c.divergenceDeltaMax = 50;
        c.onDivergence = "rollback";
        c.logEvery = 10;
        const auto text = qs::serializeTrainConfig(c);
        QCOMPARE(qs::serializeTrainConfig(qs::parseTrainConfig(text)), text);
        const auto back = qs::parseTrainConfig(text);
        QCOMPARE(back.actAlphaInit, 0.1);
        QCOMPARE(back.std, c.std);
        QCOMPARE(back.milestones, c.milestones);
        QCOMPARE(back.seed, c.seed);
        QCOMPARE(back.maxSteps, c.maxSteps);
        QCOMPARE(back.init, c.init);
        QCOMPARE(back.nesterov, true);
        // Every key appears once; defaults serialize and parse back too.
        QCOMPARE(qs::serializeTrainConfig(qs::parseTrainConfig(qs::serializeTrainConfig({}))),
                 qs::serializeTrainConfig({}));
        QCOMPARE(QString::fromStdString(text).count(QLatin1Char('\n')),
                 QString::fromStdString(text).count(QStringLiteral(" = ")));

        // Keys not given keep the base's values; comments and blank lines are ignored.
        const auto partial = qs::parseTrainConfig("# a comment\n\n  epochs = 4   # trailing\n", c);
        QCOMPARE(partial.epochs, 4);
        QCOMPARE(partial.depth, 32);
        QCOMPARE(partial.init, c.init);

        // --set overrides.
        auto o = c;
        qs::applyConfigOverride(o, " lr = 0.5 ");
        QCOMPARE(o.lr, 0.5);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::applyConfigOverride(o, "lr"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::applyConfigOverride(o, "learning_rate=1"));
    }

    // Strings are written verbatim, but '#' starts a comment when the file is read back: a data set or init
    // path containing '#' does not survive config.ini / the checkpoint's config (e.g. on resume).
    void serializeRoundTripKeepsHashInValues()
    {
        qs::TrainConfig c;
        c.dataset = "cifar10:/data/set#2";
        c.init = "/runs/trial#1/best.qsckpt";
        const auto back = qs::parseTrainConfig(qs::serializeTrainConfig(c));
        QCOMPARE(back.dataset, c.dataset);
        QCOMPARE(back.init, c.init);
    }

    void everyPresetParsesAndChecks()
    {
        const auto names = qs::presetNames();
        QVERIFY(names.size() >= 10);
        for (const char *expected : {"quick-synthetic", "seed-table1-apot-ewgs", "apot-resnet20-w4a4"})
            QVERIFY2(std::count(names.begin(), names.end(), expected) == 1, expected);
        for (const auto &name : names) {
            const auto text = qs::presetText(name);
            QVERIFY2(text && !text->empty(), name.c_str());
            qs::TrainConfig config;
            try {
                config = qs::parseTrainConfig(*text);
            } catch (const std::exception &e) {
                QFAIL(qPrintable(
                    QStringLiteral("%1: %2").arg(QString::fromStdString(name), QString::fromUtf8(e.what()))));
            }
            const auto why = qs::checkTrainConfig(config);
            QVERIFY2(!why, qPrintable(QString::fromStdString(name + ": " + why.value_or(""))));
            QVERIFY2(!qs::checkQuantConfig(qs::quantConfigFromConfig(config)), name.c_str());
        }
        QVERIFY(!qs::presetText("no-such-preset"));
        const auto quick = qs::parseTrainConfig(*qs::presetText("quick-synthetic"));
        QCOMPARE(quick.dataset, std::string("synthetic:512"));
        QCOMPARE(quick.method, std::string("apot"));
        const auto ewgs = qs::parseTrainConfig(*qs::presetText("seed-table1-apot-ewgs"));
        QCOMPARE(ewgs.backward, std::string("ewgs"));
    }
};

QTEST_APPLESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
