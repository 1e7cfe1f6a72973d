// `quantscope-cli figure` end to end: usage errors exit 2, I/O errors exit 1, success writes figure + CSV.

#include "testsupport.h"

#include <QFile>
#include <QImageReader>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

namespace {

using Run = qs::test::CliRun;

Run runCli(const QStringList &args)
{
    return qs::test::runQuantscopeCli(QStringList{QStringLiteral("figure")} + args, qs::test::Display::None);
}

// Error messages are one line (Qt's own startup chatter aside, which never happens before validation).
int errorLines(const QByteArray &err)
{
    return int(err.trimmed().split('\n').size());
}

QStringList list(std::initializer_list<const char *> words)
{
    QStringList result;
    for (const char *word : words)
        result << QString::fromUtf8(word);
    return result;
}

} // namespace

class TestFigureCli final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void usageErrorsExit2_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QString out = m_dir.filePath(QStringLiteral("x.png"));
        QTest::newRow("unknown kind")
            << list({"--kind", "scatterplot", "--out"}) + QStringList{out} << QStringLiteral("--kind");
        QTest::newRow("missing kind") << list({"--out"}) + QStringList{out} << QStringLiteral("--kind");
        QTest::newRow("missing out") << list({"--kind", "levels"}) << QStringLiteral("--out");
        QTest::newRow("bad extension")
            << list({"--kind", "levels", "--out"}) + QStringList{m_dir.filePath(QStringLiteral("x.jpg"))}
            << QStringLiteral(".png");
        QTest::newRow("bad preset") << list({"--kind", "levels", "--preset", "poster", "--out"}) +
                                           QStringList{out}
                                    << QStringLiteral("--preset");
        QTest::newRow("dpi out of range")
            << list({"--kind", "levels", "--dpi", "5", "--out"}) + QStringList{out}
            << QStringLiteral("--dpi");
        QTest::newRow("undefined bits")
            << list({"--kind", "levels", "--scheme", "pot", "--bits", "12", "--out"}) + QStringList{out}
            << QStringLiteral("bits");
        QTest::newRow("dsq alpha out of range")
            << list({"--kind", "softround", "--method", "dsq", "--dsq-alpha", "0.9", "--out"}) +
                   QStringList{out}
            << QStringLiteral("alpha");
        QTest::newRow("unknown method")
            << list({"--kind", "softround", "--method", "lsq", "--out"}) + QStringList{out}
            << QStringLiteral("--method");
        QTest::newRow("unknown option")
            << list({"--kind", "levels", "--colour", "red", "--out"}) + QStringList{out}
            << QStringLiteral("--colour");
    }

    void usageErrorsExit2()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const Run run = runCli(args);
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(errorLines(run.err), 1);
        QVERIFY2(run.err.contains(mentions.toUtf8()), run.err.constData());
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("x.png"))));
    }

    void unwritablePathExits1()
    {
        const Run run = runCli({QStringLiteral("--kind"), QStringLiteral("levels"), QStringLiteral("--out"),
                                m_dir.filePath(QStringLiteral("no/such/dir/levels.png"))});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("cannot write"), run.err.constData());
    }

    void writesFigureAndCsv_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("file");
        QTest::newRow("levels png") << list({"--kind", "levels", "--scheme", "apot", "--bits", "3",
                                             "--compare", "--dpi", "200"})
                                    << QStringLiteral("levels.png");
        QTest::newRow("levels signed svg")
            << list({"--kind", "levels", "--signed", "--compare", "--preset", "double"})
            << QStringLiteral("levels.svg");
        QTest::newRow("dsq pdf") << list({"--kind", "softround", "--method", "dsq", "--dsq-alpha", "0.1"})
                                 << QStringLiteral("dsq.pdf");
        QTest::newRow("ewgs png") << list({"--kind", "softround", "--method", "ewgs", "--base", "apot",
                                           "--bits", "3", "--delta", "2", "--grad-sign", "-1", "--dpi",
                                           "100"})
                                  << QStringLiteral("ewgs.png");
    }

    void writesFigureAndCsv()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, file);
        const QString path = m_dir.filePath(file);
        const Run run = runCli(args + QStringList{QStringLiteral("--out"), path});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(QFile::exists(path));
        const QString csvPath = path.left(path.lastIndexOf(QLatin1Char('.'))) + QStringLiteral(".csv");
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readLine().trimmed(), QByteArray("panel,series,x,y"));
        QVERIFY(csv.readAll().count('\n') > 10);
        if (file.endsWith(QLatin1String(".png"))) {
            const int dpi = args.at(args.indexOf(QStringLiteral("--dpi")) + 1).toInt();
            QCOMPARE(QImageReader(path).size().width(), qRound(3.5 * dpi));
        }
        QVERIFY(run.out.contains(file.toUtf8()));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestFigureCli)
#include "tst_figurecli.moc"
