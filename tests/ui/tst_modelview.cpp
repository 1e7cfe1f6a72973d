// The Model view offscreen: it opens a model file through its public API, its histogram and occupancy show
// the layer's weights and analyzeWeightValues's counts, the clip slider recomputes MSE live, a corrupt file
// leaves the previous model up with one error, every chart exports; the Activations page shows core's
// capture and activation analysis, the accuracy sweep reports progress, cancels and draws core's PTQ
// numbers; and the CLI's model figure kinds.

#include "core/analysis/activations.h"
#include "core/analysis/ptq.h"
#include "core/train/trainer.h"
#include "core/analysis/analysis.h"
#include "core/analysis/modelsnapshot.h"
#include "ui/figures/weightfigures.h"
#include "ui/mainwindow.h"
#include "ui/plotting/figureexport.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/modelview.h"
#include "ui/views/runsview.h"
#include "testsupport.h"

#include "uitestsupport.h"

#include <QAction>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QMenu>
#include <QMimeData>
#include <QMouseEvent>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QChart>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QImageReader>
#include <QLabel>
#include <QProcess>
#include <QProcessEnvironment>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QCategoryAxis>
#include <QTextDocument>
#include <QValueAxis>
#include <QWheelEvent>
#include <QXYSeries>
#include <QXmlStreamReader>

#include <QRegularExpression>

#include <algorithm>
#include <cstring>
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

// The value below which `fraction` of `values` lie (nearest rank), computed here by a full sort.
double sortedPercentile(std::vector<float> values, double fraction)
{
    std::sort(values.begin(), values.end());
    return double(values[size_t(std::llround(fraction * double(values.size() - 1)))]);
}

// Layers with a learned 4-bit clip and a few far outliers (|w~| about 9 in one of them), as a trained
// ResNet's first blocks have.
ModelSnapshot outlierModel()
{
    std::vector<SnapshotLayer> layers{
        layer("conv1.weight", {16, 3, 3, 3}), layer("layer1.0.conv1.weight", {32, 32, 3, 3}, 2.2),
        layer("layer2.1.downsample.0.weight", {64, 32, 1, 1}, 2.0), layer("linear.weight", {10, 64}, 2.4)};
    std::vector<std::vector<float>> weights;
    for (size_t i = 0; i < layers.size(); ++i)
        weights.push_back(gaussian(layers[i].numel, 0.0, 0.05, 7 + uint32_t(i)));
    for (int k = 0; k < 6; ++k) // about 9 standard deviations out, both signs
        weights[1][size_t(97 * k + 5)] = (k % 2 ? -1.0f : 1.0f) * 0.45f;
    return ModelSnapshot::fromLayers("outliers", "outlier model", layers, weights);
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

// Exports `figure` to `path` (the format from its suffix) and checks the file is a readable image of it.
void verifyExport(const FigureSpec &figure, const QString &path, int dpi)
{
    ExportOptions options;
    options.format = *figureFormatForPath(path);
    options.dpi = dpi;
    const auto error = exportFigure(figure, path, options);
    QVERIFY2(!error, qPrintable(error.value_or(QString())));
    const QByteArray bytes = readAll(path);
    if (path.endsWith(QLatin1String(".png"))) {
        QImageReader reader(path);
        QCOMPARE(reader.size(), figurePixelSize(figure, options.preset, dpi));
        QVERIFY(!reader.read().isNull());
    } else if (path.endsWith(QLatin1String(".svg"))) {
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
}

using Run = qs::test::CliRun;

// `quantscope-cli eval ARGS --format json`: the JSON object and the stderr lines.
QJsonObject evalJson(const QStringList &args, QByteArray *err = nullptr)
{
    const Run r =
        qs::test::runQuantscopeCli(QStringList{QStringLiteral("eval")} + args, qs::test::Display::None);
    if (err)
        *err = r.err;
    return r.exitCode == 0 ? QJsonDocument::fromJson(r.out).object() : QJsonObject();
}

// The conv and linear weights of torchvision's resnet18 (tests/data/torchvision/resnet18.keys: its real names
// and shapes), seeded values, written as a PyTorch state_dict by the torch-free writer.
ModelSnapshot torchvisionResNet18()
{
    QFile file(QStringLiteral(QUANTSCOPE_TORCHVISION_KEYS "/resnet18.keys"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    std::vector<SnapshotLayer> layers;
    std::vector<std::vector<float>> weights;
    uint32_t seed = 1;
    for (const QByteArray &line : file.readAll().split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (line.startsWith('#') || fields.size() != 3 || !fields[0].endsWith(".weight"))
            continue;
        const QList<QByteArray> dims = fields[2].split('x');
        if (dims.size() != 4 && dims.size() != 2)
            continue;
        SnapshotLayer l;
        l.name = fields[0].toStdString();
        l.numel = 1;
        for (const QByteArray &d : dims) {
            l.shape.push_back(d.toLongLong());
            l.numel *= l.shape.back();
        }
        weights.push_back(gaussian(l.numel, 0.0, 0.05, seed++));
        layers.push_back(std::move(l));
    }
    return ModelSnapshot::fromLayers("resnet18", "torchvision resnet18 weights", layers, weights);
}

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
    QString m_runModel; // a checkpoint of ours, APoT W4A4, trained on synthetic data it names
    ModelSnapshot m_snapshot;

    // Background analysis, sweeps, captures: a minute is plenty on 2 shared cores; five for slack.
    static bool waitForJobs(ModelView &view) { return view.waitUntilIdle(300000); }

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

        TrainConfig config;
        config.dataset = "synthetic:64";
        config.method = "apot";
        config.wbits = config.abits = 4;
        config.epochs = 1;
        config.batchSize = 32;
        config.augment = false;
        config.threads = 1; // a second intra-op thread spins on a shared 2-core machine
        config.device = "cpu";
        const QString run = m_dir.filePath(QStringLiteral("run"));
        const auto trained = runTraining(config, run.toStdString(), nullptr, {});
        QCOMPARE(trained.outcome, TrainOutcome::Completed);
        m_runModel = run + QStringLiteral("/last.qsckpt");
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

        // Over the full range, the histogram's plotted total is every weight.
        auto *rangeCombo = view.findChild<QComboBox *>(QStringLiteral("histRangeCombo"));
        QVERIFY(rangeCombo);
        rangeCombo->setCurrentIndex(int(HistogramRange::Full));
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

    void sweepReoptimizesTheClipPerPoint()
    {
        const QString path = m_dir.filePath(QStringLiteral("outliers.pt"));
        const ModelSnapshot model = outlierModel();
        model.saveStateDict(path.toStdString());
        ModelView view;
        QVERIFY(view.openModel(path));
        QVERIFY(view.waitUntilIdle(300000));
        auto *fixed = view.findChild<QCheckBox *>(QStringLiteral("fixedClipCheck"));
        QVERIFY(fixed);
        QVERIFY(!fixed->isChecked()); // re-optimized by default, whatever the sidebar's clip rule
        const auto pointOf = [](const std::vector<SweepPoint> &points, Scheme scheme, int bits) {
            for (const auto &p : points)
                if (p.scheme == scheme && p.bits == bits)
                    return p;
            return SweepPoint{};
        };
        // Every point is core's analysis with that grid's MSE-optimal clip per layer.
        const auto searched = view.sweepPoints();
        QCOMPARE(searched.size(), size_t(15));
        for (const auto &p : searched) {
            const auto expected = analyzeSnapshot(*view.snapshot(), p.scheme, p.bits, std::nullopt, true);
            QCOMPARE(p.layerSqnrDb.size(), expected.size());
            for (size_t i = 0; i < expected.size(); ++i)
                QS_COMPARE_NEAR(p.layerSqnrDb[i], expected[i].sqnrDb, 1e-9);
        }
        // Uniform gains about 6 dB per bit once its clip follows the grid (4 -> 6 bits: ~11 dB); PoT's
        // extra bits only add levels below alpha/64, so it stays flat whatever the clip, and the note says
        // so.
        const auto gain = [&](const std::vector<SweepPoint> &points, Scheme scheme) {
            return pointOf(points, scheme, 6).meanSqnrDb - pointOf(points, scheme, 4).meanSqnrDb;
        };
        const double uniformGain = gain(searched, Scheme::Uniform);
        QVERIFY2(uniformGain > 9.0, qPrintable(QStringLiteral("uniform 4->6 bits: %1 dB").arg(uniformGain)));
        QVERIFY2(std::abs(gain(searched, Scheme::PoT)) < 0.1,
                 qPrintable(QStringLiteral("PoT 4->6 bits: %1 dB").arg(gain(searched, Scheme::PoT))));
        QVERIFY2(view.sweepFigure()->figure().note.contains(QStringLiteral("PoT stays flat from 4 bits")),
                 qPrintable(view.sweepFigure()->figure().note));
        QVERIFY(view.sweepFigure()->figure().note.contains(QStringLiteral("re-optimized")));
        QVERIFY(view.sweepFigure()->figure().panels.front().title.contains(QStringLiteral("re-optimized")));

        // Fixed clip: the checkpoint's alpha at every point (else 3.0), as core's analysis without search.
        fixed->setChecked(true);
        QVERIFY(view.sweepRunning());
        QVERIFY(view.waitUntilIdle(300000));
        const auto kept = view.sweepPoints();
        QCOMPARE(kept.size(), size_t(15));
        for (const auto &p : kept) {
            const auto expected = analyzeSnapshot(*view.snapshot(), p.scheme, p.bits, std::nullopt, false);
            for (size_t i = 0; i < expected.size(); ++i)
                QS_COMPARE_NEAR(p.layerSqnrDb[i], expected[i].sqnrDb, 1e-9);
        }
        // A clip learned at 4 bits is too narrow for 6: uniform gains much less than with its own clip.
        const double fixedUniformGain = gain(kept, Scheme::Uniform);
        qInfo("uniform 4->6 bits: %.2f dB re-optimized, %.2f dB fixed; PoT %.3f / %.3f dB", uniformGain,
              fixedUniformGain, gain(searched, Scheme::PoT), gain(kept, Scheme::PoT));
        QVERIFY2(uniformGain - fixedUniformGain > 2.5,
                 qPrintable(QStringLiteral("uniform 4->6 bits: %1 dB re-optimized, %2 dB fixed")
                                .arg(uniformGain)
                                .arg(fixedUniformGain)));
        QVERIFY(view.sweepFigure()->figure().note.startsWith(QStringLiteral("Fixed clip")));
    }

    void sweepSearchOnASampleOfALargeLayer()
    {
        // A layer past the 65536-weight sample: its swept clip comes from a sample, its error from all
        // weights, within 0.05 dB of the full search.
        std::vector<SnapshotLayer> layers{layer("layer4.0.conv1.weight", {256, 128, 3, 3})};
        const auto model = ModelSnapshot::fromLayers("big", "one large layer", layers,
                                                     {gaussian(layers[0].numel, 0.0, 0.02, 3)});
        const auto points = bitSweep(model, {Scheme::Uniform, Scheme::APoT}, 4, 5, true, nullptr);
        QCOMPARE(points.size(), size_t(4));
        for (const auto &p : points) {
            const auto full = analyzeSnapshot(model, p.scheme, p.bits, std::nullopt, true);
            QVERIFY2(std::abs(p.meanSqnrDb - full[0].sqnrDb) < 0.05,
                     qPrintable(
                         QStringLiteral("%1 dB sampled, %2 dB full").arg(p.meanSqnrDb).arg(full[0].sqnrDb)));
        }
    }

    void histogramRangeLeavesOutliersOut()
    {
        const QString path = m_dir.filePath(QStringLiteral("outliers-hist.pt"));
        const ModelSnapshot model = outlierModel();
        model.saveStateDict(path.toStdString());
        ModelView view;
        view.resize(1280, 720);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.openModel(path));
        const std::string name = "layer1.0.conv1.weight";
        QVERIFY(view.selectLayer(QString::fromStdString(name)));
        QVERIFY(view.waitUntilIdle(120000));
        const auto &a = *view.selectedAnalysis();
        const std::vector<float> normalized = normalizeWeights(model.weights(name), a.mean, a.std);
        float maxAbs = 0;
        for (float v : normalized)
            maxAbs = std::max(maxAbs, std::abs(v));
        QVERIFY2(maxAbs > 8.0f, qPrintable(QString::number(maxAbs))); // the premise: far outliers

        // Default: bins over the 0.1-99.9 percentiles, the axis over those and the clip, never +-9.
        const double p001 = sortedPercentile(normalized, 0.001), p999 = sortedPercentile(normalized, 0.999);
        QXYSeries *hist = findSeries(view.layerFigure(), QStringLiteral("histogram"));
        QVERIFY(hist && hist->count() > 2);
        QS_COMPARE_NEAR(hist->at(0).x(), p001, 1e-6);
        QS_COMPARE_NEAR(hist->at(hist->count() - 1).x(), p999, 1e-6);
        auto *axis = qobject_cast<QValueAxis *>(
            view.layerFigure()->chart(QStringLiteral("histogram"))->axes(Qt::Horizontal).value(0));
        QVERIFY(axis);
        QVERIFY(axis->min() <= std::min(p001, -a.alpha) && axis->max() >= std::max(p999, a.alpha));
        QVERIFY2(axis->max() - axis->min() < 1.2 * (std::max(p999, a.alpha) - std::min(p001, -a.alpha)),
                 qPrintable(QStringLiteral("[%1, %2]").arg(axis->min()).arg(axis->max())));
        QVERIFY(axis->max() < 0.6 * maxAbs);
        int64_t inside = 0;
        for (float v : normalized)
            inside += (v >= p001 && v <= p999) ? 1 : 0;
        QVERIFY(view.layerFigure()->figure().note.contains(
            QStringLiteral("%1 weights").arg(int64_t(normalized.size()) - inside)));

        // Full range: the outliers are in.
        auto *combo = view.findChild<QComboBox *>(QStringLiteral("histRangeCombo"));
        combo->setCurrentIndex(int(HistogramRange::Full));
        hist = findSeries(view.layerFigure(), QStringLiteral("histogram"));
        QVERIFY(std::abs(hist->at(0).x()) >= maxAbs && hist->at(hist->count() - 1).x() >= maxAbs);

        // A typed range: bins and axis over it.
        auto *lo = view.findChild<QDoubleSpinBox *>(QStringLiteral("histLoSpin"));
        auto *hi = view.findChild<QDoubleSpinBox *>(QStringLiteral("histHiSpin"));
        QVERIFY(lo && hi);
        lo->setValue(-1.5);
        hi->setValue(2.0);
        QCOMPARE(combo->currentIndex(), int(HistogramRange::Custom));
        hist = findSeries(view.layerFigure(), QStringLiteral("histogram"));
        QCOMPARE(hist->at(0).x(), -1.5);
        QCOMPARE(hist->at(hist->count() - 1).x(), 2.0);
        axis = qobject_cast<QValueAxis *>(
            view.layerFigure()->chart(QStringLiteral("histogram"))->axes(Qt::Horizontal).value(0));
        QCOMPARE(axis->min(), -1.5);
        QCOMPARE(axis->max(), 2.0);

        // The wheel zooms about the pointer: a step in narrows the range around x = 1.
        QChart *chart = view.layerFigure()->chart(QStringLiteral("histogram"));
        QGraphicsView *chartView = chart->scene()->views().first();
        const QPointF at =
            chartView->mapFromScene(chart->mapToScene(chart->mapToPosition(QPointF(1.0, 1.0))));
        QWheelEvent wheel(at, chartView->viewport()->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(chartView->viewport(), &wheel);
        QVERIFY(lo->value() > -1.5 && hi->value() < 2.0);
        QS_COMPARE_NEAR((1.0 - lo->value()) / (hi->value() - 1.0), 2.5 / 1.0, 0.05);
        hist = findSeries(view.layerFigure(), QStringLiteral("histogram"));
        QS_COMPARE_NEAR(hist->at(0).x(), lo->value(), 1e-9);
        combo->setCurrentIndex(int(HistogramRange::Percentiles));
        hist = findSeries(view.layerFigure(), QStringLiteral("histogram"));
        QS_COMPARE_NEAR(hist->at(0).x(), p001, 1e-6);
    }

    void layerNamesOnTheAxisAndInTheTree()
    {
        const QString path = m_dir.filePath(QStringLiteral("outliers-names.pt"));
        const ModelSnapshot model = outlierModel();
        model.saveStateDict(path.toStdString());
        ModelView view;
        view.resize(1280, 720);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.openModel(path));
        view.showPage(ModelView::Page::LayerSqnr);
        QVERIFY(view.waitUntilIdle(120000));
        QChart *chart = view.sqnrFigure()->chart(QStringLiteral("layer-sqnr"));
        QVERIFY(chart);
        auto *axis = qobject_cast<QCategoryAxis *>(chart->axes(Qt::Horizontal).value(0));
        QVERIFY(axis);
        QStringList expected;
        for (const auto &l : model.layers())
            expected << QString::fromStdString(l.name).chopped(int(std::strlen(".weight")));
        QCOMPARE(axis->categoriesLabels(), expected);
        QCOMPARE(axis->labelsAngle(), -90);
        // Ctrl+E exports the index axis (paper draws no category labels on x), naming each index.
        const FigureSpec exported = view.figure();
        QVERIFY(exported.panels.front().x.categories.isEmpty());
        bool named = false;
        for (const auto &[key, value] : exported.settings)
            named = named || (key == QStringLiteral("layers") &&
                              value.contains(QStringLiteral("2 layer2.1.downsample.0")));
        QVERIFY(named);

        // The tree elides long names in the middle and keeps the whole name in the tooltip.
        QCOMPARE(view.layerTree()->textElideMode(), Qt::ElideMiddle);
        for (int row = 0; row < view.layerTree()->topLevelItemCount(); ++row)
            QCOMPARE(view.layerTree()->topLevelItem(row)->toolTip(0),
                     QString::fromStdString(model.layers()[size_t(row)].name));
    }

    void toolTipsAreRichText()
    {
        ModelView view;
        QVERIFY(view.openModel(m_model));
        int checked = 0;
        for (QWidget *w : view.findChildren<QWidget *>()) {
            const QString tip = w->toolTip();
            if (tip.isEmpty())
                continue;
            ++checked;
            QVERIFY2(Qt::mightBeRichText(tip), qPrintable(w->objectName() + QStringLiteral(": ") + tip));
            QTextDocument doc;
            doc.setHtml(tip);
            QVERIFY2(!doc.toPlainText().contains(QRegularExpression(QStringLiteral("&[a-z]+;"))),
                     qPrintable(doc.toPlainText()));
        }
        QVERIFY(checked > 10);
        // The clip slider's keyboard step is 0.05 in alpha, Page Up/Down 0.25.
        view.alphaSlider()->setFocus();
        const double before = view.alphaSpin()->value();
        QTest::keyClick(view.alphaSlider(), Qt::Key_Right);
        QS_COMPARE_NEAR(view.alphaSpin()->value(), before + 0.05, 1e-9);
        QTest::keyClick(view.alphaSlider(), Qt::Key_PageUp);
        QS_COMPARE_NEAR(view.alphaSpin()->value(), before + 0.30, 1e-9);
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

    void activationsPageShowsCoreAnalysis()
    {
        ModelView view;
        view.resize(1300, 800);
        view.show();
        QVERIFY(view.openModel(m_runModel));
        view.setCaptureImages(40);
        const std::string name = "layer1.0.conv1.weight";
        QVERIFY(view.selectLayer(QString::fromStdString(name)));
        QVERIFY(!view.activations());
        view.showPage(ModelView::Page::Activations); // the checkpoint names its data set: runs by itself
        QVERIFY(view.captureRunning());
        QVERIFY(waitForJobs(view));
        QVERIFY(view.activations());
        QCOMPARE(view.activations()->images, int64_t(40));
        QCOMPARE(view.activations()->dataSpec, std::string("synthetic:64"));

        // The values behind the chart are core's capture of the same request.
        ActivationRequest request;
        request.weights = m_runModel.toStdString();
        request.images = 40;
        const auto direct = captureActivations(request, {});
        const LayerActivations *shown = view.activations()->layer(name);
        const LayerActivations *expectedLayer = direct.layer(name);
        QVERIFY(shown && expectedLayer);
        QVERIFY(shown->values == expectedLayer->values);
        QVERIFY(shown->checkpointAlpha); // an APoT checkpoint has act_alpha

        view.setScheme(Scheme::APoT);
        view.setActivationBits(3);
        const LevelSpec spec{Scheme::APoT, 3, false};
        const auto expected =
            analyzeActivationValues(name, expectedLayer->values, spec, expectedLayer->checkpointAlpha, false);
        QVERIFY(view.selectedActivationAnalysis());
        const auto &a = *view.selectedActivationAnalysis();
        QCOMPARE(a.alphaSource, std::string("checkpoint"));
        QCOMPARE(a.alpha, expected.alpha);
        QCOMPARE(a.mse, expected.mse);
        QCOMPARE(a.counts, expected.counts);
        QVERIFY2(view.activationErrorLabel()->text().contains(QString::number(expected.mse, 'g', 4)),
                 qPrintable(view.activationErrorLabel()->text()));

        // The chart: occupancy markers at the levels with core's counts, every value in the histogram, the
        // clip line at alpha, the levels at alpha times the unsigned set.
        QCOMPARE(view.figure().id, QStringLiteral("activations"));
        QXYSeries *occ = findSeries(view.activationFigure(), QStringLiteral("occupancy"));
        QVERIFY(occ);
        QCOMPARE(size_t(occ->count()), expected.counts.size());
        for (int i = 0; i < occ->count(); ++i) {
            QCOMPARE(int64_t(occ->at(i).y()), expected.counts[size_t(i)]);
            QS_COMPARE_NEAR(occ->at(i).x(), expected.levels[size_t(i)], 1e-9);
        }
        const auto levels = levelSet(spec);
        QS_COMPARE_NEAR(expected.levels.back(), expected.alpha * levels.back(), 1e-12);
        QXYSeries *clip = findSeries(view.activationFigure(), QStringLiteral("clip"));
        QVERIFY(clip && clip->count() > 0);
        QS_COMPARE_NEAR(clip->at(0).x(), expected.alpha, 1e-12);
        view.findChild<QCheckBox *>(QStringLiteral("activationLogCheck"))->setChecked(false);
        QXYSeries *hist = findSeries(view.activationFigure(), QStringLiteral("histogram"));
        QVERIFY(hist);
        const int bins = view.binsSpin()->value();
        QCOMPARE(int(hist->points().size()), 2 * bins + 2);
        double total = 0;
        for (int i = 0; i < bins; ++i)
            total += hist->points()[1 + 2 * i].y();
        // The bins span the 0.1-99.9 percentiles by default: they count every value in their span, and the
        // few outliers beyond it (at most about 0.2 %) are left out rather than squeezing the bulk.
        const double binLo = hist->points().front().x(), binHi = hist->points().back().x();
        const auto inSpan = std::count_if(shown->values.begin(), shown->values.end(),
                                          [&](float v) { return double(v) >= binLo && double(v) <= binHi; });
        QCOMPARE(int64_t(std::llround(total)), int64_t(inSpan));
        QVERIFY2(double(inSpan) >= 0.997 * double(shown->values.size()),
                 qPrintable(QStringLiteral("%1 of %2").arg(inSpan).arg(shown->values.size())));

        // Moving the clip re-analyses live, with core's numbers.
        const double moved = std::round(0.4 * expected.alpha * 1000.0) / 1000.0;
        view.activationAlphaSpin()->setValue(moved);
        QTRY_VERIFY(view.selectedActivationAnalysis() &&
                    std::abs(view.selectedActivationAnalysis()->alpha - moved) < 1e-9);
        const auto atMoved = analyzeActivationValues(name, expectedLayer->values, spec, moved, false);
        QCOMPARE(view.selectedActivationAnalysis()->mse, atMoved.mse);
        QCOMPARE(view.selectedActivationAnalysis()->alphaSource, std::string("manual"));
        QVERIFY(std::abs(atMoved.mse - expected.mse) > 1e-12);

        // The MSE-optimal button: core's searched clip, no worse than the others.
        view.findChild<QPushButton *>(QStringLiteral("searchActivationAlphaButton"))->click();
        const auto searched = analyzeActivationValues(name, expectedLayer->values, spec, std::nullopt, true);
        QS_COMPARE_NEAR(view.selectedActivationAnalysis()->alpha, searched.alpha, 1e-9);
        QCOMPARE(view.selectedActivationAnalysis()->mse, searched.mse);
        QVERIFY(searched.mse <= std::min(atMoved.mse, expected.mse) + 1e-12);

        // The first conv takes the image: nothing to show, and the page says why.
        QVERIFY(view.selectLayer(QStringLiteral("conv1.weight")));
        QVERIFY(!view.selectedActivationAnalysis());
        QVERIFY(view.figure().panels.isEmpty());
        QVERIFY2(view.figure().note.contains(QStringLiteral("image")), qPrintable(view.figure().note));

        // A PyTorch file names no data set: no automatic run, and the page asks for one.
        QVERIFY(view.openModel(m_model));
        QVERIFY(!view.captureRunning());
        QVERIFY(view.figure().note.contains(QStringLiteral("names no data set")));
    }

    void accuracySweepShowsProgressAndCancels()
    {
        ModelView view;
        view.resize(1300, 800);
        view.show();
        QVERIFY(view.openModel(m_runModel));
        view.showPage(ModelView::Page::BitSweep);
        QVERIFY(waitForJobs(view)); // the SQNR sweep
        QCOMPARE(view.figure().panels.size(), 1);

        // 2000 synthetic test images: long enough to cancel between two batches.
        view.setDataSpec(QStringLiteral("synthetic:2000"));
        view.setAccuracyImages(0);
        view.startAccuracySweep();
        QVERIFY(view.accuracyRunning());
        QTRY_VERIFY_WITH_TIMEOUT(view.accuracyProgress()->value() > 0, 60000);
        QVERIFY(view.accuracyRunning());
        QVERIFY(view.accuracyProgress()->value() < 1000);
        view.cancelAccuracySweep();
        QVERIFY(!view.accuracyRunning());
        QVERIFY(view.accuracyProgress()->text().contains(QStringLiteral("cancelled")));
        QVERIFY(waitForJobs(view));
        QTest::qWait(300); // the cancelled job's late result, if any, must be ignored
        QVERIFY(!view.accuracy());
        QCOMPARE(view.figure().panels.size(), 1);

        // On the checkpoint's own 64 images it finishes; the chart is core's sweep.
        view.setDataSpec(QString());
        view.startAccuracySweep();
        QVERIFY(waitForJobs(view));
        QVERIFY(view.accuracy());
        PtqRequest request;
        request.weights = m_runModel.toStdString();
        request.testImages = 0;
        request.alphaSearch = true; // the page re-optimizes the clip per point unless "Fixed clip"
        const auto expected = ptqAccuracySweep(request, {});
        QCOMPARE(view.accuracy()->points.size(), expected.points.size());
        QCOMPARE(expected.points.size(), size_t(15)); // uniform, PoT, APoT at 2..6 bits
        QCOMPARE(view.figure().panels.size(), 2);
        QCOMPARE(view.figure().panels[1].id, QStringLiteral("accuracy"));
        QXYSeries *fp = findSeries(view.sweepFigure(), QStringLiteral("accuracy.fp"));
        QVERIFY(fp && fp->count() == 2);
        QS_COMPARE_NEAR(fp->at(0).y(), expected.referenceTop1, 1e-9);
        for (Scheme scheme : {Scheme::Uniform, Scheme::PoT, Scheme::APoT}) {
            QXYSeries *line = findSeries(view.sweepFigure(), QStringLiteral("accuracy.") +
                                                                 QString::fromStdString(schemeName(scheme)));
            QVERIFY(line);
            int i = 0;
            for (const auto &p : expected.points)
                if (p.scheme == scheme) {
                    QVERIFY(i < line->count());
                    QCOMPARE(line->at(i).x(), double(p.bits));
                    QS_COMPARE_NEAR(line->at(i).y(), p.top1, 1e-9);
                    ++i;
                }
            QCOMPARE(i, line->count());
        }
        QVERIFY(view.figure().note.contains(QStringLiteral("weights-only")));
    }

    void newFiguresExport()
    {
        ModelView view;
        view.resize(1300, 800);
        QVERIFY(view.openModel(m_runModel));
        view.setCaptureImages(16);
        view.setAccuracyImages(32);
        QVERIFY(view.selectLayer(QStringLiteral("layer2.0.conv1.weight")));
        view.showPage(ModelView::Page::Activations);
        view.startAccuracySweep();
        QVERIFY(waitForJobs(view));
        const FigureSpec activations = view.figure();
        view.showPage(ModelView::Page::BitSweep);
        const FigureSpec sweep = view.figure();
        QCOMPARE(activations.id, QStringLiteral("activations"));
        QCOMPARE(activations.panels.size(), 2);
        QCOMPARE(sweep.panels.size(), 2);
        for (const FigureSpec &figure : {activations, sweep})
            for (const char *suffix : {"png", "svg", "pdf"}) {
                const QString path =
                    m_dir.filePath(QStringLiteral("new-%1.%2").arg(figure.id, QLatin1String(suffix)));
                verifyExport(figure, path, 150);
                if (QTest::currentTestFailed())
                    return;
                // The CSV holds every plotted series, the accuracy ones included.
                const QByteArray csv = readAll(csvPathFor(path));
                for (const PanelSpec &panel : figure.panels)
                    for (const SeriesSpec &series : panel.series)
                        QVERIFY2(csv.contains(series.name.toUtf8()), qPrintable(series.name));
            }
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
        verifyExport(figure, path, 120);
        if (QTest::currentTestFailed())
            return;
        QList<QByteArray> lines = readAll(csvPathFor(path)).trimmed().split('\n');
        while (!lines.isEmpty() && lines.first().startsWith('#')) // the settings, "# key: value"
            lines.removeFirst();
        QCOMPARE(lines.size() - 1, figureCsvRowCount(figure));
    }

    void mainWindowHasTheModelTab()
    {
        MainWindow window;
        QVERIFY(window.tabs()->count() >= 3); // the training tabs come after it
        QCOMPARE(window.tabs()->tabText(int(MainWindow::Tab::Model)), QStringLiteral("Model"));
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
        window.modelView()->setActivationBits(5);
        window.modelView()->setAccuracyImages(500);
        window.modelView()->setDataSpec(QStringLiteral("synthetic:64"));
        window.saveSettings();
        QVERIFY(window.modelView()->waitUntilIdle(120000));
        MainWindow again;
        again.restoreSettings();
        QCOMPARE(again.modelView()->modelPath(), m_model);
        QCOMPARE(again.modelView()->bits(), 3);
        QCOMPARE(again.modelView()->activationBits(), 5);
        QCOMPARE(again.modelView()->dataSpec(), QStringLiteral("synthetic:64"));
        QCOMPARE(again.modelView()->findChild<QSpinBox *>(QStringLiteral("accuracyImagesSpin"))->value(),
                 500);
        QVERIFY(again.modelView()->waitUntilIdle(120000));
    }

    void quantizationTrainedModelIsEvaluatedAsTrained()
    {
        // Ours, APoT W4A4 on synthetic:64: the view says so, and its accuracy is the CLI's `eval` with the
        // inferred setting on the same images.
        ModelView view;
        view.resize(1300, 800);
        view.show();
        QVERIFY(view.openModel(m_runModel));
        QVERIFY2(view.sidebar()->trainedAsLabel()->text().contains(QStringLiteral("APoT W4A4")),
                 qPrintable(view.sidebar()->trainedAsLabel()->text()));
        QVERIFY(!view.sidebar()->trainedBitsSpin()->isVisibleTo(&view)); // the checkpoint stores its bits
        QVERIFY(view.accuracyButton()->isEnabled());
        view.setAccuracyImages(0);
        view.startAccuracySweep();
        QVERIFY(waitForJobs(view));
        QVERIFY(view.accuracy());
        QByteArray err;
        const QJsonObject cli = evalJson({QStringLiteral("--weights"), m_runModel, QStringLiteral("--data"),
                                          QStringLiteral("synthetic:64")},
                                         &err);
        QVERIFY2(!cli.isEmpty(), err.constData());
        QVERIFY2(err.startsWith("eval: as trained: APoT W4A4 (from checkpoint config)"), err.constData());
        QS_COMPARE_NEAR(view.accuracy()->referenceTop1, cli.value(QStringLiteral("top1")).toDouble(), 1e-9);
        QCOMPARE(view.accuracy()->reference, std::string("as trained (APoT W4A4)"));
        // The normalization used is shown next to the accuracy, and is the CLI's.
        const QString summary = view.accuracySummary()->text();
        QVERIFY2(summary.contains(QStringLiteral("as trained (APoT W4A4)")) &&
                     summary.contains(QStringLiteral("mean ")),
                 qPrintable(summary));
        const QJsonArray mean = cli.value(QStringLiteral("mean")).toArray();
        QCOMPARE(size_t(mean.size()), view.accuracy()->mean.size());
        for (int i = 0; i < mean.size(); ++i)
            QS_COMPARE_NEAR(mean[i].toDouble(), view.accuracy()->mean[size_t(i)], 1e-12);
        QXYSeries *reference = findSeries(view.sweepFigure(), QStringLiteral("accuracy.fp"));
        QVERIFY(reference && reference->count() == 2);
        QS_COMPARE_NEAR(reference->at(0).y(), cli.value(QStringLiteral("top1")).toDouble(), 1e-9);
        QVERIFY(reference->name().startsWith(QStringLiteral("as trained (APoT W4A4)")));

        // Evaluated in full precision instead: labelled as such, and `eval --quant fp`.
        view.sidebar()->evaluateAsCombo()->setCurrentIndex(1);
        QVERIFY(
            view.sidebar()->trainedAsLabel()->text().contains(QStringLiteral("Evaluated in full precision")));
        view.startAccuracySweep();
        QVERIFY(waitForJobs(view));
        QCOMPARE(view.accuracy()->reference, std::string("full precision (trained as APoT W4A4)"));
        const QJsonObject fp =
            evalJson({QStringLiteral("--weights"), m_runModel, QStringLiteral("--data"),
                      QStringLiteral("synthetic:64"), QStringLiteral("--quant"), QStringLiteral("fp")});
        QS_COMPARE_NEAR(view.accuracy()->referenceTop1, fp.value(QStringLiteral("top1")).toDouble(), 1e-9);
    }

    void zeroFreeCheckpointIsSeenOnItsOwnGrid()
    {
        // Trained with zero_level = false: the sidebar opens without the zero level, so the layer's levels,
        // the per-layer SQNR and the SQNR sweep are on the grid the weights were trained on; the box puts
        // 0 back.
        TrainConfig config;
        config.dataset = "synthetic:64";
        config.method = "apot";
        config.wbits = config.abits = 3;
        config.methodOptions["zero_level"] = 0;
        config.epochs = 1;
        config.batchSize = 32;
        config.augment = false;
        config.threads = 1;
        config.device = "cpu";
        const QString run = m_dir.filePath(QStringLiteral("run-no-zero"));
        QCOMPARE(runTraining(config, run.toStdString(), nullptr, {}).outcome, TrainOutcome::Completed);

        ModelView view;
        view.resize(1300, 800);
        view.show();
        QVERIFY(view.openModel(run + QStringLiteral("/last.qsckpt")));
        QVERIFY(!view.sidebar()->zeroLevel());
        QVERIFY2(
            view.sidebar()->trainedAsLabel()->toolTip().contains(QStringLiteral("without its zero level")),
            qPrintable(view.sidebar()->trainedAsLabel()->toolTip()));
        view.setScheme(Scheme::APoT);
        view.setBits(3);
        QVERIFY(view.selectLayer(QStringLiteral("layer1.0.conv1.weight")));
        QVERIFY(waitForJobs(view));
        QVERIFY(view.selectedAnalysis());
        const auto &levels = view.selectedAnalysis()->levels;
        QCOMPARE(int(levels.size()), 8); // 2^3 levels, none at 0
        QVERIFY(std::none_of(levels.begin(), levels.end(), [](double l) { return l == 0.0; }));
        QVERIFY2(
            view.layerFigure()->figure().panels.front().title.contains(QStringLiteral("APoT W3 without 0")),
            qPrintable(view.layerFigure()->figure().panels.front().title));

        view.startSweep();
        QVERIFY(waitForJobs(view));
        QVERIFY(!view.sweepPoints().empty());
        for (const auto &point : view.sweepPoints())
            QVERIFY(!point.zeroLevel);
        QVERIFY(view.sweepFigure()->figure().panels.front().title.contains(QStringLiteral("without 0")));

        // The box back on: the grid has its 7 levels with 0, and the sweep shown is redone on them.
        auto *box = view.findChild<QCheckBox *>(QStringLiteral("modelZeroLevelCheck"));
        QVERIFY(box && box->isVisibleTo(&view));
        box->setChecked(true);
        QVERIFY(waitForJobs(view));
        const auto &withZero = view.selectedAnalysis()->levels;
        QCOMPARE(int(withZero.size()), 7);
        QVERIFY(std::count(withZero.begin(), withZero.end(), 0.0) == 1);
        QVERIFY(!view.sweepPoints().empty());
        for (const auto &point : view.sweepPoints())
            QVERIFY(point.zeroLevel);
        QVERIFY(!view.sweepFigure()->figure().panels.front().title.contains(QStringLiteral("without 0")));

        // A model trained with the zero level opens with it again.
        QVERIFY(view.openModel(m_runModel));
        QVERIFY(view.sidebar()->zeroLevel());
    }

    void apotReferenceFileTakesBitsAndNormalization()
    {
        // The APoT reference state_dict stores no bits: the view says so, suggests the file name's, and
        // evaluates with the bits and mean/std set in the sidebar exactly as `eval --bits 4 --mean --std`.
        const QString apot = QStringLiteral(QUANTSCOPE_REFERENCE_FIXTURES "/apot_r20_w4a4_state_dict.pt");
        ModelView view;
        view.resize(1300, 800);
        view.show();
        QVERIFY(view.openModel(apot));
        const QString label = view.sidebar()->trainedAsLabel()->text();
        QVERIFY2(label.contains(QStringLiteral("APoT, bits unknown")) &&
                     label.contains(QStringLiteral("4 from file name?")),
                 qPrintable(label));
        QVERIFY(view.sidebar()->trainedBitsSpin()->isVisibleTo(&view));
        QCOMPARE(view.sidebar()->trainedBitsSpin()->value(), 4);
        QVERIFY(waitForJobs(view));

        view.setDataSpec(QStringLiteral("synthetic:48"));
        view.setAccuracyImages(0);
        view.sidebar()->trainedBitsSpin()->setValue(0); // unknown: nothing runs, the page says why
        view.startAccuracySweep();
        QVERIFY(!view.accuracyRunning());
        QVERIFY2(view.accuracySummary()->text().contains(QStringLiteral("set the bits")),
                 qPrintable(view.accuracySummary()->text()));

        view.sidebar()->trainedBitsSpin()->setValue(4);
        QVERIFY(view.sidebar()->trainedAsLabel()->text().contains(QStringLiteral("from file name?")));
        view.sidebar()->meanEdit()->setText(QStringLiteral("0.491,0.482,0.447"));
        view.sidebar()->stdEdit()->setText(QStringLiteral("0.247,0.243,0.262"));
        view.startAccuracySweep();
        QVERIFY(waitForJobs(view));
        QVERIFY(view.accuracy());
        QCOMPARE(view.accuracy()->reference, std::string("as trained (APoT W4A4)"));
        QCOMPARE(view.accuracy()->mean, (std::vector<double>{0.491, 0.482, 0.447}));
        QByteArray err;
        const QJsonObject cli =
            evalJson({QStringLiteral("--weights"), apot, QStringLiteral("--data"),
                      QStringLiteral("synthetic:48"), QStringLiteral("--bits"), QStringLiteral("4"),
                      QStringLiteral("--mean"), QStringLiteral("0.491,0.482,0.447"), QStringLiteral("--std"),
                      QStringLiteral("0.247,0.243,0.262")},
                     &err);
        QVERIFY2(!cli.isEmpty(), err.constData());
        QS_COMPARE_NEAR(view.accuracy()->referenceTop1, cli.value(QStringLiteral("top1")).toDouble(), 1e-9);
        // Random weights on random images: near chance, and the page names the likely causes.
        if (nearChance(view.accuracy()->referenceTop1, 10))
            QVERIFY2(view.accuracySummary()->text().contains(QStringLiteral("near chance")) &&
                         view.accuracySummary()->text().contains(QStringLiteral("normalization")),
                     qPrintable(view.accuracySummary()->text()));
        QVERIFY(view.accuracySummary()->text().contains(QStringLiteral("mean 0.491,0.482,0.447")));
    }

    void torchvisionResNetShowsItsWeights()
    {
        const ModelSnapshot resnet18 = torchvisionResNet18();
        QCOMPARE(resnet18.layers().size(), size_t(21));
        const QString path = m_dir.filePath(QStringLiteral("resnet18.pth"));
        resnet18.saveStateDict(path.toStdString());
        ModelView view;
        view.resize(1300, 800);
        view.show();
        // The checkpoint's clip at every point: the sweep below is compared with core's fixed-clip sweep.
        view.findChild<QCheckBox *>(QStringLiteral("fixedClipCheck"))->setChecked(true);
        QVERIFY(view.openModel(path));
        QCOMPARE(view.layerTree()->topLevelItemCount() > 0, true);
        QCOMPARE(int(view.snapshot()->layers().size()), 21);
        QVERIFY(view.selectLayer(QStringLiteral("layer2.0.downsample.0.weight")));
        QVERIFY(view.selectedAnalysis());
        QCOMPARE(view.selectedAnalysis()->numel, int64_t(128 * 64));
        QVERIFY(view.sidebar()->trainedAsLabel()->text().contains(QStringLiteral("CIFAR-style")));
        QVERIFY(waitForJobs(view)); // the per-layer SQNR and the bit sweep over 11.7 M weights
        QCOMPARE(view.sweepPoints().size(), size_t(15));
        const auto expected =
            bitSweep(resnet18, {Scheme::Uniform, Scheme::PoT, Scheme::APoT}, 2, 6, false, nullptr);
        QS_COMPARE_NEAR(view.sweepPoints()[3].meanSqnrDb, expected[3].meanSqnrDb, 1e-9);
        // Accuracy and activations need a CIFAR-style model: disabled, saying why.
        QVERIFY(!view.accuracyButton()->isEnabled());
        QVERIFY(view.accuracyButton()->toolTip().contains(QStringLiteral("CIFAR-style")));
        auto *capture = view.findChild<QPushButton *>(QStringLiteral("captureButton"));
        QVERIFY(capture);
        QVERIFY(!capture->isEnabled());
        view.setDataSpec(QStringLiteral("synthetic:32"));
        view.showPage(ModelView::Page::Activations);
        QVERIFY(!view.captureRunning());
        QVERIFY2(view.figure().note.contains(QStringLiteral("CIFAR-style")), qPrintable(view.figure().note));
    }

    void longErrorsNeverWidenTheWindow()
    {
        MainWindow window;
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showTab(MainWindow::Tab::Model);
        QVERIFY(window.modelView()->openModel(m_runModel));
        QVERIFY(window.modelView()->waitUntilIdle(120000));
        QApplication::processEvents();
        const int width = window.width();
        QCOMPARE(width, 1280);

        // A 2000-character load error (a long path, no spaces to break at).
        const QString longPath =
            QStringLiteral("/nonexistent/") + QString(1990, QLatin1Char('x')) + QStringLiteral(".pt");
        QVERIFY(!window.modelView()->openModel(longPath));
        QApplication::processEvents();
        QLabel *error = window.modelView()->loadErrorLabel();
        QVERIFY(error->isVisible());
        QVERIFY(error->toolTip().size() >= 2000);
        QCOMPARE(window.width(), width);
        QVERIFY(window.minimumSizeHint().width() <= width);
        QVERIFY(error->width() <= width);

        // The accuracy sweep's and the capture's errors (a data set that is not there) wrap in place too,
        // and so would 2000 characters there.
        window.modelView()->setDataSpec(QStringLiteral("cifar10:/nonexistent/") +
                                        QString(300, QLatin1Char('y')));
        window.modelView()->showPage(ModelView::Page::BitSweep);
        window.modelView()->startAccuracySweep();
        QVERIFY(window.modelView()->waitUntilIdle(120000));
        QVERIFY(window.modelView()->accuracySummary()->text().contains(QStringLiteral("yyyy")));
        window.modelView()->showPage(ModelView::Page::Activations);
        window.modelView()->startCapture();
        QVERIFY(window.modelView()->waitUntilIdle(120000));
        QApplication::processEvents();
        QCOMPARE(window.width(), width);
        window.modelView()->accuracySummary()->setText(QString(2000, QLatin1Char('z')));
        window.modelView()->activationErrorLabel()->setText(QString(2000, QLatin1Char('z')));
        window.modelView()->sidebar()->trainedAsLabel()->setText(QString(2000, QLatin1Char('z')));
        QApplication::processEvents();
        QCOMPARE(window.width(), width);
        QVERIFY(window.minimumSizeHint().width() <= width);

        // A good load clears the error.
        QVERIFY(window.modelView()->openModel(m_model));
        QVERIFY(!window.modelView()->loadErrorLabel()->isVisible());
        QVERIFY(window.modelView()->waitUntilIdle(120000));
    }

    void dropsAndRecentFilesOpen()
    {
        QSettings().remove(QStringLiteral("recent"));
        MainWindow window;
        window.resize(1280, 720);
        window.show();
        QVERIFY(window.acceptDrops());
        auto drop = [&window](const QString &path) {
            QMimeData data;
            data.setUrls({QUrl::fromLocalFile(path)});
            QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
            QApplication::sendEvent(&window, &enter);
            if (!enter.isAccepted())
                return false;
            QDropEvent event(QPointF(10, 10), Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
            QApplication::sendEvent(&window, &event);
            return event.isAccepted();
        };
        // A checkpoint opens in the Model tab.
        window.showTab(MainWindow::Tab::Levels);
        QVERIFY(drop(m_other));
        QCOMPARE(window.tabs()->currentIndex(), int(MainWindow::Tab::Model));
        QCOMPARE(window.modelView()->modelPath(), QFileInfo(m_other).absoluteFilePath());
        // A run directory opens in the Runs tab.
        const QString runDir = QFileInfo(m_runModel).absolutePath();
        QVERIFY(drop(runDir));
        QCOMPARE(window.tabs()->currentIndex(), int(MainWindow::Tab::Runs));
        QVERIFY(window.runsView()->runs().contains(runDir));
        // Both are in File > Recent, newest first, and stay there for the next session.
        QCOMPARE(window.recentPaths(), (QStringList{runDir, QFileInfo(m_other).absoluteFilePath()}));
        QVERIFY(window.modelView()->waitUntilIdle(120000));
        MainWindow next;
        QCOMPARE(next.recentPaths().size(), 2);
        Q_EMIT next.recentMenu()->aboutToShow();
        QAction *otherAction = nullptr;
        for (QAction *a : next.recentMenu()->actions())
            if (a->data().toString() == QFileInfo(m_other).absoluteFilePath())
                otherAction = a;
        QVERIFY(otherAction);
        otherAction->trigger();
        QCOMPARE(next.modelView()->modelPath(), QFileInfo(m_other).absoluteFilePath());
        QVERIFY(next.modelView()->waitUntilIdle(120000));
        // A directory that is not a run: one line, nothing opened.
        QString why;
        QVERIFY(!next.openPath(m_dir.path(), &why));
        QVERIFY2(why.contains(QStringLiteral("not a run directory")), qPrintable(why));
        // At most kMaxRecent, the oldest dropped.
        for (int i = 0; i < MainWindow::kMaxRecent + 2; ++i) {
            const QString copy = m_dir.filePath(QStringLiteral("copy%1.pt").arg(i));
            QFile::copy(m_other, copy);
            QVERIFY(next.openPath(copy));
        }
        QCOMPARE(next.recentPaths().size(), MainWindow::kMaxRecent);
        QVERIFY(next.modelView()->waitUntilIdle(120000));
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
