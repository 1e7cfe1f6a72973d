// Following a growing metrics.jsonl (half-written last line included) and the run comparison table.

#include "core/runs/runreader.h"
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
} // namespace

class TestRunReader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parsesScalarsStringsNestedAndNonFinite()
    {
        const auto r = qs::parseMetricsLine(
            "{\"type\":\"divergence\",\"step\":12,\"loss\":\"NaN\",\"lr\":0.04,\"layer\":\"layer1.0.conv1\","
            "\"ok\":true,"
            "\"layers\":[{\"name\":\"a\",\"counts\":[1,2]}],\"note\":\"a \\\"quoted\\\" word\"}");
        QCOMPARE(r.type, std::string("divergence"));
        QCOMPARE(r.number("step", -1), 12.0);
        QVERIFY(std::isnan(r.number("loss", 0)));
        QCOMPARE(r.number("lr", 0), 0.04);
        QCOMPARE(r.number("ok", 0), 1.0);
        QCOMPARE(r.strings.at("layer"), std::string("layer1.0.conv1"));
        QCOMPARE(r.strings.at("note"), std::string("a \"quoted\" word"));
        QCOMPARE(r.nested.at("layers"), std::string("[{\"name\":\"a\",\"counts\":[1,2]}]"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::parseMetricsLine("{\"step\": 1"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::parseMetricsLine("[1, 2]"));
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
        QCOMPARE(records[0].number("step", 0), 1.0);
        QVERIFY(follower.poll().empty()); // the half-written line is not a record yet
        append(path, "ep\":2,\"loss\":2.1}\n");
        records = follower.poll();
        QCOMPARE(records.size(), size_t(1));
        QCOMPARE(records[0].number("step", 0), 2.0);
        QCOMPARE(records[0].number("loss", 0), 2.1);
        append(path, "garbage that is not json\n{\"type\":\"epoch\",\"epoch\":0}\n");
        records = follower.poll();
        QCOMPARE(records.size(), size_t(1));
        QCOMPARE(records[0].type, std::string("epoch"));
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
        QVERIFY(tex.contains(QStringLiteral("apot\\_ste"))); // underscores escaped
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
