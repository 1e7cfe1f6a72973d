// Pure helpers of ui/plotting: staircase corners, curve thinning, tick steps.

#include "ui/plotting/steps.h"

#include <QTest>

class TestPlotting final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stepPointsKeepOnlyCorners()
    {
        Eigen::VectorXd x(6), y(6);
        x << 0, 1, 2, 3, 4, 5;
        y << 0, 0, 1, 1, 1, 2;
        const QList<QPointF> expected{{0, 0}, {2, 0}, {2, 1}, {5, 1}, {5, 2}};
        QCOMPARE(qs::ui::stepPoints(x, y), expected);
    }

    void stepPointsOfAConstantAreItsEnds()
    {
        Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(50, -1, 1);
        Eigen::VectorXd y = Eigen::VectorXd::Constant(50, 0.5);
        const QList<QPointF> expected{{-1, 0.5}, {1, 0.5}};
        QCOMPARE(qs::ui::stepPoints(x, y), expected);
    }

    void curvePointsDropFlatInteriors()
    {
        Eigen::VectorXd x(6), y(6);
        x << 0, 1, 2, 3, 4, 5;
        y << 0, 0, 0, 1, 2, 2;
        const QList<QPointF> expected{{0, 0}, {2, 0}, {3, 1}, {4, 2}, {5, 2}};
        QCOMPARE(qs::ui::curvePoints(x, y), expected);
    }

    void niceTickStep_data()
    {
        QTest::addColumn<double>("min");
        QTest::addColumn<double>("max");
        QTest::addColumn<double>("step");
        QTest::newRow("unit") << 0.0 << 1.0 << 0.2;
        QTest::newRow("clip range") << -1.3 << 1.3 << 0.5;
        QTest::newRow("large") << 0.0 << 300.0 << 100.0;
        QTest::newRow("empty") << 1.0 << 1.0 << 1.0;
    }

    void niceTickStep()
    {
        QFETCH(double, min);
        QFETCH(double, max);
        QFETCH(double, step);
        QCOMPARE(qs::ui::niceTickStep(min, max), step);
    }
};

QTEST_APPLESS_MAIN(TestPlotting)
#include "tst_plotting.moc"
