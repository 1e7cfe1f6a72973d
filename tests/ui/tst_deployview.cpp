// The Deploy page offscreen, on checkpoints trained here (APoT W4A4 and LSQ W4A4, two steps on synthetic
// data): its table's total row is the core's plan, the scheme and bits change the table (packed weights scale
// with the bits, uniform layers multiply), the latest request wins, an APoT layer's levels read as shifts
// and adds that sum to their integers, a method the core cannot deploy shows one error line and leaves the
// window's size alone, Export C writes qs_model.c (and a cancelled export delivers nothing), the page
// follows the Model tab, Ctrl+6 shows it and Ctrl+E exports its figure, and its settings are remembered.

#include "core/deploy/deploy.h"
#include "core/train/trainer.h"
#include "ui/figures/deployfigure.h"
#include "ui/mainwindow.h"
#include "ui/plotting/figureexport.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/deployview.h"
#include "ui/views/modelview.h"

#include "uitestsupport.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cstdlib>

using namespace qs;
using namespace qs::ui;
using qs::test::findSeries;

namespace {

constexpr int kPlanTimeoutMs = 120000; // a checkpoint load takes ~0.5 s; a shared 2-core machine, far more

TrainConfig tinyConfig(const std::string &method, int bits)
{
    TrainConfig c;
    c.dataset = "synthetic:64";
    c.method = method;
    c.wbits = c.abits = bits;
    c.epochs = 1;
    c.batchSize = 32;
    c.evalBatchSize = 64;
    c.augment = false;
    c.threads = 1; // a second intra-op thread spins on a shared 2-core machine
    c.device = "cpu";
    c.seed = 3;
    return c;
}

int64_t cellValue(const QTableWidget *table, int row, int column)
{
    const QTableWidgetItem *item = table->item(row, column);
    return item ? item->data(DeployView::kValueRole).toLongLong() : -1;
}

// The first layer whose grid is shifts and adds; -1 when none.
int firstShiftAddLayer(const DeployPlan &plan)
{
    for (size_t i = 0; i < plan.layers.size(); ++i)
        if (plan.layers[i].arithmetic == DeployArithmetic::ShiftAdd && !plan.layers[i].levels.empty())
            return int(i);
    return -1;
}

// Packed weight bytes of the layers with a level grid (the quantized convolutions), from the table.
int64_t quantizedWeightFlash(const DeployView &view)
{
    int64_t sum = 0;
    for (size_t i = 0; i < view.plan()->layers.size(); ++i)
        if (!view.plan()->layers[i].levels.empty())
            sum += view.plan()->layers[i].weightBytes;
    return sum;
}

} // namespace

class TestDeployView final : public QObject
{
    Q_OBJECT

private:
    // Waits for the plan of the settings now on the page.
    static bool waitForPlan(DeployView &view)
    {
        QElapsedTimer timer;
        timer.start();
        while ((view.planPending() || !view.plan()) && timer.elapsed() < kPlanTimeoutMs) {
            if (!view.planPending() && view.errorLabel()->isVisible())
                break; // failed: the caller says why
            QTest::qWait(20);
        }
        if (view.planPending() || !view.plan())
            qWarning("no plan after %lld ms: pending %d, error '%s'", qint64(timer.elapsed()),
                     view.planPending(), qPrintable(view.errorLabel()->toolTip()));
        return !view.planPending() && view.plan().has_value();
    }

    QTemporaryDir m_dir;
    QString m_apot; // APoT W4A4, two training steps
    QString m_lsq;  // LSQ W4A4: a grid the C cannot deploy

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                           m_dir.filePath(QStringLiteral("settings")));
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScope"));
        QCoreApplication::setApplicationName(QStringLiteral("QuantScopeDeployTest"));
        for (const auto &[method, target] : {std::pair<const char *, QString *>{"apot", &m_apot},
                                             std::pair<const char *, QString *>{"lsq", &m_lsq}}) {
            const QString run = m_dir.filePath(QString::fromLatin1(method));
            const auto trained = runTraining(tinyConfig(method, 4), run.toStdString(), nullptr, {});
            QCOMPARE(trained.outcome, TrainOutcome::Completed);
            *target = run + QStringLiteral("/last.qsckpt");
            QVERIFY(QFileInfo(*target).isFile());
        }
    }

    void emptyWithoutAModel()
    {
        DeployView view;
        QVERIFY(view.modelPath().isEmpty());
        QVERIFY(!view.plan());
        QVERIFY(!view.exportButton()->isEnabled());
        QCOMPARE(view.layerTable()->rowCount(), 0);
        QCOMPARE(view.figure().panels.size(), 1);
        QCOMPARE(view.figure().panels.front().id, QStringLiteral("memory"));
        // The budgets are drawn even without a model.
        QVERIFY(findSeries(view.figureWidget(), QStringLiteral("budget.flash")));
        QVERIFY(findSeries(view.figureWidget(), QStringLiteral("budget.ram")));
        // Export without a model says why, on the page.
        view.exportTo(m_dir.filePath(QStringLiteral("nowhere")));
        QVERIFY(view.errorLabel()->isVisibleTo(&view));
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("nowhere"))));
    }

    void totalRowIsThePlan()
    {
        DeployView view;
        view.resize(1280, 640);
        view.show();
        QSignalSpy planned(&view, &DeployView::planned);
        view.setModel(m_apot);
        QVERIFY2(waitForPlan(view), qPrintable(view.errorLabel()->toolTip()));
        QCOMPARE(planned.count(), 1);
        QVERIFY(!view.errorLabel()->isVisible());
        QVERIFY(view.exportButton()->isEnabled());

        // The page's plan is the core's for the same options.
        const DeployPlan direct = planDeployment(view.options());
        const DeployPlan &plan = *view.plan();
        QCOMPARE(plan.weightBytes, direct.weightBytes);
        QCOMPARE(plan.layers.size(), direct.layers.size());
        QVERIFY(plan.layers.size() >= 3);

        const QTableWidget *table = view.layerTable();
        QCOMPARE(table->rowCount(), int(plan.layers.size()) + 1);
        const int total = table->rowCount() - 1;
        QCOMPARE(table->item(total, DeployView::LayerColumn)->text(), QStringLiteral("Total"));
        QCOMPARE(cellValue(table, total, DeployView::FlashColumn),
                 direct.weightBytes + direct.parameterBytes);
        QCOMPARE(cellValue(table, total, DeployView::RamColumn), direct.arenaBytes);
        QCOMPARE(cellValue(table, total, DeployView::MultipliesColumn), direct.multiplies);
        QCOMPARE(cellValue(table, total, DeployView::ShiftsColumn), direct.shifts);
        QCOMPARE(cellValue(table, total, DeployView::AddsColumn), direct.adds);
        // Per layer: the plan's rows, in order; the total's weights are their sum.
        int64_t weights = 0;
        for (size_t i = 0; i < plan.layers.size(); ++i) {
            const DeployLayer &l = plan.layers[i];
            const int r = int(i);
            QCOMPARE(table->item(r, DeployView::LayerColumn)->text(), QString::fromStdString(l.name));
            QCOMPARE(table->item(r, DeployView::KindColumn)->text(), QString::fromStdString(l.kind));
            QCOMPARE(cellValue(table, r, DeployView::WeightBitsColumn), int64_t(l.weightBits));
            QCOMPARE(cellValue(table, r, DeployView::FlashColumn), l.weightBytes + l.parameterBytes);
            QCOMPARE(cellValue(table, r, DeployView::RamColumn), l.activationBytes);
            QCOMPARE(cellValue(table, r, DeployView::MultipliesColumn), l.multiplies);
            QCOMPARE(cellValue(table, r, DeployView::ShiftsColumn), l.shifts);
            QCOMPARE(cellValue(table, r, DeployView::AddsColumn), l.adds);
            weights += cellValue(table, r, DeployView::WeightsColumn);
        }
        QVERIFY(weights > 0);
        QCOMPARE(cellValue(table, total, DeployView::WeightsColumn), weights);
        // Grouped digits on screen, the exact number under kValueRole.
        QCOMPARE(table->item(total, DeployView::FlashColumn)->text(),
                 countText(direct.weightBytes + direct.parameterBytes));

        // The bars: flash stacked weights then parameters, RAM the arena, float32 the comparison (KiB).
        auto end = [&view](const char *id) {
            const QXYSeries *s = findSeries(view.figureWidget(), QString::fromLatin1(id));
            return s && s->count() == 2 ? s->at(1).x() : -1.0;
        };
        QCOMPARE(end("flash.weights"), double(direct.weightBytes) / 1024.0);
        QCOMPARE(end("flash.parameters"), double(direct.weightBytes + direct.parameterBytes) / 1024.0);
        QCOMPARE(end("ram.activations"), double(direct.arenaBytes) / 1024.0);
        QCOMPARE(end("float.weights"), double(direct.floatWeightBytes) / 1024.0);
        QVERIFY(direct.floatWeightBytes > direct.weightBytes); // 4-bit codes against float32
        // The notes are on the page, one bullet each.
        QCOMPARE(int(view.notesLabel()->text().count(QChar(0x2022))), int(direct.notes.size()));
    }

    void bitsAndSchemeChangeTheTable()
    {
        DeployView view;
        view.setModel(m_apot);
        view.setScheme(QStringLiteral("apot"));
        view.setWeightBits(2);
        QVERIFY2(waitForPlan(view), qPrintable(view.errorLabel()->toolTip()));
        QCOMPARE(view.plannedOptions().wbits, 2);
        const int64_t flash2 = quantizedWeightFlash(view);
        const int total = view.layerTable()->rowCount() - 1;
        const int64_t tableFlash2 = cellValue(view.layerTable(), total, DeployView::FlashColumn);

        // Latest request wins: three settings in a row plan once, with the last.
        QSignalSpy planned(&view, &DeployView::planned);
        view.setWeightBits(3);
        view.setWeightBits(5);
        view.setWeightBits(4);
        QVERIFY2(waitForPlan(view), qPrintable(view.errorLabel()->toolTip()));
        QCOMPARE(planned.count(), 1);
        QCOMPARE(view.plannedOptions().wbits, 4);
        QCOMPARE(view.plan()->wbits, 4);
        const int64_t flash4 = quantizedWeightFlash(view);
        // b-bit codes: twice the bits, twice the packed bytes (each layer rounds up to whole bytes).
        QVERIFY2(std::llabs(flash4 - 2 * flash2) <= int64_t(2 * view.plan()->layers.size()),
                 qPrintable(QStringLiteral("%1 B at 4 bits, %2 B at 2 bits").arg(flash4).arg(flash2)));
        QVERIFY(cellValue(view.layerTable(), total, DeployView::FlashColumn) > tableFlash2);

        // APoT levels are shifts and adds; a uniform grid needs multiplies.
        const int row = firstShiftAddLayer(*view.plan());
        QVERIFY(row >= 0);
        const QString layer = QString::fromStdString(view.plan()->layers[size_t(row)].name);
        QCOMPARE(view.layerTable()->item(row, DeployView::ArithmeticColumn)->text(),
                 QStringLiteral("shift-add"));
        const int64_t shiftAddMultiplies = cellValue(view.layerTable(), row, DeployView::MultipliesColumn);
        view.setScheme(QStringLiteral("uniform"));
        QVERIFY2(waitForPlan(view), qPrintable(view.errorLabel()->toolTip()));
        QCOMPARE(view.plan()->scheme, Scheme::Uniform);
        QCOMPARE(view.layerTable()->item(row, DeployView::LayerColumn)->text(), layer);
        QCOMPARE(view.layerTable()->item(row, DeployView::ArithmeticColumn)->text(),
                 QStringLiteral("multiply"));
        // The products are multiplies now (on the shift-add grid only the requantization multiplied).
        QVERIFY(cellValue(view.layerTable(), row, DeployView::MultipliesColumn) > shiftAddMultiplies);
        QCOMPARE(view.selectedLayer(), layer); // the selection stayed on its layer
    }

    void apotLevelsAreShiftsAndAdds()
    {
        DeployView view;
        view.resize(1280, 640);
        view.show();
        view.setModel(m_apot); // as trained: APoT W4
        QVERIFY2(waitForPlan(view), qPrintable(view.errorLabel()->toolTip()));
        const DeployPlan &plan = *view.plan();
        QCOMPARE(plan.scheme, Scheme::APoT);
        const int row = firstShiftAddLayer(plan);
        QVERIFY(row >= 0);
        // The page opens on the first shift-add layer.
        QCOMPARE(view.selectedLayer(), QString::fromStdString(plan.layers[size_t(row)].name));
        const DeployLayer &layer = plan.layers[size_t(row)];
        const QTableWidget *levels = view.levelsTable();
        QCOMPARE(levels->rowCount(), int(layer.levels.size()));
        QVERIFY(view.levelsCaption()->text().contains(QString::fromStdString(layer.name)));
        static const QRegularExpression term(QStringLiteral("a<<(\\d+)"));
        int withShifts = 0;
        for (int r = 0; r < levels->rowCount(); ++r) {
            const qlonglong integer =
                levels->item(r, DeployView::IntegerColumn)->data(DeployView::kValueRole).toLongLong();
            const double level =
                levels->item(r, DeployView::LevelColumn)->data(DeployView::kValueRole).toDouble();
            const QString product = levels->item(r, DeployView::ProductColumn)->text();
            if (integer == 0) {
                QCOMPARE(level, 0.0);
                QCOMPARE(product, QStringLiteral("0 (skipped)"));
                continue;
            }
            // The terms on screen add up to the integer: |integer| = sum of 2^shift, the sign in front.
            qlonglong sum = 0;
            int terms = 0;
            for (auto it = term.globalMatch(product); it.hasNext(); ++terms)
                sum += qlonglong(1) << it.next().captured(1).toInt();
            QVERIFY2(terms >= 1 && terms <= 3, qPrintable(product));
            QCOMPARE(sum, std::llabs(integer));
            QCOMPARE(product.startsWith(QChar(0x2212)), integer < 0);
            QCOMPARE(level > 0, integer > 0);
            withShifts += terms > 1 ? 1 : 0;
        }
        QVERIFY(withShifts > 0); // APoT: some levels are sums of two powers of two
        QVERIFY(levels->item(0, DeployView::ProductColumn)->toolTip().contains(QStringLiteral(" \u00b7 s")));

        // An 8-bit layer (the first conv) has no level grid: the caption says so, the table is empty.
        for (size_t i = 0; i < plan.layers.size(); ++i)
            if (plan.layers[i].levels.empty()) {
                QVERIFY(view.selectLayer(QString::fromStdString(plan.layers[i].name)));
                QCOMPARE(levels->rowCount(), 0);
                QVERIFY(view.levelsCaption()->text().contains(QStringLiteral("no level grid")));
                break;
            }
        // The total row selects no layer.
        view.layerTable()->setCurrentCell(view.layerTable()->rowCount() - 1, 0);
        QVERIFY(view.selectedLayer().isEmpty());
        QCOMPARE(levels->rowCount(), 0);
    }

    void productTexts()
    {
        DeployLevel three{0.75, 3, {0, 1}};
        QCOMPARE(levelProductText(three, DeployArithmetic::ShiftAdd), QStringLiteral("(a<<1) + (a<<0)"));
        QCOMPARE(levelEquationText(three), QStringLiteral("0.75 = 3 \u00b7 s"));
        DeployLevel minusFour{-0.5, -4, {2}};
        QCOMPARE(levelProductText(minusFour, DeployArithmetic::ShiftAdd), QStringLiteral("\u2212(a<<2)"));
        DeployLevel minusFive{-0.625, -5, {2, 0}};
        QCOMPARE(levelProductText(minusFive, DeployArithmetic::ShiftAdd),
                 QStringLiteral("\u2212[(a<<2) + (a<<0)]"));
        QCOMPARE(levelProductText(minusFive, DeployArithmetic::Multiply), QStringLiteral("a \u00b7 \u22125"));
        QCOMPARE(levelProductText(DeployLevel{}, DeployArithmetic::ShiftAdd), QStringLiteral("0 (skipped)"));
        QCOMPARE(bytesText(896), QStringLiteral("896 B"));
        QCOMPARE(bytesText(145715), QStringLiteral("142.3 KiB"));
        QCOMPARE(bytesText(1080000), QStringLiteral("1.03 MiB"));
        QCOMPARE(countText(9437184), QStringLiteral("9,437,184"));
    }

    void unsupportedMethodShowsOneLine()
    {
        MainWindow window;
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showTab(MainWindow::Tab::Deploy);
        DeployView *view = window.deployView();
        view->setModel(m_apot);
        QVERIFY2(waitForPlan(*view), qPrintable(view->errorLabel()->toolTip()));
        QTest::qWait(50);
        const QSize size = window.size();

        QSignalSpy failed(view, &DeployView::planFailed);
        view->setModel(m_lsq);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kPlanTimeoutMs);
        QVERIFY(!view->planPending());
        const QString message = failed.front().front().toString();
        QVERIFY(!message.isEmpty());
        QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message)); // one line
        QVERIFY(view->errorLabel()->isVisible());
        QVERIFY(view->errorLabel()->toolTip().contains(message));
        // The previous model's plan is gone, not shown as this one's.
        QVERIFY(!view->plan());
        QCOMPARE(view->layerTable()->rowCount(), 0);
        QVERIFY(!findSeries(view->figureWidget(), QStringLiteral("flash.weights")));
        QTest::qWait(50);
        QCOMPARE(window.size(), size);

        // A long message wraps inside the page too: nothing widens the window.
        view->setModel(m_dir.filePath(QStringLiteral("no/such/directory/") + QString(300, QLatin1Char('x')) +
                                      QStringLiteral(".qsckpt")));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, kPlanTimeoutMs);
        QTest::qWait(50);
        QCOMPARE(window.size(), size);

        // A good model again: the error goes.
        view->setModel(m_apot);
        QVERIFY2(waitForPlan(*view), qPrintable(view->errorLabel()->toolTip()));
        QVERIFY(!view->errorLabel()->isVisible());
        QCOMPARE(window.size(), size);
    }

    void exportWritesTheC()
    {
        DeployView view;
        view.setModel(m_apot);
        QVERIFY2(waitForPlan(view), qPrintable(view.errorLabel()->toolTip()));
        const QString dir = m_dir.filePath(QStringLiteral("export/c"));
        QSignalSpy exported(&view, &DeployView::exported);
        view.exportTo(dir);
        QVERIFY(view.exportRunning());
        QVERIFY(!view.exportButton()->isEnabled());
        QVERIFY(view.cancelExportButton()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, kPlanTimeoutMs);
        QCOMPARE(exported.front().front().toString(), QFileInfo(dir).absoluteFilePath());
        QVERIFY(!view.exportRunning());
        QVERIFY(view.exportButton()->isEnabled());
        QVERIFY(!view.cancelExportButton()->isEnabled());
        QCOMPARE(view.exportProgress()->value(), view.exportProgress()->maximum());
        const QFileInfo source(QDir(dir).filePath(QStringLiteral("qs_model.c")));
        QVERIFY(source.isFile());
        QVERIFY(source.size() > 0);
        QVERIFY(QFileInfo(QDir(dir).filePath(QStringLiteral("qs_model.h"))).isFile());
        QVERIFY(view.exportStatus()->text().contains(QStringLiteral("Wrote")));
        QCOMPARE(view.lastExportDirectory(), QFileInfo(dir).absoluteFilePath());
        QVERIFY(!view.errorLabel()->isVisible());
    }

    void cancelledExportDeliversNothing()
    {
        DeployView view;
        view.setModel(m_apot);
        QVERIFY2(waitForPlan(view), qPrintable(view.errorLabel()->toolTip()));
        QSignalSpy exported(&view, &DeployView::exported);
        QSignalSpy failed(&view, &DeployView::exportFailed);
        view.exportTo(m_dir.filePath(QStringLiteral("export/cancelled")));
        view.cancelExport(); // before the event loop could deliver anything
        QVERIFY(!view.exportRunning());
        QVERIFY(view.exportButton()->isEnabled());
        QVERIFY(view.exportStatus()->text().contains(QStringLiteral("cancelled")));
        QTest::qWait(3000); // the dropped job finishes on its thread meanwhile
        QCOMPARE(exported.count(), 0);
        QCOMPARE(failed.count(), 0);
        QVERIFY(view.exportStatus()->text().contains(QStringLiteral("cancelled")));
    }

    void followsTheModelTab()
    {
        MainWindow window;
        QCOMPARE(window.tabs()->count(), 6);
        QCOMPARE(window.tabs()->tabText(int(MainWindow::Tab::Deploy)), QStringLiteral("Deploy"));
        QVERIFY(window.tabs()->tabToolTip(int(MainWindow::Tab::Deploy)).contains(QStringLiteral("Ctrl+6")));
        QVERIFY(window.helpPanel(MainWindow::Tab::Deploy));
        QVERIFY(window.modelView()->openModel(m_apot));
        DeployView *view = window.deployView();
        QCOMPARE(view->modelPath(), QFileInfo(m_apot).absoluteFilePath());
        QVERIFY2(waitForPlan(*view), qPrintable(view->errorLabel()->toolTip()));
        for (QAction *action : window.findChildren<QAction *>())
            if (action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_6))
                action->trigger();
        QCOMPARE(window.tabs()->currentIndex(), int(MainWindow::Tab::Deploy));
        // Ctrl+E exports the page's figure: PNG (or SVG, PDF) and its CSV.
        QCOMPARE(&window.currentFigure(), &view->figure());
        const FigureSpec &figure = window.currentFigure();
        QCOMPARE(figure.id, QStringLiteral("deploy"));
        QVERIFY(std::any_of(figure.settings.begin(), figure.settings.end(),
                            [](const auto &kv) { return kv.first == QStringLiteral("scheme"); }));
        const QString svg = m_dir.filePath(QStringLiteral("figures/deploy.svg"));
        QVERIFY(QDir().mkpath(QFileInfo(svg).absolutePath()));
        ExportOptions options;
        options.format = FigureFormat::Svg;
        const auto error = exportFigure(figure, svg, options);
        QVERIFY2(!error, qPrintable(error.value_or(QString())));
        QVERIFY(QFileInfo(svg).size() > 0);
        QVERIFY(QFileInfo(csvPathFor(svg)).size() > 0);
        QVERIFY(figureCsvRowCount(figure) >= 14); // four bars and three budget lines, two points each
    }

    void settingsAreRemembered()
    {
        {
            DeployView view;
            view.setScheme(QStringLiteral("pot"));
            view.setWeightBits(3);
            view.setActivationBits(2);
            view.setModel(m_apot);
            QVERIFY(view.waitUntilIdle(kPlanTimeoutMs));
            view.exportTo(m_dir.filePath(QStringLiteral("export/remembered")));
            QVERIFY(view.waitUntilIdle(kPlanTimeoutMs));
            QSettings settings;
            view.saveSettings(settings);
        }
        DeployView again;
        QSettings settings;
        again.restoreSettings(settings);
        QCOMPARE(again.scheme(), QStringLiteral("pot"));
        QCOMPARE(again.weightBitsSpin()->value(), 3);
        QCOMPARE(again.activationBitsSpin()->value(), 2);
        QCOMPARE(again.weightBitsSpin()->text(), QStringLiteral("3 bit"));
        QCOMPARE(again.lastExportDirectory(),
                 QFileInfo(m_dir.filePath(QStringLiteral("export/remembered"))).absoluteFilePath());
        QCOMPARE(again.modelPath(), QFileInfo(m_apot).absoluteFilePath());
        QCOMPARE(again.options().scheme, std::string("pot"));
        QCOMPARE(again.options().wbits, 3);
        QVERIFY(again.waitUntilIdle(kPlanTimeoutMs));
        // "As trained" is the spin boxes' special value.
        again.setWeightBits(0);
        QCOMPARE(again.weightBitsSpin()->text(), QStringLiteral("as trained"));
        QSettings().clear();
    }
};

QTEST_MAIN(TestDeployView)
#include "tst_deployview.moc"
