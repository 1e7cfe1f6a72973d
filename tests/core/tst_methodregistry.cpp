// The method registry: every registered method builds a model, trains a step, saves and loads a checkpoint
// with identical outputs; its parameters land in the optimizer groups it declares; its curve, clips and
// config keys work; and an unknown method is an error in config checks, the CLI and checkpoint loading.

#include "core/analysis/modelsnapshot.h"
#include "core/io/modelio.h"
#include "core/nn/models.h"
#include "core/quant/layerquantizer.h"
#include "core/quant/methods.h"
#include "core/train/trainconfig.h"
#include "core/train/trainer.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <set>

namespace {

// A bit width every method defines for both weights and activations (3, or the nearest in range).
int bitsFor(const qs::MethodInfo &m)
{
    int bits = 3;
    for (const auto &range : {m.weightBits, m.actBits})
        if (range)
            bits = std::clamp(bits, range->lowest, range->highest);
    return bits;
}

qs::TrainConfig configFor(const qs::MethodInfo &m)
{
    qs::TrainConfig c;
    c.method = m.name;
    c.wbits = c.abits = bitsFor(m);
    c.shortcut = "B"; // quantized 1x1 downsample convs too
    c.dataset = "synthetic:64";
    return c;
}

at::Tensor evalOutputs(qs::ResNet &model)
{
    torch::NoGradGuard noGrad;
    model->eval();
    torch::manual_seed(99);
    return model->forward(torch::rand({4, 3, 16, 16}) * 2);
}

bool endsWith(const std::string &s, const std::string &tail)
{
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void addMethodRows()
{
    QTest::addColumn<QString>("method");
    for (const auto &m : qs::quantMethods())
        QTest::newRow(m.name.c_str()) << QString::fromStdString(m.name);
}

} // namespace

class TestMethodRegistry : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string file(const std::string &name) const
    {
        return m_dir.filePath(QString::fromStdString(name)).toStdString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        at::set_num_threads(1);
    }

    void listIsStableAndDescribed()
    {
        const auto names = qs::quantMethodNames();
        const std::vector<std::string> builtIn = {"fp", "uniform", "lsq", "pot", "apot", "dsq", "daq"};
        QVERIFY(names.size() >= builtIn.size());
        QVERIFY(std::equal(builtIn.begin(), builtIn.end(), names.begin()));
        QCOMPARE(std::set<std::string>(names.begin(), names.end()).size(), names.size());
        for (const auto &m : qs::quantMethods()) {
            QCOMPARE(qs::findQuantMethod(m.name), &m);
            QCOMPARE(&qs::quantMethod(m.name), &m);
            QVERIFY2(!m.title.empty() && !m.description.empty(), m.name.c_str());
            QVERIFY2(m.description.find('\n') == std::string::npos, m.name.c_str());
            QVERIFY(m.curve);
            if (m.gridScheme) {
                const auto [wlo, whi] = qs::supportedBits(*m.gridScheme, true);
                const auto [alo, ahi] = qs::supportedBits(*m.gridScheme, false);
                QVERIFY(m.weightBits && m.weightBits->lowest == wlo && m.weightBits->highest == whi);
                QVERIFY(m.actBits && m.actBits->lowest == alo && m.actBits->highest == ahi);
            }
            QCOMPARE(m.quantizes, m.name != "fp");
            for (const auto &k : m.configKeys) {
                QVERIFY2(!qs::checkMethodConfigValue(k, k.defaultValue), k.key.c_str());
                QCOMPARE(qs::findMethodConfigKey(k.key)->defaultValue, k.defaultValue);
            }
        }
        // EWGS applies to the hard quantizers with a straight-through backward only.
        for (const char *hard : {"uniform", "lsq", "pot", "apot", "ewgs"})
            QVERIFY(qs::quantMethod(hard).ewgs);
        for (const char *own : {"fp", "dsq", "daq"})
            QVERIFY(!qs::quantMethod(own).ewgs);
        QCOMPARE(qs::quantMethod("apot").gridScheme, std::optional<qs::Scheme>(qs::Scheme::APoT));
        QVERIFY(!qs::quantMethod("lsq").gridScheme);
    }

    void unknownMethodIsAnErrorListingTheKnownOnes()
    {
        const auto message = qs::unknownQuantMethodMessage("ternary");
        QVERIFY(message.find("'ternary'") != std::string::npos);
        for (const auto &name : qs::quantMethodNames())
            QVERIFY2(message.find(name) != std::string::npos, name.c_str());
        QVERIFY(message.find('\n') == std::string::npos);
        QVERIFY(!qs::findQuantMethod("ternary"));
        QVERIFY_THROWS_EXCEPTION(qs::Error, qs::quantMethod("ternary"));
        QVERIFY_THROWS_EXCEPTION(qs::Error, qs::quantMethodImplementation("ternary"));

        // Config: parsing keeps the text, the check names the method and the known ones.
        qs::TrainConfig c = qs::parseTrainConfig("method = ternary\n");
        const auto why = qs::checkTrainConfig(c);
        QVERIFY(why);
        QVERIFY2(why->find("method") != std::string::npos && why->find("ternary") != std::string::npos &&
                     why->find("apot") != std::string::npos,
                 why->c_str());
        QVERIFY(qs::checkMethodBits("ternary", 4, 4));
        // The model never turns it into another method.
        QVERIFY(qs::checkQuantConfig(qs::quantConfigFromConfig(c)));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::ResNet(qs::resnetOptionsFromConfig(c, 3, 10)));
    }

    void checkpointNamingAnUnknownMethodFailsNamingTheFile()
    {
        // A checkpoint whose stored config text was edited to a method this build does not know.
        qs::TrainConfig config;
        config.method = "apot";
        config.dataset = "synthetic:32";
        torch::manual_seed(5);
        qs::ResNet model(qs::resnetOptionsFromConfig(config, 3, 10));
        qs::CheckpointState state;
        state.configText = qs::serializeTrainConfig(config);
        const auto good = file("good.qsckpt");
        qs::saveCheckpoint(good, model, nullptr, nullptr, state);
        QVERIFY(qs::readCheckpointState(good).configText == state.configText);

        const std::string from = "method = apot\n";
        QVERIFY(state.configText.find(from) != std::string::npos);
        state.configText.replace(state.configText.find(from), from.size(), "method = ternary\n");
        const auto bad = file("unknown-method.qsckpt");
        qs::saveCheckpoint(bad, model, nullptr, nullptr, state);
        try {
            qs::readCheckpointState(bad);
            QFAIL("a checkpoint with an unknown method loaded");
        } catch (const qs::ModelIoError &e) {
            const std::string what = e.what();
            QVERIFY2(what.rfind(bad, 0) == 0, e.what()); // names the file first
            QVERIFY2(what.find("ternary") != std::string::npos && what.find("apot") != std::string::npos,
                     e.what());
        }
        // Every reader of checkpoints goes through it: the Model view, eval, the CLI.
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, qs::ModelSnapshot::load(bad));
        qs::EvalRequest req;
        req.weights = bad;
        req.data = "synthetic:32";
        req.device = "cpu";
        req.threads = 1; // evaluateWeights sets this process's thread count: keep the tests' one thread
        QVERIFY_THROWS_EXCEPTION(qs::Error, qs::evaluateWeights(req));
        const auto r = qs::test::runQuantscopeCli({QStringLiteral("eval"), QStringLiteral("--weights"),
                                                   QString::fromStdString(bad), QStringLiteral("--data"),
                                                   QStringLiteral("synthetic:32")});
        QVERIFY2(r.exitCode > 0, r.err.constData());
        QCOMPARE(r.err.count('\n'), qsizetype(1));
        QVERIFY2(r.err.contains("unknown-method.qsckpt") && r.err.contains("ternary"), r.err.constData());
    }

    void cliRejectsUnknownMethodsOnOneLine_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("curve --method")
            << QStringList{QStringLiteral("curve"), QStringLiteral("--method"), QStringLiteral("ternary"),
                           QStringLiteral("--bits"), QStringLiteral("2")};
        QTest::newRow("bench --quant") << QStringList{QStringLiteral("bench"), QStringLiteral("train-step"),
                                                      QStringLiteral("--quant"), QStringLiteral("ternary")};
        QTest::newRow("eval --quant")
            << QStringList{QStringLiteral("eval"),   QStringLiteral("--weights"), QStringLiteral("x.pt"),
                           QStringLiteral("--data"), QStringLiteral("synthetic"), QStringLiteral("--quant"),
                           QStringLiteral("ternary")};
        QTest::newRow("train --set method")
            << QStringList{QStringLiteral("train"),
                           QStringLiteral("--preset"),
                           QStringLiteral("quick-synthetic"),
                           QStringLiteral("--set"),
                           QStringLiteral("method=ternary"),
                           QStringLiteral("--out"),
                           QDir::tempPath() + QStringLiteral("/qs-never-created-registry")};
    }
    void cliRejectsUnknownMethodsOnOneLine()
    {
        QFETCH(QStringList, args);
        const auto r = qs::test::runQuantscopeCli(args);
        QVERIFY2(r.exitCode == 2,
                 qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(QString::fromUtf8(r.err))));
        QVERIFY(r.out.isEmpty());
        QCOMPARE(r.err.count('\n'), qsizetype(1));
        QVERIFY2(r.err.contains("ternary"), r.err.constData());
        for (const auto &name : qs::quantMethodNames())
            QVERIFY2(r.err.contains(name.c_str()), r.err.constData()); // the known ones are listed
        QVERIFY(!QFileInfo::exists(QDir::tempPath() + QStringLiteral("/qs-never-created-registry")));
    }

    void cliListsEveryMethod()
    {
        const auto r = qs::test::runQuantscopeCli({QStringLiteral("methods")});
        QCOMPARE(r.exitCode, 0);
        for (const auto &m : qs::quantMethods())
            QVERIFY2(r.out.contains((m.name + ": " + m.title).c_str()), m.name.c_str());
        const auto help = qs::test::runQuantscopeCli({QStringLiteral("--help")});
        for (const auto &name : qs::quantMethodNames())
            QVERIFY2(help.out.contains(name.c_str()), name.c_str());
    }

    void everyMethodTrainsSavesAndLoads_data() { addMethodRows(); }
    void everyMethodTrainsSavesAndLoads()
    {
        QFETCH(QString, method);
        const auto &info = qs::quantMethod(method.toStdString());
        const auto config = configFor(info);
        QVERIFY2(!qs::checkTrainConfig(config), qs::checkTrainConfig(config).value_or("").c_str());
        QVERIFY(!qs::checkMethodBits(info.name, config.wbits, config.abits));
        torch::manual_seed(17);
        qs::ResNet model(qs::resnetOptionsFromConfig(config, 3, 10));
        model->train();
        const auto x = torch::rand({6, 3, 16, 16}) * 2;
        const auto loss = torch::nn::functional::cross_entropy(model->forward(x), torch::arange(6) % 10);
        QVERIFY(std::isfinite(loss.item<double>()));
        loss.backward();
        for (auto &[name, layer] : model->quantLayers())
            for (const auto &t : layer->quantizerTensors()) {
                if (t.spec->buffer)
                    continue;
                const auto what = name + "." + t.spec->name;
                QVERIFY2(t.tensor.grad().defined(), what.c_str());
                QVERIFY2(torch::isfinite(t.tensor.grad()).all().item<bool>(), what.c_str());
            }
        {
            // One SGD step moves the learned parameters, so the checkpoint holds more than the initial
            // values.
            torch::NoGradGuard noGrad;
            for (auto &p : model->parameters())
                if (p.grad().defined())
                    p.sub_(0.01 * p.grad());
        }
        const auto before = evalOutputs(model);
        QVERIFY(torch::isfinite(before).all().item<bool>());

        qs::CheckpointState state;
        state.configText = qs::serializeTrainConfig(config);
        const auto path = file(info.name + ".qsckpt");
        qs::saveCheckpoint(path, model, nullptr, nullptr, state);
        const auto read = qs::readCheckpointState(path);
        const auto stored = qs::parseTrainConfig(read.configText);
        QCOMPARE(stored.method, info.name);
        qs::ResNet loaded(qs::resnetOptionsFromConfig(stored, read.inputChannels, read.numClasses));
        qs::loadCheckpoint(path, loaded, nullptr, nullptr);
        QVERIFY(evalOutputs(loaded).equal(before));
        // A loaded model does not re-initialize its learned ranges on its next training batch.
        for (auto &[name, layer] : loaded->quantLayers())
            QCOMPARE(layer->named_buffers()["quant_initialized"].item<double>(), info.quantizes ? 1.0 : 0.0);

        // Exported as a PyTorch state_dict under the same names, it loads strictly into the same method.
        const auto tensors = qs::exportStateDict(model);
        qs::ResNet again(qs::resnetOptionsFromConfig(config, 3, 10));
        qs::loadStateDict(again, tensors, /*strict=*/true, path);
        QVERIFY(evalOutputs(again).equal(before));
    }

    void parametersLandInTheDeclaredGroups_data() { addMethodRows(); }
    void parametersLandInTheDeclaredGroups()
    {
        QFETCH(QString, method);
        const auto &info = qs::quantMethod(method.toStdString());
        qs::ResNet model(qs::resnetOptionsFromConfig(configFor(info), 3, 10));
        const auto groups = qs::parameterGroups(*model);
        std::map<const c10::TensorImpl *, std::string> names;
        for (const auto &p : model->named_parameters())
            names[p.value().unsafeGetTensorImpl()] = p.key();
        QCOMPARE(groups.model.size() + groups.activationQuantizer.size() + groups.weightQuantizer.size(),
                 model->parameters().size());

        const auto &implementation = qs::quantMethodImplementation(info.name);
        std::map<std::string, qs::QuantizerGroup> declared;
        for (const auto &spec : implementation.tensors)
            if (!spec.buffer)
                declared[spec.name] = spec.group;
        auto specOf = [&](const std::string &name) -> std::optional<qs::QuantizerGroup> {
            for (const auto &[spec, group] : declared)
                if (endsWith(name, "." + spec))
                    return group;
            return std::nullopt;
        };
        for (const auto &p : groups.model)
            QVERIFY2(!specOf(names[p.unsafeGetTensorImpl()]), names[p.unsafeGetTensorImpl()].c_str());
        for (const auto &p : groups.activationQuantizer)
            QVERIFY(specOf(names[p.unsafeGetTensorImpl()]) == qs::QuantizerGroup::Activation);
        for (const auto &p : groups.weightQuantizer)
            QVERIFY(specOf(names[p.unsafeGetTensorImpl()]) == qs::QuantizerGroup::Weight);
        const size_t layers = model->quantLayers().size();
        const auto count = [&](qs::QuantizerGroup g) {
            return size_t(std::count_if(declared.begin(), declared.end(),
                                        [&](const auto &d) { return d.second == g; }));
        };
        QCOMPARE(groups.activationQuantizer.size(), layers * count(qs::QuantizerGroup::Activation));
        QCOMPARE(groups.weightQuantizer.size(), layers * count(qs::QuantizerGroup::Weight));
    }

    void builtInGroupsAndPositiveTensorsAreAsBefore()
    {
        // The split the trainer made by name before the registry (act_* to the activation group, the rest of
        // the quantizer parameters to the weight group) and the clip check (APoT-style alphas, LSQ steps).
        const std::map<std::string, std::vector<std::string>> positive = {
            {"fp", {}},
            {"uniform", {"weight_quant.wgt_alpha", "act_alpha"}},
            {"pot", {"weight_quant.wgt_alpha", "act_alpha"}},
            {"apot", {"weight_quant.wgt_alpha", "act_alpha"}},
            {"lsq", {"weight_step", "act_step"}},
            {"dsq", {}},
            {"daq", {}}};
        for (const auto &[name, expected] : positive) {
            std::vector<std::string> mustStayPositive;
            for (const auto &spec : qs::quantMethodImplementation(name).tensors) {
                const bool byName = spec.name.find("act_") != std::string::npos;
                QVERIFY2(byName == (spec.group == qs::QuantizerGroup::Activation), spec.name.c_str());
                QVERIFY(qs::isQuantizerParameterName("layer1.0.conv1." + spec.name));
                if (spec.mustStayPositive)
                    mustStayPositive.push_back(spec.name);
            }
            QCOMPARE(mustStayPositive, expected);
        }
        QVERIFY(!qs::isQuantizerParameterName("layer1.0.conv1.weight"));
        QVERIFY(!qs::isQuantizerParameterName("layer1.0.bn1.running_mean"));
    }

    void everyCurveSamples_data() { addMethodRows(); }
    void everyCurveSamples()
    {
        QFETCH(QString, method);
        const auto &info = qs::quantMethod(method.toStdString());
        for (bool isSigned : {false, true}) {
            qs::CurveParams p;
            p.bits = bitsFor(info);
            p.isSigned = isSigned;
            p.alpha = 2.0;
            p.from = -3;
            p.to = 3;
            p.points = 121;
            const auto c = info.curve(p);
            QCOMPARE(int(c.x.size()), p.points);
            QCOMPARE(c.y.size(), c.x.size());
            QCOMPARE(c.dydx.size(), c.x.size());
            QVERIFY(c.y.allFinite() && c.dydx.allFinite());
            if (info.quantizes)
                QVERIFY(c.y.maxCoeff() <= 2.0 + 1e-9); // the largest level is alpha
            p.points = 1;
            QVERIFY_THROWS_EXCEPTION(std::invalid_argument, info.curve(p));
        }
    }

    void clipsAreReadForTheViews_data() { addMethodRows(); }
    void clipsAreReadForTheViews()
    {
        QFETCH(QString, method);
        const auto &info = qs::quantMethod(method.toStdString());
        const auto config = configFor(info);
        torch::manual_seed(23);
        qs::ResNet model(qs::resnetOptionsFromConfig(config, 3, 10));
        model->train();
        {
            torch::NoGradGuard noGrad;
            model->forward(torch::rand({4, 3, 16, 16})); // first-batch initialization
        }
        const auto clips = qs::learnedClips(model);
        QCOMPARE(clips.size(), model->quantLayers().size());
        for (const auto &[prefix, clip] : clips) {
            QCOMPARE(clip.weight.has_value(), info.quantizes);
            QCOMPARE(clip.activation.has_value(), info.quantizes);
            if (info.quantizes)
                QVERIFY2(*clip.weight > 0 && std::isfinite(*clip.weight) && *clip.activation > 0,
                         prefix.c_str());
        }
        // The Model view reads the same clips from the checkpoint.
        qs::CheckpointState state;
        state.configText = qs::serializeTrainConfig(config);
        const auto path = file("clips-" + info.name + ".qsckpt");
        qs::saveCheckpoint(path, model, nullptr, nullptr, state);
        const auto snapshot = qs::ModelSnapshot::load(path);
        for (const auto &[prefix, clip] : clips) {
            const auto *layer = snapshot.layer(prefix + ".weight");
            QVERIFY(layer);
            QCOMPARE(layer->checkpointAlpha.has_value(), clip.weight.has_value());
            if (clip.weight)
                QS_COMPARE_NEAR(*layer->checkpointAlpha, *clip.weight, 1e-12);
        }
    }

    void apotStyleClipsComeFromPyTorchFiles()
    {
        // A PyTorch state_dict says no method: its layers are read by the method whose tensors fit them.
        qs::TrainConfig config;
        config.method = "apot";
        qs::ResNet model(qs::resnetOptionsFromConfig(config, 3, 10));
        {
            torch::NoGradGuard noGrad;
            model->named_parameters()["layer1.0.conv1.weight_quant.wgt_alpha"].fill_(2.5);
            model->named_parameters()["layer1.0.conv1.act_alpha"].fill_(4.5);
        }
        const auto clips = qs::learnedClips(qs::exportStateDict(model));
        QCOMPARE(clips.size(), model->quantLayers().size());
        QCOMPARE(*clips.at("layer1.0.conv1").weight, 2.5);
        QCOMPARE(*clips.at("layer1.0.conv1").activation, 4.5);
    }

    void methodConfigKeysParseSerializeAndReachTheModel()
    {
        // DSQ's alpha and DAQ's gamma/sigmas are config keys now; defaults are written for the run's method.
        qs::TrainConfig dsq =
            qs::parseTrainConfig("method = dsq\nwbits = 2\nabits = 2\ndsq_alpha_init = 0.35\n");
        QCOMPARE(qs::methodOption(dsq, "dsq_alpha_init"), 0.35);
        QCOMPARE(qs::methodOption(dsq, "daq_gamma"), 2.0); // another method's key: its default
        const auto text = qs::serializeTrainConfig(dsq);
        QVERIFY(text.find("dsq_alpha_init = 0.35\n") != std::string::npos);
        QVERIFY(text.find("daq_gamma") == std::string::npos);
        QCOMPARE(qs::serializeTrainConfig(qs::parseTrainConfig(text)), text);
        QVERIFY(!qs::checkTrainConfig(dsq));
        qs::ResNet model(qs::resnetOptionsFromConfig(dsq, 3, 10));
        QCOMPARE(model->named_parameters()["layer1.0.conv1.weight_dsq_alpha"].item<double>(), 0.35f);

        qs::TrainConfig daq;
        daq.method = "daq";
        const auto daqText = qs::serializeTrainConfig(daq);
        for (const char *key : {"daq_gamma = 2\n", "daq_sigma_weight = 1\n", "daq_sigma_act = 2\n"})
            QVERIFY2(daqText.find(key) != std::string::npos, key);
        // A key given for another method survives a round trip (a form may switch methods) and is checked.
        auto apot = qs::parseTrainConfig("method = apot\ndaq_gamma = 3\n");
        QVERIFY(qs::serializeTrainConfig(apot).find("daq_gamma = 3\n") != std::string::npos);
        QVERIFY(!qs::checkTrainConfig(apot));
        qs::applyConfigOverride(apot, "daq_gamma=0");
        const auto why = qs::checkTrainConfig(apot);
        QVERIFY(why && why->find("daq_gamma") != std::string::npos);
        // Out of range for the method itself.
        qs::applyConfigOverride(dsq, "dsq_alpha_init=0.7");
        QVERIFY(qs::checkTrainConfig(dsq)->find("dsq_alpha_init") != std::string::npos);
        QVERIFY(qs::checkQuantConfig(qs::quantConfigFromConfig(dsq)));
        // Still unknown keys are errors naming the key.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::parseTrainConfig("dsq_beta = 1\n"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::parseTrainConfig("daq_gamma = two\n"));
        // The APoT-style keys keep their TrainConfig fields.
        auto withAlpha = qs::parseTrainConfig("method = pot\nweight_alpha_init = 2.5\n");
        QCOMPARE(withAlpha.weightAlphaInit, 2.5);
        QCOMPARE(qs::methodOption(withAlpha, "weight_alpha_init"), 2.5);
        QCOMPARE(qs::quantConfigFromConfig(withAlpha).option("weight_alpha_init"), 2.5);
    }

    // zero_level: a true|false switch of the grid methods (uniform, pot, apot), validated like the other
    // method keys, written back as true/false, and what the model's weight quantizer uses.
    void zeroLevelSwitchReachesTheWeightGrid()
    {
        for (const char *method : {"uniform", "pot", "apot"}) {
            const auto &info = qs::quantMethod(method);
            QVERIFY(
                std::any_of(info.configKeys.begin(), info.configKeys.end(), [](const qs::MethodConfigKey &k) {
                    return k.key == "zero_level" && k.isSwitch;
                }));
        }
        auto config = qs::parseTrainConfig("method = apot\nwbits = 3\nabits = 3\nzero_level = false\n");
        QCOMPARE(qs::methodOption(config, "zero_level"), 0.0);
        const auto text = qs::serializeTrainConfig(config);
        QVERIFY2(text.find("zero_level = false\n") != std::string::npos, text.c_str());
        QCOMPARE(qs::serializeTrainConfig(qs::parseTrainConfig(text)), text);
        QVERIFY(!qs::checkTrainConfig(config));
        // The default is the grid as defined, and an old config without the key reads as that.
        QVERIFY(qs::serializeTrainConfig(qs::parseTrainConfig("method = uniform\n"))
                    .find("zero_level = true\n") != std::string::npos);
        QCOMPARE(qs::methodOption(qs::parseTrainConfig("method = pot\n"), "zero_level"), 1.0);
        // Bad values: one line naming the key.
        try {
            qs::parseTrainConfig("zero_level = maybe\n");
            QFAIL("zero_level = maybe was accepted");
        } catch (const std::invalid_argument &e) {
            QVERIFY2(std::string(e.what()).find("zero_level") != std::string::npos, e.what());
        }
        auto numeric = config;
        numeric.methodOptions["zero_level"] = 0.5; // only reachable through the API
        const auto why = qs::checkTrainConfig(numeric);
        QVERIFY(why && why->find("zero_level") != std::string::npos);

        // The model: 3-bit weights without zero are 8 levels times alpha, none at 0; with zero, 7 with 0.
        for (bool zero : {true, false}) {
            qs::applyConfigOverride(config, std::string("zero_level=") + (zero ? "true" : "false"));
            qs::ResNet model(qs::resnetOptionsFromConfig(config, 3, 10));
            auto layers = model->quantLayers();
            QVERIFY(!layers.empty());
            const auto q = layers.front().second->effectiveWeight();
            const double alpha = layers.front().second->weightClip();
            const auto levels = qs::levelSet({qs::Scheme::APoT, 3, true, zero});
            const auto distinct = std::get<0>(torch::_unique(q.flatten()));
            QVERIFY(distinct.numel() <= int64_t(levels.size()));
            for (int64_t i = 0; i < distinct.numel(); ++i) {
                const double v = distinct[i].item<double>() / alpha;
                QVERIFY2(std::any_of(levels.begin(), levels.end(),
                                     [&](double l) { return std::abs(l - v) < 1e-5; }),
                         qPrintable(QStringLiteral("%1 is not a level (zero level %2)").arg(v).arg(zero)));
            }
            // Normalized weights within alpha / 8 of 0 are common: they sit on 0 only when the grid has it.
            QCOMPARE((q == 0).any().item<bool>(), zero);
        }
    }
};

QTEST_APPLESS_MAIN(TestMethodRegistry)
#include "tst_methodregistry.moc"
