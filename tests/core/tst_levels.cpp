// Level sets against the tables of methods.md (1.1, 1.2, 2), computed there with exact fractions.

#include "core/quant/levels.h"
#include "testsupport.h"

#include <QtTest>

#include <numeric>

using qs::Scheme;

namespace {
std::vector<double> fractions(const std::vector<std::pair<int, int>> &f)
{
    std::vector<double> v;
    for (auto [n, d] : f)
        v.push_back(double(n) / d);
    return v;
}

std::vector<double> mirrored(const std::vector<double> &mags)
{
    std::vector<double> v;
    for (auto it = mags.rbegin(); it != mags.rend(); ++it)
        if (*it > 0)
            v.push_back(-*it);
    v.insert(v.end(), mags.begin(), mags.end());
    return v;
}

const std::vector<double> kApot2 = {0, 0.25, 0.5, 1};
const std::vector<double> kApot3 = {0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0};
const std::vector<double> kApot4 = fractions({{0, 1},
                                              {1, 48},
                                              {1, 24},
                                              {1, 16},
                                              {1, 12},
                                              {1, 8},
                                              {1, 6},
                                              {3, 16},
                                              {1, 4},
                                              {1, 3},
                                              {3, 8},
                                              {1, 2},
                                              {2, 3},
                                              {11, 16},
                                              {3, 4},
                                              {1, 1}});
const std::vector<double> kApot5 = [] {
    std::vector<double> v;
    for (int h : {0,  1,  2,  3,  4,  5,  6,  7,  8,  10, 12, 14, 16, 17, 20, 21,
                  24, 28, 32, 34, 36, 38, 48, 52, 64, 65, 68, 69, 72, 76, 96, 100})
        v.push_back(h / 100.0);
    return v;
}();
const std::vector<double> kApot6 =
    fractions({{0, 1},   {1, 448},   {1, 224},   {3, 448},  {1, 112},  {5, 448},   {3, 224},  {1, 64},
               {1, 56},  {5, 224},   {3, 112},   {1, 32},   {1, 28},   {17, 448},  {5, 112},  {3, 64},
               {3, 56},  {1, 16},    {1, 14},    {33, 448}, {17, 224}, {5, 64},    {5, 56},   {3, 32},
               {3, 28},  {7, 64},    {1, 8},     {1, 7},    {33, 224}, {17, 112},  {5, 32},   {5, 28},
               {3, 16},  {3, 14},    {7, 32},    {1, 4},    {2, 7},    {129, 448}, {33, 112}, {19, 64},
               {17, 56}, {5, 16},    {5, 14},    {23, 64},  {3, 8},    {3, 7},     {7, 16},   {1, 2},
               {4, 7},   {257, 448}, {129, 224}, {37, 64},  {33, 56},  {19, 32},   {17, 28},  {39, 64},
               {5, 8},   {5, 7},     {23, 32},   {3, 4},    {6, 7},    {55, 64},   {7, 8},    {1, 1}});

std::vector<double> potTable(int B)
{
    std::vector<double> v{0};
    for (int e = (1 << B) - 2; e >= 0; --e)
        v.push_back(std::ldexp(1.0, -e));
    return v;
}

std::vector<double> uniformTable(int bits, bool isSigned)
{
    const int n = isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    std::vector<double> v;
    for (int k = isSigned ? -n : 0; k <= n; ++k)
        v.push_back(double(k) / n);
    return v;
}
} // namespace

Q_DECLARE_METATYPE(Scheme)
Q_DECLARE_METATYPE(std::vector<double>)

class TestLevels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void matchesReferenceTables_data()
    {
        QTest::addColumn<Scheme>("scheme");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("isSigned");
        QTest::addColumn<std::vector<double>>("expected");
        // Unsigned APoT (activations): build_power_value(b), methods.md 1.1.
        QTest::newRow("apot u2") << Scheme::APoT << 2 << false << kApot2;
        QTest::newRow("apot u3") << Scheme::APoT << 3 << false << kApot3;
        QTest::newRow("apot u4") << Scheme::APoT << 4 << false << kApot4;
        QTest::newRow("apot u5") << Scheme::APoT << 5 << false << kApot5;
        QTest::newRow("apot u6") << Scheme::APoT << 6 << false << kApot6;
        // Signed APoT (weights): b-1 magnitude bits, methods.md 1.2.
        QTest::newRow("apot s2 ternary") << Scheme::APoT << 2 << true << std::vector<double>{-1, 0, 1};
        QTest::newRow("apot s3 = pot") << Scheme::APoT << 3 << true << mirrored(kApot2);
        QTest::newRow("apot s4") << Scheme::APoT << 4 << true << mirrored(kApot3);
        QTest::newRow("apot s5") << Scheme::APoT << 5 << true << mirrored(kApot4);
        QTest::newRow("apot s6") << Scheme::APoT << 6 << true << mirrored(kApot5);
        QTest::newRow("apot s7") << Scheme::APoT << 7 << true << mirrored(kApot6);
        // PoT (additive=False), methods.md 2.
        for (int B = 1; B <= 7; ++B) {
            QTest::newRow(qPrintable(QStringLiteral("pot u%1").arg(B)))
                << Scheme::PoT << B << false << potTable(B);
            QTest::newRow(qPrintable(QStringLiteral("pot s%1").arg(B + 1)))
                << Scheme::PoT << B + 1 << true << mirrored(potTable(B));
        }
        // Uniform: k / (2^b - 1) unsigned, k / (2^(b-1) - 1) signed (methods.md 1.5, 3.1).
        for (int b = 1; b <= 8; ++b) {
            QTest::newRow(qPrintable(QStringLiteral("uniform u%1").arg(b)))
                << Scheme::Uniform << b << false << uniformTable(b, false);
            if (b >= 2)
                QTest::newRow(qPrintable(QStringLiteral("uniform s%1").arg(b)))
                    << Scheme::Uniform << b << true << uniformTable(b, true);
        }
    }

    void matchesReferenceTables()
    {
        QFETCH(Scheme, scheme);
        QFETCH(int, bits);
        QFETCH(bool, isSigned);
        QFETCH(std::vector<double>, expected);
        const auto levels = qs::levelSet({scheme, bits, isSigned});
        QCOMPARE(levels.size(), expected.size());
        for (size_t i = 0; i < levels.size(); ++i)
            QS_COMPARE_NEAR(levels[i], expected[i], 1e-15);
        QCOMPARE(levels.back(), 1.0);
        QVERIFY(std::is_sorted(levels.begin(), levels.end()));
    }

    void signedSetsHaveTwoToTheBitsMinusOneLevels()
    {
        for (auto scheme : {Scheme::Uniform, Scheme::PoT, Scheme::APoT}) {
            const auto [lo, hi] = qs::supportedBits(scheme, true);
            for (int b = lo; b <= std::min(hi, 8); ++b)
                QCOMPARE(int(qs::levelSet({scheme, b, true}).size()), (1 << b) - 1);
        }
    }

    void apotFiveBitLevelsAreExactHundredths()
    {
        for (double v : qs::levelSet({Scheme::APoT, 5, false}))
            QS_COMPARE_NEAR(v * 100, std::round(v * 100), 1e-12);
    }

    void undefinedCombinationsAreRejected_data()
    {
        QTest::addColumn<Scheme>("scheme");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("isSigned");
        QTest::newRow("apot u1") << Scheme::APoT << 1 << false;
        QTest::newRow("apot u7") << Scheme::APoT << 7 << false;
        QTest::newRow("apot u9") << Scheme::APoT << 9 << false;
        QTest::newRow("apot s8") << Scheme::APoT << 8 << true;
        QTest::newRow("apot s1") << Scheme::APoT << 1 << true;
        QTest::newRow("pot u8") << Scheme::PoT << 8 << false;
        QTest::newRow("uniform s1") << Scheme::Uniform << 1 << true;
        QTest::newRow("uniform u0") << Scheme::Uniform << 0 << false;
        QTest::newRow("uniform u17") << Scheme::Uniform << 17 << false;
    }

    void undefinedCombinationsAreRejected()
    {
        QFETCH(Scheme, scheme);
        QFETCH(int, bits);
        QFETCH(bool, isSigned);
        const auto why = qs::checkLevelSpec({scheme, bits, isSigned});
        QVERIFY(why.has_value());
        QVERIFY(why->find(std::to_string(bits)) != std::string::npos);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::levelSet({scheme, bits, isSigned}));
    }

    void projectionPicksTheNearestLevel()
    {
        const auto levels = qs::levelSet({Scheme::APoT, 4, false});
        for (double x = -0.2; x <= 1.2; x += 0.0007) {
            double best = levels[0];
            for (double v : levels)
                if (std::abs(x - v) < std::abs(x - best))
                    best = v;
            QCOMPARE(qs::projectToNearest(levels, x), best);
        }
        QCOMPARE(qs::projectToNearest({0.0, 1.0}, 0.5), 0.0); // a tie goes to the lower level
    }

    // Without its zero level the uniform signed grid is the official EWGS weight grid: QConv quantizes
    // w in [0, 1] to round(w (L - 1)) / (L - 1) with L = 2^b and maps it by 2 (w - 0.5), i.e. 2k / (L - 1)
    // - 1.
    void uniformWithoutZeroIsTheEwgsWeightGrid()
    {
        for (int bits = 2; bits <= 8; ++bits) {
            const auto levels = qs::levelSet({Scheme::Uniform, bits, true, false});
            const int L = 1 << bits;
            QCOMPARE(levels.size(), size_t(L));
            for (int k = 0; k < L; ++k)
                QVERIFY2(std::abs(levels[size_t(k)] - (2.0 * k / (L - 1) - 1.0)) < 1e-15,
                         qPrintable(QStringLiteral("bits %1 level %2").arg(bits).arg(k)));
        }
        const qs::LevelSpec twoBits{Scheme::Uniform, 2, true, false};
        const std::vector<double> ewgsTwoBits{-1, -1.0 / 3, 1.0 / 3, 1};
        QCOMPARE(qs::levelSet(twoBits), ewgsTwoBits);
    }

    // Every scheme: 2^b levels, none at 0, symmetric, largest exactly 1; the positive half keeps the spacing
    // of the grid with zero (scaled), and the gap across 0 equals the first gap.
    void gridsWithoutZeroKeepTheirSpacing()
    {
        for (Scheme scheme : {Scheme::Uniform, Scheme::PoT, Scheme::APoT}) {
            const auto [lo, hi] = qs::supportedBits(scheme, true);
            for (int bits = lo; bits <= hi; ++bits) {
                const auto with = qs::magnitudeLevels({scheme, bits, true});
                const auto without = qs::magnitudeLevels({scheme, bits, true, false});
                const auto levels = qs::levelSet({scheme, bits, true, false});
                const QString where = QStringLiteral("%1 %2 bits")
                                          .arg(QString::fromStdString(qs::schemeName(scheme)))
                                          .arg(bits);
                QVERIFY2(levels.size() == size_t(2) * with.size(), qPrintable(where)); // 2^b: 0 became +-h
                QCOMPARE(without.size(), with.size());
                QCOMPARE(without.back(), 1.0);
                QVERIFY2(without.front() > 0, qPrintable(where));
                for (size_t i = 0; i < levels.size(); ++i)
                    QCOMPARE(levels[i], -levels[levels.size() - 1 - i]);
                const double scale = (without[1] - without[0]) / (with[1] - with[0]);
                for (size_t i = 1; i < with.size(); ++i)
                    QVERIFY2(std::abs((without[i] - without[i - 1]) - scale * (with[i] - with[i - 1])) <
                                 1e-12,
                             qPrintable(where));
                QVERIFY2(std::abs(2 * without[0] - (without[1] - without[0])) < 1e-12, qPrintable(where));
            }
        }
        // APoT 4-bit weights by hand: magnitudes {0, .1, .2, .3, .4, .6, .8, 1} -> (2m + 0.1) / 2.1.
        const auto apot = qs::magnitudeLevels({Scheme::APoT, 4, true, false});
        QVERIFY(std::abs(apot[0] - 0.1 / 2.1) < 1e-15 && std::abs(apot[5] - 1.3 / 2.1) < 1e-15);
    }

    void onlySignedGridsDropTheirZero()
    {
        const auto why = qs::checkLevelSpec({Scheme::Uniform, 4, false, false});
        QVERIFY(why);
        QVERIFY2(why->find("signed") != std::string::npos, why->c_str());
        const qs::LevelSpec unsignedWithoutZero{Scheme::APoT, 4, false, false};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, qs::levelSet(unsignedWithoutZero));
        const qs::LevelSpec signedWithoutZero{Scheme::APoT, 4, true, false};
        QVERIFY(!qs::checkLevelSpec(signedWithoutZero));
    }

    void schemeNamesRoundTrip()
    {
        for (auto s : {Scheme::Uniform, Scheme::PoT, Scheme::APoT})
            QCOMPARE(*qs::parseScheme(qs::schemeName(s)), s);
        QVERIFY(!qs::parseScheme("lsq").has_value());
    }
};

QTEST_APPLESS_MAIN(TestLevels)
#include "tst_levels.moc"
