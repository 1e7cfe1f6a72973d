// A run's metrics.jsonl as plot-ready series: every record type, a file being appended to (half-written
// last line included), the divergence event, and the smoothed loss checked by hand.

#include "core/runs/runhistory.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

namespace {

void append(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::Append));
    QCOMPARE(f.write(bytes), bytes.size());
}

qs::RunHistory historyOf(const std::vector<std::string> &lines)
{
    qs::RunHistory h;
    for (const auto &line : lines)
        h.append(qs::parseMetricsLine(line));
    return h;
}

const char *kLayers =
    R"({"type":"layers","epoch":0,"step":10,"layers":[)"
    R"({"name":"layer1.0.conv1","alpha_w":2.5,"alpha_a":7.5,"delta_w":0.08,"delta_a":0.07,"mse":0.6,"sqnr_db":2.2,"levels":[-2.5,0,2.5],"counts":[127,2021,156]},)"
    R"({"name":"layer1.0.conv2","alpha_w":2.9,"alpha_a":7.9,"delta_w":0.1,"delta_a":0.05,"mse":0.63,"sqnr_db":1.9,"levels":[-2.9,0,2.9],"counts":[145,1999,160]}]})";

} // namespace

class TestRunHistory : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void stepAndEpochRecordsBecomeSeries()
    {
        const auto h = historyOf({
            R"({"type":"start","step":0,"epoch":0,"threads":2})",
            R"({"type":"step","step":1,"epoch":0,"loss":2.5,"lr":0.04,"grad_norm":5.5})",
            R"({"type":"step","step":2,"epoch":0,"loss":2.25,"lr":0.04,"grad_norm":5.0})",
            R"({"type":"epoch","epoch":0,"step":2,"train_loss":2.4,"train_top1":30.5,"test_loss":2.1,"test_top1":41.25,"test_top5":90,"best_top1":41.25,"seconds":3.5,"lr":0.04})",
            R"({"type":"step","step":3,"epoch":1,"loss":"NaN","lr":0.02,"grad_norm":"Infinity"})",
            R"({"type":"mystery","step":99})",
        });
        QCOMPARE(h.steps().size(), size_t(3));
        QCOMPARE(h.steps()[0].step, int64_t(1));
        QCOMPARE(h.steps()[1].loss, 2.25);
        QCOMPARE(h.steps()[1].lr, 0.04);
        QCOMPARE(h.steps()[0].gradNorm, 5.5);
        QCOMPARE(h.steps()[2].epoch, int64_t(1));
        QVERIFY(std::isnan(h.steps()[2].loss));
        QVERIFY(std::isinf(h.steps()[2].gradNorm));
        QCOMPARE(h.epochs().size(), size_t(1));
        const auto &e = h.epochs()[0];
        QCOMPARE(e.epoch, int64_t(0));
        QCOMPARE(e.step, int64_t(2));
        QCOMPARE(e.trainLoss, 2.4);
        QCOMPARE(e.trainTop1, 30.5);
        QCOMPARE(e.testLoss, 2.1);
        QCOMPARE(e.testTop1, 41.25);
        QCOMPARE(e.testTop5, 90.0);
        QCOMPARE(e.seconds, 3.5);
        QCOMPARE(e.lr, 0.04);
        QCOMPARE(h.lastStep(), int64_t(3)); // the unknown record is ignored, its step 99 too
        QVERIFY(!h.finished());
        QVERIFY(!h.divergence());
    }

    void layerRecordsGiveAlphaDeltaAndOccupancy()
    {
        const auto h = historyOf({
            R"({"type":"ewgs_update","epoch":0,"step":5,"layers":["layer1.0.conv1","layer1.0.conv2"],"delta_w":[0.0875,0],"delta_a":[0.079,"NaN"]})",
            kLayers,
            R"({"type":"done","step":10,"best_top1":50})",
        });
        QCOMPARE(h.layerNames(), (std::vector<std::string>{"layer1.0.conv1", "layer1.0.conv2"}));
        const auto &a = h.layer("layer1.0.conv1");
        QCOMPARE(a.size(), size_t(2));
        QCOMPARE(a[0].step, int64_t(5));
        QCOMPARE(a[0].deltaW, 0.0875);
        QCOMPARE(a[0].deltaA, 0.079);
        QVERIFY(!a[0].full);
        QCOMPARE(a[1].step, int64_t(10));
        QVERIFY(a[1].full);
        QCOMPARE(a[1].alphaW, 2.5);
        QCOMPARE(a[1].alphaA, 7.5);
        QCOMPARE(a[1].deltaW, 0.08);
        QCOMPARE(a[1].mse, 0.6);
        QCOMPARE(a[1].sqnrDb, 2.2);
        QVERIFY(std::isnan(h.layer("layer1.0.conv2")[0].deltaA));
        QVERIFY(h.layer("no.such.layer").empty());
        const auto &occ = h.occupancy().at("layer1.0.conv2");
        QCOMPARE(occ.step, int64_t(10));
        QCOMPARE(occ.levels, (std::vector<double>{-2.9, 0, 2.9}));
        QCOMPARE(occ.counts, (std::vector<double>{145, 1999, 160}));
        QVERIFY(h.finished());
    }

    void sameStepUpdateAndLayerRecordMerge()
    {
        const auto h = historyOf({
            R"({"type":"ewgs_update","epoch":0,"step":10,"layers":["layer1.0.conv1"],"delta_w":[0.5],"delta_a":[0.25]})",
            kLayers,
        });
        QCOMPARE(h.layer("layer1.0.conv1").size(), size_t(1));
        QVERIFY(h.layer("layer1.0.conv1")[0].full);
        QCOMPARE(h.layer("layer1.0.conv1")[0].alphaW, 2.5);
        QCOMPARE(h.layer("layer1.0.conv1")[0].deltaW, 0.08); // the later record's value
    }

    void divergenceNamesLayerAndValues_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("layer");
        QTest::addColumn<QString>("valueKey");
        QTest::addColumn<double>("value");
        QTest::newRow("loss")
            << QStringLiteral(
                   R"({"loss":"NaN","layer":"layer3.2.conv2","type":"divergence","reason":"loss is NaN","epoch":2,"step":812,"layers":[]})")
            << QStringLiteral("layer3.2.conv2") << QStringLiteral("loss") << qQNaN();
        QTest::newRow("delta, layer from the reason")
            << QStringLiteral(
                   R"({"detail":"x","type":"divergence","reason":"EWGS delta exploded: layer2.0.conv1 weight delta = 320000","epoch":1,"step":300,"delta":320000})")
            << QStringLiteral("layer2.0.conv1") << QStringLiteral("delta") << 320000.0;
    }

    void divergenceNamesLayerAndValues()
    {
        QFETCH(QString, line);
        QFETCH(QString, layer);
        QFETCH(QString, valueKey);
        QFETCH(double, value);
        const auto h = historyOf({kLayers, line.toStdString()});
        QVERIFY(h.divergence());
        const auto &d = *h.divergence();
        QCOMPARE(QString::fromStdString(d.layer), layer);
        QVERIFY(d.step == 812 || d.step == 300);
        QCOMPARE(d.epoch, d.step == 812 ? int64_t(2) : int64_t(1));
        QVERIFY(!d.reason.empty());
        QVERIFY(d.values.count(valueKey.toStdString()));
        const double got = d.values.at(valueKey.toStdString());
        QVERIFY(std::isnan(value) ? std::isnan(got) : got == value);
        QVERIFY(!d.values.count("step")); // step and epoch are the event's own fields
        QVERIFY(h.finished());
        QCOMPARE(h.lastStep(), d.step);
    }

    void divergenceLayersUpdateOccupancy()
    {
        const auto h = historyOf(
            {kLayers,
             R"({"type":"divergence","reason":"loss is Infinity","epoch":1,"step":17,"loss":"Infinity","layer":"layer1.0.conv1",)"
             R"("layers":[{"name":"layer1.0.conv1","alpha_w":3.5,"alpha_a":7,"delta_w":40,"delta_a":1,"mse":0.5,"sqnr_db":3,"levels":[-3.5,0,3.5],"counts":[1,2300,3]}]})"});
        QCOMPARE(h.occupancy().at("layer1.0.conv1").step, int64_t(17));
        QCOMPARE(h.occupancy().at("layer1.0.conv1").counts[1], 2300.0);
        QCOMPARE(h.layer("layer1.0.conv1").back().deltaW, 40.0);
        QCOMPARE(h.layer("layer1.0.conv1").back().alphaW, 3.5);
        QVERIFY(std::isinf(h.divergence()->values.at("loss")));
    }

    void resumeReplacesTheRepeatedSteps()
    {
        const auto h = historyOf({
            R"({"type":"step","step":1,"epoch":0,"loss":2})",
            R"({"type":"step","step":2,"epoch":0,"loss":2})",
            R"({"type":"epoch","epoch":0,"step":2,"test_top1":10})",
            R"({"type":"step","step":3,"epoch":1,"loss":2})",
            R"({"type":"stop","reason":"stopped","step":3})",
            R"({"type":"resume","step":2,"epoch":1})",
            R"({"type":"step","step":3,"epoch":1,"loss":1.5})",
        });
        QCOMPARE(h.steps().size(), size_t(3));
        QCOMPARE(h.steps().back().loss, 1.5);
        QCOMPARE(h.epochs().size(), size_t(1));
        QVERIFY(!h.finished());
    }

    void aStopIsResumableNotFinished()
    {
        // Pause and Stop write a "stop" record: the dashboard says "paused or stopped", not "finished".
        auto h = historyOf({
            R"({"type":"step","step":1,"epoch":0,"loss":2})",
            R"({"type":"stop","reason":"stopped","step":1})",
        });
        QVERIFY(h.finished());
        QCOMPARE(h.stopReason(), std::string("stopped"));
        h.append(qs::parseMetricsLine(R"({"type":"resume","step":1,"epoch":0})"));
        QVERIFY(h.stopReason().empty());
        h.append(qs::parseMetricsLine(R"({"type":"stop","reason":"max_steps","step":2})"));
        QCOMPARE(h.stopReason(), std::string("max_steps"));
        h.append(qs::parseMetricsLine(R"({"type":"resume","step":2,"epoch":0})"));
        h.append(qs::parseMetricsLine(R"({"type":"done","step":3,"best_top1":50,"final_top1":50})"));
        QVERIFY(h.finished());
        QVERIFY(h.stopReason().empty());
    }

    void smoothedLossByHand()
    {
        // beta 0.5 on 4, 2, NaN, 8: m1 = 2 -> 2/0.5 = 4; m2 = 1 + 1 = 2 -> 2/0.75 = 8/3; NaN passes through;
        // m3 = 1 + 4 = 5 -> 5/0.875 = 40/7.
        const auto h = historyOf({
            R"({"type":"step","step":1,"loss":4})",
            R"({"type":"step","step":2,"loss":2})",
            R"({"type":"step","step":3,"loss":"NaN"})",
            R"({"type":"step","step":4,"loss":8})",
        });
        const auto s = h.smoothedLoss(0.5);
        QCOMPARE(s.size(), size_t(4));
        QS_COMPARE_NEAR(s[0], 4.0, 1e-12);
        QS_COMPARE_NEAR(s[1], 8.0 / 3.0, 1e-12);
        QVERIFY(std::isnan(s[2]));
        QS_COMPARE_NEAR(s[3], 40.0 / 7.0, 1e-12);
        const auto raw = h.smoothedLoss(0.0); // no smoothing: the raw values
        QCOMPARE(raw[1], 2.0);
        QCOMPARE(raw[3], 8.0);
    }

    void followsARunDirectoryBeingAppendedTo()
    {
        QTemporaryDir root;
        const QString dir = root.filePath(QStringLiteral("run"));
        QVERIFY(QDir().mkpath(dir));
        QFile config(dir + QStringLiteral("/config.ini"));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("method = apot\nbackward = ewgs\nwbits = 2\nabits = 2\n");
        config.close();
        const QString path = dir + QStringLiteral("/metrics.jsonl");

        qs::RunHistory history(dir.toStdString());
        QCOMPARE(history.label(), std::string("apot+EWGS W2A2"));
        qs::MetricsFollower follower(dir.toStdString());
        history.append(follower.poll()); // no file yet
        QVERIFY(history.steps().empty());

        append(path, "{\"type\":\"start\",\"step\":0,\"epoch\":0}\n{\"type\":\"step\",\"step\":1,\"epoch\":0,"
                     "\"loss\":2.5,\"lr\":0.1}\n{\"type\":\"step\",\"step\":2,\"ep");
        history.append(follower.poll());
        QCOMPARE(history.steps().size(), size_t(1));
        const int64_t before = history.recordCount();
        history.append(follower.poll()); // still half-written: nothing new
        QCOMPARE(history.recordCount(), before);

        append(path,
               "och\":0,\"loss\":2.0,\"lr\":0.1}\n{\"type\":\"epoch\",\"epoch\":0,\"step\":2,\"test_top1\":"
               "55.5,\"train_top1\":50}\n");
        history.append(follower.poll());
        QCOMPARE(history.steps().size(), size_t(2));
        QCOMPARE(history.steps()[1].loss, 2.0);
        QCOMPARE(history.epochs().size(), size_t(1));
        QCOMPARE(history.epochs()[0].testTop1, 55.5);
        QCOMPARE(history.lastStep(), int64_t(2));

        const auto loaded = qs::loadRunHistory(dir.toStdString()); // the same from a fresh read
        QCOMPARE(loaded.steps().size(), size_t(2));
        QCOMPARE(loaded.epochs()[0].testTop1, 55.5);
        QCOMPARE(loaded.label(), history.label());
    }

    void loadingADirectoryWithoutMetricsFails()
    {
        QTemporaryDir root;
        try {
            qs::loadRunHistory(root.path().toStdString());
            QFAIL("expected std::runtime_error");
        } catch (const std::runtime_error &e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(root.path()));
            QVERIFY(!QString::fromUtf8(e.what()).contains(QLatin1Char('\n')));
        }
    }
};

QTEST_GUILESS_MAIN(TestRunHistory)
#include "tst_runhistory.moc"
