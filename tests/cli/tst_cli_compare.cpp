// `quantscope-cli compare`: the table of runs as written, and --group-trials (runs that differ only in seed
// as one row of mean ± sample std). Run directories are the ui tests' fixtures, whose numbers follow
// formulas.

#include "testsupport.h"
#include "ui/runfixtures.h"

#include <QTemporaryDir>
#include <QtTest>

using qs::test::RunFixture;

class TestCliCompare final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const double offsets[] = {0.0, 1.0, 2.5};
        for (int t = 0; t < 3; ++t) {
            RunFixture f;
            f.epochs = 4;
            f.topOffset = offsets[t];
            const QString dir = f.write(m_dir.filePath(QStringLiteral("trial%1").arg(t + 1)));
            qs::test::appendBytes(dir + QStringLiteral("/config.ini"),
                                  QStringLiteral("seed = %1\n").arg(t + 1).toUtf8());
            m_runs << dir;
        }
        RunFixture ste;
        ste.backward = QStringLiteral("ste");
        m_runs << ste.write(m_dir.filePath(QStringLiteral("ste_run")));
    }

    void groupTrialsGivesMeanAndSampleStd()
    {
        const auto r = qs::test::runQuantscopeCli(
            QStringList{QStringLiteral("compare"), QStringLiteral("--group-trials"),
                        QStringLiteral("--format"), QStringLiteral("csv"), QStringLiteral("--runs")} +
            m_runs);
        QCOMPARE(r.exitCode, 0);
        const QStringList lines = QString::fromUtf8(r.out).trimmed().split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), 3);
        // Final top-1 62.5 + {0, 1, 2.5} (the fixture's formula): statistics.mean 63.666..., statistics.stdev
        // 1.2583...; the train loss 1.125 in every trial: std 0.
        QCOMPARE(lines[1],
                 QStringLiteral("apot+EWGS W2A2 (3 trials),3,63.67,1.26,63.67,1.26,1.1250,0.0000,0"));
        QCOMPARE(lines[2], QStringLiteral("apot W2A2,1,%1,,%2,,%3,,0")
                               .arg(RunFixture().testTop1(2), 0, 'f', 2)
                               .arg(RunFixture().bestTop1(), 0, 'f', 2)
                               .arg(RunFixture::trainLoss(2), 0, 'f', 4));
        const auto tex = qs::test::runQuantscopeCli(
            QStringList{QStringLiteral("compare"), QStringLiteral("--group-trials"),
                        QStringLiteral("--format"), QStringLiteral("latex"), QStringLiteral("--runs")} +
            m_runs);
        QCOMPARE(tex.exitCode, 0);
        const QString text = QString::fromUtf8(tex.out);
        QVERIFY2(text.contains(QStringLiteral("\\toprule")) &&
                     text.contains(QStringLiteral("\\bottomrule")) &&
                     text.contains(QStringLiteral("apot+EWGS W2A2 (3 trials) & 3 & 63.67 $\\pm$ 1.26 & ")),
                 qPrintable(text));
    }

    void withoutTheFlagEveryRunIsARow()
    {
        const auto r =
            qs::test::runQuantscopeCli(QStringList{QStringLiteral("compare"), QStringLiteral("--format"),
                                                   QStringLiteral("latex"), QStringLiteral("--runs")} +
                                       m_runs);
        QCOMPARE(r.exitCode, 0);
        const QString text = QString::fromUtf8(r.out);
        QCOMPARE(text.count(QStringLiteral("apot+EWGS W2A2 & 4 & 16 & ")), 3);
        // Labels, not directories, name the rows; booktabs rules.
        QVERIFY2(!text.contains(QStringLiteral("ste\\_run")) && !text.contains(m_dir.path()),
                 qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("\\midrule")));
    }

private:
    QTemporaryDir m_dir;
    QStringList m_runs;
};

QTEST_GUILESS_MAIN(TestCliCompare)
#include "tst_cli_compare.moc"
