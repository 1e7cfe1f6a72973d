// The Runs view: runs opened from disk (fixtures written here), the summary table against the metrics, a run
// being appended to, table and figure exports offscreen, divergence reporting, settings.

#include "runfixtures.h"
#include "testsupport.h"
#include "uitestsupport.h"
#include "ui/figures/runfigures.h"
#include "ui/plotting/figureexport.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/rundashboard.h"
#include "ui/views/runsview.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QLabel>
#include <QListWidget>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using qs::test::RunFixture;
using namespace qs::ui;

class TestRunsView final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Run labels are remembered in QSettings: keep them in the test's directory.
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                           m_dir.filePath(QStringLiteral("settings")));
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScope"));
        QCoreApplication::setApplicationName(QStringLiteral("QuantScopeRunsViewTest"));
        m_a.method = QStringLiteral("apot");
        m_a.backward = QStringLiteral("ste");
        m_b.backward = QStringLiteral("ewgs");
        m_b.epochs = 4;
        m_b.topOffset = 3.25;
        m_b.diverge = true;
    }

    void twoRunsTableEqualsTheMetrics()
    {
        RunsView view;
        const QString a = m_a.write(m_dir.filePath(QStringLiteral("t1/apot")));
        const QString b = m_b.write(m_dir.filePath(QStringLiteral("t1/ewgs")));
        QVERIFY(view.addRun(a));
        QVERIFY(view.addRun(b));
        QString error;
        QVERIFY(!view.addRun(a, &error)); // already open
        QVERIFY(error.contains(QStringLiteral("already")));
        QVERIFY(!view.addRun(m_dir.filePath(QStringLiteral("nothing")), &error));
        QVERIFY(error.contains(QStringLiteral("not a directory")));
        QCOMPARE(view.runs().size(), 2);
        QCOMPARE(view.findChild<QListWidget *>(QStringLiteral("runList"))->count(), 2);

        QTableWidget *table = view.table();
        QCOMPARE(table->rowCount(), 2);
        const RunFixture *fixtures[] = {&m_a, &m_b};
        for (int row = 0; row < 2; ++row) {
            const RunFixture &f = *fixtures[row];
            auto cell = [&](int c) { return table->item(row, c)->text(); };
            QCOMPARE(cell(1).toInt(), f.epochs);
            QCOMPARE(cell(2).toInt(), f.lastStep());
            QCOMPARE(cell(3).toDouble(), f.testTop1(f.epochs - 1));
            QCOMPARE(cell(4).toDouble(), f.bestTop1());
            QCOMPARE(cell(5).toDouble(), RunFixture::trainLoss(f.epochs - 1));
            QCOMPARE(cell(6).isEmpty(), !f.diverge);
        }
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("apot W2A2"));
        QCOMPARE(table->item(1, 0)->text(), QStringLiteral("apot+EWGS W2A2"));
        QVERIFY(table->item(1, 6)->text().contains(QString::number(m_b.lastStep())));
        QVERIFY(table->item(1, 6)->text().contains(QStringLiteral("loss is NaN")));
        // The best is not the final accuracy in the fixture (epoch 2 dips), so the columns are distinct.
        QVERIFY(m_a.bestTop1() != m_a.testTop1(m_a.epochs - 1));

        // The curves page overlays both, each run in its colour.
        FigureWidget *curves = view.dashboard()->figureWidget(RunDashboard::Page::Curves);
        auto *t0 = qs::test::findSeries(curves, QStringLiteral("test-top1.0"));
        auto *t1 = qs::test::findSeries(curves, QStringLiteral("test-top1.1"));
        QVERIFY(t0 && t1);
        QCOMPARE(t0->count(), m_a.epochs);
        QCOMPARE(t1->count(), m_b.epochs);
        QCOMPARE(t1->at(3).y(), m_b.testTop1(3));

        view.removeRun(a);
        QCOMPARE(view.runs(), QStringList{QDir::cleanPath(b)});
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("apot+EWGS W2A2"));
    }

    void sameRecipeRunsAreToldApart()
    {
        RunsView view;
        QVERIFY(view.addRun(m_a.write(m_dir.filePath(QStringLiteral("t2/seed1")))));
        QVERIFY(view.addRun(m_a.write(m_dir.filePath(QStringLiteral("t2/seed2")))));
        QCOMPARE(view.table()->item(1, 0)->text(), QStringLiteral("apot W2A2 (seed2)"));
    }

    void damagedRunFilesAreReportedNotTabulated()
    {
        RunsView view;
        view.resize(900, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QSize size = view.window()->size();
        QSignalSpy status(&view, &RunsView::statusMessage);
        RunFixture f = m_a;
        const QByteArray bad = "{\"type\":\"epoch\",\"epoch\":1e308,\"step\":99,\"test_top1\":20}\n";
        const QString damaged =
            f.write(m_dir.filePath(QStringLiteral("t9/damaged")),
                    "{\"type\":\"start\",\"step\":0,\"epoch\":0}\n" + f.epochLines(0) + bad);
        const QString empty = f.write(m_dir.filePath(QStringLiteral("t9/empty")), QByteArray(""));
        QVERIFY(view.addRun(damaged));
        QVERIFY(view.addRun(empty));
        const QStringList problems = view.problems();
        QCOMPARE(problems.size(), 2);
        QVERIFY2(problems[0].startsWith(damaged + QStringLiteral("/metrics.jsonl: line ")) &&
                     problems[0].contains(QStringLiteral("\"epoch\" 1e+308 is not an integer in range")),
                 qPrintable(problems[0]));
        QCOMPARE(problems[1], empty + QStringLiteral("/metrics.jsonl: no valid record"));
        auto *label = view.findChild<QLabel *>(QStringLiteral("runProblems"));
        QVERIFY(label && label->isVisible());
        QVERIFY(label->text().startsWith(problems[0]));
        QVERIFY(label->toolTip().contains(problems[1]));
        QVERIFY(!status.isEmpty());
        // The damaged line changed nothing: one epoch; the empty run shows dashes, and exports leave it out.
        QCOMPARE(view.table()->item(0, 1)->text(), QStringLiteral("1"));
        QCOMPARE(view.table()->item(1, 1)->text(), QStringLiteral("\u2014"));
        QCOMPARE(view.tableText(qs::TableFormat::Csv).trimmed().split(QLatin1Char('\n')).size(), 2);
        QCOMPARE(view.window()->size(), size);
    }

    void aRunBeingWrittenGrowsOnPoll()
    {
        RunsView view;
        view.dashboard()->setPollInterval(1000000); // only pollNow() reads: the test decides when
        RunFixture f = m_b;
        f.diverge = false;
        QByteArray firstPart =
            "{\"type\":\"start\",\"step\":0,\"epoch\":0}\n" + f.epochLines(0) + f.epochLines(1);
        const QByteArray third = f.epochLines(2);
        const int cut = int(third.indexOf("\"type\":\"epoch\"")) + 20; // inside the third epoch's record
        const QString dir = f.write(m_dir.filePath(QStringLiteral("t3/live")), firstPart + third.left(cut));
        QVERIFY(view.addRun(dir));
        QCOMPARE(view.table()->item(0, 1)->text(), QStringLiteral("2"));
        FigureWidget *curves = view.dashboard()->figureWidget(RunDashboard::Page::Curves);
        QCOMPARE(qs::test::findSeries(curves, QStringLiteral("test-top1.0"))->count(), 2);

        QSignalSpy updated(view.dashboard(), &RunDashboard::updated);
        view.dashboard()->pollNow(); // nothing new: the half-written line waits
        QCOMPARE(updated.count(), 0);
        qs::test::appendBytes(dir + QStringLiteral("/metrics.jsonl"), third.mid(cut));
        view.dashboard()->pollNow();
        QCOMPARE(updated.count(), 1);
        QCOMPARE(view.table()->item(0, 1)->text(), QStringLiteral("3"));
        QCOMPARE(view.table()->item(0, 3)->text().toDouble(), f.testTop1(2));
        curves = view.dashboard()->figureWidget(RunDashboard::Page::Curves);
        auto *test = qs::test::findSeries(curves, QStringLiteral("test-top1.0"));
        QCOMPARE(test->count(), 3);
        QCOMPARE(test->at(2), QPointF(3, f.testTop1(2)));
    }

    void hiddenPagesWaitUntilShown()
    {
        RunsView view;
        view.resize(1200, 800);
        view.show();
        view.dashboard()->setPollInterval(1000000);
        RunFixture f = m_b;
        f.diverge = false;
        const QString dir = f.write(m_dir.filePath(QStringLiteral("t9/run")),
                                    "{\"type\":\"start\",\"step\":0,\"epoch\":0}\n" + f.epochLines(0));
        QVERIFY(view.addRun(dir));
        view.dashboard()->showPage(RunDashboard::Page::Curves);
        // The widgets themselves (figureWidget() would bring a page up to date on access).
        auto *curves = view.dashboard()->findChild<FigureWidget *>(QStringLiteral("dashboardFigure0"));
        auto *alpha = view.dashboard()->findChild<FigureWidget *>(QStringLiteral("dashboardFigure2"));
        QVERIFY(curves && alpha);
        const auto alphaBefore = alpha->figure().panels.size();
        qs::test::appendBytes(dir + QStringLiteral("/metrics.jsonl"), f.epochLines(1));
        view.dashboard()->pollNow();
        QCOMPARE(qs::test::findSeries(curves, QStringLiteral("test-top1.0"))->count(), 2); // shown: redrawn
        QCOMPARE(alpha->figure().panels.size(), alphaBefore); // hidden: not drawn
        view.dashboard()->showPage(RunDashboard::Page::Alpha);
        QVERIFY(!alpha->figure().panels.isEmpty());
        QCOMPARE(qs::test::findSeries(alpha, QStringLiteral("alpha-w.0.layer1.0.conv1"))->count(), 2);
    }

    void timerFollowsWithoutPollNow()
    {
        RunsView view;
        view.dashboard()->setPollInterval(20);
        RunFixture f = m_a;
        const QString dir = f.write(m_dir.filePath(QStringLiteral("t4/timer")),
                                    "{\"type\":\"start\",\"step\":0,\"epoch\":0}\n" + f.epochLines(0));
        QVERIFY(view.addRun(dir));
        qs::test::appendBytes(dir + QStringLiteral("/metrics.jsonl"), f.epochLines(1));
        QTRY_COMPARE_WITH_TIMEOUT(view.table()->item(0, 1)->text(), QStringLiteral("2"), 3000);
    }

    void divergenceIsReportedOnce()
    {
        RunsView view;
        view.dashboard()->setPollInterval(1000000);
        RunFixture f = m_b;
        QByteArray head = f.metrics();
        const QByteArray end = f.endLines();
        head.chop(end.size());
        const QString dir = f.write(m_dir.filePath(QStringLiteral("t5/div")), head);
        QSignalSpy seen(view.dashboard(), &RunDashboard::divergenceSeen);
        QSignalSpy status(&view, &RunsView::statusMessage);
        QVERIFY(view.addRun(dir));
        QCOMPARE(seen.count(), 0);
        qs::test::appendBytes(dir + QStringLiteral("/metrics.jsonl"), end);
        view.dashboard()->pollNow();
        view.dashboard()->pollNow();
        QCOMPARE(seen.count(), 1);
        QCOMPARE(seen.at(0).at(0).toString(), QDir::cleanPath(dir));
        const QString line = seen.at(0).at(1).toString();
        QVERIFY2(line.contains(QStringLiteral("layer2.0.conv1")) &&
                     line.contains(QStringLiteral("loss is NaN")),
                 qPrintable(line));
        QVERIFY(status.count() >= 1);
        auto *label = view.dashboard()->findChild<QLabel *>(QStringLiteral("dashboardStatus"));
        QVERIFY(label->text().contains(QStringLiteral("diverged at step %1").arg(f.lastStep())));
        // Every step/epoch panel of the dashboard's pages carries the marker.
        for (auto page : {RunDashboard::Page::Curves, RunDashboard::Page::Ewgs, RunDashboard::Page::Alpha,
                          RunDashboard::Page::Compare}) {
            view.dashboard()->showPage(page);
            for (const auto &panel : view.figure().panels) {
                bool found = false;
                for (const auto &s : panel.series)
                    found = found || s.id == QStringLiteral("divergence.0");
                QVERIFY2(found, qPrintable(panel.id));
            }
        }
    }

    void tableExportsAllThreeFormats()
    {
        RunsView view;
        QVERIFY(view.addRun(m_a.write(m_dir.filePath(QStringLiteral("t6/apot")))));
        QVERIFY(view.addRun(m_b.write(m_dir.filePath(QStringLiteral("t6/ewgs")))));
        const QString out = m_dir.filePath(QStringLiteral("t6/out"));
        QVERIFY(QDir().mkpath(out));
        const std::pair<qs::TableFormat, QString> formats[] = {
            {qs::TableFormat::Csv, QStringLiteral("runs.csv")},
            {qs::TableFormat::Markdown, QStringLiteral("runs.md")},
            {qs::TableFormat::Latex, QStringLiteral("runs.tex")}};
        const QString best = QString::number(m_b.bestTop1(), 'f', 2);
        for (const auto &[format, name] : formats) {
            const QString path = QDir(out).filePath(name);
            const auto error = view.exportTable(path, format);
            QVERIFY2(!error, error ? qPrintable(*error) : "");
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QString text = QString::fromUtf8(file.readAll());
            QCOMPARE(text, QString::fromStdString(qs::formatRunTable(view.summaries(), format)));
            QVERIFY2(text.contains(best), qPrintable(text));
            QVERIFY(text.contains(QStringLiteral("apot+EWGS W2A2")));
        }
        QCOMPARE(QDir(out).entryList(QDir::Files).size(), 3); // no temporary file left behind
        QFile csv(QDir(out).filePath(QStringLiteral("runs.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll().count('\n'), 3); // header + two runs
        QVERIFY(
            view.exportTable(m_dir.filePath(QStringLiteral("no/such/dir/runs.csv")), qs::TableFormat::Csv));
    }

    // A label typed in the list (double-click) is the run's name in the list, the table, the run chooser,
    // every legend and the exports, LaTeX-escaped there; it is remembered for that directory.
    void runLabelsAreEditableAndRemembered()
    {
        const QString a = m_a.write(m_dir.filePath(QStringLiteral("t10/apot_ste")));
        const QString b = m_b.write(m_dir.filePath(QStringLiteral("t10/apot_ewgs")));
        const QString label = QStringLiteral("EWGS_trial & 50% #1");
        {
            RunsView view;
            view.resize(1200, 800);
            QVERIFY(view.addRun(a));
            QVERIFY(view.addRun(b));
            view.show();
            QVERIFY(QTest::qWaitForWindowExposed(&view));
            QListWidget *list = view.runList();
            const QPoint at = list->visualItemRect(list->item(1)).center();
            QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, at);
            QTest::mouseDClick(list->viewport(), Qt::LeftButton, {}, at);
            QLineEdit *editor = nullptr;
            QTRY_VERIFY((editor = list->findChild<QLineEdit *>()) && editor->isVisible());
            editor->selectAll();
            QTest::keyClicks(editor, label);
            QTest::keyClick(editor, Qt::Key_Return);
            QTRY_COMPARE(view.table()->item(1, 0)->text(), label);
            QCOMPARE(list->item(1)->text(), label);
            QCOMPARE(view.dashboard()->runLabel(1), label);
            auto *chooser = view.dashboard()->findChild<QComboBox *>(QStringLiteral("dashboardRun"));
            QCOMPARE(chooser->itemText(1), label);
            view.dashboard()->showPage(RunDashboard::Page::Compare);
            auto *loss = qs::test::findSeries(view.dashboard()->figureWidget(RunDashboard::Page::Compare),
                                              QStringLiteral("loss.smoothed.1"));
            QVERIFY(loss);
            QCOMPARE(loss->name(), label);
            // The LaTeX table: booktabs, the labels first (escaped), no directory.
            const QString tex = view.tableText(qs::TableFormat::Latex);
            QVERIFY2(tex.contains(QStringLiteral("\\toprule\n")) &&
                         tex.contains(QStringLiteral("\\midrule\n")) &&
                         tex.contains(QStringLiteral("\\bottomrule\n")),
                     qPrintable(tex));
            QVERIFY2(tex.contains(QStringLiteral("\nEWGS\\_trial \\& 50\\% \\#1 & %1 & ").arg(m_b.epochs)),
                     qPrintable(tex));
            QVERIFY2(tex.contains(QStringLiteral("\napot W2A2 & %1 & ").arg(m_a.epochs)), qPrintable(tex));
            QVERIFY2(!tex.contains(m_dir.path()) && !tex.contains(QStringLiteral("apot\\_ste")),
                     qPrintable(tex));
        }
        {
            RunsView again; // the directory opened again: its label with it
            QVERIFY(again.addRun(b));
            QCOMPARE(again.table()->item(0, 0)->text(), label);
            again.setRunLabel(b, QString()); // empty: the label from config.ini again, and forgotten
            QCOMPARE(again.table()->item(0, 0)->text(), QStringLiteral("apot+EWGS W2A2"));
        }
        RunsView third;
        QVERIFY(third.addRun(b));
        QCOMPARE(third.table()->item(0, 0)->text(), QStringLiteral("apot+EWGS W2A2"));
    }

    // The EWGS delta page shows a run that has delta (an STE run's page is empty), whatever the order the
    // runs were opened in and whatever they are called.
    void ewgsPageOpensOnARunWithDelta()
    {
        const QString ste = m_a.write(m_dir.filePath(QStringLiteral("t11/ste")));
        const QString ewgs = m_b.write(m_dir.filePath(QStringLiteral("t11/ewgs")));
        for (const bool steFirst : {true, false}) {
            RunsView view;
            view.resize(1200, 800);
            view.show();
            QVERIFY(view.addRun(steFirst ? ste : ewgs));
            QVERIFY(view.addRun(steFirst ? ewgs : ste));
            view.setRunLabel(ewgs, QStringLiteral("ours")); // no "EWGS" in the name to go by
            view.dashboard()->showPage(RunDashboard::Page::Ewgs);
            const FigureSpec &figure = view.figure();
            int deltaSeries = 0;
            for (const auto &panel : figure.panels)
                for (const auto &series : panel.series)
                    deltaSeries += series.id.startsWith(QStringLiteral("delta-")) ? 1 : 0;
            QVERIFY2(deltaSeries >= 2 * int(RunFixture::layers().size()), qPrintable(figure.note));
            QVERIFY2(!figure.note.contains(QStringLiteral("No \u03b4")), qPrintable(figure.note));
            auto *chooser = view.dashboard()->findChild<QComboBox *>(QStringLiteral("dashboardRun"));
            QCOMPARE(chooser->currentText(), QStringLiteral("ours"));
        }
    }

    // Runs that differ only in seed are one row: final and best top-1 as mean ± sample std over the trials.
    void trialsAreGroupedInTheTable()
    {
        QStringList dirs;
        const double offsets[] = {0.0, 1.0, 2.5};
        for (int t = 0; t < 3; ++t) {
            RunFixture f;
            f.epochs = 4;
            f.topOffset = offsets[t];
            const QString dir = f.write(m_dir.filePath(QStringLiteral("t12/trial%1").arg(t + 1)));
            qs::test::appendBytes(dir + QStringLiteral("/config.ini"),
                                  QStringLiteral("seed = %1\n").arg(t + 1).toUtf8());
            dirs << dir;
        }
        dirs << m_a.write(m_dir.filePath(QStringLiteral("t12/other"))); // another recipe
        RunsView view;
        for (const QString &d : dirs)
            QVERIFY(view.addRun(d));
        QCOMPARE(view.table()->rowCount(), 4);
        view.setGroupTrials(true);
        QVERIFY(view.findChild<QCheckBox *>(QStringLiteral("groupTrials"))->isChecked());
        QCOMPARE(view.table()->rowCount(), 2);
        QCOMPARE(view.table()->item(0, 0)->text(), QStringLiteral("apot+EWGS W2A2 (3 trials)"));
        // Final top-1 62.5 + {0, 1, 2.5}: Python's statistics.mean/stdev give 63.666..., 1.2583057...
        QCOMPARE(view.table()->item(0, 3)->text(), QStringLiteral("63.67 \u00b1 1.26"));
        QCOMPARE(view.table()->item(0, 4)->text(), QStringLiteral("63.67 \u00b1 1.26"));
        QCOMPARE(view.table()->item(1, 0)->text(), QStringLiteral("apot W2A2"));
        QCOMPARE(view.table()->item(1, 3)->text(), QString::number(m_a.testTop1(m_a.epochs - 1), 'f', 2));
        const QString md = view.tableText(qs::TableFormat::Markdown);
        QVERIFY2(md.contains(QStringLiteral("| apot+EWGS W2A2 (3 trials) | 3 | 63.67 \u00b1 1.26 |")),
                 qPrintable(md));
        QVERIFY(md.contains(QStringLiteral("sample standard deviation")));
        // The Compare page draws the recipe's mean over its trials with their range.
        view.dashboard()->showPage(RunDashboard::Page::Compare);
        QCOMPARE(view.figure().id, QStringLiteral("trials"));
        view.setGroupTrials(false);
        QCOMPARE(view.table()->rowCount(), 4);
        QCOMPARE(view.figure().id, QStringLiteral("compare"));
    }

    void everyPageExportsOffscreen()
    {
        RunsView view;
        view.resize(1200, 800);
        view.show();
        QVERIFY(view.addRun(m_a.write(m_dir.filePath(QStringLiteral("t7/apot")))));
        QVERIFY(view.addRun(m_b.write(m_dir.filePath(QStringLiteral("t7/ewgs")))));
        for (int page = 0; page <= int(RunDashboard::Page::Compare); ++page) {
            view.dashboard()->showPage(RunDashboard::Page(page));
            const FigureSpec &figure = view.figure();
            QVERIFY(!figure.panels.isEmpty());
            for (const QString &suffix :
                 {QStringLiteral("png"), QStringLiteral("svg"), QStringLiteral("pdf")}) {
                const QString path = m_dir.filePath(QStringLiteral("t7/page%1.%2").arg(page).arg(suffix));
                ExportOptions options;
                options.format = *figureFormatForPath(path);
                options.dpi = 100;
                const auto error = exportFigure(figure, path, options);
                QVERIFY2(!error, error ? qPrintable(*error) : "");
                QVERIFY(QFileInfo(path).size() > 1000);
            }
            // What is on screen is what is exported.
            QCOMPARE(view.dashboard()->figureWidget(RunDashboard::Page(page))->figure().panels.size(),
                     figure.panels.size());
        }
    }

    void settingsReopenTheRuns()
    {
        const QString a = m_a.write(m_dir.filePath(QStringLiteral("t8/apot")));
        const QString b = m_b.write(m_dir.filePath(QStringLiteral("t8/ewgs")));
        QSettings settings(m_dir.filePath(QStringLiteral("t8/settings.ini")), QSettings::IniFormat);
        {
            RunsView view;
            QVERIFY(view.addRun(a));
            QVERIFY(view.addRun(b));
            view.dashboard()->showPage(RunDashboard::Page::Alpha);
            view.saveSettings(settings);
        }
        QDir(b).removeRecursively(); // deleted since: dropped quietly
        RunsView restored;
        restored.restoreSettings(settings);
        QCOMPARE(restored.runs(), QStringList{QDir::cleanPath(a)});
        QCOMPARE(restored.dashboard()->page(), RunDashboard::Page::Alpha);
    }

    // Not a check: with QUANTSCOPE_SCREENSHOT_DIR set, saves the view (and with QUANTSCOPE_SCREENSHOT_RUNS,
    // colon-separated run directories, those runs instead of the fixtures;
    // QUANTSCOPE_SCREENSHOT_GROUP_TRIALS: trials grouped) as PNGs to look at.
    void screenshots()
    {
        const QString out = qEnvironmentVariable("QUANTSCOPE_SCREENSHOT_DIR");
        if (out.isEmpty())
            QSKIP("QUANTSCOPE_SCREENSHOT_DIR not set");
        RunsView view;
        view.resize(1500, 1000);
        QStringList dirs =
            qEnvironmentVariable("QUANTSCOPE_SCREENSHOT_RUNS").split(QLatin1Char(':'), Qt::SkipEmptyParts);
        if (dirs.isEmpty())
            dirs = {m_a.write(m_dir.filePath(QStringLiteral("shot/apot"))),
                    m_b.write(m_dir.filePath(QStringLiteral("shot/ewgs")))};
        for (const QString &d : dirs)
            QVERIFY(view.addRun(d));
        view.setGroupTrials(qEnvironmentVariableIsSet("QUANTSCOPE_SCREENSHOT_GROUP_TRIALS"));
        view.show();
        QDir().mkpath(out);
        const char *names[] = {"curves", "ewgs", "alpha", "occupancy", "compare"};
        for (int page = 0; page <= int(RunDashboard::Page::Compare); ++page) {
            view.dashboard()->showPage(RunDashboard::Page(page));
            QApplication::processEvents();
            QVERIFY(view.grab().save(
                QDir(out).filePath(QStringLiteral("runs-%1.png").arg(QString::fromLatin1(names[page])))));
        }
    }

private:
    QTemporaryDir m_dir;
    RunFixture m_a, m_b;
};

QTEST_MAIN(TestRunsView)
#include "tst_runsview.moc"
