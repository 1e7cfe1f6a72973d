// The Model view offscreen: it opens a model file through its public API, its histogram and occupancy show
// the layer's weights and analyzeWeightValues's counts, the clip slider recomputes MSE live, a corrupt file
// leaves the previous model up with one error, every chart exports; and the CLI's model figure kinds.

#include "core/analysis.h"
#include "core/modelsnapshot.h"
#include "ui/figures/weightfigures.h"
#include "ui/mainwindow.h"
#include "ui/plotting/figureexport.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/modelview.h"
#include "testsupport.h"

#include "uitestsupport.h"

#include <QAction>
#include <QMouseEvent>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QChart>
#include <QDoubleSpinBox>
#include <QFile>
#include <QImageReader>
#include <QLabel>
#include <QProcess>
#include <QProcessEnvironment>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QXYSeries>
#include <QXmlStreamReader>

#include <random>

using namespace qs;
using namespace qs::ui;

namespace {

using qs::test::findSeries;

std::vector<float> gaussian(int64_t n, double mean, double sigma, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist{float(mean), float(sigma)};
    std::vector<float> v(size_t(n), 0.0f);
    for (auto &x : v)
        x = dist(rng);
    return v;
}

SnapshotLayer layer(const char *name, std::vector<int64_t> shape, std::optional<double> alpha = {})
{
    SnapshotLayer l;
    l.name = name;
    l.shape = std::move(shape);
    l.numel = 1;
    for (int64_t d : l.shape)
        l.numel *= d;
    l.checkpointAlpha = alpha;
    return l;
}

ModelSnapshot syntheticModel(uint32_t seed)
{
    std::vector<SnapshotLayer> layers{
        layer("conv1.weight", {16, 3, 3, 3}), layer("layer1.0.conv1.weight", {64, 64, 3, 3}, 2.5),
        layer("layer1.0.conv2.weight", {32, 64, 3, 3}, 1.75), layer("fc.weight", {10, 64})};
    std::vector<std::vector<float>> weights;
    for (size_t i = 0; i < layers.size(); ++i)
        weights.push_back(
            gaussian(layers[i].numel, 0.01 * double(i), 0.05 + 0.02 * double(i), seed + uint32_t(i)));
    return ModelSnapshot::fromLayers("synthetic", "test model", layers, weights);
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

using Run = qs::test::CliRun;

Run runCli(const QStringList &args)
{
    return qs::test::runQuantscopeCli(QStringList{QStringLiteral("figure")} + args, qs::test::Display::None);
}

} // namespace

class TestModelView final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_model, m_other, m_corrupt;
    ModelSnapshot m_snapshot;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                           m_dir.filePath(QStringLiteral("settings")));
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScope"));
        QCoreApplication::setApplicationName(QStringLiteral("QuantScope"));
        m_snapshot = syntheticModel(1);
        m_model = m_dir.filePath(QStringLiteral("model.pt"));
        m_snapshot.saveStateDict(m_model.toStdString());
        m_other = m_dir.filePath(QStringLiteral("other.pt"));
        syntheticModel(99).saveStateDict(m_other.toStdString());
        m_corrupt = m_dir.filePath(QStringLiteral("corrupt.qsckpt"));
        QFile bad(m_corrupt);
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(readAll(m_model).left(300)); // a truncated zip
    }

    void emptyStateSaysHowToOpen()
    {
        ModelView view;
        QVERIFY(!view.snapshot());
        auto *label = view.findChild<QLabel *>(QStringLiteral("modelEmptyLabel"));
        QVERIFY(label);
        QVERIFY(label->text().contains(QStringLiteral("Open model")));
        QVERIFY(label->isVisibleTo(&view));
    }

    void opensAndShowsTheLayer()
    {
        ModelView view;
        view.resize(1300, 800);
        view.show();
        QSignalSpy loaded(&view, &ModelView::modelLoaded);
        QVERIFY(view.openModel(m_model));
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(view.layerTree()->topLevelItemCount(), 4);
        QCOMPARE(view.modelPath(), m_model);

        view.setScheme(Scheme::APoT);
        view.setBits(4);
        const std::string name = "layer1.0.conv1.weight";
        QVERIFY(view.selectLayer(QString::fromStdString(name)));
        QVERIFY(view.selectedAnalysis());
        const auto &a = *view.selectedAnalysis();
        QCOMPARE(a.name, name);
        QCOMPARE(a.alphaSource, std::string("checkpoint"));
        QS_COMPARE_NEAR(a.alpha, 2.5, 1e-6);

        // The histogram's plotted total is every weight.
        QXYSeries *hist = findSeries(view.layerFigure(), QStringLiteral("histogram"));
        QVERIFY(hist);
        const auto points = hist->points();
        const int bins = view.binsSpin()->value();
        QCOMPARE(int(points.size()), 2 * bins + 2);
        double total = 0;
        for (int i = 0; i < bins; ++i)
            total += points[1 + 2 * i].y();
        QCOMPARE(int64_t(std::llround(total)), int64_t(64 * 64 * 9));

        // The occupancy markers are analyzeWeightValues's counts at its levels.
        const auto expected = analyzeWeightValues(name, m_snapshot.weights(name), {64, 64, 3, 3},
                                                  {Scheme::APoT, 4, true}, 2.5, false);
        QXYSeries *occ = findSeries(view.layerFigure(), QStringLiteral("occupancy"));
        QVERIFY(occ);
        QCOMPARE(size_t(occ->count()), expected.counts.size());
        for (int i = 0; i < occ->count(); ++i) {
            QCOMPARE(int64_t(occ->at(i).y()), expected.counts[size_t(i)]);
            QS_COMPARE_NEAR(occ->at(i).x(), expected.levels[size_t(i)], 1e-9);
        }
        QS_COMPARE_NEAR(a.mse, expected.mse, 1e-12);
        QVERIFY(view.errorLabel()->text().contains(QString::number(expected.mse, 'g', 4)));

        // Bins are adjustable and the total stays.
        view.binsSpin()->setValue(37);
        hist = findSeries(view.layerFigure(), QStringLiteral("histogram"));
        QCOMPARE(int(hist->points().size()), 2 * 37 + 2);

        // Moving the clip slider re-analyses the layer live.
        view.alphaSlider()->setValue(view.alphaSlider()->value() / 2);
        const double alpha = view.alphaSpin()->value();
        QVERIFY(std::abs(alpha - 2.5) > 0.1);
        const auto moved = analyzeWeightValues(name, m_snapshot.weights(name), {64, 64, 3, 3},
                                               {Scheme::APoT, 4, true}, alpha, false);
        QTRY_VERIFY(view.selectedAnalysis() && std::abs(view.selectedAnalysis()->alpha - alpha) < 1e-12);
        QS_COMPARE_NEAR(view.selectedAnalysis()->mse, moved.mse, 1e-12);
        QVERIFY2(view.errorLabel()->text().contains(QString::number(moved.mse, 'g', 4)),
                 qPrintable(view.errorLabel()->text()));
        QVERIFY(std::abs(moved.mse - expected.mse) > 1e-9);

        // The MSE-optimal button finds analyzeWeightValues's searched clip.
        view.findChild<QPushButton *>(QStringLiteral("searchAlphaButton"))->click();
        const auto searched = analyzeWeightValues(name, m_snapshot.weights(name), {64, 64, 3, 3},
                                                  {Scheme::APoT, 4, true}, std::nullopt, true);
        QS_COMPARE_NEAR(view.selectedAnalysis()->alpha, searched.alpha, 1e-9);
        QS_COMPARE_NEAR(view.selectedAnalysis()->mse, searched.mse, 1e-12);
        QVERIFY(searched.mse <= moved.mse + 1e-12);

        // Whole model: the per-layer SQNR chart (selected layer at its searched clip) and the sweep.
        QVERIFY(view.waitUntilIdle(120000));
        QXYSeries *sqnr = findSeries(view.sqnrFigure(), QStringLiteral("sqnr.apot"));
        QVERIFY(sqnr);
        QCOMPARE(sqnr->count(), 2 * 4);
        const auto model = analyzeSnapshot(m_snapshot, Scheme::APoT, 4, std::nullopt, false);
        QS_COMPARE_NEAR(sqnr->at(0).y(), model[0].sqnrDb, 1e-9);
        QS_COMPARE_NEAR(sqnr->at(2).y(), searched.sqnrDb, 1e-9);
        QS_COMPARE_NEAR(sqnr->at(6).y(), model[3].sqnrDb, 1e-9);
        QVERIFY(!view.sweepPoints().empty());
        QVERIFY(findSeries(view.sweepFigure(), QStringLiteral("sweep.uniform")));
        QVERIFY(findSeries(view.sweepFigure(), QStringLiteral("sweep.apot")));

        // Scheme change: the tree's SQNR column follows the whole-model analysis.
        view.setScheme(Scheme::Uniform);
        view.setBits(3);
        QVERIFY(view.waitUntilIdle(120000));
        const auto uniform = analyzeSnapshot(m_snapshot, Scheme::Uniform, 3, std::nullopt, false);
        for (int row = 0; row < 4; ++row)
            QCOMPARE(view.layerTree()->topLevelItem(row)->text(4),
                     QString::number(uniform[size_t(row)].sqnrDb, 'f', 2));
    }

    void corruptFileKeepsThePreviousModel()
    {
        ModelView view;
        QVERIFY(view.openModel(m_model));
        QVERIFY(view.selectLayer(QStringLiteral("fc.weight")));
        QSignalSpy failed(&view, &ModelView::loadFailed);
        QVERIFY(!view.openModel(m_corrupt));
        QCOMPARE(failed.count(), 1);
        const QString message = failed.first().first().toString();
        QVERIFY2(message.startsWith(m_corrupt), qPrintable(message));
        QVERIFY(!message.contains(QLatin1Char('\n')));
        QVERIFY(!view.openModel(m_dir.filePath(QStringLiteral("missing.pt"))));
        QCOMPARE(failed.count(), 2);
        QCOMPARE(view.modelPath(), m_model);
        QCOMPARE(view.layerTree()->topLevelItemCount(), 4);
        QCOMPARE(view.selectedLayer(), QStringLiteral("fc.weight"));
        QVERIFY(view.selectedAnalysis());
        // A good file replaces it.
        QVERIFY(view.openModel(m_other));
        QCOMPARE(view.modelPath(), m_other);
        view.cancelSweep();
        QVERIFY(!view.sweepRunning());
        QVERIFY(view.waitUntilIdle(120000));
    }

    void draggingTheClipLineSetsAlpha()
    {
        ModelView view;
        view.resize(1200, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.openModel(m_model));
        QVERIFY(view.selectLayer(QStringLiteral("fc.weight")));
        QVERIFY(view.waitUntilIdle(120000));
        QChart *chart = view.layerFigure()->chart(QStringLiteral("histogram"));
        QVERIFY(chart && chart->scene() && !chart->scene()->views().isEmpty());
        QGraphicsView *chartView = chart->scene()->views().first();
        const double alpha = view.selectedAnalysis()->alpha;
        const double target = 0.6 * alpha;
        auto viewportPoint = [&](double x) {
            return chartView->mapFromScene(chart->mapToScene(chart->mapToPosition(QPointF(x, 0.0))));
        };
        QWidget *viewport = chartView->viewport();
        QTest::mousePress(viewport, Qt::LeftButton, {}, viewportPoint(alpha));
        QMouseEvent move(QEvent::MouseMove, QPointF(viewportPoint(target)),
                         viewport->mapToGlobal(QPointF(viewportPoint(target))), Qt::NoButton, Qt::LeftButton,
                         Qt::NoModifier);
        QApplication::sendEvent(viewport, &move);
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, viewportPoint(target));
        QTRY_VERIFY(view.selectedAnalysis() &&
                    std::abs(view.selectedAnalysis()->alpha - target) < 0.05 * alpha);
        // The displayed error is core's at the dragged-to alpha.
        const auto &layer = *view.snapshot()->layer("fc.weight");
        const auto expected = qs::analyzeWeightValues(layer.name, view.snapshot()->weights(layer.name),
                                                      layer.shape, {view.scheme(), view.bits(), true},
                                                      view.selectedAnalysis()->alpha, false);
        QCOMPARE(view.selectedAnalysis()->mse, expected.mse);
        // Pressing away from the line does not grab it.
        const double before = view.selectedAnalysis()->alpha;
        QTest::mousePress(viewport, Qt::LeftButton, {}, viewportPoint(0.0));
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, viewportPoint(0.0));
        QTest::qWait(50);
        QCOMPARE(view.selectedAnalysis()->alpha, before);
    }

    void sweepCancels()
    {
        ModelView view;
        QVERIFY(view.openModel(m_model)); // starts a sweep
        QVERIFY(view.sweepRunning());
        view.cancelSweep();
        QVERIFY(!view.sweepRunning());
        QVERIFY(view.sweepPoints().empty());
        QVERIFY(view.waitUntilIdle(120000));
        QTest::qWait(200); // the cancelled job's late result, if any, must be ignored
        QVERIFY(view.sweepPoints().empty());
        view.startSweep();
        QVERIFY(view.waitUntilIdle(120000));
        QVERIFY(!view.sweepPoints().empty());
    }

    void everyChartExports_data()
    {
        QTest::addColumn<int>("page");
        QTest::addColumn<QString>("suffix");
        for (int page = 0; page < 3; ++page)
            for (const char *suffix : {"png", "svg", "pdf"})
                QTest::addRow("page%d-%s", page, suffix) << page << QString::fromLatin1(suffix);
    }

    void everyChartExports()
    {
        QFETCH(int, page);
        QFETCH(QString, suffix);
        ModelView view;
        QVERIFY(view.openModel(m_model));
        QVERIFY(view.waitUntilIdle(120000));
        view.showPage(ModelView::Page(page));
        const FigureSpec figure = view.figure();
        QVERIFY(!figure.panels.isEmpty());
        QCOMPARE(figure.id, (QStringList{QStringLiteral("histogram"), QStringLiteral("layer-error"),
                                         QStringLiteral("bit-sweep")}[page]));
        const QString path = m_dir.filePath(QStringLiteral("export-%1.%2").arg(page).arg(suffix));
        ExportOptions options;
        options.format = *figureFormatForPath(path);
        options.dpi = 120;
        const auto error = exportFigure(figure, path, options);
        QVERIFY2(!error, qPrintable(error.value_or(QString())));
        const QByteArray bytes = readAll(path);
        if (suffix == QLatin1String("png")) {
            QImageReader reader(path);
            QCOMPARE(reader.size(), figurePixelSize(figure, options.preset, 120));
        } else if (suffix == QLatin1String("svg")) {
            QXmlStreamReader xml(bytes);
            bool sawSvg = false;
            while (!xml.atEnd()) {
                xml.readNext();
                sawSvg = sawSvg || (xml.isStartElement() && xml.name() == QLatin1String("svg"));
            }
            QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
            QVERIFY(sawSvg);
        } else {
            QVERIFY(bytes.startsWith("%PDF"));
            QVERIFY(bytes.contains("/Page"));
        }
        const QList<QByteArray> lines = readAll(csvPathFor(path)).trimmed().split('\n');
        QCOMPARE(lines.size() - 1, figureCsvRowCount(figure));
    }

    void mainWindowHasTheModelTab()
    {
        MainWindow window;
        QCOMPARE(window.tabs()->count(), 3);
        QCOMPARE(window.tabs()->tabText(2), QStringLiteral("Model"));
        bool sawShortcut = false, sawOpen = false;
        for (QAction *action : window.findChildren<QAction *>()) {
            sawShortcut = sawShortcut || action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_3);
            sawOpen = sawOpen || action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_O);
        }
        QVERIFY(sawShortcut);
        QVERIFY(sawOpen);
        QVERIFY(window.modelView()->openModel(m_model));
        window.showTab(MainWindow::Tab::Model);
        QCOMPARE(&window.currentFigure(), &window.modelView()->figure());
        // The model and choices persist.
        window.modelView()->setBits(3);
        window.saveSettings();
        QVERIFY(window.modelView()->waitUntilIdle(120000));
        MainWindow again;
        again.restoreSettings();
        QCOMPARE(again.modelView()->modelPath(), m_model);
        QCOMPARE(again.modelView()->bits(), 3);
        QVERIFY(again.modelView()->waitUntilIdle(120000));
    }

    void cliModelKinds_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        const QString w = m_model;
        auto out = [this](const char *name) { return m_dir.filePath(QString::fromLatin1(name)); };
        QTest::newRow("histogram-svg")
            << QStringList{QStringLiteral("--kind"),    QStringLiteral("histogram"),
                           QStringLiteral("--weights"), w,
                           QStringLiteral("--layer"),   QStringLiteral("layer1.0.conv1"),
                           QStringLiteral("--scheme"),  QStringLiteral("apot"),
                           QStringLiteral("--bits"),    QStringLiteral("4"),
                           QStringLiteral("--out"),     out("h.svg")}
            << 0;
        QTest::newRow("histogram-search-pdf") << QStringList{QStringLiteral("--kind"),
                                                             QStringLiteral("histogram"),
                                                             QStringLiteral("--weights"),
                                                             w,
                                                             QStringLiteral("--alpha-search"),
                                                             QStringLiteral("--overlay"),
                                                             QStringLiteral("pot"),
                                                             QStringLiteral("--log"),
                                                             QStringLiteral("--out"),
                                                             out("h.pdf")}
                                              << 0;
        QTest::newRow("layer-error-png")
            << QStringList{QStringLiteral("--kind"),    QStringLiteral("layer-error"),
                           QStringLiteral("--weights"), w,
                           QStringLiteral("--scheme"),  QStringLiteral("uniform"),
                           QStringLiteral("--bits"),    QStringLiteral("3"),
                           QStringLiteral("--alpha"),   QStringLiteral("2"),
                           QStringLiteral("--dpi"),     QStringLiteral("100"),
                           QStringLiteral("--out"),     out("le.png")}
            << 0;
        QTest::newRow("bit-sweep-svg")
            << QStringList{QStringLiteral("--kind"),    QStringLiteral("bit-sweep"),
                           QStringLiteral("--weights"), w,
                           QStringLiteral("--out"),     out("bs.svg")}
            << 0;
        QTest::newRow("no-weights") << QStringList{QStringLiteral("--kind"), QStringLiteral("histogram"),
                                                   QStringLiteral("--out"), out("x.svg")}
                                    << 2;
        QTest::newRow("alpha-and-search") << QStringList{QStringLiteral("--kind"),
                                                         QStringLiteral("histogram"),
                                                         QStringLiteral("--weights"),
                                                         w,
                                                         QStringLiteral("--alpha"),
                                                         QStringLiteral("2"),
                                                         QStringLiteral("--alpha-search"),
                                                         QStringLiteral("--out"),
                                                         out("x.svg")}
                                          << 2;
        QTest::newRow("bad-bits") << QStringList{QStringLiteral("--kind"),    QStringLiteral("layer-error"),
                                                 QStringLiteral("--weights"), w,
                                                 QStringLiteral("--scheme"),  QStringLiteral("apot"),
                                                 QStringLiteral("--bits"),    QStringLiteral("9"),
                                                 QStringLiteral("--out"),     out("x.svg")}
                                  << 2;
        QTest::newRow("unknown-layer")
            << QStringList{QStringLiteral("--kind"),    QStringLiteral("histogram"),
                           QStringLiteral("--weights"), w,
                           QStringLiteral("--layer"),   QStringLiteral("nope"),
                           QStringLiteral("--out"),     out("x.svg")}
            << 2;
        QTest::newRow("corrupt-file") << QStringList{QStringLiteral("--kind"),    QStringLiteral("bit-sweep"),
                                                     QStringLiteral("--weights"), m_corrupt,
                                                     QStringLiteral("--out"),     out("x.svg")}
                                      << 1;
        QTest::newRow("missing-file")
            << QStringList{QStringLiteral("--kind"), QStringLiteral("histogram"), QStringLiteral("--weights"),
                           out("missing.pt"),        QStringLiteral("--out"),     out("x.svg")}
            << 1;
    }

    void cliModelKinds()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        const Run run = runCli(args);
        QVERIFY2(run.exitCode == exitCode, run.err.constData());
        const QString out = args.last();
        if (exitCode == 0) {
            QVERIFY(QFile::exists(out));
            QVERIFY(QFile::exists(csvPathFor(out)));
            QVERIFY(readAll(out).size() > 1000);
        } else {
            QCOMPARE(run.err.trimmed().count('\n'), 0);
            QVERIFY(!QFile::exists(out));
        }
    }
};

QTEST_MAIN(TestModelView)
#include "tst_modelview.moc"
