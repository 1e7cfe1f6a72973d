// Plotting curves: the closed forms of methods.md 5.1 and 6.1, and consistency between y and dy/dx.

#include "core/quant/curves.h"
#include "testsupport.h"

#include <QtTest>

using qs::CurveMethod;
using qs::CurveParams;

class TestCurves : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void dsqSlopeAtCentreAndEdge_data()
    {
        QTest::addColumn<double>("alpha");
        QTest::addColumn<double>("centre");
        QTest::addColumn<double>("edge");
        QTest::newRow("alpha 0.2") << 0.2 << 1.373 << 0.494; // methods.md 5.1
        QTest::newRow("alpha 0.5") << 0.5 << 1.10 << 0.82;   // "derived": alpha -> 0.5
    }
    void dsqSlopeAtCentreAndEdge()
    {
        QFETCH(double, alpha);
        QFETCH(double, centre);
        QFETCH(double, edge);
        QS_COMPARE_NEAR(qs::dsqSlopeIntegerUnits(alpha, 0.0), centre, 0.006);
        QS_COMPARE_NEAR(qs::dsqSlopeIntegerUnits(alpha, 0.5), edge, 0.006);
        // The sampled curve agrees: 2 bits on [0, 3] puts interval centres at 0.5, 1.5, 2.5 and edges at
        // integers.
        CurveParams p;
        p.method = CurveMethod::DSQ;
        p.bits = 2;
        p.alpha = 3.0;
        p.dsqAlpha = alpha;
        p.from = 0.0;
        p.to = 3.0;
        p.points = 7; // x = 0, 0.5, ..., 3
        const auto c = qs::sampleCurve(p);
        QS_COMPARE_NEAR(c.dydx[1], qs::dsqSlopeIntegerUnits(alpha, 0.0), 1e-12);
        QS_COMPARE_NEAR(c.dydx[2], qs::dsqSlopeIntegerUnits(alpha, 0.5), 1e-12);
        QS_COMPARE_NEAR(c.y[0], 0.0, 1e-12); // the soft curve meets the levels at the interval edges
        QS_COMPARE_NEAR(c.y[2], 1.0, 1e-12);
        QS_COMPARE_NEAR(c.y[6], 3.0, 1e-12);
    }

    void dsqSlopeIsTheDerivativeOfTheSoftCurve()
    {
        CurveParams p;
        p.method = CurveMethod::DSQ;
        p.bits = 3;
        p.isSigned = true;
        p.alpha = 1.0;
        p.dsqAlpha = 0.3;
        p.from = -0.99;
        p.to = 0.99;
        p.points = 20001;
        const auto c = qs::sampleCurve(p);
        const double h = c.x[1] - c.x[0];
        for (int i = 1; i + 1 < p.points; i += 97) {
            const double fd = (c.y[i + 1] - c.y[i - 1]) / (2 * h);
            QVERIFY2(qs::test::nearlyEqual(fd, c.dydx[i], 2e-3, 1e-3), qPrintable(QString::number(c.x[i])));
        }
    }

    void daqBackwardClosedForm_data()
    {
        QTest::addColumn<double>("sigma");
        QTest::addColumn<double>("d");
        QTest::addColumn<double>("expected");
        // methods.md 6.1, gamma = 2; its "d -> .5" figures are the values at d = 0.49.
        QTest::newRow("s1 d0") << 1.0 << 0.0 << 0.362;
        QTest::newRow("s1 d.25") << 1.0 << 0.25 << 0.434;
        QTest::newRow("s1 d.5") << 1.0 << 0.49 << 0.587;
        QTest::newRow("s2 d0") << 2.0 << 0.0 << 0.497;
        QTest::newRow("s2 d.25") << 2.0 << 0.25 << 0.769;
        QTest::newRow("s2 d.5") << 2.0 << 0.49 << 2.05;
    }
    void daqBackwardClosedForm()
    {
        QFETCH(double, sigma);
        QFETCH(double, d);
        QFETCH(double, expected);
        QS_COMPARE_NEAR(qs::daqBackwardIntegerUnits(2.0, sigma, d), expected, 0.006);
        // The sampled backward (computed from the reference's expression) equals the closed form.
        CurveParams p;
        p.method = CurveMethod::DAQ;
        p.bits = 2;
        p.alpha = 3.0; // integer units: t = x
        p.daqGamma = 2.0;
        p.daqSigma = sigma;
        p.from = 1.0 + d;
        p.to = 2.0;
        p.points = 2;
        const auto c = qs::sampleCurve(p);
        QS_COMPARE_NEAR(c.dydx[0], qs::daqBackwardIntegerUnits(2.0, sigma, d), 1e-9);
    }

    void daqForwardIsHardRounding()
    {
        for (double sigma : {0.5, 1.0, 2.0, 8.0}) {
            CurveParams p;
            p.method = CurveMethod::DAQ;
            p.bits = 2;
            p.isSigned = true;
            p.daqSigma = sigma;
            p.points = 4000; // avoids x = 0, an exact tie where DAQ keeps the floor and round() goes to even
            const auto c = qs::sampleCurve(p);
            QVERIFY((c.y - c.yHard).cwiseAbs().maxCoeff() < 1e-12);
        }
    }

    void steAndEwgsBackward()
    {
        CurveParams p;
        p.method = CurveMethod::EWGS;
        p.base = qs::Scheme::Uniform;
        p.bits = 2; // unsigned levels 0, 1/3, 2/3, 1
        p.ewgsDelta = 0.5;
        p.from = 0.2;
        p.to = 1.4;
        p.points = 3; // 0.2, 0.8, 1.4
        auto c = qs::sampleCurve(p);
        QS_COMPARE_NEAR(c.y[0], 1.0 / 3, 1e-15);
        QS_COMPARE_NEAR(c.dydx[0], 1 + 0.5 * (0.2 - 1.0 / 3),
                        1e-12); // x_n below x_q: gradient shrinks for g > 0
        QS_COMPARE_NEAR(c.dydx[1], 1 + 0.5 * (0.8 - 2.0 / 3), 1e-12);
        QCOMPARE(c.dydx[2], 0.0); // outside the clip range
        p.gradSign = -1;
        c = qs::sampleCurve(p);
        QS_COMPARE_NEAR(c.dydx[0], 1 - 0.5 * (0.2 - 1.0 / 3), 1e-12);
        p.method = CurveMethod::STE;
        c = qs::sampleCurve(p);
        QCOMPARE(c.dydx[0], 1.0);
        QCOMPARE(c.dydx[2], 0.0);
    }

    void hardQuantizerStaircaseUsesAlpha()
    {
        CurveParams p;
        p.method = CurveMethod::APoT;
        p.bits = 4;
        p.isSigned = true;
        p.alpha = 2.0;
        p.from = -3;
        p.to = 3;
        p.points = 601;
        const auto c = qs::sampleCurve(p);
        QCOMPARE(c.y[0], -2.0);
        QCOMPARE(c.y[600], 2.0);
        QCOMPARE(c.dydx.cwiseAbs().maxCoeff(), 0.0);
        const auto levels = qs::curveLevels(p);
        for (int i = 0; i < p.points; ++i)
            QVERIFY(std::find(levels.begin(), levels.end(), c.y[i] / 2.0) != levels.end());
    }

    void invalidParametersAreRejected()
    {
        CurveParams p;
        p.method = CurveMethod::DSQ;
        p.dsqAlpha = 0.7;
        QVERIFY(qs::checkCurveParams(p).has_value());
        p = CurveParams{};
        p.method = CurveMethod::APoT;
        p.bits = 9;
        QVERIFY(qs::checkCurveParams(p).has_value());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::sampleCurve(p));
        p = CurveParams{};
        p.from = 1;
        p.to = 0;
        QVERIFY(qs::checkCurveParams(p).has_value());
        p = CurveParams{};
        p.alpha = 0;
        QVERIFY(qs::checkCurveParams(p).has_value());
    }
};

QTEST_APPLESS_MAIN(TestCurves)
#include "tst_curves.moc"
