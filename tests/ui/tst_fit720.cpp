// Every tab at 1280x720 (a laptop, a classroom projector): the main window shown at that size on a 1280x720
// offscreen screen, with runs open in the Runs and Train dashboards and the default model in the Model tab,
// visits every tab and every sub-page and fails on any text that does not fit: a chart's tick label, axis
// title, chart title or legend entry that Qt Charts elided ("…"), a label, button or tab whose text is cut,
// and a chart whose plot area is too small to read. Also: the window opens within the screen.

#include "core/train/trainer.h"
#include "runfixtures.h"
#include "sweepfixtures.h"
#include "ui/mainwindow.h"
#include "ui/plotting/figurewidget.h"
#include "ui/presentation.h"
#include "ui/views/deployview.h"
#include "ui/views/levelsview.h"
#include "ui/views/modelview.h"
#include "ui/views/rundashboard.h"
#include "ui/views/runsview.h"
#include "ui/views/softroundview.h"
#include "ui/views/sweeppanel.h"
#include "ui/views/trainview.h"

#include <QAbstractButton>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QScopeGuard>
#include <QScreen>
#include <QSettings>
#include <QStyle>
#include <QTabBar>
#include <QHeaderView>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QToolButton>
#include <QTreeWidget>
#include <QValueAxis>
#include <QtTest>

#include <cmath>
#include <functional>
#include <optional>

using qs::test::RunFixture;
using namespace qs::ui;

namespace {

constexpr int kMinPlotHeight = 60; // px: below this a chart shows a line, not data one can read
constexpr int kMinPlotWidth = 60;

bool elided(const QString &text)
{
    return text.contains(QChar(0x2026)) || text.contains(QStringLiteral("..."));
}

QString nameOf(const QWidget *w)
{
    QString name = QString::fromLatin1(w->metaObject()->className());
    if (!w->objectName().isEmpty())
        name += QLatin1Char('#') + w->objectName();
    return name;
}

// The texts Qt Charts drew in `view` (titles, axis titles, tick labels, legend entries), visible ones only.
QStringList chartTexts(const QChartView *view)
{
    QStringList texts;
    for (const QGraphicsItem *item : view->scene()->items()) {
        if (!item->isVisible())
            continue;
        if (const auto *t = dynamic_cast<const QGraphicsTextItem *>(item))
            texts << t->toPlainText();
        else if (const auto *s = dynamic_cast<const QGraphicsSimpleTextItem *>(item))
            texts << s->text();
    }
    texts.removeAll(QString());
    return texts;
}

// Why `label`'s text does not fit its rectangle, or nothing.
QString labelCut(const QLabel *label)
{
    if (label->text().isEmpty() || !label->pixmap().isNull())
        return {};
    const QRect r =
        label->contentsRect().adjusted(label->margin(), label->margin(), -label->margin(), -label->margin());
    QTextDocument doc;
    doc.setDefaultFont(label->font());
    doc.setDocumentMargin(0);
    const bool rich = label->textFormat() == Qt::RichText ||
                      (label->textFormat() == Qt::AutoText && Qt::mightBeRichText(label->text()));
    if (rich) {
        doc.setHtml(label->text());
    } else {
        QString text = label->text(); // a mnemonic's '&' is not drawn ("&&" is one '&')
        text.replace(QStringLiteral("&&"), QStringLiteral("\x01")).remove(QLatin1Char('&'));
        doc.setPlainText(text.replace(QChar(1), QLatin1Char('&')));
    }
    if (label->wordWrap()) {
        doc.setTextWidth(r.width());
        const double need = doc.size().height();
        if (need > r.height() + 2)
            return QStringLiteral("needs %1 px height, has %2").arg(need).arg(r.height());
        return {};
    }
    const double need = doc.idealWidth();
    if (need > r.width() + 2)
        return QStringLiteral("needs %1 px width, has %2").arg(need).arg(r.width());
    return {};
}

QString buttonCut(const QAbstractButton *button)
{
    QString text = button->text();
    text.remove(QLatin1Char('&'));
    if (text.isEmpty())
        return {};
    const QFontMetrics fm(button->font());
    int need = fm.horizontalAdvance(text);
    if (!button->icon().isNull())
        need += button->iconSize().width() + 4;
    if (qobject_cast<const QCheckBox *>(button) || qobject_cast<const QRadioButton *>(button))
        need += button->style()->pixelMetric(QStyle::PM_IndicatorWidth, nullptr, button) +
                button->style()->pixelMetric(QStyle::PM_CheckBoxLabelSpacing, nullptr, button);
    else
        need += 4; // the frame
    if (need > button->width())
        return QStringLiteral("needs %1 px width, has %2").arg(need).arg(button->width());
    return {};
}

// Everything that does not fit in the visible part of `root`, one line each.
QStringList cutTexts(QWidget *root, const QString &where, int *chartsSeen = nullptr)
{
    QStringList out;
    for (QChartView *view : root->findChildren<QChartView *>()) {
        if (!view->isVisible() || view->width() <= 0)
            continue;
        if (chartsSeen)
            ++*chartsSeen;
        QChart *chart = view->chart();
        const QString chartName = chart->title().isEmpty() ? nameOf(view) : chart->title();
        for (const QString &text : chartTexts(view))
            if (elided(text))
                out << QStringLiteral("%1: chart \"%2\": elided text \"%3\"").arg(where, chartName, text);
        // A legend entry Qt Charts clipped at the legend's edge (a legend beside the chart with more entries
        // than its height holds): drawn in part or not at all, with no ellipsis to say so.
        if (chart->legend()->isVisible()) {
            const QRectF legend = chart->legend()->sceneBoundingRect().adjusted(-1, -1, 1, 1);
            for (const QGraphicsItem *item : chart->legend()->childItems()) {
                QList<const QGraphicsItem *> stack{item};
                while (!stack.isEmpty()) {
                    const QGraphicsItem *i = stack.takeLast();
                    if (!i->isVisible())
                        continue;
                    for (const QGraphicsItem *child : i->childItems())
                        stack << child;
                    const auto *text = dynamic_cast<const QGraphicsTextItem *>(i);
                    if (text && !text->toPlainText().isEmpty() && !legend.contains(text->sceneBoundingRect()))
                        out << QStringLiteral("%1: chart \"%2\": legend entry \"%3\" clipped by the legend")
                                   .arg(where, chartName, text->toPlainText());
                }
            }
        }
        const QRectF plot = chart->plotArea();
        if (plot.height() < kMinPlotHeight || plot.width() < kMinPlotWidth)
            out << QStringLiteral("%1: chart \"%2\": plot area %3x%4 px (minimum %5x%6)")
                       .arg(where, chartName)
                       .arg(plot.width())
                       .arg(plot.height())
                       .arg(kMinPlotWidth)
                       .arg(kMinPlotHeight);
    }
    for (QLabel *label : root->findChildren<QLabel *>()) {
        if (!label->isVisible() || qobject_cast<QChartView *>(label->parentWidget()))
            continue;
        const QString why = labelCut(label);
        if (!why.isEmpty())
            out << QStringLiteral("%1: %2 \"%3\": %4").arg(where, nameOf(label), label->text().left(60), why);
    }
    for (QAbstractButton *button : root->findChildren<QAbstractButton *>()) {
        if (!button->isVisible() || qobject_cast<QTabBar *>(button->parentWidget()))
            continue;
        const QString why = buttonCut(button);
        if (!why.isEmpty())
            out << QStringLiteral("%1: %2 \"%3\": %4").arg(where, nameOf(button), button->text(), why);
    }
    for (QTabBar *bar : root->findChildren<QTabBar *>()) {
        if (!bar->isVisible())
            continue;
        for (int i = 0; i < bar->count(); ++i) {
            if (!bar->isTabVisible(i))
                continue;
            const QRect r = bar->tabRect(i);
            QString text = bar->tabText(i);
            text.remove(QLatin1Char('&'));
            const int need = QFontMetrics(bar->font()).horizontalAdvance(text) +
                             bar->style()->pixelMetric(QStyle::PM_TabBarTabHSpace, nullptr, bar) / 2;
            if (r.width() < need || !bar->rect().contains(r))
                out << QStringLiteral("%1: tab \"%2\" cut (%3 px for %4, bar %5 px)")
                           .arg(where, bar->tabText(i))
                           .arg(r.width())
                           .arg(need)
                           .arg(bar->width());
        }
    }
    return out;
}

// The panels of a multi-chart view share their x axis: their plot areas must start and end at the same
// window x. One line per panel that is off by more than a pixel.
QStringList misalignedPanels(const QWidget *window, const FigureWidget &figure, const QString &where)
{
    QStringList out;
    std::optional<QRectF> first;
    for (QChart *chart : figure.charts()) {
        if (!chart->scene() || chart->scene()->views().isEmpty())
            continue;
        const QGraphicsView *view = chart->scene()->views().first();
        if (!view->isVisible())
            continue;
        // Where the chart draws its plot: the extent of its horizontal axis and grid lines in the scene, not
        // plotArea() or mapToPosition(), which report a rect set by setPlotArea() even while the drawn axes
        // and series still stand where the last layout put them.
        double lineLeft = 1e300, lineRight = -1e300;
        for (const QGraphicsItem *item : chart->scene()->items()) {
            const auto *line = dynamic_cast<const QGraphicsLineItem *>(item);
            if (!line || !line->isVisible() || std::abs(line->line().dy()) > 0.01 ||
                line->line().length() < 50)
                continue;
            const QPointF p1 = line->mapToScene(line->line().p1()), p2 = line->mapToScene(line->line().p2());
            lineLeft = std::min({lineLeft, p1.x(), p2.x()});
            lineRight = std::max({lineRight, p1.x(), p2.x()});
        }
        if (!(lineRight > lineLeft))
            continue;
        const QRectF area(QPointF(lineLeft, 0), QPointF(lineRight, 1));
        const QPoint topLeft = view->mapTo(window, view->mapFromScene(area.topLeft()));
        const QPoint topRight = view->mapTo(window, view->mapFromScene(area.topRight()));
        const QRectF onWindow(QPointF(topLeft), QPointF(topRight.x(), topLeft.y() + area.height()));
        if (!first)
            first = onWindow;
        else if (std::abs(onWindow.left() - first->left()) > 1 ||
                 std::abs(onWindow.right() - first->right()) > 1)
            out << QStringLiteral("%1: panel '%2' plots x from %3 to %4, the first panel from %5 to %6")
                       .arg(where, chart->title())
                       .arg(onWindow.left())
                       .arg(onWindow.right())
                       .arg(first->left())
                       .arg(first->right());
    }
    return out;
}

void settle()
{
    for (int i = 0; i < 4; ++i) {
        QCoreApplication::processEvents();
        QTest::qWait(20);
    }
}

// Shows every page of `tabs` (and, in turn, every page of the tab widgets inside it) and runs `check` on
// each leaf, with a path such as "Runs > EWGS δ".
void visitPages(QTabWidget *tabs, const QString &path, const std::function<void(const QString &)> &check)
{
    for (int i = 0; i < tabs->count(); ++i) {
        if (!tabs->isTabVisible(i) || !tabs->isTabEnabled(i))
            continue;
        tabs->setCurrentIndex(i);
        settle();
        const QString here =
            path.isEmpty() ? tabs->tabText(i) : path + QStringLiteral(" > ") + tabs->tabText(i);
        QList<QTabWidget *> inner;
        for (QTabWidget *child : tabs->widget(i)->findChildren<QTabWidget *>()) {
            QWidget *p = child->parentWidget();
            while (p && !qobject_cast<QTabWidget *>(p))
                p = p->parentWidget();
            if (p == tabs && child->isVisible())
                inner << child;
        }
        if (inner.isEmpty())
            check(here);
        for (QTabWidget *child : inner)
            visitPages(child, here, check);
    }
}

} // namespace

class TestFit720 final : public QObject
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
        QCoreApplication::setApplicationName(QStringLiteral("QuantScopeFit720"));
        RunFixture ste;
        ste.backward = QStringLiteral("ste");
        ste.epochs = 6;
        ste.stepsPerEpoch = 20; // the fixture's loss stays positive up to step 150
        RunFixture ewgs;
        ewgs.epochs = 6;
        ewgs.stepsPerEpoch = 20; // the fixture's loss stays positive up to step 150
        ewgs.topOffset = 2.5;
        RunFixture diverged;
        diverged.epochs = 2;
        diverged.stepsPerEpoch = 20; // the fixture's loss stays positive up to step 150
        diverged.diverge = true;
        // A quantized checkpoint for the Deploy tab: APoT W4A4 after two steps on generated images.
        qs::TrainConfig config;
        config.dataset = "synthetic:64";
        config.method = "apot";
        config.wbits = config.abits = 4;
        config.epochs = 1;
        config.batchSize = 32;
        config.augment = false;
        config.threads = 1; // a second intra-op thread spins on a shared 2-core machine
        config.device = "cpu";
        const QString deployRun = m_dir.filePath(QStringLiteral("runs/deploy-apot"));
        QCOMPARE(qs::runTraining(config, deployRun.toStdString(), nullptr, {}).outcome,
                 qs::TrainOutcome::Completed);
        m_deployModel = deployRun + QStringLiteral("/last.qsckpt");
        m_runs << ste.write(m_dir.filePath(QStringLiteral("runs/apot-ste")))
               << ewgs.write(m_dir.filePath(QStringLiteral("runs/apot-ewgs")))
               << diverged.write(m_dir.filePath(QStringLiteral("runs/apot-ewgs-diverged")));
    }

    // The checker itself: a short chart with a long axis title is elided by Qt Charts, and a label narrower
    // than its text is cut. Without this, a walker that found nothing would pass every page.
    void theCheckerSeesElision()
    {
        QWidget root;
        root.resize(400, 200);
        auto *view = new QChartView(&root);
        auto *chart = new QChart;
        auto *x = new QValueAxis, *y = new QValueAxis;
        y->setTitleText(QStringLiteral("a rather long axis title that cannot fit"));
        y->setRange(0, 1);
        x->setRange(0, 1);
        chart->addAxis(x, Qt::AlignBottom);
        chart->addAxis(y, Qt::AlignLeft);
        view->setChart(chart);
        view->setGeometry(0, 0, 300, 110);
        auto *label = new QLabel(QStringLiteral("a label whose text is much wider than forty pixels"), &root);
        label->setGeometry(0, 150, 40, 20);
        root.show();
        QVERIFY(QTest::qWaitForWindowExposed(&root));
        settle();
        int charts = 0;
        const QStringList cut = cutTexts(&root, QStringLiteral("probe"), &charts);
        QCOMPARE(charts, 1);
        QVERIFY2(std::any_of(cut.begin(), cut.end(),
                             [](const QString &l) { return l.contains(QStringLiteral("elided text")); }),
                 qPrintable(cut.join(QLatin1Char('\n'))));
        QVERIFY2(std::any_of(cut.begin(), cut.end(),
                             [](const QString &l) { return l.contains(QStringLiteral("plot area")); }),
                 qPrintable(cut.join(QLatin1Char('\n'))));
        QVERIFY2(std::any_of(cut.begin(), cut.end(),
                             [](const QString &l) { return l.contains(QStringLiteral("QLabel")); }),
                 qPrintable(cut.join(QLatin1Char('\n'))));
    }

    // The first launch (no saved geometry) and a geometry saved on a larger screen both open within the
    // screen's available geometry, and the window can be made 1280x720 (no minimum size above it).
    void opensWithinTheScreen()
    {
        const QScreen *screen = QGuiApplication::primaryScreen();
        QVERIFY(screen);
        const QRect available = screen->availableGeometry();
        if (available.width() < 1280 || available.height() < 720)
            QSKIP("the screen is smaller than 1280x720 (run offscreen: main() asks for a 1280x720 screen)");
        {
            MainWindow window;
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QVERIFY2(window.width() <= available.width() && window.height() <= available.height(),
                     qPrintable(QStringLiteral("%1x%2 on %3x%4")
                                    .arg(window.width())
                                    .arg(window.height())
                                    .arg(available.width())
                                    .arg(available.height())));
            QVERIFY(window.minimumSizeHint().height() <= 720);
            window.resize(1280, 720);
            settle();
            QCOMPARE(window.size(), QSize(1280, 720));
            // What a session on a big monitor leaves behind.
            window.resize(1600, 1000);
            settle();
            window.saveSettings();
        }
        MainWindow again;
        again.restoreSettings();
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        settle();
        QVERIFY2(again.width() <= available.width() && again.height() <= available.height(),
                 qPrintable(QStringLiteral("restored %1x%2 on %3x%4")
                                .arg(again.width())
                                .arg(again.height())
                                .arg(available.width())
                                .arg(available.height())));
        QSettings().clear();
    }

    void everyTabReadableAt1280x720() { everyTabReadable(QSize(1280, 720), true); }
    void everyTabReadableAt1600x1000() { everyTabReadable(QSize(1600, 1000), true); }
    // The first launch: no run anywhere, so the dashboards' charts are empty (their ticks must not be "…").
    void emptyTabsReadableAt1280x720() { everyTabReadable(QSize(1280, 720), false); }
    // A classroom projector: presentation mode (F5) on a 1280x720 screen fills the screen, enlarges the type
    // by at least 1.35x and still fits every page.
    void presentationReadableAt1280x720() { everyTabReadable(QSize(1280, 720), true, true); }
    // A sweep open in the Runs tab (its table below the dashboard, nine of its runs drawn): every dashboard
    // page and the sweep table fit, and every row of the table is in view.
    void sweepReadableAt1280x720() { sweepReadable(QSize(1280, 720)); }
    void sweepReadableAt1600x1000() { sweepReadable(QSize(1600, 1000)); }
    void sweepReadableInPresentationAt1280x720() { sweepReadable(QSize(1280, 720), true); }

private:
    void everyTabReadable(const QSize &size, bool withData, bool presentation = false)
    {
        MainWindow window;
        if (withData) {
            const QString model = ModelView::defaultModelPath();
            if (model.isEmpty())
                QSKIP("the default model (resources/models/default.qsckpt) is not next to the build");
            QVERIFY(window.modelView()->openModel(model));
            // The Deploy page plans in the background: its table is what must fit. The default model is full
            // precision, which deploy refuses: the page plans an APoT W4A4 checkpoint of its own.
            DeployView *deploy = window.deployView();
            deploy->setModel(m_deployModel);
            QVERIFY(deploy->waitUntilIdle(120000));
            QVERIFY2(deploy->plan(), qPrintable(deploy->errorLabel()->toolTip()));
            for (const QString &run : m_runs)
                QVERIFY(window.runsView()->addRun(run));
            QVERIFY(window.trainView()->dashboard()->addRun(m_runs[1]));
        }
        window.resize(size);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        settle();
        // The application font and palette are global: leave them as found even when a check fails.
        const auto presentationOff = qScopeGuard([&window] { window.presentationMode()->setOn(false); });
        if (presentation) {
            window.presentationMode()->setOn(true);
            settle();
            QVERIFY2(window.presentationMode()->fontScale() >= 1.35,
                     qPrintable(QStringLiteral("font scale %1: the window needs %2 px at 1.35x")
                                    .arg(window.presentationMode()->fontScale())
                                    .arg(window.minimumSizeHint().height())));
        }
        QCOMPARE(window.size(), size);
        QStringList problems;
        int charts = 0, pages = 0;
        // QUANTSCOPE_FIT_SHOTS=DIR keeps a picture of every page, to look at.
        const QString shots = qEnvironmentVariable("QUANTSCOPE_FIT_SHOTS");
        visitPages(window.tabs(), QString(), [&](const QString &where) {
            ++pages;
            if (!shots.isEmpty() && QDir().mkpath(shots))
                window.grab().save(QDir(shots).filePath(
                    QStringLiteral("%1x%2%3 %4.png")
                        .arg(size.width())
                        .arg(size.height())
                        .arg(QString(withData ? QString() : QStringLiteral(" empty")) +
                             (presentation ? QStringLiteral(" presentation") : QString()))
                        .arg(QString(where).replace(QLatin1Char('/'), QLatin1Char('-')))));
            problems << cutTexts(&window, where, &charts);
            if (QTreeWidget *tree = window.modelView()->layerTree(); tree->isVisible())
                for (int row = 0; row < tree->topLevelItemCount(); ++row) {
                    const QString name = tree->topLevelItem(row)->text(0);
                    const int need =
                        tree->fontMetrics().horizontalAdvance(name) + 2 * tree->indentation() / 3;
                    if (need > tree->columnWidth(0))
                        problems << QStringLiteral("%1: layer name '%2' needs %3 px, its column has %4")
                                        .arg(where, name)
                                        .arg(need)
                                        .arg(tree->columnWidth(0));
                }
            if (window.levelsView()->isVisible())
                problems << misalignedPanels(&window, *window.levelsView()->findChild<FigureWidget *>(),
                                             where);
            if (window.softRoundView()->isVisible())
                problems << misalignedPanels(&window, *window.softRoundView()->findChild<FigureWidget *>(),
                                             where);
        });
        problems.removeDuplicates();
        // Levels, Soft rounding, the Model's 4 pages (its empty page without a model), the Train dashboard's
        // 4, the Runs dashboard's 5, Deploy.
        QVERIFY2(pages >= 2 + (withData ? 4 : 1) + 4 + 5 + 1, qPrintable(QString::number(pages)));
        QVERIFY(charts >= pages);
        for (const QString &line : problems)
            qWarning("%s", qPrintable(line));
        QVERIFY2(problems.isEmpty(), qPrintable(QStringLiteral("%1 problem(s) at %2x%3:\n")
                                                    .arg(problems.size())
                                                    .arg(size.width())
                                                    .arg(size.height()) +
                                                problems.mid(0, 60).join(QLatin1Char('\n'))));
        // The Runs table has every open run in view.
        window.showTab(MainWindow::Tab::Runs);
        settle();
        QTableWidget *table = window.runsView()->table();
        QVERIFY(table->isVisible());
        QCOMPARE(table->rowCount(), withData ? int(m_runs.size()) : 0);
        QVERIFY2(table->viewport()->height() >=
                     table->rowCount() * table->verticalHeader()->defaultSectionSize(),
                 qPrintable(QStringLiteral("table viewport %1 px for %2 rows")
                                .arg(table->viewport()->height())
                                .arg(table->rowCount())));
    }

    void sweepReadable(const QSize &size, bool presentation = false)
    {
        const QString sweep = qs::test::SweepFixture::write(m_dir.filePath(QStringLiteral("sweep")));
        MainWindow window;
        QString error;
        QVERIFY2(window.openPath(sweep, &error), qPrintable(error));
        window.resize(size);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        settle();
        const auto presentationOff = qScopeGuard([&window] { window.presentationMode()->setOn(false); });
        if (presentation) {
            window.presentationMode()->setOn(true);
            settle();
        }
        QCOMPARE(window.size(), size);
        SweepPanel *panel = window.runsView()->sweepPanel();
        QVERIFY(panel->isVisible());
        QStringList problems;
        int pages = 0;
        const QString shots = qEnvironmentVariable("QUANTSCOPE_FIT_SHOTS");
        auto *dashboardPages = window.runsView()->findChild<QTabWidget *>(QStringLiteral("dashboardPages"));
        QVERIFY(dashboardPages);
        visitPages(dashboardPages, QStringLiteral("Runs (sweep)"), [&](const QString &where) {
            ++pages;
            if (!shots.isEmpty() && QDir().mkpath(shots))
                window.grab().save(QDir(shots).filePath(
                    QStringLiteral("%1x%2 sweep%3 %4.png")
                        .arg(size.width())
                        .arg(size.height())
                        .arg(presentation ? QStringLiteral(" presentation") : QString())
                        .arg(QString(where).replace(QLatin1Char('/'), QLatin1Char('-')))));
            problems << cutTexts(&window, where);
        });
        problems.removeDuplicates();
        QCOMPARE(pages, 5);
        for (const QString &line : problems)
            qWarning("%s", qPrintable(line));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 40).join(QLatin1Char('\n'))));
        QTableWidget *table = panel->table();
        QCOMPARE(table->rowCount(), 4);
        QVERIFY2(table->viewport()->height() >=
                     table->rowCount() * table->verticalHeader()->defaultSectionSize(),
                 qPrintable(QStringLiteral("sweep table viewport %1 px for %2 rows")
                                .arg(table->viewport()->height())
                                .arg(table->rowCount())));
        for (int c = 0; c < table->columnCount(); ++c) { // no column narrower than its header or cells
            const QFontMetrics fm(table->font());
            int need = QFontMetrics(table->horizontalHeader()->font())
                           .horizontalAdvance(table->horizontalHeaderItem(c)->text());
            for (int r = 0; r < table->rowCount(); ++r)
                need = std::max(need, fm.horizontalAdvance(table->item(r, c)->text()));
            QVERIFY2(table->columnWidth(c) >= need,
                     qPrintable(QStringLiteral("sweep column '%1': %2 px for %3")
                                    .arg(table->horizontalHeaderItem(c)->text())
                                    .arg(table->columnWidth(c))
                                    .arg(need)));
        }
        QVERIFY(table->horizontalHeader()->length() <= table->viewport()->width()); // no horizontal scroll
    }

    QTemporaryDir m_dir;
    QStringList m_runs;
    QString m_deployModel; // APoT W4A4 for the Deploy tab
};

// A 1280x720 offscreen screen (the platform's default is 800x600), unless another platform was asked for.
int main(int argc, char **argv)
{
    QTemporaryDir config;
    const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
    if ((platform.isEmpty() || platform == "offscreen") && config.isValid()) {
        const QString path = config.filePath(QStringLiteral("screens.json"));
        QFile file(path);
        if (file.open(QIODevice::WriteOnly)) {
            file.write("{\"windowFrameMargins\": false, \"screens\": [{\"name\": \"screen720\", \"x\": 0, "
                       "\"y\": 0, \"width\": 1280, \"height\": 720, \"logicalDpi\": 96, \"logicalBaseDpi\": "
                       "96, \"dpr\": 1}]}");
            file.close();
            qputenv("QT_QPA_PLATFORM", "offscreen:configfile=" + QFile::encodeName(path));
        }
    }
    QApplication app(argc, argv);
    TestFit720 test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_fit720.moc"
