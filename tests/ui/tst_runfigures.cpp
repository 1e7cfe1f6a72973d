// The training-run figures: every plotted value is the RunHistory's (and the fixture's formula), each run
// has its colour, the divergence is on every step/epoch panel, long series are decimated keeping spikes.

#include "core/runs/runhistory.h"
#include "runfixtures.h"
#include "testsupport.h"
#include "ui/figures/runfigures.h"
#include "ui/plotting/figureexport.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using qs::RunHistory;
using qs::test::RunFixture;
using namespace qs::ui;

namespace {

const PanelSpec *panelOf(const FigureSpec &figure, const QString &id)
{
    for (const auto &p : figure.panels)
        if (p.id == id)
            return &p;
    return nullptr;
}

const SeriesSpec *seriesOf(const FigureSpec &figure, const QString &panel, const QString &id)
{
    if (const PanelSpec *p = panelOf(figure, panel))
        for (const auto &s : p->series)
            if (s.id == id)
                return &s;
    return nullptr;
}

} // namespace

class TestRunFigures final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_plain = m_fixture.write(m_dir.filePath(QStringLiteral("ewgs")));
        m_divFixture.diverge = true;
        m_divFixture.topOffset = -10;
        m_diverging = m_divFixture.write(m_dir.filePath(QStringLiteral("diverging")));
    }

    void curvesEqualTheHistory()
    {
        const RunHistory h = qs::loadRunHistory(m_plain.toStdString());
        const FigureSpec f = makeCurvesFigure({&h});
        QCOMPARE(f.id, QStringLiteral("curves"));
        const SeriesSpec *raw = seriesOf(f, QStringLiteral("loss"), QStringLiteral("loss.raw.0"));
        const SeriesSpec *smooth = seriesOf(f, QStringLiteral("loss"), QStringLiteral("loss.smoothed.0"));
        QVERIFY(raw && smooth);
        const int steps = m_fixture.epochs * m_fixture.stepsPerEpoch;
        QCOMPARE(raw->points.size(), steps);
        const auto smoothed = h.smoothedLoss(0.9);
        for (int i = 0; i < steps; ++i) {
            QCOMPARE(raw->points[i].x(), double(i + 1));
            QCOMPARE(raw->points[i].y(), RunFixture::loss(i + 1)); // the fixture's formula, not the code's
            QCOMPARE(smooth->points[i].y(), smoothed[size_t(i)]);
        }
        QVERIFY(smooth->widthScale > raw->widthScale); // raw thin, smoothed thick
        const SeriesSpec *test = seriesOf(f, QStringLiteral("accuracy"), QStringLiteral("test-top1.0"));
        const SeriesSpec *train = seriesOf(f, QStringLiteral("accuracy"), QStringLiteral("train-top1.0"));
        QVERIFY(test && train);
        QCOMPARE(test->points.size(), m_fixture.epochs);
        for (int e = 0; e < m_fixture.epochs; ++e) {
            QCOMPARE(test->points[e], QPointF(e + 1, m_fixture.testTop1(e)));
            QCOMPARE(train->points[e], QPointF(e + 1, m_fixture.trainTop1(e)));
        }
        const SeriesSpec *lr = seriesOf(f, QStringLiteral("lr"), QStringLiteral("lr.0"));
        QVERIFY(lr);
        QCOMPARE(lr->points.size(), steps);
        QCOMPARE(lr->points.back().y(), RunFixture::lr(m_fixture.epochs - 1));
        // Every point is inside its panel's axes.
        for (const auto &panel : f.panels)
            for (const auto &s : panel.series)
                for (const auto &p : s.points) {
                    QVERIFY2(p.x() >= panel.x.min && p.x() <= panel.x.max, qPrintable(s.id));
                    QVERIFY2(p.y() >= panel.y.min && p.y() <= panel.y.max, qPrintable(s.id));
                }
        QVERIFY(f.note.contains(QStringLiteral("0.9")));
    }

    void ewgsDeltaIsLog10OfTheHistory()
    {
        const RunHistory h = qs::loadRunHistory(m_plain.toStdString());
        RunFigureOptions o;
        o.topLayers = 2;
        const FigureSpec f = makeEwgsFigure({&h}, o);
        QVERIFY(panelOf(f, QStringLiteral("delta-w.0")) && panelOf(f, QStringLiteral("delta-a.0")));
        for (const auto &name : RunFixture::layers()) {
            const auto &points = h.layer(name.toStdString());
            const SeriesSpec *w =
                seriesOf(f, QStringLiteral("delta-w.0"), QStringLiteral("delta-w.0.") + name);
            const SeriesSpec *a =
                seriesOf(f, QStringLiteral("delta-a.0"), QStringLiteral("delta-a.0.") + name);
            QVERIFY2(w && a, qPrintable(name));
            QCOMPARE(size_t(w->points.size()), points.size());
            for (size_t i = 0; i < points.size(); ++i) {
                QCOMPARE(w->points[int(i)].x(), double(points[i].step));
                QS_COMPARE_NEAR(w->points[int(i)].y(), std::log10(points[i].deltaW), 1e-12);
                QS_COMPARE_NEAR(a->points[int(i)].y(), std::log10(points[i].deltaA), 1e-12);
            }
        }
        // The last epoch's delta is the fixture's (the epoch-end record is the last point).
        const SeriesSpec *last =
            seriesOf(f, QStringLiteral("delta-w.0"), QStringLiteral("delta-w.0.layer3.0.conv1"));
        QS_COMPARE_NEAR(last->points.back().y(), std::log10(RunFixture::deltaW(2, m_fixture.epochs - 1)),
                        1e-12);
        // Top 2 by largest delta_W coloured and in the legend (layer3 and layer2: delta grows with the
        // index).
        int inLegend = 0;
        for (const auto &s : panelOf(f, QStringLiteral("delta-w.0"))->series)
            inLegend += s.inLegend && s.id.startsWith(QStringLiteral("delta-w.0.")) ? 1 : 0;
        QCOMPARE(inLegend, 2);
        QVERIFY(
            !seriesOf(f, QStringLiteral("delta-w.0"), QStringLiteral("delta-w.0.layer1.0.conv1"))->inLegend);
        QVERIFY(
            seriesOf(f, QStringLiteral("delta-w.0"), QStringLiteral("delta-w.0.layer3.0.conv1"))->inLegend);

        o.highlightLayer = "layer1.0.conv1";
        const FigureSpec one = makeEwgsFigure({&h}, o);
        QVERIFY(
            seriesOf(one, QStringLiteral("delta-w.0"), QStringLiteral("delta-w.0.layer1.0.conv1"))->inLegend);
        QVERIFY(!seriesOf(one, QStringLiteral("delta-w.0"), QStringLiteral("delta-w.0.layer3.0.conv1"))
                     ->inLegend);

        o.logDelta = false;
        const FigureSpec linear = makeEwgsFigure({&h}, o);
        QCOMPARE(seriesOf(linear, QStringLiteral("delta-w.0"), QStringLiteral("delta-w.0.layer3.0.conv1"))
                     ->points.back()
                     .y(),
                 RunFixture::deltaW(2, m_fixture.epochs - 1));
    }

    // delta_W and delta_A peak in different layers: each panel colours its own largest.
    void eachDeltaPanelColoursItsOwnLargest()
    {
        qs::RunHistory h;
        h.append(
            qs::parseMetricsLine(R"({"type":"ewgs_update","epoch":0,"step":10,"layers":["first","last"],)"
                                 R"("delta_w":[0.5,0.01],"delta_a":[0.002,0.2]})"));
        RunFigureOptions o;
        o.topLayers = 1;
        const FigureSpec f = makeEwgsFigure({&h}, o);
        QVERIFY(seriesOf(f, QStringLiteral("delta-w.0"), QStringLiteral("delta-w.0.first"))->inLegend);
        QVERIFY(!seriesOf(f, QStringLiteral("delta-w.0"), QStringLiteral("delta-w.0.last"))->inLegend);
        QVERIFY(seriesOf(f, QStringLiteral("delta-a.0"), QStringLiteral("delta-a.0.last"))->inLegend);
        QVERIFY(!seriesOf(f, QStringLiteral("delta-a.0"), QStringLiteral("delta-a.0.first"))->inLegend);
    }

    void steRunHasNoDeltaPanelsButANote()
    {
        RunFixture ste;
        ste.backward = QStringLiteral("ste");
        const QString dir = ste.write(m_dir.filePath(QStringLiteral("ste")));
        const RunHistory h = qs::loadRunHistory(dir.toStdString());
        const RunHistory e = qs::loadRunHistory(m_plain.toStdString());
        const FigureSpec f = makeEwgsFigure({&h, &e});
        QVERIFY(!panelOf(f, QStringLiteral("delta-w.0")));
        QVERIFY(panelOf(f, QStringLiteral("delta-w.1")));
        QVERIFY(f.note.contains(QString::fromStdString(h.label())));
    }

    void alphaAtEpochEnds()
    {
        const RunHistory h = qs::loadRunHistory(m_plain.toStdString());
        const FigureSpec f = makeAlphaFigure({&h});
        for (int k = 0; k < 3; ++k) {
            const QString name = RunFixture::layers()[k];
            const SeriesSpec *w =
                seriesOf(f, QStringLiteral("alpha-w.0"), QStringLiteral("alpha-w.0.") + name);
            const SeriesSpec *a =
                seriesOf(f, QStringLiteral("alpha-a.0"), QStringLiteral("alpha-a.0.") + name);
            QVERIFY(w && a);
            QCOMPARE(w->points.size(), m_fixture.epochs);
            for (int e = 0; e < m_fixture.epochs; ++e) {
                QS_COMPARE_NEAR(w->points[e].x(), e + 1.0, 1e-12);
                QCOMPARE(w->points[e].y(), RunFixture::alphaW(k, e));
                QCOMPARE(a->points[e].y(), RunFixture::alphaA(k, e));
            }
        }
    }

    void occupancyIsTheNewestLayerRecord()
    {
        const RunHistory h = qs::loadRunHistory(m_plain.toStdString());
        RunFigureOptions o;
        o.occupancyLayer = "layer2.0.conv1";
        const FigureSpec f = makeOccupancyFigure({&h}, o);
        const SeriesSpec *marks = seriesOf(f, QStringLiteral("occupancy"), QStringLiteral("occupancy"));
        QVERIFY(marks);
        const int e = m_fixture.epochs - 1;
        const auto counts = RunFixture::counts(1, e);
        QCOMPARE(marks->points.size(), 3);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(marks->points[i].y(), counts[i]);
        QCOMPARE(marks->points[0].x(), -RunFixture::alphaW(1, e));
        QCOMPARE(marks->points[2].x(), RunFixture::alphaW(1, e));
        QVERIFY(panelOf(f, QStringLiteral("occupancy"))->title.contains(QStringLiteral("layer2.0.conv1")));
        o.occupancyLayer.clear(); // the first layer with an occupancy
        QVERIFY(makeOccupancyFigure({&h}, o).panels[0].title.contains(QStringLiteral("layer1.0.conv1")));
        QVERIFY(makeOccupancyFigure({}, o).panels[0].series[1].points.isEmpty()); // no run: empty, no crash
    }

    // Trials: one mean curve per group with the min..max over its trials, from the fixtures' formulas.
    void trialsFigureDrawsMeanAndRange()
    {
        const double offsets[] = {0.0, 1.0, 2.5};
        std::vector<RunHistory> trials;
        for (int t = 0; t < 3; ++t) {
            qs::test::RunFixture f = m_fixture;
            f.topOffset = offsets[t];
            trials.push_back(
                qs::loadRunHistory(f.write(m_dir.filePath(QStringLiteral("trial%1").arg(t))).toStdString()));
        }
        const RunHistory other = qs::loadRunHistory(m_diverging.toStdString());
        const std::vector<const RunHistory *> runs{&trials[0], &other, &trials[1], &trials[2]};
        const FigureSpec f = makeTrialsFigure(runs, {{0, 2, 3}, {1}});
        QCOMPARE(f.id, QStringLiteral("trials"));
        QVERIFY2(f.note.contains(QStringLiteral("min..max")) && f.note.contains(QStringLiteral("mean")),
                 qPrintable(f.note));
        auto find = [&](const QString &panel, const QString &id) -> const SeriesSpec * {
            for (const auto &p : f.panels)
                if (p.id == panel)
                    for (const auto &series : p.series)
                        if (series.id == id)
                            return &series;
            return nullptr;
        };
        const SeriesSpec *mean = find(QStringLiteral("test-top1"), QStringLiteral("trial-top1.0"));
        const SeriesSpec *range = find(QStringLiteral("test-top1"), QStringLiteral("trial-top1-range.0"));
        QVERIFY(mean && range);
        QCOMPARE(mean->name, QStringLiteral("apot+EWGS W2A2 (3 trials)"));
        QCOMPARE(mean->points.size(), m_fixture.epochs);
        QCOMPARE(range->points.size(), 2 * m_fixture.epochs);
        QVERIFY(range->segments);
        for (int e = 0; e < m_fixture.epochs; ++e) {
            const double base = m_fixture.testTop1(e); // topOffset 0
            QCOMPARE(mean->points[e].x(), double(e + 1));
            QS_COMPARE_NEAR(mean->points[e].y(), base + (0.0 + 1.0 + 2.5) / 3, 1e-9);
            QS_COMPARE_NEAR(range->points[2 * e].y(), base, 1e-9);
            QS_COMPARE_NEAR(range->points[2 * e + 1].y(), base + 2.5, 1e-9);
        }
        // A group of one run has no range; the loss mean of identical losses is that loss.
        QVERIFY(find(QStringLiteral("test-top1"), QStringLiteral("trial-top1.1")));
        QVERIFY(!find(QStringLiteral("test-top1"), QStringLiteral("trial-top1-range.1")));
        const SeriesSpec *loss = find(QStringLiteral("loss"), QStringLiteral("trial-loss.0"));
        const SeriesSpec *lossMax = find(QStringLiteral("loss"), QStringLiteral("trial-loss-max.0"));
        QVERIFY(loss && lossMax);
        const auto smoothed = trials[0].smoothedLoss(0.9);
        QCOMPARE(loss->points.size(), int(smoothed.size()));
        QS_COMPARE_NEAR(loss->points.back().y(), smoothed.back(), 1e-9);
        QS_COMPARE_NEAR(lossMax->points.back().y(), smoothed.back(), 1e-9);
    }

    void divergenceIsMarkedOnEveryPanel()
    {
        const RunHistory ok = qs::loadRunHistory(m_plain.toStdString());
        const RunHistory bad = qs::loadRunHistory(m_diverging.toStdString());
        QVERIFY(bad.divergence());
        const double step = double(bad.divergence()->step);
        const double epochX = step / m_fixture.stepsPerEpoch;
        const std::vector<const RunHistory *> one{&bad}, both{&ok, &bad};
        const QList<FigureSpec> figures = {makeCurvesFigure(one), makeEwgsFigure(one), makeAlphaFigure(one),
                                           makeCompareFigure(both), makeCurvesFigure(both)};
        for (const FigureSpec &f : figures) {
            QVERIFY2(f.note.contains(QStringLiteral("diverged at step %1").arg(step)), qPrintable(f.note));
            QVERIFY2(f.note.contains(QStringLiteral("layer2.0.conv1")), qPrintable(f.note));
            for (const auto &panel : f.panels) {
                const SeriesSpec *m = nullptr;
                for (const auto &s : panel.series)
                    if (s.id.startsWith(QStringLiteral("divergence.")))
                        m = &s;
                QVERIFY2(m, qPrintable(f.id + QStringLiteral("/") + panel.id));
                const bool epochs = panel.x.title == QStringLiteral("epoch");
                QCOMPARE(m->points.size(), 2);
                QS_COMPARE_NEAR(m->points[0].x(), epochs ? epochX : step, 1e-9);
                QCOMPARE(m->points[0].x(), m->points[1].x()); // vertical
                QCOMPARE(m->points[0].y(), panel.y.min);
                QCOMPARE(m->points[1].y(), panel.y.max);
                // The legend names the step (short enough not to be elided); the note has the reason.
                QVERIFY2(m->name.contains(QStringLiteral("diverged (step %1)").arg(step)),
                         qPrintable(m->name));
                QVERIFY2(m->name.size() <= 60, qPrintable(m->name));
                QVERIFY(m->points[0].x() <= panel.x.max);
            }
        }
        // Not diverged: no marker anywhere.
        for (const auto &panel : makeCurvesFigure({&ok}).panels)
            for (const auto &s : panel.series)
                QVERIFY(!s.id.startsWith(QStringLiteral("divergence")));
    }

    void compareOverlaysRunsInTheirColours()
    {
        const RunHistory a = qs::loadRunHistory(m_plain.toStdString());
        const RunHistory b = qs::loadRunHistory(m_diverging.toStdString());
        const FigureSpec f = makeCompareFigure({&a, &b});
        const SeriesSpec *la = seriesOf(f, QStringLiteral("loss"), QStringLiteral("loss.smoothed.0"));
        const SeriesSpec *lb = seriesOf(f, QStringLiteral("loss"), QStringLiteral("loss.smoothed.1"));
        QVERIFY(la && lb);
        QCOMPARE(la->color, runColor(0));
        QCOMPARE(lb->color, runColor(1));
        QVERIFY(runColor(0) != runColor(1));
        QCOMPARE(la->name, QString::fromStdString(a.label()));
        const SeriesSpec *tb = seriesOf(f, QStringLiteral("test-top1"), QStringLiteral("test-top1.1"));
        QCOMPARE(tb->points.back().y(), m_divFixture.testTop1(m_divFixture.epochs - 1));
        // Largest delta over layers at each step, from the history.
        const SeriesSpec *d = seriesOf(f, QStringLiteral("max-delta"), QStringLiteral("max-delta.0"));
        QVERIFY(d && !d->points.isEmpty());
        for (const auto &p : d->points) {
            double expected = 0;
            for (const auto &name : a.layerNames())
                for (const auto &lp : a.layer(name))
                    if (double(lp.step) == p.x())
                        expected = std::max({expected, lp.deltaW, lp.deltaA});
            QS_COMPARE_NEAR(p.y(), std::log10(expected), 1e-12);
        }
    }

    void decimationKeepsSpikesAndEnds()
    {
        QList<QPointF> points;
        for (int i = 0; i < 100000; ++i)
            points << QPointF(i, std::sin(i * 0.001));
        points[51234].setY(50.0);
        points[70001].setY(-40.0);
        const auto out = decimateMinMax(points, 2000);
        QVERIFY(out.size() <= 2000);
        QVERIFY(out.size() > 1000);
        QCOMPARE(out.front(), points.front());
        QCOMPARE(out.back(), points.back());
        QVERIFY(out.contains(points[51234]));
        QVERIFY(out.contains(points[70001]));
        for (int i = 1; i < out.size(); ++i)
            QVERIFY(out[i].x() > out[i - 1].x()); // still in x order
        const QList<QPointF> few = {QPointF(0, 1), QPointF(1, 2)};
        QCOMPARE(decimateMinMax(few, 2000), few);
    }

    void aLongRunStaysFast()
    {
        // 100k steps: the dashboard rebuilds this figure on every poll tick that brought records.
        RunHistory h;
        for (int s = 1; s <= 100000; ++s)
            h.append(qs::parseMetricsLine(
                QStringLiteral("{\"type\":\"step\",\"step\":%1,\"epoch\":0,\"loss\":%2,\"lr\":0.1}")
                    .arg(s)
                    .arg(2.0 / (1 + s * 1e-3))
                    .toStdString()));
        QElapsedTimer timer;
        timer.start();
        const FigureSpec f = makeCurvesFigure({&h});
        const qint64 ms = timer.elapsed();
        for (const auto &p : f.panels)
            for (const auto &s : p.series)
                QVERIFY2(s.points.size() <= 2000, qPrintable(s.id));
        QVERIFY2(ms < 1000, qPrintable(QStringLiteral("%1 ms").arg(ms)));
    }

    void everyKindExportsOffscreen()
    {
        const RunHistory a = qs::loadRunHistory(m_plain.toStdString());
        const RunHistory b = qs::loadRunHistory(m_diverging.toStdString());
        const std::vector<const RunHistory *> runs{&a, &b};
        const QList<FigureSpec> figures = {makeCurvesFigure(runs), makeEwgsFigure(runs),
                                           makeAlphaFigure(runs), makeOccupancyFigure(runs),
                                           makeCompareFigure(runs)};
        for (const FigureSpec &f : figures) {
            for (const QString &suffix :
                 {QStringLiteral("png"), QStringLiteral("svg"), QStringLiteral("pdf")}) {
                const QString path = m_dir.filePath(f.id + QStringLiteral(".") + suffix);
                ExportOptions options;
                options.format = *figureFormatForPath(path);
                options.dpi = 100;
                const auto error = exportFigure(f, path, options);
                QVERIFY2(!error, error ? qPrintable(*error) : "");
                QVERIFY(QFileInfo(path).size() > 1000);
            }
            QFile csv(csvPathFor(m_dir.filePath(f.id + QStringLiteral(".png"))));
            QVERIFY(csv.open(QIODevice::ReadOnly));
            // Comment lines first ("# key: value", the settings: the runs and their directories), then
            // the column names and one row per point.
            int comments = 0;
            while (!csv.atEnd() && csv.peek(1) == "#") {
                const QByteArray line = csv.readLine();
                comments += line.startsWith("# run 1: ") && line.contains(m_plain.toUtf8()) ? 1 : 0;
            }
            QVERIFY2(comments >= 1, qPrintable(f.id + QStringLiteral(": no run named in the CSV header")));
            QCOMPARE(csv.readLine().trimmed(), QByteArray("panel,series,x,y"));
            QCOMPARE(int(csv.readAll().count('\n')), figureCsvRowCount(f));
        }
    }

private:
    QTemporaryDir m_dir;
    RunFixture m_fixture, m_divFixture;
    QString m_plain, m_diverging;
};

QTEST_MAIN(TestRunFigures)
#include "tst_runfigures.moc"
