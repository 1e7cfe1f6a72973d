// quantscope-cli `train`, `eval`, `analyze` and `bench`: a short real run and what the other commands say
// about its checkpoint, and every error path (one line on stderr, exit 2 for usage errors).

#include "core/io/torchformat.h"
#include "strictjson.h"
#include "testsupport.h"

#include <torch/torch.h>

#include <csignal>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QStandardPaths>
#include <QtTest>

namespace {
using CliResult = qs::test::CliRun;

CliResult runCli(const QStringList &args, int timeoutMs = 120000)
{
    return qs::test::runQuantscopeCli(args, qs::test::Display::Inherit, timeoutMs);
}

QStringList split(const QString &args)
{
    return args.split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

// A command's JSON output, read by a strict parser first: output that is not strict JSON gives an empty
// object.
QJsonObject parseObject(const QByteArray &bytes)
{
    nlohmann::json strict;
    std::string why;
    if (!qs::test::parseStrictJson(bytes, &strict, &why)) {
        qWarning("not strict JSON: %s", why.c_str());
        return {};
    }
    QJsonParseError error;
    const auto doc = QJsonDocument::fromJson(bytes, &error);
    return error.error == QJsonParseError::NoError ? doc.object() : QJsonObject{};
}
} // namespace

class TestCliTraining : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    QString m_run;  // a finished quick-synthetic run
    QString m_best; // its best.qsckpt

    QString analyzeArgs(const QString &extra) const
    {
        return QStringLiteral("analyze --weights %1 --scheme apot --bits 3 %2").arg(m_best, extra);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_run = m_tmp.path() + QStringLiteral("/run");
        // The preset is 512 + 512 synthetic images; the subsets keep this test to seconds on two cores.
        const auto r =
            runCli(split(QStringLiteral("train --preset quick-synthetic --set epochs=1 --set threads=1 "
                                        "--set train_subset=128 --out ") +
                         m_run));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto obj = parseObject(r.out);
        QCOMPARE(obj.value(QStringLiteral("outcome")).toString(), QStringLiteral("completed"));
        QCOMPARE(obj.value(QStringLiteral("steps")).toInt(), 2); // 128 images, batch 64
        QVERIFY(obj.contains(QStringLiteral("best_top1")));
        m_best = m_run + QStringLiteral("/best.qsckpt");
        for (const char *name : {"config.ini", "metrics.jsonl", "last.qsckpt", "best.qsckpt"})
            QVERIFY2(QFileInfo::exists(m_run + QLatin1Char('/') + QLatin1String(name)), name);
        QFile config(m_run + QStringLiteral("/config.ini"));
        QVERIFY(config.open(QIODevice::ReadOnly));
        const auto text = config.readAll();
        QVERIFY(text.contains("epochs = 1\n"));
        QVERIFY(text.contains("threads = 1\n"));
        QVERIFY(text.contains("method = apot\n"));
    }

    void trainIntoAnExistingRunFails()
    {
        const auto r =
            runCli(split(QStringLiteral("train --preset quick-synthetic --set epochs=1 --out ") + m_run));
        QVERIFY(r.exitCode != 0);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY(r.err.contains("already holds a run"));
    }

    void evalReportsAccuracyOnTheTestSet_data()
    {
        QTest::addColumn<QString>("data");
        QTest::addColumn<int>("images");
        QTest::newRow("synthetic (256 test images)") << QStringLiteral("synthetic") << 256;
        QTest::newRow("synthetic:512") << QStringLiteral("synthetic:512") << 512;
    }
    void evalReportsAccuracyOnTheTestSet()
    {
        QFETCH(QString, data);
        QFETCH(int, images);
        const auto r = runCli(
            split(QStringLiteral("eval --weights %1 --data %2 --format json --threads 1").arg(m_best, data)));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto obj = parseObject(r.out);
        for (const char *key : {"top1", "top5", "loss", "images"})
            QVERIFY2(obj.contains(QLatin1String(key)), key);
        QCOMPARE(obj.value(QStringLiteral("images")).toInt(), images);
        const double top1 = obj.value(QStringLiteral("top1")).toDouble();
        const double top5 = obj.value(QStringLiteral("top5")).toDouble();
        QVERIFY(top1 >= 0 && top1 <= top5 && top5 <= 100);
        QVERIFY(obj.value(QStringLiteral("loss")).toDouble() > 0);
        // The top-1 accuracy is a whole number of images.
        const double hits = top1 * images / 100.0;
        QVERIFY(std::abs(hits - std::round(hits)) < 1e-6);
    }

    // ptq writes a checkpoint that eval reads back to the same top-1, with its sidecar.
    void ptqWritesWhatEvalReads()
    {
        const QString out = m_tmp.filePath(QStringLiteral("ptq.qsckpt"));
        const auto r =
            runCli(split(QStringLiteral("ptq --weights %1 --data synthetic --method brecq --wbits 3 "
                                        "--abits 4 --iters 20 --calib 64 --test-images 256 "
                                        "--threads 1 --format json --out %2")
                             .arg(m_best, out)));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto obj = parseObject(r.out);
        QCOMPARE(obj.value(QStringLiteral("test_images")).toInt(), 256);
        QVERIFY(obj.value(QStringLiteral("units")).toArray().size() > 1);
        QVERIFY(QFile::exists(out + QStringLiteral(".ptq.json")));
        QVERIFY(r.err.contains("unit 1/")); // a line per unit
        const auto eval = runCli(
            split(QStringLiteral("eval --weights %1 --data synthetic --format json --threads 1").arg(out)));
        QVERIFY2(eval.exitCode == 0, eval.err.constData());
        QCOMPARE(parseObject(eval.out).value(QStringLiteral("top1")).toDouble(),
                 obj.value(QStringLiteral("top1_after")).toDouble());
    }

    // SIGTERM (as Ctrl-C) stops ptq with exit 130 and nothing written.
    void ptqStopsWritingNothing()
    {
        const QString out = m_tmp.filePath(QStringLiteral("stopped.qsckpt"));
        QProcess process;
        process.start(
            QStringLiteral(QUANTSCOPE_CLI_PATH),
            split(QStringLiteral("ptq --weights %1 --data synthetic --iters 100000 --calib 64 --threads 1 "
                                 "--out %2")
                      .arg(m_best, out)));
        QVERIFY(process.waitForStarted());
        // The first unit's start line (after 50 iterations): the handlers are installed.
        process.setReadChannel(QProcess::StandardError);
        QByteArray err;
        while (!err.contains("unit 1/") && process.waitForReadyRead(60000))
            err += process.readAllStandardError();
        QVERIFY2(err.contains("unit 1/"), err.constData());
        ::kill(pid_t(process.processId()), SIGTERM);
        QVERIFY(process.waitForFinished(120000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 130);
        QVERIFY(!QFile::exists(out));
        QVERIFY(!QFile::exists(out + QStringLiteral(".ptq.json")));
    }

    void analyzeCountsEveryWeight()
    {
        const auto r = runCli(split(analyzeArgs(QString())));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto obj = parseObject(r.out);
        QCOMPARE(obj.value(QStringLiteral("scheme")).toString(), QStringLiteral("apot"));
        QCOMPARE(obj.value(QStringLiteral("bits")).toInt(), 3);
        const auto layers = obj.value(QStringLiteral("layers")).toArray();
        QVERIFY(layers.size() >= 18); // the 18 quantized 3x3 convs of ResNet-20 at least
        for (const auto &v : layers) {
            const auto l = v.toObject();
            const auto name = l.value(QStringLiteral("name")).toString();
            qint64 shapeProduct = 1;
            for (const auto &d : l.value(QStringLiteral("shape")).toArray())
                shapeProduct *= d.toInteger();
            const qint64 numel = l.value(QStringLiteral("numel")).toInteger();
            QCOMPARE(numel, shapeProduct);
            qint64 total = 0;
            for (const auto &c : l.value(QStringLiteral("counts")).toArray())
                total += c.toInteger();
            QVERIFY2(total == numel, qPrintable(name));
            // 3-bit signed APoT weights: 7 levels.
            QCOMPARE(l.value(QStringLiteral("levels")).toArray().size(), 7);
            QCOMPARE(l.value(QStringLiteral("counts")).toArray().size(), 7);
            QVERIFY(l.value(QStringLiteral("mse")).toDouble() >= 0);
        }
    }

    void alphaSearchNeverLosesToAFixedAlpha()
    {
        const auto searched = runCli(split(analyzeArgs(QStringLiteral("--alpha-search mse"))));
        const auto fixed = runCli(split(analyzeArgs(QStringLiteral("--alpha 3"))));
        QVERIFY2(searched.exitCode == 0, searched.err.constData());
        QVERIFY2(fixed.exitCode == 0, fixed.err.constData());
        const auto a = parseObject(searched.out).value(QStringLiteral("layers")).toArray();
        const auto b = parseObject(fixed.out).value(QStringLiteral("layers")).toArray();
        QCOMPARE(a.size(), b.size());
        QVERIFY(!a.isEmpty());
        for (qsizetype i = 0; i < a.size(); ++i) {
            const auto la = a[i].toObject(), lb = b[i].toObject();
            QCOMPARE(la.value(QStringLiteral("name")).toString(),
                     lb.value(QStringLiteral("name")).toString());
            QCOMPARE(la.value(QStringLiteral("alpha_source")).toString(), QStringLiteral("mse-search"));
            QCOMPARE(lb.value(QStringLiteral("alpha_source")).toString(), QStringLiteral("given"));
            QCOMPARE(lb.value(QStringLiteral("alpha")).toDouble(), 3.0);
            const double mseSearch = la.value(QStringLiteral("mse")).toDouble();
            const double mseFixed = lb.value(QStringLiteral("mse")).toDouble();
            QVERIFY2(mseSearch <= mseFixed * (1 + 1e-9),
                     qPrintable(QStringLiteral("%1: searched %2 > fixed %3")
                                    .arg(la.value(QStringLiteral("name")).toString())
                                    .arg(mseSearch)
                                    .arg(mseFixed)));
        }
    }

    // Weights {1, 0, -1} are their own 2-bit uniform levels at alpha 1: no quantization noise, an infinite
    // SQNR, which JSON has no number for. It is written "Infinity" (and the output stays strict JSON).
    void analyzeWritesAnInfiniteSqnrAsJson()
    {
        const QString weights = m_tmp.path() + QStringLiteral("/exact.pt");
        qs::writeTorchStateDict(weights.toStdString(),
                                {{"conv.weight", torch::tensor({1.0f, 0.0f, -1.0f}).reshape({3, 1, 1, 1})}});
        const auto r = runCli(
            split(QStringLiteral("analyze --weights %1 --scheme uniform --bits 2 --alpha 1").arg(weights)));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        nlohmann::json json;
        std::string why;
        QVERIFY2(qs::test::parseStrictJson(r.out, &json, &why), why.c_str());
        const auto &layer = json.at("layers").at(0);
        QCOMPARE(layer.at("name").get<std::string>(), std::string("conv.weight"));
        QCOMPARE(layer.at("mse").get<double>(), 0.0);
        QCOMPARE(layer.at("sqnr_db").get<std::string>(), std::string("Infinity"));
        QCOMPARE(layer.at("counts").get<std::vector<int64_t>>(), (std::vector<int64_t>{1, 1, 1}));
    }

    // --no-zero: the same weights on the 2-bit grid without zero, {-1, -1/3, 1/3, 1} at alpha 1 (normalized
    // weights {1, 0, -1}): 1 and -1 sit on levels, 0 goes to +1/3, so the error is exactly (1/3)^2 / 3.
    void analyzeWithoutZeroLevel()
    {
        const QString weights = m_tmp.path() + QStringLiteral("/exact-nozero.pt");
        qs::writeTorchStateDict(weights.toStdString(),
                                {{"conv.weight", torch::tensor({1.0f, 0.0f, -1.0f}).reshape({3, 1, 1, 1})}});
        const auto r =
            runCli(split(QStringLiteral("analyze --weights %1 --scheme uniform --bits 2 --alpha 1 --no-zero")
                             .arg(weights)));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        nlohmann::json json;
        std::string why;
        QVERIFY2(qs::test::parseStrictJson(r.out, &json, &why), why.c_str());
        QCOMPARE(json.at("zero_level").get<bool>(), false);
        const auto &layer = json.at("layers").at(0);
        QCOMPARE(layer.at("levels").get<std::vector<double>>().size(), size_t(4));
        QCOMPARE(layer.at("counts").get<std::vector<int64_t>>(), (std::vector<int64_t>{1, 0, 1, 1}));
        QVERIFY(std::abs(layer.at("mse").get<double>() - 1.0 / 27.0) < 1e-6);
    }

    // deploy: the plan as JSON; with a C compiler, the C model built and checked against eval's predictions.
    void deployPlansWritesAndVerifies()
    {
        const auto plan =
            runCli(split(QStringLiteral("deploy --weights %1 --plan-only --format json").arg(m_best)));
        QVERIFY2(plan.exitCode == 0, plan.err.constData());
        const auto obj = parseObject(plan.out);
        QCOMPARE(obj.value(QStringLiteral("scheme")).toString(), QStringLiteral("apot"));
        QCOMPARE(obj.value(QStringLiteral("wbits")).toInt(), 3);
        QCOMPARE(obj.value(QStringLiteral("layers")).toArray().size(),
                 20); // conv1, 18 convs (shortcut A), fc
        qint64 weightBytes = 0;
        for (const auto &layer : obj.value(QStringLiteral("layers")).toArray())
            weightBytes += layer.toObject().value(QStringLiteral("weight_bytes")).toInteger();
        QCOMPARE(weightBytes, obj.value(QStringLiteral("weight_bytes")).toInteger());
        if (QStandardPaths::findExecutable(QStringLiteral("cc")).isEmpty() ||
            QStandardPaths::findExecutable(QStringLiteral("make")).isEmpty())
            QSKIP("needs make and cc to build the generated C");
        const QString dir = m_tmp.path() + QStringLiteral("/deployed");
        const auto r = runCli(
            split(QStringLiteral("deploy --weights %1 --out %2 --verify synthetic --count 24 --format json")
                      .arg(m_best, dir)));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto verify = parseObject(r.out).value(QStringLiteral("verify")).toObject();
        QCOMPARE(verify.value(QStringLiteral("images")).toInt(), 24);
        QVERIFY(verify.value(QStringLiteral("agreement")).toDouble() >= 95.0);
        for (const char *name :
             {"qs_model.h", "qs_model.c", "main.c", "Makefile", "qs_model_host", "plan.json"})
            QVERIFY2(QFileInfo::exists(dir + QLatin1Char('/') + QLatin1String(name)), name);
    }

    void benchTrainStep()
    {
        const auto r = runCli(split(QStringLiteral(
            "bench train-step --arch resnet20 --quant apot --bits 2 --batch 8 --steps 1 --threads 1")));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto obj = parseObject(r.out);
        QVERIFY(obj.value(QStringLiteral("images_per_second")).toDouble() > 0);
        QVERIFY(obj.value(QStringLiteral("ms_per_step")).toDouble() > 0);
        QCOMPARE(obj.value(QStringLiteral("threads")).toInt(), 1);
        QCOMPARE(obj.value(QStringLiteral("arch")).toString(), QStringLiteral("resnet20"));
        QCOMPARE(obj.value(QStringLiteral("quant")).toString(), QStringLiteral("apot"));
        QCOMPARE(obj.value(QStringLiteral("batch")).toInt(), 8);
    }

    void compareTabulatesTheRun()
    {
        const auto r = runCli(split(QStringLiteral("compare --format csv --runs ") + m_run));
        QCOMPARE(r.exitCode, 0);
        const auto lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QVERIFY(lines[0].startsWith("run,method,epochs,steps,final_top1"));
        QVERIFY2(lines[1].contains(",apot W3A3,1,"), lines[1].constData());
    }

    void listPresets()
    {
        const auto r = runCli(split(QStringLiteral("train --list-presets")));
        QCOMPARE(r.exitCode, 0);
        const auto names = r.out.split('\n');
        QVERIFY(names.contains("seed-table1-apot-ewgs"));
        QVERIFY(names.contains("quick-synthetic"));
        QVERIFY(r.err.isEmpty());
    }

    // BUG (core/train/trainconfig.cpp checkTrainConfig): bit limits of lsq/dsq/daq are only checked by the
    // model's checkQuantConfig, so this undefined combination passes the config check, the ResNet constructor
    // throws std::invalid_argument inside runTraining, and the CLI exits 1 (runtime error) instead of 2
    // (usage).
    void trainRejectsLsqOneBitWeightsAsUsageError()
    {
        const auto r = runCli(
            split(QStringLiteral("train --preset quick-synthetic --set method=lsq --set wbits=1 --out ") +
                  m_tmp.path() + QStringLiteral("/lsq-w1")));
        QVERIFY2(r.exitCode == 2,
                 qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(QString::fromUtf8(r.err))));
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY(r.err.contains("wbits"));
        QVERIFY(!QFileInfo::exists(m_tmp.path() + QStringLiteral("/lsq-w1/metrics.jsonl")));
    }

    void errorsPrintOneLine_data()
    {
        QTest::addColumn<QString>("args");
        QTest::addColumn<int>("exitCode"); // 2: usage; -1: any non-zero
        QTest::addColumn<QString>("mentions");
        const QString out =
            QStringLiteral(" --out ") + QDir::tempPath() + QStringLiteral("/qs-never-created");
        QTest::newRow("compare without runs") << QStringLiteral("compare") << 2 << QStringLiteral("--runs");
        QTest::newRow("compare bad format")
            << QStringLiteral("compare --runs x --format xlsx") << 2 << QStringLiteral("xlsx");
        QTest::newRow("compare not a run")
            << QStringLiteral("compare --runs ") + QDir::tempPath() << -1 << QStringLiteral("metrics.jsonl");
        QTest::newRow("train neither config nor preset")
            << QStringLiteral("train") + out << 2 << QStringLiteral("--preset");
        QTest::newRow("train both config and preset")
            << QStringLiteral("train --config x.ini --preset quick-synthetic") + out << 2
            << QStringLiteral("exactly one");
        QTest::newRow("train unknown preset")
            << QStringLiteral("train --preset nope") + out << 2 << QStringLiteral("nope");
        QTest::newRow("train missing --out")
            << QStringLiteral("train --preset quick-synthetic") << 2 << QStringLiteral("--out");
        QTest::newRow("train --set unknown key")
            << QStringLiteral("train --preset quick-synthetic --set colour=red") + out << 2
            << QStringLiteral("colour");
        QTest::newRow("train --set bad value")
            << QStringLiteral("train --preset quick-synthetic --set epochs=many") + out << 2
            << QStringLiteral("many");
        QTest::newRow("train --set invalid combination")
            << QStringLiteral("train --preset quick-synthetic --set wbits=9") + out << 2
            << QStringLiteral("wbits");
        QTest::newRow("train --resume empty dir")
            << QStringLiteral("train --resume EMPTY") << -1 << QStringLiteral("EMPTY");
        QTest::newRow("train --config missing file")
            << QStringLiteral("train --config /nonexistent/x.ini") + out << 2
            << QStringLiteral("/nonexistent/x.ini");
        QTest::newRow("eval missing --weights")
            << QStringLiteral("eval --data synthetic") << 2 << QStringLiteral("--weights");
        QTest::newRow("eval --quant bogus")
            << QStringLiteral("eval --weights BEST --data synthetic --quant bogus") << 2
            << QStringLiteral("bogus");
        QTest::newRow("eval --bits with --wbits")
            << QStringLiteral("eval --weights BEST --data synthetic --bits 3 --wbits 3") << 2
            << QStringLiteral("--bits");
        QTest::newRow("eval --mean without --std")
            << QStringLiteral("eval --weights BEST --data synthetic --mean 0.5,0.5,0.5") << 2
            << QStringLiteral("--std");
        QTest::newRow("eval non-existent weights")
            << QStringLiteral("eval --weights /nonexistent/w.qsckpt --data synthetic") << -1
            << QStringLiteral("/nonexistent/w.qsckpt");
        QTest::newRow("eval bad data spec")
            << QStringLiteral("eval --weights BEST --data imagenet:/x") << 2 << QStringLiteral("imagenet");
        QTest::newRow("analyze --scheme bogus")
            << QStringLiteral("analyze --weights BEST --scheme bogus --bits 3") << 2
            << QStringLiteral("bogus");
        QTest::newRow("analyze apot --bits 9")
            << QStringLiteral("analyze --weights BEST --scheme apot --bits 9") << 2 << QStringLiteral("9");
        QTest::newRow("analyze --alpha and --alpha-search")
            << QStringLiteral("analyze --weights BEST --scheme apot --bits 3 --alpha 2 --alpha-search mse")
            << 2 << QStringLiteral("not both");
        QTest::newRow("analyze non-existent weights")
            << QStringLiteral("analyze --weights /nonexistent/w.pt --scheme apot --bits 3") << -1
            << QStringLiteral("/nonexistent/w.pt");
        QTest::newRow("deploy missing --weights")
            << QStringLiteral("deploy --plan-only") << 2 << QStringLiteral("--weights");
        QTest::newRow("deploy missing --out")
            << QStringLiteral("deploy --weights BEST") << 2 << QStringLiteral("--out");
        QTest::newRow("deploy --scheme lsq")
            << QStringLiteral("deploy --weights BEST --plan-only --scheme lsq") << 2 << QStringLiteral("lsq");
        QTest::newRow("deploy --wbits 9")
            << QStringLiteral("deploy --weights BEST --plan-only --wbits 9") << 2 << QStringLiteral("9");
        QTest::newRow("deploy --verify without files")
            << QStringLiteral("deploy --weights BEST --plan-only --verify synthetic") << 2
            << QStringLiteral("--plan-only");
        QTest::newRow("deploy non-existent weights")
            << QStringLiteral("deploy --weights /nonexistent/w.qsckpt --plan-only") << -1
            << QStringLiteral("/nonexistent/w.qsckpt");
        QTest::newRow("deploy undefined grid bits")
            << QStringLiteral("deploy --weights BEST --plan-only --scheme apot --wbits 1") << -1
            << QStringLiteral("1");
        QTest::newRow("ptq missing --weights")
            << QStringLiteral("ptq --data synthetic") + out << 2 << QStringLiteral("--weights");
        QTest::newRow("ptq missing --out")
            << QStringLiteral("ptq --weights BEST") << 2 << QStringLiteral("--out");
        QTest::newRow("ptq --method gptq")
            << QStringLiteral("ptq --weights BEST --method gptq") + out << 2 << QStringLiteral("gptq");
        QTest::newRow("ptq --wbits 9")
            << QStringLiteral("ptq --weights BEST --wbits 9") + out << 2 << QStringLiteral("9");
        QTest::newRow("ptq --abits 1")
            << QStringLiteral("ptq --weights BEST --abits 1") + out << 2 << QStringLiteral("abits");
        QTest::newRow("ptq --fisher")
            << QStringLiteral("ptq --weights BEST --fisher") + out << 2 << QStringLiteral("fisher");
        QTest::newRow("ptq non-existent weights")
            << QStringLiteral("ptq --weights /nonexistent/w.qsckpt --data synthetic") + out << -1
            << QStringLiteral("/nonexistent/w.qsckpt");
        QTest::newRow("ptq bad data spec")
            << QStringLiteral("ptq --weights BEST --data imagenet:/x --iters 1") + out << 2
            << QStringLiteral("imagenet");
        QTest::newRow("bench without train-step")
            << QStringLiteral("bench --arch resnet20") << 2 << QStringLiteral("train-step");
        QTest::newRow("bench --arch resnet21")
            << QStringLiteral("bench train-step --arch resnet21") << 2 << QStringLiteral("resnet21");
    }
    void errorsPrintOneLine()
    {
        QFETCH(QString, args);
        QFETCH(int, exitCode);
        QFETCH(QString, mentions);
        QTemporaryDir empty;
        QVERIFY(empty.isValid());
        args.replace(QStringLiteral("BEST"), m_best).replace(QStringLiteral("EMPTY"), empty.path());
        mentions.replace(QStringLiteral("EMPTY"), empty.path());
        const auto r = runCli(split(args));
        if (exitCode == -1)
            QVERIFY2(r.exitCode > 0, qPrintable(QString::number(r.exitCode)));
        else
            QVERIFY2(r.exitCode == exitCode,
                     qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(QString::fromUtf8(r.err))));
        QVERIFY2(r.out.isEmpty(), r.out.constData());
        QVERIFY2(r.err.count('\n') == 1, r.err.constData());
        QVERIFY2(r.err.contains(mentions.toUtf8()), r.err.constData());
        QVERIFY(!QFileInfo::exists(QDir::tempPath() + QStringLiteral("/qs-never-created")));
        QVERIFY(QDir(empty.path()).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCliTraining)
#include "tst_cli_training.moc"
