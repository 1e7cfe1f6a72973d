// Following a growing metrics.jsonl (half-written last line included) and the run comparison table.

#include "core/error.h"
#include "core/runs/runreader.h"
#include "testsupport.h"
#include "ui/runfixtures.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>

namespace {
void append(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::Append));
    QCOMPARE(f.write(bytes), bytes.size());
}

// A run directory as the trainer writes it.
QString makeRun(const QTemporaryDir &root, const QString &name, const QByteArray &config,
                const QByteArray &metrics)
{
    const QString dir = root.filePath(name);
    QDir().mkpath(dir);
    QFile c(dir + QStringLiteral("/config.ini"));
    c.open(QIODevice::WriteOnly);
    c.write(config);
    QFile m(dir + QStringLiteral("/metrics.jsonl"));
    m.open(QIODevice::WriteOnly);
    m.write(metrics);
    return dir;
}

// Every value of `part` is in `whole` (objects: key by key; arrays: element by element).
bool containsAll(const nlohmann::json &whole, const nlohmann::json &part)
{
    if (part.is_object()) {
        if (!whole.is_object())
            return false;
        for (const auto &[key, value] : part.items())
            if (!whole.contains(key) || !containsAll(whole.at(key), value))
                return false;
        return true;
    }
    if (part.is_array()) {
        if (!whole.is_array() || whole.size() != part.size())
            return false;
        for (size_t i = 0; i < part.size(); ++i)
            if (!containsAll(whole[i], part[i]))
                return false;
        return true;
    }
    return whole == part;
}

// One record of each type, every field set to something other than its default.
std::vector<qs::MetricsRecord> everyRecordType()
{
    qs::LayerState full;
    full.name = "layer1.0.conv1";
    full.alphaW = 2.5;
    full.alphaA = 7.75;
    full.deltaW = 0.125;
    full.deltaA = 0.0625;
    full.mse = 0.5;
    full.sqnrDb = 3.25;
    full.levels = {-2.5, 0, 2.5};
    full.counts = {10, 300, 12};
    qs::LayerState bare; // a layer whose clip went through zero: no error, no occupancy
    bare.name = "layer1.0.conv2";
    bare.alphaW = -0.5;
    bare.alphaA = 8;
    bare.deltaW = bare.deltaA = 32;
    qs::DivergenceRecord div;
    div.epoch = 1;
    div.step = 123;
    div.reason = "EWGS delta exploded: layer1.0.conv1 weight delta = 1e+05";
    div.layer = "layer1.0.conv1";
    div.detail = "layer1.0.conv1 weight delta = 1e+05";
    div.values = {{"loss", 2.5}, {"alpha", -0.5}};
    div.layers = {full, bare};
    return {
        qs::StartRecord{false, 0, 0, 2, "cpu", 269758, 12800, 2000, "CIFAR-10 train: \"quoted\" \\ path"},
        qs::StepSample{101, 1, 1.25, 0.04, 3.5},
        qs::EpochSample{3, 400, 0.75, 71.5, 0.9, 68.25, 97.5, 69.0, 12.5, 0.004},
        qs::LayersRecord{3, 400, {full, bare}},
        qs::EwgsUpdateRecord{2, 300, {"layer1.0.conv1", "layer1.0.conv2"}, {0.06, 0.05}, {0.01, 1e-7}},
        div,
        qs::RollbackRecord{"/runs/x/last.qsckpt", 123},
        qs::StopRecord{"max_steps", 50, 0, 17},
        qs::DoneRecord{1000, 60.95},
        qs::UnknownRecord{"from_the_future", 9},
        qs::StartRecord{true, 50, 0, 4, "cuda", 1, 2, 3, "synthetic"},
    };
}
} // namespace

class TestRunReader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parsesADivergenceLineWithNonFiniteAndUnknownFields()
    {
        const auto r = qs::parseMetricsLine(
            "{\"type\":\"divergence\",\"step\":12,\"loss\":\"NaN\",\"lr\":0.04,\"layer\":\"layer1.0.conv1\","
            "\"ok\":true,\"layers\":[{\"name\":\"a\",\"counts\":[1,2]}],\"note\":\"a \\\"quoted\\\" word\"}");
        QCOMPARE(qs::recordType(r), std::string("divergence"));
        QCOMPARE(qs::recordStep(r), int64_t(12));
        const auto &d = std::get<qs::DivergenceRecord>(r);
        QVERIFY(std::isnan(d.values.at("loss")));
        QCOMPARE(d.values.at("lr"), 0.04);
        QVERIFY(!d.values.count("ok"));   // not a number
        QVERIFY(!d.values.count("note")); // a string that is not a non-finite number
        QCOMPARE(d.layer, std::string("layer1.0.conv1"));
        QCOMPARE(d.layers.size(), size_t(1));
        QCOMPARE(d.layers[0].name, std::string("a"));
        QCOMPARE(d.layers[0].counts, (std::vector<int64_t>{1, 2}));
        QVERIFY(!d.layers[0].mse);
        QCOMPARE(qs::recordType(qs::parseMetricsLine("{\"type\":\"mystery\",\"step\":5,\"x\":[1]}")),
                 std::string("mystery"));
        QCOMPARE(qs::recordStep(qs::parseMetricsLine("{\"type\":\"mystery\",\"step\":5}")), int64_t(5));
    }

    void malformedLinesThrowOneLine_data()
    {
        QTest::addColumn<QString>("line");
        QTest::newRow("truncated") << QStringLiteral("{\"step\": 1");
        QTest::newRow("an array") << QStringLiteral("[1, 2]");
        QTest::newRow("trailing text") << QStringLiteral("{\"type\":\"step\"} x");
        QTest::newRow("bare NaN") << QStringLiteral("{\"type\":\"step\",\"loss\":NaN}");
        QTest::newRow("bare inf") << QStringLiteral("{\"type\":\"step\",\"loss\":inf}");
        QTest::newRow("number as text") << QStringLiteral("{\"type\":\"step\",\"step\":1,\"loss\":\"two\"}");
        QTest::newRow("step not an integer") << QStringLiteral("{\"type\":\"epoch\",\"step\":\"x\"}");
        QTest::newRow("type not a string") << QStringLiteral("{\"type\":3}");
        QTest::newRow("layers not an array")
            << QStringLiteral("{\"type\":\"layers\",\"layers\":{\"name\":\"a\"}}");
        QTest::newRow("level not a number")
            << QStringLiteral("{\"type\":\"layers\",\"layers\":[{\"name\":\"a\",\"levels\":[true]}]}");
    }
    void malformedLinesThrowOneLine()
    {
        QFETCH(QString, line);
        try {
            qs::parseMetricsLine(line.toStdString());
            QFAIL("expected qs::Error");
        } catch (const qs::Error &e) {
            QVERIFY2(std::string(e.what()).find('\n') == std::string::npos, e.what());
        }
    }

    void everyRecordTypeRoundTrips()
    {
        for (const auto &record : everyRecordType()) {
            const std::string line = qs::metricsLine(record);
            QVERIFY2(line.find('\n') == std::string::npos, line.c_str());
            QVERIFY2(nlohmann::json::accept(line), line.c_str()); // strict RFC 8259
            const auto back = qs::parseMetricsLine(line);
            QCOMPARE(back.index(), record.index());
            QCOMPARE(qs::metricsLine(back), line);
        }
        // Field by field for the types the callbacks and the history use.
        const auto records = everyRecordType();
        const auto epoch = std::get<qs::EpochSample>(qs::parseMetricsLine(qs::metricsLine(records[2])));
        QCOMPARE(epoch.epoch, int64_t(3));
        QCOMPARE(epoch.step, int64_t(400));
        QCOMPARE(epoch.trainLoss, 0.75);
        QCOMPARE(epoch.trainTop1, 71.5);
        QCOMPARE(epoch.testLoss, 0.9);
        QCOMPARE(epoch.testTop1, 68.25);
        QCOMPARE(epoch.testTop5, 97.5);
        QCOMPARE(epoch.bestTop1, 69.0);
        QCOMPARE(epoch.seconds, 12.5);
        QCOMPARE(epoch.lr, 0.004);
        const auto layers = std::get<qs::LayersRecord>(qs::parseMetricsLine(qs::metricsLine(records[3])));
        QCOMPARE(layers.layers.size(), size_t(2));
        QCOMPARE(layers.layers[0].alphaW, 2.5);
        QCOMPARE(*layers.layers[0].sqnrDb, 3.25);
        QCOMPARE(layers.layers[0].levels, (std::vector<double>{-2.5, 0, 2.5}));
        QCOMPARE(layers.layers[0].counts, (std::vector<int64_t>{10, 300, 12}));
        QVERIFY(!layers.layers[1].mse && !layers.layers[1].sqnrDb && layers.layers[1].levels.empty());
        const auto div = std::get<qs::DivergenceRecord>(qs::parseMetricsLine(qs::metricsLine(records[5])));
        QCOMPARE(div.values.size(), size_t(2));
        QCOMPARE(div.values.at("alpha"), -0.5);
        QCOMPARE(div.detail, std::string("layer1.0.conv1 weight delta = 1e+05"));
        QCOMPARE(std::get<qs::StopRecord>(qs::parseMetricsLine(qs::metricsLine(records[7]))).batch,
                 int64_t(17));
        QVERIFY(std::get<qs::StartRecord>(qs::parseMetricsLine(qs::metricsLine(records[10]))).resume);
    }

    void nonFiniteNumbersRoundTrip()
    {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const double inf = std::numeric_limits<double>::infinity();
        qs::StepSample step{7, 1, nan, inf, -inf};
        const std::string line = qs::metricsLine(step);
        QVERIFY2(nlohmann::json::accept(line), line.c_str());
        const auto json = nlohmann::json::parse(line);
        QCOMPARE(json.at("loss").get<std::string>(), std::string("NaN"));
        QCOMPARE(json.at("lr").get<std::string>(), std::string("Infinity"));
        QCOMPARE(json.at("grad_norm").get<std::string>(), std::string("-Infinity"));
        const auto back = std::get<qs::StepSample>(qs::parseMetricsLine(line));
        QVERIFY(std::isnan(back.loss));
        QVERIFY(std::isinf(back.lr) && back.lr > 0);
        QVERIFY(std::isinf(back.gradNorm) && back.gradNorm < 0);

        qs::LayerState layer;
        layer.name = "fc";
        layer.alphaW = nan;
        layer.mse = inf;
        layer.sqnrDb = -inf;
        layer.levels = {-inf, 0, nan};
        layer.counts = {1, 2, 3};
        qs::DivergenceRecord div;
        div.reason = "loss is NaN";
        div.values = {{"loss", nan}, {"delta", inf}};
        div.layers = {layer};
        const auto d = std::get<qs::DivergenceRecord>(qs::parseMetricsLine(qs::metricsLine(div)));
        QVERIFY(std::isnan(d.values.at("loss")));
        QVERIFY(std::isinf(d.values.at("delta")));
        QVERIFY(std::isnan(d.layers[0].alphaW));
        QVERIFY(std::isinf(*d.layers[0].mse) && *d.layers[0].mse > 0);
        QVERIFY(std::isinf(*d.layers[0].sqnrDb) && *d.layers[0].sqnrDb < 0);
        QVERIFY(std::isinf(d.layers[0].levels[0]) && std::isnan(d.layers[0].levels[2]));

        qs::EwgsUpdateRecord update{0, 5, {"a", "b"}, {nan, 0.5}, {inf, -inf}};
        const auto u = std::get<qs::EwgsUpdateRecord>(qs::parseMetricsLine(qs::metricsLine(update)));
        QVERIFY(std::isnan(u.deltaW[0]));
        QCOMPARE(u.deltaW[1], 0.5);
        QVERIFY(std::isinf(u.deltaA[0]) && std::isinf(u.deltaA[1]) && u.deltaA[1] < 0);

        // Anything else through core's JSON text: never a bare NaN or inf.
        qs::Json any{{"x", nan}, {"nested", {{"y", qs::Json::array({1.5, -inf})}}}};
        const std::string text = qs::jsonText(any);
        QVERIFY2(nlohmann::json::accept(text), text.c_str());
        QCOMPARE(text, std::string(R"({"x":"NaN","nested":{"y":[1.5,"-Infinity"]}})"));
        QVERIFY(std::isinf(qs::jsonToNumber(qs::parseJson(text)["nested"]["y"][1], "y")));
        QCOMPARE(qs::numberText(nan), std::string("NaN"));
        QCOMPARE(qs::numberText(0.1), std::string("0.1"));
    }

    // The committed runs and the ui tests' fixtures read back as the files say: every line is a record, and
    // writing it again gives the same JSON (same fields, same values; numbers may be spelled differently).
    // The fixtures leave fields out, which the rewrite then has at their defaults.
    void committedRunsAndFixturesReadIdentically()
    {
        struct File
        {
            QString name;
            QByteArray bytes;
            bool complete; // written by the trainer: every field present
        };
        std::vector<File> files;
        const QDir seed(QStringLiteral(QUANTSCOPE_SEED_RUNS));
        for (const auto &run : seed.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            QFile f(seed.filePath(run + QStringLiteral("/metrics.jsonl")));
            QVERIFY(f.open(QIODevice::ReadOnly));
            files.push_back({run, f.readAll(), true});
        }
        QVERIFY(files.size() >= 8);
        qs::test::RunFixture fixture;
        files.push_back({QStringLiteral("fixture"), fixture.metrics(), false});
        fixture.diverge = true;
        fixture.backward = QStringLiteral("ste");
        files.push_back({QStringLiteral("diverging fixture"), fixture.metrics(), false});
        int64_t lines = 0;
        for (const auto &file : files) {
            for (const auto &line : file.bytes.split('\n')) {
                if (line.isEmpty())
                    continue;
                ++lines;
                const auto original = nlohmann::json::parse(line.toStdString());
                const auto rewritten =
                    nlohmann::json::parse(qs::metricsLine(qs::parseMetricsLine(line.toStdString())));
                QVERIFY2(file.complete ? original == rewritten : containsAll(rewritten, original),
                         qPrintable(file.name + QStringLiteral(": ") + QString::fromUtf8(line.left(300))));
            }
        }
        QVERIFY(lines > 5000);
    }

    void followsAGrowingFileAndWaitsForHalfWrittenLines()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("metrics.jsonl"));
        qs::MetricsFollower follower(dir.path().toStdString());
        QVERIFY(follower.poll().empty()); // no file yet
        append(path, "{\"type\":\"step\",\"step\":1,\"loss\":2.3}\n{\"type\":\"step\",\"st");
        auto records = follower.poll();
        QCOMPARE(records.size(), size_t(1));
        QCOMPARE(std::get<qs::StepSample>(records[0]).step, int64_t(1));
        QVERIFY(follower.poll().empty()); // the half-written line is not a record yet
        QCOMPARE(follower.malformedLines(), int64_t(0));
        append(path, "ep\":2,\"loss\":2.1}\n");
        records = follower.poll();
        QCOMPARE(records.size(), size_t(1));
        QCOMPARE(std::get<qs::StepSample>(records[0]).step, int64_t(2));
        QCOMPARE(std::get<qs::StepSample>(records[0]).loss, 2.1);
        append(path, "garbage that is not json\n{\"type\":\"epoch\",\"epoch\":0}\n");
        records = follower.poll();
        QCOMPARE(records.size(), size_t(1));
        QCOMPARE(qs::recordType(records[0]), std::string("epoch"));
        QCOMPARE(follower.malformedLines(), int64_t(1));
    }

    void summaryAndTablesMatchTheMetrics()
    {
        QTemporaryDir root;
        const QString ste =
            makeRun(root, QStringLiteral("apot_ste"), "method = apot\nbackward = ste\nwbits = 2\nabits = 2\n",
                    "{\"type\":\"start\",\"step\":0}\n"
                    "{\"type\":\"epoch\",\"epoch\":0,\"step\":10,\"train_loss\":1.5,\"test_top1\":61.25}\n"
                    "{\"type\":\"epoch\",\"epoch\":1,\"step\":20,\"train_loss\":1.1,\"test_top1\":58.5}\n");
        const QString ewgs = makeRun(
            root, QStringLiteral("apot_ewgs"), "method = apot\nbackward = ewgs\nwbits = 2\nabits = 2\n",
            "{\"type\":\"epoch\",\"epoch\":0,\"step\":10,\"train_loss\":1.7,\"test_top1\":40}\n"
            "{\"type\":\"divergence\",\"reason\":\"loss is NaN\",\"step\":14,\"epoch\":1}\n");
        const auto a = qs::summarizeRun(ste.toStdString());
        QCOMPARE(a.label, std::string("apot W2A2"));
        QCOMPARE(a.epochs, int64_t(2));
        QCOMPARE(a.steps, int64_t(20));
        QCOMPARE(a.finalTop1, 58.5);
        QCOMPARE(a.bestTop1, 61.25);
        QCOMPARE(a.finalTrainLoss, 1.1);
        QVERIFY(!a.diverged);
        const auto b = qs::summarizeRun(ewgs.toStdString());
        QCOMPARE(b.label, std::string("apot+EWGS W2A2"));
        QVERIFY(b.diverged);
        QCOMPARE(b.divergedAtStep, int64_t(14));
        QCOMPARE(b.divergenceReason, std::string("loss is NaN"));

        const auto csv =
            QString::fromStdString(qs::formatRunTable({a, b}, qs::TableFormat::Csv)).split(QLatin1Char('\n'));
        QCOMPARE(
            csv[0],
            QStringLiteral("run,method,epochs,steps,final_top1,best_top1,final_train_loss,diverged_at_step"));
        QVERIFY(csv[1].endsWith(QStringLiteral(",apot W2A2,2,20,58.50,61.25,1.1000,")));
        QVERIFY(csv[2].endsWith(QStringLiteral(",apot+EWGS W2A2,1,14,40.00,40.00,1.7000,14")));
        const auto md = QString::fromStdString(qs::formatRunTable({a, b}, qs::TableFormat::Markdown));
        QCOMPARE(md.count(QLatin1Char('\n')), 4);
        QVERIFY(md.contains(QStringLiteral("| apot W2A2 | 2 | 20 | 58.50 | 61.25 | 1.1000 |  |")));
        const auto tex = QString::fromStdString(qs::formatRunTable({a, b}, qs::TableFormat::Latex));
        QVERIFY(tex.startsWith(QStringLiteral("\\begin{tabular}")));
        // booktabs, and the label (not the directory apot_ste) names the row.
        QVERIFY(tex.contains(QStringLiteral("\\toprule")) && tex.contains(QStringLiteral("\\midrule")) &&
                tex.contains(QStringLiteral("\\bottomrule")) && !tex.contains(QStringLiteral("\\hline")));
        QVERIFY(tex.contains(QStringLiteral("\napot W2A2 & 2 & 20 & 58.50")));
        QVERIFY(!tex.contains(QStringLiteral("apot\\_ste")));
        QVERIFY(tex.contains(QStringLiteral("& 40.00 & 40.00 & 1.7000 & 14 \\\\")));
    }

    void aDirectoryWithoutARunIsRejected()
    {
        QTemporaryDir root;
        try {
            qs::summarizeRun(root.path().toStdString());
            QFAIL("expected an error");
        } catch (const std::runtime_error &e) {
            QVERIFY(std::string(e.what()).find(root.path().toStdString()) == 0);
        }
    }
};

QTEST_APPLESS_MAIN(TestRunReader)
#include "tst_runreader.moc"
