// The run dashboard's live tail: a run of this process is drawn from its training worker's samples before
// metrics.jsonl has them, redraws stay one per poll, the file's copy of a step replaces the worker's (each
// step is drawn once), a tail that would leave a gap waits for the file, and a real run drawn from memory
// matches the same run read from its file.

#include "core/runs/runhistory.h"
#include "runfixtures.h"
#include "trainfixtures.h"
#include "ui/plotting/animationplayer.h"
#include "ui/plotting/figurewidget.h"
#include "ui/training/trainworker.h"
#include "ui/views/rundashboard.h"
#include "ui/views/train/liverunfeed.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <vector>

using namespace qs;
using namespace qs::ui;

namespace {

constexpr int kTimeoutMs = 120000;

StepSample point(int64_t step)
{
    return {step, 0, 2.0 / static_cast<double>(step), 0.1, 1.0};
}

std::vector<StepSample> points(int64_t from, int64_t to)
{
    std::vector<StepSample> out;
    for (int64_t s = from; s <= to; ++s)
        out.push_back(point(s));
    return out;
}

QString stepLine(int64_t step)
{
    const StepSample p = point(step);
    return QStringLiteral(
               "{\"type\":\"step\",\"step\":%1,\"epoch\":0,\"loss\":%2,\"lr\":%3,\"grad_norm\":%4}\n")
        .arg(step)
        .arg(p.loss, 0, 'g', 17)
        .arg(p.lr)
        .arg(p.gradNorm);
}

void appendToMetrics(const QString &dir, const QString &lines)
{
    QFile file(QDir(dir).filePath(QStringLiteral("metrics.jsonl")));
    QVERIFY(file.open(QIODevice::Append));
    file.write(lines.toUtf8());
}

QList<qint64> drawnSteps(const RunDashboard &dashboard)
{
    QList<qint64> steps;
    for (const auto &p : dashboard.drawnHistories().front()->steps())
        steps << p.step;
    return steps;
}

QList<qint64> range(qint64 from, qint64 to)
{
    QList<qint64> out;
    for (qint64 s = from; s <= to; ++s)
        out << s;
    return out;
}

// The most points of a series on the loss panel of the dashboard's current figure.
qsizetype lossPoints(const RunDashboard &dashboard)
{
    qsizetype most = 0;
    const FigureSpec &figure = dashboard.figure();
    if (figure.panels.isEmpty())
        return 0;
    for (const auto &series : figure.panels.front().series)
        most = std::max(most, series.points.size());
    return most;
}

bool near(double a, double b)
{
    return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

} // namespace

class TestRunDashboard final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void playGrowsTheDeltaCurvesThenRestoresThem()
    {
        // The EWGS page's Play: the delta curves grow frame by frame from the first step to the last, and the
        // page shows the whole run again when the animation ends.
        const QString dir = m_dir.filePath(QStringLiteral("play"));
        qs::test::RunFixture fixture;
        fixture.write(dir);
        RunDashboard dashboard;
        dashboard.resize(900, 700);
        dashboard.show();
        QVERIFY(dashboard.addRun(dir));
        dashboard.pollNow();
        dashboard.showPage(RunDashboard::Page::Ewgs);
        FigureWidget *figure = dashboard.figureWidget(RunDashboard::Page::Ewgs);
        auto points = [figure] {
            qsizetype n = 0;
            for (const PanelSpec &panel : figure->figure().panels)
                for (const SeriesSpec &series : panel.series)
                    n += series.points.size();
            return n;
        };
        const qsizetype whole = points();
        QVERIFY(whole > 0);
        QList<qsizetype> shown;
        connect(dashboard.player(), &AnimationPlayer::frameShown, this, [&] { shown << points(); });
        QSignalSpy finished(dashboard.player(), &AnimationPlayer::finished);
        dashboard.player()->setFrameMs(kMinFrameMs);
        dashboard.player()->play();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        QVERIFY(shown.size() >= 2);
        QVERIFY2(shown.front() < whole, "the first frame shows only the start of the run");
        for (int k = 1; k < shown.size(); ++k)
            QVERIFY(shown[k] >= shown[k - 1]); // growing
        QCOMPARE(shown.back(), whole);
        QCOMPARE(points(), whole); // restored
    }

    void workerSamplesAppearWithoutTheFile()
    {
        const QString dir = m_dir.filePath(QStringLiteral("memory"));
        QVERIFY(QDir().mkpath(dir)); // no metrics.jsonl: whatever is drawn came from memory
        RunDashboard dashboard;
        QVERIFY(dashboard.addRun(dir));
        QSignalSpy updated(&dashboard, &RunDashboard::updated);
        dashboard.addLiveSteps(dir, 0, points(1, 3));
        QTRY_COMPARE_WITH_TIMEOUT(drawnSteps(dashboard), range(1, 3), kTimeoutMs); // at the next poll
        QVERIFY(dashboard.histories().front()->steps().empty());
        QCOMPARE(lossPoints(dashboard), qsizetype(3));
        dashboard.addLiveEpoch(dir, EpochSample{0, 3, 1.5, 50, 1.4, 55, 90, 55, 2.0, 0.1});
        QTRY_COMPARE_WITH_TIMEOUT(dashboard.drawnHistories().front()->epochs().size(), size_t(1), kTimeoutMs);
        QVERIFY(updated.count() >= 2);
    }

    void redrawsStayOnePerPoll()
    {
        const QString dir = m_dir.filePath(QStringLiteral("coalesced"));
        QVERIFY(QDir().mkpath(dir));
        RunDashboard dashboard;
        dashboard.setPollInterval(3600000); // no tick during the test: only pollNow() draws
        QVERIFY(dashboard.addRun(dir));
        QSignalSpy updated(&dashboard, &RunDashboard::updated);
        for (int64_t s = 1; s <= 10; ++s)
            dashboard.addLiveSteps(dir, s - 1, {point(s)});
        QCoreApplication::processEvents();
        QCOMPARE(updated.count(), 0);
        QCOMPARE(drawnSteps(dashboard), QList<qint64>());
        dashboard.pollNow();
        QCOMPARE(updated.count(), 1);
        QCOMPARE(drawnSteps(dashboard), range(1, 10));
        dashboard.pollNow(); // nothing new: no redraw
        QCOMPARE(updated.count(), 1);
    }

    void theFileCatchingUpDrawsEachStepOnce()
    {
        const QString dir = m_dir.filePath(QStringLiteral("catch-up"));
        QVERIFY(QDir().mkpath(dir));
        RunDashboard dashboard;
        dashboard.setPollInterval(3600000);
        QVERIFY(dashboard.addRun(dir));
        dashboard.addLiveSteps(dir, 0, points(1, 3));
        dashboard.pollNow();
        QCOMPARE(drawnSteps(dashboard), range(1, 3));

        // The file now has steps 1..5; the worker has sent 4..6.
        QString lines = QStringLiteral("{\"type\":\"start\",\"step\":0,\"epoch\":0}\n");
        for (int s = 1; s <= 5; ++s)
            lines += stepLine(s);
        appendToMetrics(dir, lines);
        dashboard.addLiveSteps(dir, 3, points(4, 6));
        dashboard.pollNow();
        QCOMPARE(dashboard.histories().front()->steps().size(), size_t(5));
        QCOMPARE(drawnSteps(dashboard), range(1, 6));

        // The file catches up and passes the worker: the file's points only.
        appendToMetrics(dir, stepLine(6) + stepLine(7));
        dashboard.pollNow();
        QCOMPARE(drawnSteps(dashboard), range(1, 7));
        QCOMPARE(dashboard.drawnHistories().front(), dashboard.histories().front().get());
        // A late worker batch the file already has changes nothing.
        dashboard.addLiveSteps(dir, 6, points(7, 7));
        dashboard.pollNow();
        QCOMPARE(drawnSteps(dashboard), range(1, 7));
        QCOMPARE(lossPoints(dashboard), qsizetype(7));
    }

    void aResumedRunWaitsForTheFileInsteadOfLeavingAGap()
    {
        // The file holds a first session to step 10; the run resumes from the checkpoint at step 6, so the
        // worker's steps 7.. repeat steps the file still shows from the first session.
        const QString dir = m_dir.filePath(QStringLiteral("resumed"));
        QVERIFY(QDir().mkpath(dir));
        QString lines = QStringLiteral("{\"type\":\"start\",\"step\":0,\"epoch\":0}\n");
        for (int s = 1; s <= 10; ++s)
            lines += stepLine(s);
        appendToMetrics(dir, lines);
        RunDashboard dashboard;
        dashboard.setPollInterval(3600000);
        QVERIFY(dashboard.addRun(dir));
        dashboard.addLiveSteps(dir, 6, points(7, 12));
        dashboard.pollNow();
        // Until the resume record is read, the worker's 11 and 12 continue what the file shows.
        QCOMPARE(drawnSteps(dashboard), range(1, 12));

        // The resume record drops the first session's 7..10; the file has the new 7 and 8 so far.
        appendToMetrics(dir, QStringLiteral("{\"type\":\"resume\",\"step\":6,\"epoch\":0}\n") + stepLine(7) +
                                 stepLine(8));
        dashboard.pollNow();
        QCOMPARE(drawnSteps(dashboard), range(1, 8)); // not 1..8, 11, 12: the tail waits for 9 and 10
        appendToMetrics(dir, stepLine(9) + stepLine(10));
        dashboard.pollNow();
        QCOMPARE(drawnSteps(dashboard), range(1, 12));
    }

    void aLiveRunIsDrawnOnceAndMatchesItsFile()
    {
        // A real run fed to the dashboard by LiveRunFeed while the dashboard follows its directory.
        const QString runDir = m_dir.filePath(QStringLiteral("worker-run"));
        QVERIFY(QDir().mkpath(runDir));
        TrainWorker worker;
        RunDashboard dashboard;
        dashboard.setPollInterval(3600000); // the file is read only by the pollNow() below
        QVERIFY(dashboard.addRun(runDir));
        LiveRunFeed feed(&worker, &dashboard);
        QList<StepSample> samples;
        QList<EpochSample> epochs;
        connect(&worker, &TrainWorker::steps, this,
                [&](const QList<StepSample> &batch) { samples << batch; });
        connect(&worker, &TrainWorker::epochFinished, this, [&](const EpochSample &e) { epochs << e; });
        QSignalSpy finished(&worker, &TrainWorker::finished);
        QVERIFY(worker.start(qs::test::tinyTrainConfig(2), runDir));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        dashboard.pollNow();
        QCOMPARE(drawnSteps(dashboard), range(1, 8)); // 4 steps an epoch, each drawn once
        QCOMPARE(dashboard.drawnHistories().front()->epochs().size(), size_t(2));

        // The same samples drawn from memory alone equal the run read from its file.
        const QString memoryDir = m_dir.filePath(QStringLiteral("memory-only"));
        QVERIFY(QDir().mkpath(memoryDir));
        RunDashboard memory;
        memory.setPollInterval(3600000);
        QVERIFY(memory.addRun(memoryDir));
        const std::vector<StepSample> fed(samples.begin(), samples.end());
        memory.addLiveSteps(memoryDir, 0, fed);
        QCOMPARE(epochs.size(), 2);
        for (int e = 0; e < epochs.size(); ++e)
            memory.addLiveEpoch(memoryDir, epochs[e]);
        memory.pollNow();
        const RunHistory file = loadRunHistory(runDir.toStdString());
        const RunHistory &drawn = *memory.drawnHistories().front();
        QCOMPARE(drawn.steps().size(), file.steps().size());
        for (size_t i = 0; i < file.steps().size(); ++i) {
            const StepSample &a = drawn.steps()[i], &b = file.steps()[i];
            QCOMPARE(a.step, b.step);
            QCOMPARE(a.epoch, b.epoch);
            QVERIFY2(near(a.loss, b.loss) && near(a.lr, b.lr) && near(a.gradNorm, b.gradNorm),
                     qPrintable(QStringLiteral("step %1").arg(b.step)));
        }
        QCOMPARE(drawn.epochs().size(), file.epochs().size());
        for (size_t i = 0; i < file.epochs().size(); ++i) {
            const EpochSample &a = drawn.epochs()[i], &b = file.epochs()[i];
            QCOMPARE(a.epoch, b.epoch);
            QCOMPARE(a.step, b.step);
            QVERIFY(near(a.trainLoss, b.trainLoss) && near(a.trainTop1, b.trainTop1));
            QVERIFY(near(a.testLoss, b.testLoss) && near(a.testTop1, b.testTop1) &&
                    near(a.testTop5, b.testTop5));
            QVERIFY(near(a.lr, b.lr));
        }
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestRunDashboard)
#include "tst_rundashboard.moc"
