// The classroom preset (resources/presets/classroom-fashion-mnist.ini) must visibly learn within its run:
// trained as shipped through quantscope-cli, the loss of its last epoch is far below the loss of its first
// steps (about ln 10 = 2.3, chance), and test top-1 is far above chance (10%). Needs Debian's Fashion-MNIST.

#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

namespace {
const QString kFashionMnist = QStringLiteral("/usr/share/datasets/fashion-mnist");
} // namespace

class TestTeachingPreset final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void theClassroomPresetLearns()
    {
        if (!QFileInfo(kFashionMnist).isDir())
            QSKIP("Fashion-MNIST is not installed in /usr/share/datasets/fashion-mnist "
                  "(apt-get install dataset-fashion-mnist)");
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString run = tmp.filePath(QStringLiteral("run"));
        QElapsedTimer clock;
        clock.start();
        const auto r = qs::test::runQuantscopeCli({QStringLiteral("train"), QStringLiteral("--preset"),
                                                   QStringLiteral("classroom-fashion-mnist"),
                                                   QStringLiteral("--out"), run},
                                                  qs::test::Display::Inherit, 870000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        qInfo("classroom-fashion-mnist: %.1f s wall", double(clock.elapsed()) / 1000.0);

        QFile metrics(QDir(run).filePath(QStringLiteral("metrics.jsonl")));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        QList<double> stepLosses;
        QList<QJsonObject> epochs;
        for (const QByteArray &line : metrics.readAll().split('\n')) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            const QString type = o.value(QStringLiteral("type")).toString();
            if (type == QStringLiteral("step"))
                stepLosses << o.value(QStringLiteral("loss")).toDouble();
            else if (type == QStringLiteral("epoch"))
                epochs << o;
        }
        QCOMPARE(epochs.size(), 3);
        QVERIFY(stepLosses.size() >= 60);
        // The first five steps are near chance; the last epoch's mean training loss is well under half that.
        double start = 0;
        for (int i = 0; i < 5; ++i)
            start += stepLosses[i] / 5;
        const double end = epochs.back().value(QStringLiteral("train_loss")).toDouble();
        const double top1 = epochs.back().value(QStringLiteral("test_top1")).toDouble();
        qInfo("loss %.3f -> %.3f, test top-1 %.1f %% (epochs: %.1f, %.1f, %.1f)", start, end, top1,
              epochs[0].value(QStringLiteral("test_top1")).toDouble(),
              epochs[1].value(QStringLiteral("test_top1")).toDouble(),
              epochs[2].value(QStringLiteral("test_top1")).toDouble());
        QVERIFY2(start > 2.0, qPrintable(QStringLiteral("first steps' loss %1").arg(start)));
        QVERIFY2(end < 0.5 * start, qPrintable(QStringLiteral("loss %1 -> %2").arg(start).arg(end)));
        QVERIFY2(top1 > 50.0, qPrintable(QStringLiteral("test top-1 %1 %").arg(top1)));
        // The class sees it climb: the last epoch beats the first.
        QVERIFY(top1 > epochs.front().value(QStringLiteral("test_top1")).toDouble());
    }
};

// Under a minute on two idle cores, but ctest may share them with a build: QtTest's 5-minute watchdog is too
// short for that, ctest's own timeout (900 s) is the limit.
int main(int argc, char **argv)
{
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "880000");
    QCoreApplication app(argc, argv);
    TestTeachingPreset test;
    return QTest::qExec(&test, argc, argv);
}
#include "tst_teachingpreset.moc"
