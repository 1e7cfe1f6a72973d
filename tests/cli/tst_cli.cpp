// quantscope-cli `levels` and `curve`: exact output against core, and every error path (one line, exit 2).

#include "core/quant/curves.h"
#include "core/quant/levels.h"

#include "strictjson.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include <cmath>

namespace {
using CliResult = qs::test::CliRun;

CliResult runCli(const QStringList &args)
{
    return qs::test::runQuantscopeCli(args);
}

QStringList split(const char *args)
{
    return QString::fromLatin1(args).split(QLatin1Char(' '), Qt::SkipEmptyParts);
}
} // namespace

class TestCli : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void levelsJsonIsExactlyTheReferenceSet_data()
    {
        QTest::addColumn<QString>("scheme");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("isSigned");
        for (auto scheme : {qs::Scheme::Uniform, qs::Scheme::PoT, qs::Scheme::APoT})
            for (bool s : {false, true}) {
                const auto [lo, hi] = qs::supportedBits(scheme, s);
                for (int b = lo; b <= std::min(hi, 8); ++b)
                    QTest::newRow(
                        qPrintable(QStringLiteral("%1 %2 %3")
                                       .arg(QString::fromStdString(qs::schemeName(scheme)))
                                       .arg(b)
                                       .arg(s ? QStringLiteral("signed") : QStringLiteral("unsigned"))))
                        << QString::fromStdString(qs::schemeName(scheme)) << b << s;
            }
    }
    void levelsJsonIsExactlyTheReferenceSet()
    {
        QFETCH(QString, scheme);
        QFETCH(int, bits);
        QFETCH(bool, isSigned);
        QStringList args{QStringLiteral("levels"), QStringLiteral("--scheme"), scheme,
                         QStringLiteral("--bits"), QString::number(bits)};
        if (isSigned)
            args << QStringLiteral("--signed");
        const auto r = runCli(args);
        QCOMPARE(r.exitCode, 0);
        QJsonParseError error;
        const auto doc = QJsonDocument::fromJson(r.out, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        nlohmann::json strict;
        std::string why;
        QVERIFY2(qs::test::parseStrictJson(r.out, &strict, &why), why.c_str());
        QCOMPARE(strict.at("levels").get<std::vector<double>>(),
                 qs::levelSet({*qs::parseScheme(scheme.toStdString()), bits, isSigned}));
        const auto obj = doc.object();
        QCOMPARE(obj.value(QStringLiteral("scheme")).toString(), scheme);
        QCOMPARE(obj.value(QStringLiteral("bits")).toInt(), bits);
        QCOMPARE(obj.value(QStringLiteral("signed")).toBool(), isSigned);
        const auto expected = qs::levelSet({*qs::parseScheme(scheme.toStdString()), bits, isSigned});
        const auto levels = obj.value(QStringLiteral("levels")).toArray();
        QCOMPARE(levels.size(), qsizetype(expected.size()));
        for (qsizetype i = 0; i < levels.size(); ++i)
            QCOMPARE(levels[i].toDouble(), expected[size_t(i)]); // shortest round-trip text: exact
    }

    // --no-zero: the signed grid without its zero level; the uniform one is the official EWGS weight grid.
    void levelsWithoutZero()
    {
        auto r = runCli(split("levels --scheme uniform --bits 2 --signed --no-zero --format csv"));
        QCOMPARE(r.exitCode, 0);
        const auto rows = r.out.trimmed().split('\n');
        QCOMPARE(rows.size(), 5);
        QCOMPARE(rows[1].split(',')[1].toDouble(), -1.0);
        QCOMPARE(rows[2].split(',')[1].toDouble(), -1.0 / 3);
        QCOMPARE(rows[3].split(',')[1].toDouble(), 1.0 / 3);
        QCOMPARE(rows[4].split(',')[1].toDouble(), 1.0);
        r = runCli(split("levels --scheme apot --bits 4 --signed --no-zero"));
        QCOMPARE(r.exitCode, 0);
        const auto obj = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(obj.value(QStringLiteral("zero_level")).toBool(), false);
        const auto levels = obj.value(QStringLiteral("levels")).toArray();
        QCOMPARE(levels.size(), 16);
        for (const auto &v : levels)
            QVERIFY(v.toDouble() != 0.0);
        r = runCli(split("levels --scheme apot --bits 4 --no-zero"));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("signed"), r.err.constData());
        QCOMPARE(r.err.count('\n'), 1);
    }

    void levelsCsv()
    {
        const auto r = runCli(split("levels --scheme apot --bits 3 --format csv"));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray("index,level\n0,0\n1,0.1\n2,0.2\n3,0.3\n4,0.4\n5,0.6\n6,0.8\n7,1\n"));
    }

    void curveCsvAndJson()
    {
        auto r =
            runCli(split("curve --method dsq --bits 2 --alpha 3 --from 0 --to 3 --points 7 --dsq-alpha 0.2"));
        QCOMPARE(r.exitCode, 0);
        const auto lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 8);
        QCOMPARE(lines[0], QByteArray("x,y,dydx,forward,surrogate"));
        const auto centre = lines[2].split(','); // x = 0.5, the middle of the first interval
        QCOMPARE(centre[0].toDouble(), 0.5);
        QCOMPARE(centre[2].toDouble(), qs::dsqSlopeIntegerUnits(0.2, 0.0));
        // DSQ's forward is the hard staircase (Delta = 1 here), rounding ties to even as torch.round; the
        // surrogate is the tanh curve y has always been.
        const auto tie = lines[4].split(','); // x = 1.5, a midpoint: forward goes to the even level 2
        QCOMPARE(tie[0].toDouble(), 1.5);
        QCOMPARE(tie[3].toDouble(), 2.0);
        QCOMPARE(tie[4], tie[1]);
        const auto quarter = lines[3].split(','); // x = 1, a level: forward 1
        QCOMPARE(quarter[3].toDouble(), 1.0);
        const auto soft = lines[2].split(',');
        QCOMPARE(soft[3].toDouble(), 0.0); // x = 0.5 rounds to the even level 0 ...
        QCOMPARE(soft[4].toDouble(), 0.5); // ... while the surrogate passes through the midpoint

        r = runCli(
            split("curve --method ewgs --base apot --bits 4 --signed --delta 0.5 --points 11 --format json"));
        QCOMPARE(r.exitCode, 0);
        nlohmann::json strict;
        std::string why;
        QVERIFY2(qs::test::parseStrictJson(r.out, &strict, &why), why.c_str());
        for (const char *key : {"method", "bits", "signed", "x", "y", "dydx", "forward", "surrogate"})
            QVERIFY2(strict.contains(key), key);
        const auto obj = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(obj.value(QStringLiteral("x")).toArray().size(), 11);
        QCOMPARE(obj.value(QStringLiteral("dydx")).toArray().size(), 11);
        QCOMPARE(obj.value(QStringLiteral("method")).toString(), QStringLiteral("ewgs"));
    }

    // The ewgs method's own grid and paths (the official QConv, tests/data/ewgs for its values).
    void ewgsMethodLevelsAndCurve()
    {
        auto r = runCli(split("levels --scheme ewgs --bits 2 --signed --format csv"));
        QCOMPARE(r.exitCode, 0);
        auto lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 5);
        const double expected[] = {-1.0, -1.0 / 3.0, 1.0 / 3.0, 1.0};
        for (int i = 0; i < 4; ++i)
            QVERIFY(std::abs(lines[i + 1].split(',')[1].toDouble() - expected[i]) < 1e-12);
        r = runCli(split("levels --scheme ewgs --bits 1 --signed --format csv"));
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed().split('\n').size(), 3); // -1, 1
        r = runCli(split("levels --scheme ewgs --bits 9 --signed"));
        QCOMPARE(r.exitCode, 2);

        // Weight path, 2 bits, range [-1, 1]: x = -1/3 lies at a rounding midpoint of w_n (1/3 * 3 = 1: a
        // level), x = 0 at w_n = 0.5, x_n (L-1) = 1.5: half to even gives 2, y = 1/3; slope 2/2 (1 + delta
        // (0.5 - 2/3)).
        r = runCli(
            split("curve --method ewgs --bits 2 --signed --alpha 1 --from -1 --to 1 --points 3 --delta 0.6"));
        QCOMPARE(r.exitCode, 0);
        lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 4);
        const auto middle = lines[2].split(',');
        QCOMPARE(middle[0].toDouble(), 0.0);
        QVERIFY(std::abs(middle[1].toDouble() - 1.0 / 3.0) < 1e-12);
        QVERIFY(std::abs(middle[2].toDouble() - (1.0 + 0.6 * (0.5 - 2.0 / 3.0))) < 1e-12);
        // Activation path: y in [0, 1], 0 gradient past the clamp.
        r = runCli(split("curve --method ewgs --bits 1 --alpha 2 --from 0 --to 3 --points 4"));
        QCOMPARE(r.exitCode, 0);
        lines = r.out.trimmed().split('\n');
        QCOMPARE(lines[4].split(',')[1].toDouble(), 1.0);
        QCOMPARE(lines[4].split(',')[2].toDouble(), 0.0);
    }

    void errorsPrintOneLineAndExitTwo_data()
    {
        QTest::addColumn<QString>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no command") << QString() << QStringLiteral("usage");
        QTest::newRow("unknown command") << QStringLiteral("frobnicate") << QStringLiteral("frobnicate");
        QTest::newRow("apot 9 bits") << QStringLiteral("levels --scheme apot --bits 9")
                                     << QStringLiteral("9");
        QTest::newRow("apot unsigned 1 bit")
            << QStringLiteral("levels --scheme apot --bits 1") << QStringLiteral("1");
        QTest::newRow("uniform signed 1 bit")
            << QStringLiteral("levels --scheme uniform --bits 1 --signed") << QStringLiteral("signed");
        QTest::newRow("bad scheme") << QStringLiteral("levels --scheme lsq --bits 4")
                                    << QStringLiteral("lsq");
        QTest::newRow("missing scheme") << QStringLiteral("levels --bits 4") << QStringLiteral("--scheme");
        QTest::newRow("missing bits") << QStringLiteral("levels --scheme pot") << QStringLiteral("--bits");
        QTest::newRow("bits not a number")
            << QStringLiteral("levels --scheme pot --bits four") << QStringLiteral("four");
        QTest::newRow("missing value")
            << QStringLiteral("levels --scheme pot --bits") << QStringLiteral("--bits");
        QTest::newRow("unknown option")
            << QStringLiteral("levels --scheme pot --bits 3 --colour") << QStringLiteral("--colour");
        QTest::newRow("stray word") << QStringLiteral("levels pot") << QStringLiteral("pot");
        QTest::newRow("bad format") << QStringLiteral("levels --scheme pot --bits 3 --format xml")
                                    << QStringLiteral("xml");
        QTest::newRow("option twice")
            << QStringLiteral("levels --scheme pot --bits 3 --bits 4") << QStringLiteral("twice");
        QTest::newRow("curve bad method")
            << QStringLiteral("curve --method round --bits 2") << QStringLiteral("round");
        QTest::newRow("curve apot 9 bits")
            << QStringLiteral("curve --method apot --bits 9") << QStringLiteral("9");
        QTest::newRow("curve dsq alpha")
            << QStringLiteral("curve --method dsq --bits 2 --dsq-alpha 0.7") << QStringLiteral("0.7");
        QTest::newRow("curve range") << QStringLiteral("curve --method ste --bits 2 --from 1 --to 0")
                                     << QStringLiteral("from");
        QTest::newRow("curve points")
            << QStringLiteral("curve --method ste --bits 2 --points 1") << QStringLiteral("points");
        QTest::newRow("curve nan") << QStringLiteral("curve --method ste --bits 2 --alpha nan")
                                   << QStringLiteral("nan");
        QTest::newRow("curve negative delta")
            << QStringLiteral("curve --method ewgs --bits 2 --delta -1") << QStringLiteral("delta");
        QTest::newRow("curve grad sign")
            << QStringLiteral("curve --method ewgs --bits 2 --grad-sign 0.5") << QStringLiteral("sign");
    }
    void errorsPrintOneLineAndExitTwo()
    {
        QFETCH(QString, args);
        QFETCH(QString, mentions);
        const auto r = runCli(args.split(QLatin1Char(' '), Qt::SkipEmptyParts));
        QCOMPARE(r.exitCode, 2);
        if (!args.isEmpty()) {
            QVERIFY(r.out.isEmpty());
            QCOMPARE(r.err.count('\n'), 1);
        }
        QVERIFY2((r.out + r.err).contains(mentions.toUtf8()), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
