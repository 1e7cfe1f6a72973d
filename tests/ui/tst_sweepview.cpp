// The Runs tab's sweep table (SweepPanel over SweepFollower): a sweep directory written here (sweep.json as
// text, run directories from the run fixtures) in every state; each run's state and numbers, the grouping by
// grid keys with mean ± sample std computed here from the fixture's formulas, live refresh as a metrics file
// grows and a pending run starts, the dashboard following the selected rows, damaged files, settings.

#include "sweepfixtures.h"
#include "ui/views/rundashboard.h"
#include "ui/views/runsview.h"
#include "ui/views/sweeppanel.h"

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QSysInfo>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using qs::test::RunFixture;
using qs::test::SweepFixture;
using Kind = qs::test::SweepFixture::Kind;
using namespace qs::ui;

namespace {

// "mean ± std" as the table writes it, from the values themselves: sample standard deviation, divisor n - 1.
QString meanStdText(const QList<double> &values)
{
    double sum = 0;
    for (double v : values)
        sum += v;
    const double mean = sum / values.size();
    if (values.size() == 1)
        return QString::number(mean, 'f', 2);
    double squares = 0;
    for (double v : values)
        squares += (v - mean) * (v - mean);
    const double sd = std::sqrt(squares / (values.size() - 1));
    return QString::number(mean, 'f', 2) + QStringLiteral(" \u00b1 ") + QString::number(sd, 'f', 2);
}

double finalTop1(int i)
{
    const RunFixture f = SweepFixture::run(i);
    switch (SweepFixture::kindOf(i)) {
    case Kind::Running:
        return f.testTop1(1);
    case Kind::Stopped:
        return f.testTop1(0);
    default:
        return f.testTop1(f.epochs - 1);
    }
}

double bestTop1(int i)
{
    const RunFixture f = SweepFixture::run(i);
    const int epochs = SweepFixture::kindOf(i) == Kind::Running   ? 2
                       : SweepFixture::kindOf(i) == Kind::Stopped ? 1
                                                                  : 3;
    double best = 0;
    for (int e = 0; e < epochs; ++e)
        best = std::max(best, f.testTop1(e));
    return best;
}

int column(const QTableWidget *table, const QString &header)
{
    for (int c = 0; c < table->columnCount(); ++c)
        if (table->horizontalHeaderItem(c) && table->horizontalHeaderItem(c)->text() == header)
            return c;
    return -1;
}

QString cell(const QTableWidget *table, int row, const QString &header)
{
    const int c = column(table, header);
    return c >= 0 && table->item(row, c) ? table->item(row, c)->text()
                                         : QStringLiteral("<no %1>").arg(header);
}

} // namespace

class TestSweepView final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                           m_dir.filePath(QStringLiteral("settings")));
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScope"));
        QCoreApplication::setApplicationName(QStringLiteral("QuantScopeSweepViewTest"));
    }

    // Grouped by every key: one row per run, its state, epochs of those configured, latest and best top-1.
    void everyRunsStateAndNumbers()
    {
        const QString root = SweepFixture::write(m_dir.filePath(QStringLiteral("s1")));
        SweepPanel panel;
        QString error;
        QVERIFY2(panel.openSweep(root, &error), qPrintable(error));
        QCOMPARE(panel.axisKeys(),
                 (QStringList{QStringLiteral("method"), QStringLiteral("wbits"), QStringLiteral("seed")}));
        panel.setGroupKeys(panel.axisKeys());
        QTableWidget *table = panel.table();
        QCOMPARE(table->rowCount(), SweepFixture::runCount());
        QCOMPARE(column(table, QStringLiteral("Runs")), -1); // nothing aggregated
        for (int i = 0; i < SweepFixture::runCount(); ++i) {
            QCOMPARE(cell(table, i, QStringLiteral("method")), SweepFixture::methods()[i / 6]);
            QCOMPARE(cell(table, i, QStringLiteral("wbits")), SweepFixture::wbits()[(i / 3) % 2]);
            QCOMPARE(cell(table, i, QStringLiteral("seed")), SweepFixture::seeds()[i % 3]);
            const Kind kind = SweepFixture::kindOf(i);
            const QString state = kind == Kind::Finished  ? QStringLiteral("finished")
                                  : kind == Kind::Running ? QStringLiteral("running")
                                  : kind == Kind::Stopped ? QStringLiteral("stopped")
                                  : kind == Kind::Failed || kind == Kind::TaskFailed
                                      ? QStringLiteral("failed")
                                      : QStringLiteral("pending");
            QCOMPARE(cell(table, i, QStringLiteral("Status")), state);
            const QString epochs = kind == Kind::Finished || kind == Kind::Failed ? QStringLiteral("3/3")
                                   : kind == Kind::Running                        ? QStringLiteral("2/3")
                                   : kind == Kind::Stopped                        ? QStringLiteral("1/3")
                                   : kind == Kind::TaskFailed                     ? QStringLiteral("0/3")
                                                                                  : QStringLiteral("0");
            QCOMPARE(cell(table, i, QStringLiteral("Epochs")), epochs);
            const bool pending =
                kind == Kind::NoMetrics || kind == Kind::NoDirectory || kind == Kind::TaskFailed;
            QCOMPARE(cell(table, i, QStringLiteral("Latest top-1 (%)")),
                     pending ? QStringLiteral("\u2014") : QString::number(finalTop1(i), 'f', 2));
            QCOMPARE(cell(table, i, QStringLiteral("Best top-1 (%)")),
                     pending ? QStringLiteral("\u2014") : QString::number(bestTop1(i), 'f', 2));
        }
        auto *summary = panel.findChild<QLabel *>(QStringLiteral("sweepSummary"));
        QCOMPARE(summary->text(),
                 QStringLiteral("Sweep of 12 runs: 4 finished, 1 running, 1 stopped, 2 failed, 4 pending"));
        // Why a run failed, and which task runs one, is in its row's tooltip (sweepRunStatus's line).
        QVERIFY2(table->item(9, 0)->toolTip().contains(QString::fromLatin1(SweepFixture::kTaskError)),
                 qPrintable(table->item(9, 0)->toolTip()));
        QVERIFY2(table->item(6, 0)->toolTip().contains(QStringLiteral("loss is NaN")),
                 qPrintable(table->item(6, 0)->toolTip()));
        QVERIFY2(table->item(4, 0)->toolTip().contains(
                     QStringLiteral("running on %1").arg(QSysInfo::machineHostName())),
                 qPrintable(table->item(4, 0)->toolTip()));
    }

    // By default every key but seed makes a row: the three seeds are one row, with mean ± std over the runs
    // that have an epoch; unchecking a key aggregates over it too.
    void groupedByEveryKeyButSeed()
    {
        const QString root = SweepFixture::write(m_dir.filePath(QStringLiteral("s2")));
        SweepPanel panel;
        QVERIFY(panel.openSweep(root));
        QCOMPARE(panel.groupKeys(), (QStringList{QStringLiteral("method"), QStringLiteral("wbits")}));
        auto *seedBox = panel.findChild<QCheckBox *>(QStringLiteral("sweepGroup_seed"));
        auto *wbitsBox = panel.findChild<QCheckBox *>(QStringLiteral("sweepGroup_wbits"));
        QVERIFY(seedBox && wbitsBox && !seedBox->isChecked() && wbitsBox->isChecked());
        QTableWidget *table = panel.table();
        QCOMPARE(table->rowCount(), 4);
        QCOMPARE(column(table, QStringLiteral("seed")), -1);
        const struct
        {
            QString method, wbits, status, epochs;
            QList<int> withEpochs; // the runs the top-1 columns average
        } expected[] = {
            {QStringLiteral("apot"),
             QStringLiteral("2"),
             QStringLiteral("3 finished"),
             QStringLiteral("9/9"),
             {0, 1, 2}},
            {QStringLiteral("apot"),
             QStringLiteral("4"),
             QStringLiteral("1 running, 1 finished, 1 pending"),
             QStringLiteral("5/6"),
             {3, 4}},
            {QStringLiteral("dsq"),
             QStringLiteral("2"),
             QStringLiteral("1 stopped, 1 failed, 1 pending"),
             QStringLiteral("4/6"),
             {6, 7}},
            {QStringLiteral("dsq"),
             QStringLiteral("4"),
             QStringLiteral("1 failed, 2 pending"),
             QStringLiteral("0/3"),
             {}},
        };
        for (int r = 0; r < 4; ++r) {
            const auto &e = expected[r];
            QCOMPARE(cell(table, r, QStringLiteral("method")), e.method);
            QCOMPARE(cell(table, r, QStringLiteral("wbits")), e.wbits);
            QCOMPARE(cell(table, r, QStringLiteral("Runs")), QStringLiteral("3"));
            QCOMPARE(cell(table, r, QStringLiteral("Status")), e.status);
            QCOMPARE(cell(table, r, QStringLiteral("Epochs")), e.epochs);
            QList<double> latest, best;
            for (int i : e.withEpochs) {
                latest << finalTop1(i);
                best << bestTop1(i);
            }
            QCOMPARE(cell(table, r, QStringLiteral("Latest top-1 (%)")),
                     latest.isEmpty() ? QStringLiteral("\u2014") : meanStdText(latest));
            QCOMPARE(cell(table, r, QStringLiteral("Best top-1 (%)")),
                     best.isEmpty() ? QStringLiteral("\u2014") : meanStdText(best));
        }
        // Hand-checked once: apot W2's final top-1 is 46 + {0, 0.75, 3.0} -> mean 47.25, sample std 1.5612...
        QCOMPARE(cell(table, 0, QStringLiteral("Latest top-1 (%)")), QStringLiteral("47.25 \u00b1 1.56"));
        QVERIFY(table->item(2, column(table, QStringLiteral("Status")))->foreground().color() ==
                QColor(0xB0, 0x00, 0x20));

        wbitsBox->setChecked(false); // by method only: six runs a row
        QCOMPARE(panel.groupKeys(), QStringList{QStringLiteral("method")});
        QCOMPARE(table->rowCount(), 2);
        QCOMPARE(column(table, QStringLiteral("wbits")), -1);
        QCOMPARE(cell(table, 0, QStringLiteral("Runs")), QStringLiteral("6"));
        QCOMPARE(cell(table, 0, QStringLiteral("Latest top-1 (%)")),
                 meanStdText({finalTop1(0), finalTop1(1), finalTop1(2), finalTop1(3), finalTop1(4)}));
        panel.setGroupKeys({}); // everything in one row
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(cell(table, 0, QStringLiteral("Runs")), QStringLiteral("12"));
    }

    // A run that grows is re-read, only it; a pending run that starts becomes running, and its directory,
    // once there, joins the dashboard when its row is selected.
    void followsTheSweepLive()
    {
        const QString root = SweepFixture::write(m_dir.filePath(QStringLiteral("s3")));
        RunsView view;
        view.dashboard()->setPollInterval(1000000);
        QVERIFY(view.openSweep(root));
        SweepPanel *panel = view.sweepPanel();
        panel->setPollInterval(1000000); // only pollNow() reads: the test decides when
        panel->pollNow();
        QCOMPARE(panel->follower()->lastPollReads(), 0); // nothing changed: nothing read
        QTableWidget *table = panel->table();
        QCOMPARE(cell(table, 1, QStringLiteral("Status")),
                 QStringLiteral("1 running, 1 finished, 1 pending"));

        const QString running = QDir(root).filePath(SweepFixture::directoryOf(4));
        qs::test::appendBytes(running + QStringLiteral("/metrics.jsonl"), SweepFixture::rest(4));
        panel->pollNow();
        QCOMPARE(panel->follower()->lastPollReads(), 1);
        QCOMPARE(cell(table, 1, QStringLiteral("Epochs")), QStringLiteral("6/6"));
        // Its "done" is written; the task still holds its lock until it exits.
        QCOMPARE(cell(table, 1, QStringLiteral("Status")),
                 QStringLiteral("1 running, 1 finished, 1 pending"));
        QVERIFY(QFile::remove(running + QStringLiteral("/sweep-task.json")));
        panel->pollNow();
        QCOMPARE(panel->follower()->lastPollReads(), 0); // only the lock went: no metrics read
        QCOMPARE(cell(table, 1, QStringLiteral("Status")), QStringLiteral("2 finished, 1 pending"));
        const double top4 = SweepFixture::run(4).testTop1(2);
        QCOMPARE(cell(table, 1, QStringLiteral("Latest top-1 (%)")), meanStdText({finalTop1(3), top4}));

        // (apot, 4, seed 3) starts: its directory appears and the dashboard (every row selected) follows it.
        const QString pending = QDir(root).filePath(SweepFixture::directoryOf(5));
        QVERIFY(!view.runs().contains(pending));
        const int before = int(view.runs().size());
        SweepFixture::run(5).write(pending, SweepFixture::start() + SweepFixture::run(5).epochLines(0));
        SweepFixture::writeLock(pending);
        panel->pollNow();
        QCOMPARE(cell(table, 1, QStringLiteral("Status")), QStringLiteral("1 running, 2 finished"));
        QCOMPARE(int(view.runs().size()), before + 1);
        QVERIFY(view.runs().contains(pending));
        QCOMPARE(view.dashboard()->runLabel(int(view.runs().indexOf(pending))),
                 QStringLiteral("apot wbits=4 seed=3"));

        // The timer does the same without pollNow.
        panel->setPollInterval(20);
        qs::test::appendBytes(pending + QStringLiteral("/metrics.jsonl"), SweepFixture::run(5).epochLines(1));
        QTRY_COMPARE_WITH_TIMEOUT(cell(table, 1, QStringLiteral("Epochs")), QStringLiteral("8/9"), 3000);
    }

    // The selected rows are the runs the dashboard draws; the Compare page shows each row's mean over its
    // runs.
    void selectedRowsFeedTheDashboard()
    {
        const QString root = SweepFixture::write(m_dir.filePath(QStringLiteral("s4")));
        RunsView view;
        view.resize(1200, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.addRun(SweepFixture::run(0).write(m_dir.filePath(QStringLiteral("s4-alone")))));
        QVERIFY(view.openSweep(root));
        QVERIFY(view.sweepPanel()->isVisible());
        QVERIFY(!view.table()->isVisible());
        QStringList existing; // every run directory of the sweep that exists, in manifest order
        for (int i = 0; i < SweepFixture::runCount(); ++i)
            if (QFileInfo(QDir(root).filePath(SweepFixture::directoryOf(i))).isDir())
                existing << QDir::cleanPath(QDir(root).filePath(SweepFixture::directoryOf(i)));
        QCOMPARE(view.runs(), existing);                                 // the run opened before left
        QCOMPARE(view.dashboard()->page(), RunDashboard::Page::Compare); // a mean per row, not 8 runs
        QTableWidget *table = view.sweepPanel()->table();
        table->clearSelection();
        table->selectRow(0);
        QStringList first;
        for (int i = 0; i < 3; ++i)
            first << QDir::cleanPath(QDir(root).filePath(SweepFixture::directoryOf(i)));
        QCOMPARE(view.runs(), first);
        QCOMPARE(view.dashboard()->runLabel(1), QStringLiteral("apot wbits=2 seed=2"));
        view.dashboard()->showPage(RunDashboard::Page::Compare);
        QCOMPARE(view.figure().id, QStringLiteral("trials"));
        // The row is named by its grouped keys (not by its first run's seed), and its mean is over its runs.
        const qs::ui::SeriesSpec *mean = nullptr;
        for (const auto &panel : view.figure().panels)
            for (const auto &series : panel.series)
                if (series.id == QStringLiteral("trial-top1.0"))
                    mean = &series;
        QVERIFY(mean);
        QCOMPARE(mean->name, QStringLiteral("apot wbits=2 (3 trials)"));
        QCOMPARE(mean->points.size(), 3);
        QCOMPARE(mean->points.last().y(), (finalTop1(0) + finalTop1(1) + finalTop1(2)) / 3);
        QVERIFY2(view.figure().note.contains(QStringLiteral("differ only in seed")),
                 qPrintable(view.figure().note));
        view.sweepPanel()->setGroupKeys(view.sweepPanel()->axisKeys()); // a row per run: plain overlay
        QCOMPARE(view.figure().id, QStringLiteral("compare"));

        view.closeSweep();
        QVERIFY(view.runs().isEmpty());
        QVERIFY(view.table()->isVisible());
        QVERIFY(!view.sweepPanel()->isOpen());
    }

    // A damaged sweep.json is one line in the tab (and the status bar), never a crash, never a resize; the
    // sweep shown before stays. A damaged run file is one line under the sweep table.
    void damagedFilesAreOneLine()
    {
        const QString good = SweepFixture::write(m_dir.filePath(QStringLiteral("s5/good")));
        RunsView view;
        view.resize(900, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QSize size = view.window()->size();
        QVERIFY(view.openSweep(good));
        QSignalSpy status(&view, &RunsView::statusMessage);
        const QByteArray damaged[] = {
            "{\"schema\":\"quantscope.sweep\",\"version\":1,\"axes\":[{\"key\":\"method\"", // cut short
            "[1, 2, 3]\n",
            "{\"schema\":\"quantscope.sweep\",\"version\":1,\"axes\":[{\"key\":\"seed\",\"values\":[\"1\"]}],"
            "\"runs\":[{\"index\":0,\"directory\":\"a\",\"settings\":{}}]}\n", // a run without its seed
            QByteArray(4000, 'x') + "\n\n\n",
        };
        int k = 0;
        for (const QByteArray &bytes : damaged) {
            const QString dir = m_dir.filePath(QStringLiteral("s5/bad%1").arg(k++));
            QDir().mkpath(dir);
            QFile f(dir + QStringLiteral("/sweep.json"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
            f.close();
            QString error;
            QVERIFY(!view.openSweep(dir, &error));
            QVERIFY2(error.contains(QStringLiteral("sweep.json")) && !error.contains(QLatin1Char('\n')),
                     qPrintable(error));
            QCOMPARE(view.sweepError(), error);
            QVERIFY(view.findChild<QLabel *>(QStringLiteral("sweepError"))->isVisible());
            QCOMPARE(status.last().at(0).toString(), error);
            QCOMPARE(view.sweepPanel()->directory(), QDir::cleanPath(good)); // still the good one
            QCOMPARE(view.window()->size(), size);
        }
        QString error;
        QVERIFY(!view.openSweep(m_dir.filePath(QStringLiteral("s5/none")), &error)); // no sweep.json at all
        QVERIFY2(error.contains(QStringLiteral("sweep.json")), qPrintable(error));
        QVERIFY(view.openSweep(good));
        QVERIFY(view.sweepError().isEmpty());

        // A damaged line in one run's metrics.jsonl: the run still reads, the line is reported.
        const QString run = QDir(good).filePath(SweepFixture::directoryOf(4));
        qs::test::appendBytes(run + QStringLiteral("/metrics.jsonl"),
                              "{\"type\":\"epoch\",\"epoch\":1e308}\n");
        view.sweepPanel()->pollNow();
        auto *problem = view.sweepPanel()->findChild<QLabel *>(QStringLiteral("sweepProblem"));
        QVERIFY(problem->isVisible());
        QVERIFY2(problem->text().startsWith(run + QStringLiteral("/metrics.jsonl: line ")),
                 qPrintable(problem->text()));
        QCOMPARE(view.window()->size(), size);
    }

    void settingsReopenTheSweep()
    {
        const QString root = SweepFixture::write(m_dir.filePath(QStringLiteral("s6")));
        QSettings settings(m_dir.filePath(QStringLiteral("s6.ini")), QSettings::IniFormat);
        {
            RunsView view;
            QVERIFY(view.openSweep(root));
            view.sweepPanel()->setGroupKeys({QStringLiteral("wbits")});
            view.saveSettings(settings);
        }
        RunsView restored;
        restored.restoreSettings(settings);
        QVERIFY(restored.sweepPanel()->isOpen());
        QCOMPARE(restored.sweepPanel()->directory(), QDir::cleanPath(root));
        QCOMPARE(restored.sweepPanel()->groupKeys(), QStringList{QStringLiteral("wbits")});
        QCOMPARE(restored.sweepPanel()->table()->rowCount(), 2);
        restored.closeSweep();
        restored.saveSettings(settings);
        RunsView closed;
        closed.restoreSettings(settings);
        QVERIFY(!closed.sweepPanel()->isOpen());
    }

    void labelsAreShort()
    {
        using S = std::vector<std::pair<std::string, std::string>>;
        QCOMPARE(settingsLabel(S{{"method", "apot"}, {"wbits", "2"}, {"seed", "1"}}),
                 std::string("apot wbits=2 seed=1"));
        QCOMPARE(settingsLabel(S{{"preset+init", "seed-table1-apot|fp10/best.qsckpt"}, {"lr", "1e-3"}}),
                 std::string("seed-table1-apot fp10/best.qsckpt lr=1e-3"));
        QCOMPARE(settingsLabel(S{{"a+b", "1|x"}, {"tag", ""}}), std::string("a=1 x tag="));
    }

    // Not a check: with QUANTSCOPE_SWEEP_FIXTURE=DIR, writes the fixture sweep to DIR to look at in the app
    // (`quantscope --screenshot OUT --screenshot-size 1280x720 DIR`).
    void writeFixtureToLookAt()
    {
        const QString out = qEnvironmentVariable("QUANTSCOPE_SWEEP_FIXTURE");
        if (out.isEmpty())
            QSKIP("QUANTSCOPE_SWEEP_FIXTURE not set");
        QDir(out).removeRecursively();
        SweepFixture::write(out);
        QVERIFY(QFileInfo::exists(out + QStringLiteral("/sweep.json")));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestSweepView)
#include "tst_sweepview.moc"
