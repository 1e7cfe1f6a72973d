// Trials (core/runs/trials.h): runs that differ only in seed are grouped, summarized as mean ± sample std;
// expected spreads from Python's statistics.stdev (n - 1), not from our formula.

#include "core/runs/trials.h"

#include <QString>
#include <QStringList>
#include <QtTest>

#include <cmath>

using Config = std::map<std::string, std::string>;

namespace {

Config table3Trial(const std::string &seed)
{
    return {{"method", "apot"},
            {"backward", "ewgs"},
            {"wbits", "2"},
            {"abits", "2"},
            {"epochs", "300"},
            {"lr", "0.04"},
            {"seed", seed},
            {"dataset", "cifar10:data/cifar10"},
            {"init", "runs/fp/best.qsckpt"},
            {"threads", "2"}};
}

qs::RunSummary summary(const std::string &label, double finalTop1, double bestTop1, double loss)
{
    qs::RunSummary s;
    s.label = label;
    s.dir = "/runs/" + label;
    s.finalTop1 = finalTop1;
    s.bestTop1 = bestTop1;
    s.finalTrainLoss = loss;
    s.records = 10;
    return s;
}

} // namespace

class TestTrials final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void seedsAndMachinePathsDoNotSplitATrial()
    {
        Config a = table3Trial("1"), b = table3Trial("2"), c = table3Trial("3");
        b["dataset"] = "cifar10:/srv/data/cifar10"; // the same data set on another machine
        b["init"] = "/home/x/fp/best.qsckpt";
        c["threads"] = "16";
        Config otherLr = table3Trial("4");
        otherLr["lr"] = "0.01"; // a different recipe
        Config scratch = table3Trial("5");
        scratch["init"] = ""; // no warm start: a different recipe
        Config mnist = table3Trial("6");
        mnist["dataset"] = "fashion-mnist:";
        const auto groups = qs::groupTrials({a, otherLr, b, scratch, c, mnist, Config{}, Config{}});
        QCOMPARE(groups.size(), size_t(6));
        QCOMPARE(groups[0].members, (std::vector<size_t>{0, 2, 4}));
        QCOMPARE(groups[0].seeds, (std::vector<std::string>{"1", "2", "3"}));
        QCOMPARE(groups[1].members, std::vector<size_t>{1});
        QCOMPARE(groups[2].members, std::vector<size_t>{3});
        QCOMPARE(groups[3].members, std::vector<size_t>{5});
        // Runs without a readable config are never merged.
        QCOMPARE(groups[4].members, std::vector<size_t>{6});
        QCOMPARE(groups[5].members, std::vector<size_t>{7});
        QVERIFY(qs::isTrialInvariantKey("seed"));
        QVERIFY(!qs::isTrialInvariantKey("lr"));
    }

    void meanAndSampleStd()
    {
        // statistics.mean / statistics.stdev of [88.0, 88.5, 89.5]: 88.66666666666667, 0.7637626158259734.
        const auto m = qs::meanStd({88.0, 88.5, 89.5});
        QCOMPARE(m.n, 3);
        QVERIFY(std::abs(m.mean - 88.66666666666667) < 1e-12);
        QVERIFY(std::abs(m.std - 0.7637626158259734) < 1e-12);
        const auto one = qs::meanStd({70.0, std::nan("")}); // a NaN is not a value
        QCOMPARE(one.n, 1);
        QCOMPARE(one.mean, 70.0);
        QCOMPARE(one.std, 0.0);
        QCOMPARE(qs::meanStd({}).n, 0);
    }

    void tableShowsMeanPlusMinusStd()
    {
        const std::vector<qs::RunSummary> runs = {
            summary("apot+EWGS W2A2", 88.0, 88.2, 0.30), summary("apot W2A2", 86.0, 86.5, 0.40),
            summary("apot+EWGS W2A2", 88.5, 88.9, 0.32), summary("apot+EWGS W2A2", 89.5, 89.6, 0.34)};
        const auto groups = qs::groupTrials(
            {table3Trial("1"), Config{{"method", "apot"}}, table3Trial("2"), table3Trial("3")});
        QCOMPARE(groups.size(), size_t(2));
        const QStringList md =
            QString::fromStdString(qs::formatTrialTable(runs, groups, qs::TableFormat::Markdown))
                .split(QLatin1Char('\n'));
        // stdev([0.30, 0.32, 0.34]) = 0.02; stdev of the best = stdev([88.2, 88.9, 89.6]) = 0.7.
        QCOMPARE(md[2], QString::fromUtf8("| apot+EWGS W2A2 (3 trials) | 3 | 88.67 ± 0.76 | 88.90 ± 0.70 | "
                                          "0.3200 ± 0.0200 | 0 |"));
        QCOMPARE(md[3], QStringLiteral("| apot W2A2 | 1 | 86.00 | 86.50 | 0.4000 | 0 |"));
        QVERIFY(md.join(QLatin1Char('\n')).contains(QStringLiteral("sample standard deviation (n")));
        const QString tex =
            QString::fromStdString(qs::formatTrialTable(runs, groups, qs::TableFormat::Latex));
        QVERIFY(tex.contains(QStringLiteral("\\toprule")) && tex.contains(QStringLiteral("\\midrule")) &&
                tex.contains(QStringLiteral("\\bottomrule")));
        QVERIFY2(tex.contains(QStringLiteral("apot+EWGS W2A2 (3 trials) & 3 & 88.67 $\\pm$ 0.76 & ")),
                 qPrintable(tex));
        const QStringList csv =
            QString::fromStdString(qs::formatTrialTable(runs, groups, qs::TableFormat::Csv))
                .split(QLatin1Char('\n'));
        QCOMPARE(csv[1], QStringLiteral("apot+EWGS W2A2 (3 trials),3,88.67,0.76,88.90,0.70,0.3200,0.0200,0"));
        QCOMPARE(csv[2], QStringLiteral("apot W2A2,1,86.00,,86.50,,0.4000,,0"));
    }

    void latexEscapesSpecialCharacters()
    {
        QCOMPARE(QString::fromStdString(qs::latexEscape("a_b 50% #1 & {x} $y ~z ^w \\v")),
                 QStringLiteral("a\\_b 50\\% \\#1 \\& \\{x\\} \\$y \\textasciitilde{}z \\textasciicircum{}w "
                                "\\textbackslash{}v"));
        QCOMPARE(QString::fromStdString(qs::latexEscape("apot+EWGS W2A2 \xce\xb4=8 fixed")),
                 QStringLiteral("apot+EWGS W2A2 $\\delta$=8 fixed"));
    }
};

QTEST_APPLESS_MAIN(TestTrials)
#include "tst_trials.moc"
