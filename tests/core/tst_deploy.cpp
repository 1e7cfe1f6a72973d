// The C model `quantscope-cli deploy` writes (core/deploy/deploy.h): its grids as shifts, its byte and
// operation counts, and what matters most: compiled on this machine (and for a Cortex-M under QEMU where the
// toolchain is installed), it predicts what the app's own float evaluation predicts.

#include "core/deploy/deploy.h"
#include "core/error.h"
#include "core/io/modelio.h"
#include "core/train/trainconfig.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <torch/torch.h>

#include <cmath>
#include <fstream>

namespace {

// A ResNet-20 on `method`'s grid with BatchNorm statistics and clips far from their initial values, so the
// requantization and thresholds are exercised on every layer.
std::string makeCheckpoint(const QTemporaryDir &dir, const std::string &name, const std::string &method,
                           int wbits, int abits, const std::string &shortcut, bool zeroLevel = true)
{
    std::string ini = "dataset = synthetic:64\ndepth = 20\nshortcut = " + shortcut + "\nmethod = " + method +
                      "\nwbits = " + std::to_string(wbits) + "\nabits = " + std::to_string(abits) +
                      "\nedge_layers = 8bit\n";
    if (!zeroLevel)
        ini += "zero_level = false\n";
    const auto config = qs::parseTrainConfig(ini);
    torch::manual_seed(7);
    qs::ResNet model(qs::resnetOptionsFromConfig(config, 3, 10));
    {
        torch::NoGradGuard noGrad;
        for (const auto &item : model->named_modules("", false)) {
            if (auto bn = std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(item.value())) {
                bn->running_mean.normal_(0.0, 0.2);
                bn->running_var.uniform_(0.3, 1.5);
                bn->weight.uniform_(0.6, 1.4);
                bn->bias.normal_(0.1, 0.2);
            }
        }
        int i = 0;
        for (auto &[layerName, conv] : model->quantLayers()) {
            auto params = conv->named_parameters();
            if (params.contains("act_alpha"))
                params["act_alpha"].fill_(1.5 + 0.1 * (i % 7));
            if (params.contains("weight_quant.wgt_alpha"))
                params["weight_quant.wgt_alpha"].fill_(2.0 + 0.05 * (i % 5));
            ++i;
        }
    }
    qs::CheckpointState state;
    state.configText = qs::serializeTrainConfig(config);
    const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    qs::saveCheckpoint(path, model, nullptr, nullptr, state);
    return path;
}

int64_t elementCount(const std::vector<int64_t> &shape)
{
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d;
    return n;
}

bool onPath(const char *program)
{
    return !QStandardPaths::findExecutable(QString::fromLatin1(program)).isEmpty();
}

QStringList runLines(const QString &program, const QStringList &args, const QString &dir, int timeoutMs)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {QStringLiteral("timeout")};
    }
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return {QStringLiteral("exit %1: %2")
                    .arg(p.exitCode())
                    .arg(QString::fromLocal8Bit(p.readAllStandardError()))};
    return QString::fromLocal8Bit(p.readAllStandardOutput()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

} // namespace

class TestDeploy : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // Every level of a grid is its integer over one scale, and the integer is the sum of its shifts: PoT
    // levels are one shift, APoT levels at most two (the point of the scheme), uniform grids multiply.
    void levelsAreShiftsOfTheirIntegers_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("maxTerms");
        for (int bits : {2, 3, 4}) {
            QTest::addRow("pot W%d", bits) << QStringLiteral("pot") << bits << 1;
            QTest::addRow("apot W%d", bits) << QStringLiteral("apot") << bits << 2;
            QTest::addRow("uniform W%d", bits) << QStringLiteral("uniform") << bits << -1;
        }
    }
    void levelsAreShiftsOfTheirIntegers()
    {
        QFETCH(QString, method);
        QFETCH(int, bits);
        QFETCH(int, maxTerms);
        const auto path = makeCheckpoint(m_dir, "levels.qsckpt", method.toStdString(), bits, 4, "A");
        const auto plan = qs::planDeployment({path, "", 0, 0});
        QCOMPARE(plan.wbits, bits);
        int checked = 0;
        for (const auto &layer : plan.layers) {
            if (layer.levels.empty())
                continue;
            QCOMPARE(layer.weightBits, bits);
            QCOMPARE(layer.arithmetic,
                     maxTerms < 0 ? qs::DeployArithmetic::Multiply : qs::DeployArithmetic::ShiftAdd);
            double scale = 0;
            for (const auto &level : layer.levels) {
                int64_t sum = 0;
                for (int s : level.shifts)
                    sum += int64_t(1) << s;
                QCOMPARE(sum, std::llabs(level.integer));
                if (maxTerms > 0)
                    QVERIFY2(int(level.shifts.size()) <= maxTerms, qPrintable(QString::number(level.level)));
                if (level.level != 0) {
                    if (scale == 0)
                        scale = double(level.integer) / level.level;
                    QVERIFY(std::abs(double(level.integer) / level.level - scale) < 1e-9 * scale);
                } else {
                    QCOMPARE(level.integer, int64_t(0));
                }
            }
            // The grid as `levels` lists it: 2^b - 1 signed levels with zero.
            QCOMPARE(int(layer.levels.size()), (1 << bits) - 1);
            ++checked;
        }
        QCOMPARE(checked, 18); // ResNet-20's quantized convs, shortcut A
    }

    // Bytes: b-bit codes packed (plus one pad byte per layer), 32/b smaller than float32; one arena that
    // holds the largest stream; shift-add layers multiply only to requantize.
    void planCountsBytesAndOperations()
    {
        const auto path = makeCheckpoint(m_dir, "apot-b.qsckpt", "apot", 4, 4, "B");
        const auto plan = qs::planDeployment({path, "", 0, 0});
        QCOMPARE(int(plan.layers.size()), 1 + 18 + 2 + 1);
        QCOMPARE(QString::fromStdString(plan.layers.front().name), QStringLiteral("conv1"));
        QCOMPARE(QString::fromStdString(plan.layers.back().name), QStringLiteral("fc"));
        int64_t weightBytes = 0, multiplies = 0, quantizedWeights = 0, quantizedBytes = 0;
        for (const auto &layer : plan.layers) {
            weightBytes += layer.weightBytes;
            multiplies += layer.multiplies;
            if (layer.levels.empty())
                continue;
            const int64_t n = elementCount(layer.weightShape);
            QCOMPARE(layer.weightBytes, (n * 4 + 7) / 8 + 1);
            QCOMPARE(layer.multiplies, layer.outputElements); // the requantization only
            QVERIFY(layer.shifts > 0);
            QVERIFY(layer.adds >= layer.outputElements);
            quantizedWeights += n;
            quantizedBytes += layer.weightBytes;
        }
        QCOMPARE(weightBytes, plan.weightBytes);
        QCOMPARE(multiplies, plan.multiplies);
        // ResNet-20's 18 3x3 convs by stage, and the two 1x1 projection shortcuts.
        QCOMPARE(quantizedWeights, int64_t(6 * 16 * 16 * 9 + (32 * 16 + 5 * 32 * 32) * 9 +
                                           (64 * 32 + 5 * 64 * 64) * 9 + 16 * 32 + 32 * 64));
        QVERIFY(double(quantizedWeights * 4) / double(quantizedBytes) > 7.9); // 32 / 4 bits
        QVERIFY(plan.arenaBytes >= 16 * 32 * 32 * 4);
        QVERIFY(plan.arenaBytes < 4 * 16 * 32 * 32 * 4);
        QCOMPARE(plan.inputBytes, int64_t(3 * 32 * 32));
        QVERIFY(QString::fromStdString(qs::deployTableMarkdown(plan))
                    .contains(QStringLiteral("layer2.0.downsample.0")));
    }

    // The generated C, compiled with this machine's C compiler, against the app's own evaluation.
    void hostBuildAgreesWithTheApp_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("wbits");
        QTest::addColumn<int>("abits");
        QTest::addColumn<QString>("shortcut");
        QTest::addColumn<bool>("zeroLevel");
        QTest::newRow("apot W4A4 shortcut B")
            << QStringLiteral("apot") << 4 << 4 << QStringLiteral("B") << true;
        QTest::newRow("pot W3A3 shortcut A")
            << QStringLiteral("pot") << 3 << 3 << QStringLiteral("A") << true;
        QTest::newRow("uniform W2A4 shortcut A")
            << QStringLiteral("uniform") << 2 << 4 << QStringLiteral("A") << true;
        QTest::newRow("apot W3A2 without zero")
            << QStringLiteral("apot") << 3 << 2 << QStringLiteral("A") << false;
    }
    void hostBuildAgreesWithTheApp()
    {
        QFETCH(QString, method);
        QFETCH(int, wbits);
        QFETCH(int, abits);
        QFETCH(QString, shortcut);
        QFETCH(bool, zeroLevel);
        if (!onPath("make") || !onPath("cc"))
            QSKIP("needs make and a C compiler (cc) on PATH to build the generated C");
        const auto path = makeCheckpoint(m_dir, "host.qsckpt", method.toStdString(), wbits, abits,
                                         shortcut.toStdString(), zeroLevel);
        const QString out = m_dir.filePath(QStringLiteral("host-%1-%2-%3").arg(method).arg(wbits).arg(abits));
        const qs::DeployOptions options{path, "", 0, 0};
        const auto plan = qs::writeDeployment(options, out.toStdString());
        QCOMPARE(plan.zeroLevel, zeroLevel);
        // Strict C99 without a warning: users compile it with their own flags.
        const auto strict =
            runLines(QStringLiteral("cc"),
                     {QStringLiteral("-std=c99"), QStringLiteral("-pedantic"), QStringLiteral("-Wall"),
                      QStringLiteral("-Wextra"), QStringLiteral("-Werror"), QStringLiteral("-fsyntax-only"),
                      QStringLiteral("qs_model.c"), QStringLiteral("main.c")},
                     out, 120000);
        QVERIFY2(strict.isEmpty(), qPrintable(strict.join(QLatin1Char('\n'))));
        const auto reference = qs::deployReference(options, "synthetic:64", 64,
                                                   (out + QStringLiteral("/images.bin")).toStdString());
        QCOMPARE(int(reference.labels.size()), 64);
        double largestLogit = 0;
        for (const auto &row : reference.logits)
            for (double v : row)
                largestLogit = std::max(largestLogit, std::abs(v));
        const auto check = qs::checkDeployment(out.toStdString(), reference);
        QCOMPARE(check.images, int64_t(64));
        QVERIFY2(check.agreement >= 95.0, qPrintable(QString::number(check.agreement)));
        QVERIFY2(check.maxLogitDifference < 0.05 * largestLogit,
                 qPrintable(QStringLiteral("%1 of %2").arg(check.maxLogitDifference).arg(largestLogit)));
    }

    // The same C for an Arm Cortex-M3 under QEMU (mps2-an385, semihosting) prints the host build's classes.
    void cortexMBuildMatchesTheHost()
    {
        for (const char *tool : {"make", "cc", "arm-none-eabi-gcc", "qemu-system-arm"})
            if (!onPath(tool))
                QSKIP(
                    qPrintable(QStringLiteral("needs %1 (Debian: gcc-arm-none-eabi, libnewlib-arm-none-eabi, "
                                              "qemu-system-arm)")
                                   .arg(QString::fromLatin1(tool))));
        const auto path = makeCheckpoint(m_dir, "cortexm.qsckpt", "apot", 4, 4, "B");
        const QString out = m_dir.filePath(QStringLiteral("cortexm"));
        const qs::DeployOptions options{path, "", 0, 0};
        qs::writeDeployment(options, out.toStdString());
        qs::deployReference(options, "synthetic:64", 3, (out + QStringLiteral("/images.bin")).toStdString());
        const auto build =
            runLines(QStringLiteral("make"),
                     {QStringLiteral("-s"), QStringLiteral("host"), QStringLiteral("cortex-m")}, out, 300000);
        QVERIFY2(!build.join(QString()).startsWith(QStringLiteral("exit")) &&
                     build != QStringList{QStringLiteral("timeout")},
                 qPrintable(build.join(QLatin1Char('\n'))));
        const auto host =
            runLines(out + QStringLiteral("/qs_model_host"), {QStringLiteral("images.bin")}, out, 60000);
        QCOMPARE(host.size(), 3);
        const auto device =
            runLines(QStringLiteral("qemu-system-arm"),
                     {QStringLiteral("-M"), QStringLiteral("mps2-an385"), QStringLiteral("-nographic"),
                      QStringLiteral("-monitor"), QStringLiteral("none"), QStringLiteral("-serial"),
                      QStringLiteral("none"), QStringLiteral("-semihosting-config"),
                      QStringLiteral("enable=on,target=native,arg=qs_model,arg=images.bin,arg=3"),
                      QStringLiteral("-kernel"), QStringLiteral("qs_model_cortexm.elf")},
                     out, 300000);
        QCOMPARE(device, host);
    }

    // One line naming the file or the setting, nothing written.
    void refusesWhatItCannotDeploy()
    {
        const auto lsq = makeCheckpoint(m_dir, "lsq.qsckpt", "lsq", 4, 4, "A");
        try {
            qs::planDeployment({lsq, "", 0, 0});
            QFAIL("an LSQ model was planned");
        } catch (const qs::Error &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("uniform, PoT and APoT")), e.what());
            QVERIFY(!QString::fromUtf8(e.what()).contains(QLatin1Char('\n')));
        }
        const QString damaged = m_dir.filePath(QStringLiteral("damaged.qsckpt"));
        {
            std::ofstream f(damaged.toStdString(), std::ios::binary);
            f << "PK\x03\x04 not really a checkpoint";
        }
        const QString out = m_dir.filePath(QStringLiteral("never"));
        try {
            qs::writeDeployment({damaged.toStdString(), "", 0, 0}, out.toStdString());
            QFAIL("a damaged checkpoint was deployed");
        } catch (const qs::Error &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(damaged), e.what());
        }
        QVERIFY(!QFileInfo::exists(out));
        const auto apot = makeCheckpoint(m_dir, "apot-a.qsckpt", "apot", 4, 4, "A");
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::planDeployment({apot, "apot", 12, 4}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::planDeployment({apot, "int8", 0, 0}));
        // A directory under a regular file cannot be created.
        QVERIFY_THROWS_EXCEPTION(qs::Error, qs::writeDeployment({apot, "", 0, 0}, apot + "/c"));
    }

    // Another grid than the trained one: the trained weights rounded onto it with the checkpoint's clips.
    void roundsOntoAnotherGrid()
    {
        const auto apot = makeCheckpoint(m_dir, "apot-other.qsckpt", "apot", 4, 4, "A");
        const auto plan = qs::planDeployment({apot, "pot", 3, 2});
        QCOMPARE(plan.scheme, qs::Scheme::PoT);
        QCOMPARE(plan.wbits, 3);
        QCOMPARE(plan.abits, 2);
        QVERIFY(QString::fromStdString(plan.model).startsWith(QStringLiteral("PoT W3A2")));
        for (const auto &layer : plan.layers)
            if (!layer.levels.empty())
                QCOMPARE(int(layer.levels.size()), 7);
        // A full-precision checkpoint has no clips: the grid's initial ones, and the weights carried over.
        const auto fp = makeCheckpoint(m_dir, "fp.qsckpt", "fp", 4, 4, "A");
        QVERIFY_THROWS_EXCEPTION(qs::Error, qs::planDeployment({fp, "", 0, 0}));
        const auto fpPlan = qs::planDeployment({fp, "apot", 4, 4});
        QCOMPARE(fpPlan.scheme, qs::Scheme::APoT);
        QCOMPARE(int(fpPlan.layers.size()), 1 + 18 + 1);
    }
};

QTEST_GUILESS_MAIN(TestDeploy)
#include "tst_deploy.moc"
