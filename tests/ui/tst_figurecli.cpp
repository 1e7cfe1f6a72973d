// `quantscope-cli figure` end to end: usage errors exit 2, I/O errors exit 1, success writes figure + CSV.

#include "runfixtures.h"
#include "testsupport.h"

#include "core/analysis/activations.h"
#include "core/analysis/analysis.h"
#include "core/quant/levels.h"
#include "core/analysis/ptq.h"
#include "ui/figures/palette.h"

#include <algorithm>
#include <set>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

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

// Exit status 2, one line on stderr naming `mentions`, and nothing written at `unwritten`.
void checkUsageError(const QStringList &args, const QString &mentions, const QString &unwritten)
{
    const Run run = runCli(args);
    QCOMPARE(run.exitCode, 2);
    QCOMPARE(errorLines(run.err), 1);
    QVERIFY2(run.err.contains(mentions.toUtf8()), run.err.constData());
    QVERIFY(!QFile::exists(unwritten));
}

// The settings comment lines ("# key: value") at the top of a figure's CSV, as key -> value; the file is left
// at the column names.
QMap<QString, QString> readCsvSettings(QFile &csv)
{
    QMap<QString, QString> settings;
    while (!csv.atEnd() && csv.peek(1) == "#") {
        const QString line = QString::fromUtf8(csv.readLine()).trimmed().mid(1).trimmed();
        const int colon = line.indexOf(QStringLiteral(": "));
        if (colon > 0)
            settings[line.left(colon)] = line.mid(colon + 2);
    }
    return settings;
}

// The figure's CSV as "panel/series name" -> points, in file order; empty when the file is missing or any
// line after the settings is not panel,series,x,y.
QMap<QString, QList<QPointF>> readCsv(const QString &figurePath)
{
    QMap<QString, QList<QPointF>> rows;
    QFile csv(figurePath.left(figurePath.lastIndexOf(QLatin1Char('.'))) + QStringLiteral(".csv"));
    if (!csv.open(QIODevice::ReadOnly))
        return {};
    readCsvSettings(csv);
    if (csv.readLine().trimmed() != "panel,series,x,y")
        return {};
    while (!csv.atEnd()) {
        const QList<QByteArray> f = csv.readLine().trimmed().split(',');
        if (f.size() != 4)
            return {};
        rows[QString::fromUtf8(f[0] + '/' + f[1])] << QPointF(f[2].toDouble(), f[3].toDouble());
    }
    return rows;
}

const QString kDefaultModel = QStringLiteral(QUANTSCOPE_DEFAULT_MODEL);

// The default model's own data set (its checkpoint names fashion-mnist:, Debian's package path).
bool haveFashionMnist()
{
    return QFileInfo(QStringLiteral("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")).isFile();
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
        QTest::newRow("font size too large")
            << list({"--kind", "levels", "--font-size", "30", "--out"}) + QStringList{out}
            << QStringLiteral("--font-size");
        QTest::newRow("font size not a number")
            << list({"--kind", "levels", "--font-size", "big", "--out"}) + QStringList{out}
            << QStringLiteral("--font-size");
        QTest::newRow("line width too thin")
            << list({"--kind", "levels", "--line-width", "0.1", "--out"}) + QStringList{out}
            << QStringLiteral("--line-width");
        QTest::newRow("empty font") << list({"--kind", "levels", "--font", "", "--out"}) + QStringList{out}
                                    << QStringLiteral("--font");
    }

    // --font, --font-size, --line-width and --panel-letters reach the file: the SVG's text uses the font at
    // the size (in page units of 300 per inch), its lines the width, each panel starts with its letter, and
    // the settings are in the CSV header and the SVG's <desc>.
    void paperOptionsReachTheFile()
    {
        const QString path = m_dir.filePath(QStringLiteral("paper.svg"));
        const Run run = runCli(list({"--kind", "levels", "--compare", "--font", "DejaVu Serif", "--font-size",
                                     "10", "--line-width", "2", "--panel-letters", "--out"}) +
                               QStringList{path});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(file.readAll());
        QStringList texts, families;
        QString desc;
        bool sawTitleSize = false, sawLineWidth = false;
        while (!xml.atEnd()) {
            xml.readNext();
            if (!xml.isStartElement())
                continue;
            const auto a = xml.attributes();
            if (xml.name() == QLatin1String("text"))
                families << a.value(QLatin1String("font-family")).toString();
            // 10 pt titles: 10 * 300 / 72 = 41.7 -> 42 units; a widthScale-1 line of 2 pt: 8.33 units.
            if (xml.name() == QLatin1String("text") &&
                a.value(QLatin1String("font-size")) == QLatin1String("42"))
                sawTitleSize = true;
            if (xml.name() == QLatin1String("g") &&
                std::abs(a.value(QLatin1String("stroke-width")).toDouble() - 2 * 300.0 / 72) < 0.01)
                sawLineWidth = true;
            if (xml.name() == QLatin1String("desc"))
                desc = xml.readElementText();
            else if (xml.name() == QLatin1String("text"))
                texts << xml.readElementText();
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(!families.isEmpty());
        QCOMPARE(families.count(QStringLiteral("DejaVu Serif")), families.size());
        QVERIFY(sawTitleSize);
        QVERIFY(sawLineWidth);
        QVERIFY(texts.contains(QStringLiteral("(a)")) && texts.contains(QStringLiteral("(b)")));
        QVERIFY2(desc.contains(QStringLiteral("font: DejaVu Serif 10 pt")), qPrintable(desc));
        QVERIFY2(desc.contains(QStringLiteral("scheme: Uniform, PoT, APoT")), qPrintable(desc));
        QFile csv(m_dir.filePath(QStringLiteral("paper.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const auto settings = readCsvSettings(csv);
        QCOMPARE(settings.value(QStringLiteral("line width")), QStringLiteral("2 pt"));
        QCOMPARE(settings.value(QStringLiteral("bits")), QStringLiteral("4"));
    }

    void usageErrorsExit2()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        checkUsageError(args, mentions, m_dir.filePath(QStringLiteral("x.png")));
    }

    // --kind activations and bit-sweep --accuracy: options checked before the model or data is read.
    void dataKindUsageErrorsExit2_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QStringList w{QStringLiteral("--weights"), kDefaultModel, QStringLiteral("--out"),
                            m_dir.filePath(QStringLiteral("d.png"))};
        QTest::newRow("accuracy on layer-error")
            << list({"--kind", "layer-error", "--accuracy"}) + w << QStringLiteral("--accuracy");
        QTest::newRow("data without accuracy")
            << list({"--kind", "bit-sweep", "--data", "fashion-mnist:"}) + w << QStringLiteral("--data");
        QTest::newRow("images on histogram")
            << list({"--kind", "histogram", "--images", "64"}) + w << QStringLiteral("--images");
        QTest::newRow("overlay on activations")
            << list({"--kind", "activations", "--overlay", "pot"}) + w << QStringLiteral("--overlay");
        // APoT has signed 7-bit weights but no unsigned 7-bit activations.
        QTest::newRow("unsigned bits")
            << list({"--kind", "activations", "--scheme", "apot", "--bits", "7"}) + w
            << QStringLiteral("unsigned");
        QTest::newRow("no images") << list({"--kind", "activations", "--images", "0"}) + w
                                   << QStringLiteral("--images");
        QTest::newRow("unknown layer") << list({"--kind", "activations", "--layer", "layer9.9.conv9"}) + w
                                       << QStringLiteral("layer9.9.conv9");
        QTest::newRow("accuracy on levels") << list({"--kind", "levels", "--accuracy", "--out"}) +
                                                   QStringList{m_dir.filePath(QStringLiteral("d.png"))}
                                            << QStringLiteral("--accuracy");
    }

    void dataKindUsageErrorsExit2()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        checkUsageError(args, mentions, m_dir.filePath(QStringLiteral("d.png")));
    }

    // A data set that is not there: one line naming it, exit 1, before any figure is written.
    void missingDataExits1_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("activations") << list({"--kind", "activations", "--images", "8"});
        QTest::newRow("accuracy") << list({"--kind", "bit-sweep", "--accuracy", "--images", "8"});
    }

    void missingDataExits1()
    {
        QFETCH(QStringList, args);
        const QString data = m_dir.filePath(QStringLiteral("no-such-mnist"));
        const QString out = m_dir.filePath(QStringLiteral("nodata.svg"));
        const Run run =
            runCli(args + QStringList{QStringLiteral("--weights"), kDefaultModel, QStringLiteral("--data"),
                                      QStringLiteral("mnist:") + data, QStringLiteral("--out"), out});
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(errorLines(run.err), 1);
        QVERIFY2(run.err.contains(data.toUtf8()), run.err.constData());
        QVERIFY(!QFile::exists(out));
    }

    // The Model view's Activations figure: the CSV holds what core's capture and analysis give for the
    // same request (levels at alpha times the unsigned grid, every recorded value on one level).
    void activationsFigure()
    {
        if (!haveFashionMnist())
            QSKIP("Fashion-MNIST is not installed at /usr/share/datasets/fashion-mnist");
        const QString path = m_dir.filePath(QStringLiteral("activations.svg"));
        const Run run =
            runCli(list({"--kind", "activations", "--layer", "layer2.0.conv1", "--images", "64", "--scheme",
                         "pot", "--bits", "3", "--alpha", "2", "--bins", "50"}) +
                   QStringList{QStringLiteral("--weights"), kDefaultModel, QStringLiteral("--out"), path});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const auto rows = readCsv(path);

        qs::ActivationRequest request;
        request.weights = kDefaultModel.toStdString();
        request.images = 64;
        const qs::ActivationCapture capture = qs::captureActivations(request, {});
        const qs::LayerActivations *layer = capture.layer("layer2.0.conv1.weight");
        QVERIFY(layer);
        const auto a =
            qs::analyzeActivationValues(layer->name, layer->values, {qs::Scheme::PoT, 3, false}, 2.0, false);
        const auto marks = rows.value(QStringLiteral("occupancy/values per level"));
        QCOMPARE(marks.size(), 8); // 2^3 unsigned levels
        QCOMPARE(size_t(marks.size()), a.levels.size());
        int64_t total = 0;
        for (int i = 0; i < marks.size(); ++i) {
            QS_COMPARE_NEAR(marks[i].x(), a.levels[size_t(i)], 1e-9);
            QCOMPARE(marks[i].y(), double(a.counts[size_t(i)]));
            total += int64_t(marks[i].y());
        }
        QCOMPARE(total, int64_t(layer->values.size()));
        QCOMPARE(marks.back().x(), 2.0); // the top level is the clip
        const auto clip = rows.value(QStringLiteral("histogram/clip \u03b1"));
        QCOMPARE(clip.size(), 2); // one vertical segment: (alpha, 0) to (alpha, top)
        for (const QPointF &p : clip)
            QCOMPARE(p.x(), 2.0);
        QCOMPARE(clip.front().y(), 0.0);
        QFile csv(m_dir.filePath(QStringLiteral("activations.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const auto settings = readCsvSettings(csv);
        QCOMPARE(settings.value(QStringLiteral("checkpoint")), kDefaultModel);
        QCOMPARE(settings.value(QStringLiteral("layer")), QStringLiteral("layer2.0.conv1.weight"));
        QCOMPARE(settings.value(QStringLiteral("scheme")), QStringLiteral("PoT"));
        QCOMPARE(settings.value(QStringLiteral("bits")), QStringLiteral("3 (unsigned)"));
        QCOMPARE(settings.value(QStringLiteral("alpha")), QStringLiteral("2 (given)"));
        QCOMPARE(settings.value(QStringLiteral("images")), QStringLiteral("64"));
        const auto bulk = rows.value(QStringLiteral("histogram/activations"));
        QCOMPARE(bulk.size(), 2 * 50 + 2);
        QVERIFY(rows.contains(QStringLiteral("histogram/PoT levels")));
        // By default the bins stop at the 99.9th percentile (the ReLU tail's outliers would squeeze the bulk
        // into a few bins); --range full reaches the largest value.
        const float largest = *std::max_element(layer->values.begin(), layer->values.end());
        QVERIFY2(bulk.back().x() < double(largest), qPrintable(QString::number(bulk.back().x())));
        const QString fullPath = m_dir.filePath(QStringLiteral("activations-full.svg"));
        const Run full = runCli(
            list({"--kind", "activations", "--layer", "layer2.0.conv1", "--images", "64", "--scheme", "pot",
                  "--bits", "3", "--alpha", "2", "--bins", "50", "--range", "full"}) +
            QStringList{QStringLiteral("--weights"), kDefaultModel, QStringLiteral("--out"), fullPath});
        QVERIFY2(full.exitCode == 0, full.err.constData());
        const auto all = readCsv(fullPath).value(QStringLiteral("histogram/activations"));
        QVERIFY(!all.isEmpty());
        QS_COMPARE_NEAR(all.back().x(), double(largest), 1e-5 * double(largest));

        // A layer without a quantized input is named, with the ones that have one.
        const Run edge =
            runCli(list({"--kind", "activations", "--layer", "conv1", "--images", "8"}) +
                   QStringList{QStringLiteral("--weights"), kDefaultModel, QStringLiteral("--out"),
                               m_dir.filePath(QStringLiteral("edge.svg"))});
        QCOMPARE(edge.exitCode, 2);
        QCOMPARE(errorLines(edge.err), 1);
        QVERIFY2(edge.err.contains("no quantized input") && edge.err.contains("layer1.0.conv1"),
                 edge.err.constData());
    }

    // bit-sweep --accuracy: the post-training panel is core's PTQ sweep on the same images.
    void bitSweepAccuracyPanel()
    {
        if (!haveFashionMnist())
            QSKIP("Fashion-MNIST is not installed at /usr/share/datasets/fashion-mnist");
        const QString path = m_dir.filePath(QStringLiteral("sweep.png"));
        const Run run =
            runCli(list({"--kind", "bit-sweep", "--accuracy", "--images", "64", "--dpi", "100"}) +
                   QStringList{QStringLiteral("--weights"), kDefaultModel, QStringLiteral("--out"), path});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(QImageReader(path).size().height() > 300);
        const auto rows = readCsv(path);

        qs::PtqRequest request;
        request.weights = kDefaultModel.toStdString();
        request.testImages = 64;
        const qs::PtqResult expected = qs::ptqAccuracySweep(request, {});
        QCOMPARE(expected.images, int64_t(64));
        const auto fp =
            rows.value(QStringLiteral("accuracy/unquantized %1%").arg(expected.referenceTop1, 0, 'f', 2));
        QCOMPARE(fp.size(), 2);
        QS_COMPARE_NEAR(fp[0].y(), expected.referenceTop1, 1e-9);
        int points = 0;
        for (const char *scheme : {"Uniform", "PoT", "APoT"}) {
            const auto line = rows.value(QStringLiteral("accuracy/") + QLatin1String(scheme));
            QVERIFY2(!line.isEmpty(), scheme);
            for (const QPointF &p : line) {
                bool found = false;
                for (const auto &e : expected.points)
                    if (qs::ui::schemeLabel(e.scheme) == QLatin1String(scheme) && e.bits == int(p.x())) {
                        QS_COMPARE_NEAR(p.y(), e.top1, 1e-9);
                        found = true;
                    }
                QVERIFY(found);
                ++points;
            }
        }
        QCOMPARE(points, int(expected.points.size()));
        QVERIFY(rows.contains(QStringLiteral("bit-sweep/APoT"))); // the SQNR panel is still there
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
        const auto settings = readCsvSettings(csv);
        QCOMPARE(settings.value(QStringLiteral("figure")), file.contains(QLatin1String("levels"))
                                                               ? QStringLiteral("levels")
                                                               : QStringLiteral("softround"));
        QVERIFY(settings.contains(QStringLiteral("bits")) && settings.contains(QStringLiteral("alpha")));
        QCOMPARE(settings.value(QStringLiteral("preset")), args.contains(QStringLiteral("double"))
                                                               ? QStringLiteral("double")
                                                               : QStringLiteral("single"));
        QCOMPARE(csv.readLine().trimmed(), QByteArray("panel,series,x,y"));
        QVERIFY(csv.readAll().count('\n') > 10);
        if (file.endsWith(QLatin1String(".png"))) {
            const int dpi = args.at(args.indexOf(QStringLiteral("--dpi")) + 1).toInt();
            QCOMPARE(QImageReader(path).size().width(), qRound(3.5 * dpi));
        }
        QVERIFY(run.out.contains(file.toUtf8()));
    }

    // The run kinds (curves, ewgs, alpha, occupancy, compare) on fixture runs written here.
    void runKindUsageErrorsExit2_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QString out = m_dir.filePath(QStringLiteral("r.png"));
        const QString run = runDir();
        QTest::newRow("curves without runs")
            << list({"--kind", "curves", "--out"}) + QStringList{out} << QStringLiteral("--runs");
        QTest::newRow("runs on levels")
            << list({"--kind", "levels", "--runs"}) + QStringList{run, QStringLiteral("--out"), out}
            << QStringLiteral("--runs");
        QTest::newRow("scheme on curves") << list({"--kind", "curves", "--scheme", "apot", "--runs"}) +
                                                 QStringList{run, QStringLiteral("--out"), out}
                                          << QStringLiteral("--scheme");
        QTest::newRow("two runs for occupancy")
            << list({"--kind", "occupancy", "--runs"}) + QStringList{run, run, QStringLiteral("--out"), out}
            << QStringLiteral("one");
        QTest::newRow("smoothing out of range")
            << list({"--kind", "curves", "--smoothing", "1.5", "--runs"}) +
                   QStringList{run, QStringLiteral("--out"), out}
            << QStringLiteral("--smoothing");
        QTest::newRow("unknown layer") << list({"--kind", "ewgs", "--layer", "layer9.9.conv9", "--runs"}) +
                                              QStringList{run, QStringLiteral("--out"), out}
                                       << QStringLiteral("layer9.9.conv9");
        QTest::newRow("linear on alpha") << list({"--kind", "alpha", "--linear", "--runs"}) +
                                                QStringList{run, QStringLiteral("--out"), out}
                                         << QStringLiteral("--linear");
        QTest::newRow("group-trials on curves") << list({"--kind", "curves", "--group-trials", "--runs"}) +
                                                       QStringList{run, QStringLiteral("--out"), out}
                                                << QStringLiteral("--group-trials");
        QTest::newRow("group-trials on levels")
            << list({"--kind", "levels", "--group-trials", "--out"}) + QStringList{out}
            << QStringLiteral("--group-trials");
        QTest::newRow("range on compare") << list({"--kind", "compare", "--range", "full", "--runs"}) +
                                                 QStringList{run, QStringLiteral("--out"), out}
                                          << QStringLiteral("--range");
        QTest::newRow("range on levels")
            << list({"--kind", "levels", "--range", "full", "--out"}) + QStringList{out}
            << QStringLiteral("--range");
        QTest::newRow("range on layer-error")
            << list({"--kind", "layer-error", "--range", "full", "--weights"}) +
                   QStringList{kDefaultModel, QStringLiteral("--out"), out}
            << QStringLiteral("--range");
        for (const char *bad : {"3:1", "wide", "1:", "nan:2", "-1:x"})
            QTest::newRow(qPrintable(QStringLiteral("range %1").arg(QString::fromUtf8(bad))))
                << list({"--kind", "histogram", "--range", bad, "--weights"}) +
                       QStringList{kDefaultModel, QStringLiteral("--out"), out}
                << QStringLiteral("--range");
    }

    // --range on a layer's histogram: the default bins the 0.1-99.9 percentiles (a few outliers do not
    // squeeze the bulk), `full` bins every weight, LO:HI bins exactly that span; the CSV's bin edges say
    // which.
    void histogramRange()
    {
        const auto binEdges = [this](const QStringList &range) -> QPair<double, double> {
            const QString path = m_dir.filePath(QStringLiteral("range.svg"));
            const Run run = runCli(
                list({"--kind", "histogram", "--layer", "layer2.0.conv1", "--bins", "40"}) + range +
                QStringList{QStringLiteral("--weights"), kDefaultModel, QStringLiteral("--out"), path});
            if (run.exitCode != 0)
                qWarning("%s", run.err.constData());
            const auto h = readCsv(path).value(QStringLiteral("histogram/weights"));
            if (h.isEmpty())
                return {0, 0};
            return {h.front().x(), h.back().x()};
        };
        const auto bulk = binEdges({});
        const auto full = binEdges({QStringLiteral("--range"), QStringLiteral("full")});
        const auto zoom = binEdges({QStringLiteral("--range"), QStringLiteral("-1.5:2.5")});
        QVERIFY2(full.first < bulk.first && bulk.second < full.second,
                 qPrintable(QStringLiteral("full [%1, %2], percentiles [%3, %4]")
                                .arg(full.first)
                                .arg(full.second)
                                .arg(bulk.first)
                                .arg(bulk.second)));
        QCOMPARE(full.first, -full.second); // +-max|w~|
        QS_COMPARE_NEAR(zoom.first, -1.5, 1e-9);
        QS_COMPARE_NEAR(zoom.second, 2.5, 1e-9);
    }

    // --no-zero on a layer's histogram: the levels drawn are the zero-free grid's (2^b, none at 0); without
    // it, 2^b - 1 with one at 0.
    void histogramWithoutZero()
    {
        const auto levelXs = [this](const QStringList &extra) {
            const QString path = m_dir.filePath(QStringLiteral("nozero.svg"));
            const Run run = runCli(
                list({"--kind", "histogram", "--scheme", "uniform", "--bits", "3"}) + extra +
                QStringList{QStringLiteral("--weights"), kDefaultModel, QStringLiteral("--out"), path});
            if (run.exitCode != 0)
                qWarning("%s", run.err.constData());
            std::set<double> xs;
            for (const QPointF &p : readCsv(path).value(QStringLiteral("histogram/Uniform levels")))
                xs.insert(p.x());
            return xs;
        };
        const auto withZero = levelXs({});
        const auto withoutZero = levelXs({QStringLiteral("--no-zero")});
        QCOMPARE(int(withZero.size()), 7);
        QCOMPARE(int(withZero.count(0.0)), 1);
        QCOMPARE(int(withoutZero.size()), 8);
        QCOMPARE(int(withoutZero.count(0.0)), 0);
    }

    // compare --group-trials: runs that differ only in seed are one curve, the mean of their trials.
    void groupTrialsFigure()
    {
        qs::test::RunFixture other = m_fixture;
        other.topOffset = m_fixture.topOffset + 4; // another seed's accuracies
        const QString trial2 = other.write(m_dir.filePath(QStringLiteral("run-ewgs-seed2")));
        const QString path = m_dir.filePath(QStringLiteral("trials.svg"));
        const Run run = runCli(list({"--kind", "compare", "--group-trials", "--runs"}) +
                               QStringList{runDir(), trial2, secondRunDir(), QStringLiteral("--out"), path});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const auto rows = readCsv(path);
        const auto top1 = rows.value(QStringLiteral("test-top1/apot+EWGS W2A2 (2 trials)"));
        QCOMPARE(top1.size(), m_fixture.epochs);
        for (int e = 0; e < m_fixture.epochs; ++e)
            QS_COMPARE_NEAR(top1[e].y(), (m_fixture.testTop1(e) + other.testTop1(e)) / 2, 1e-9);
        QVERIFY(rows.contains(QStringLiteral("loss/apot+EWGS W2A2 (2 trials)")));
        // The STE run is a group of its own.
        QVERIFY2(
            std::any_of(rows.keyBegin(), rows.keyEnd(),
                        [](const QString &k) { return k.startsWith(QStringLiteral("test-top1/apot W2A2")); }),
            qPrintable(rows.keys().join(QLatin1Char(' '))));
    }

    void runKindUsageErrorsExit2()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        checkUsageError(args, mentions, m_dir.filePath(QStringLiteral("r.png")));
    }

    void runDirWithoutMetricsExits1()
    {
        const QString empty = m_dir.filePath(QStringLiteral("empty-run"));
        QVERIFY(QDir().mkpath(empty));
        const QString out = m_dir.filePath(QStringLiteral("none.png"));
        const Run run = runCli(list({"--kind", "curves", "--runs"}) +
                               QStringList{runDir(), empty, QStringLiteral("--out"), out});
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(errorLines(run.err), 1);
        QVERIFY2(run.err.contains(empty.toUtf8()) && run.err.contains("metrics.jsonl"), run.err.constData());
        QVERIFY(!QFile::exists(out));
    }

    void runKindsWriteFigureAndCsv_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("runs");
        QTest::newRow("curves svg") << QStringLiteral("curves") << QStringLiteral("curves.svg") << 1;
        QTest::newRow("curves two runs pdf")
            << QStringLiteral("curves") << QStringLiteral("curves2.pdf") << 2;
        QTest::newRow("ewgs png") << QStringLiteral("ewgs") << QStringLiteral("ewgs.png") << 1;
        QTest::newRow("alpha svg") << QStringLiteral("alpha") << QStringLiteral("alpha.svg") << 1;
        QTest::newRow("occupancy png") << QStringLiteral("occupancy") << QStringLiteral("occupancy.png") << 1;
        QTest::newRow("compare pdf") << QStringLiteral("compare") << QStringLiteral("compare.pdf") << 2;
    }

    void runKindsWriteFigureAndCsv()
    {
        QFETCH(QString, kind);
        QFETCH(QString, file);
        QFETCH(int, runs);
        const QString path = m_dir.filePath(file);
        QStringList dirs{runDir()};
        if (runs > 1)
            dirs << secondRunDir();
        const Run run = runCli(QStringList{QStringLiteral("--kind"), kind, QStringLiteral("--dpi"),
                                           QStringLiteral("100"), QStringLiteral("--runs")} +
                               dirs + QStringList{QStringLiteral("--out"), path});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QFile figure(path);
        QVERIFY(figure.open(QIODevice::ReadOnly));
        const QByteArray bytes = figure.readAll();
        if (file.endsWith(QLatin1String(".svg"))) {
            QXmlStreamReader xml(bytes);
            int elements = 0;
            while (!xml.atEnd())
                if (xml.readNext() == QXmlStreamReader::StartElement)
                    ++elements;
            QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
            QVERIFY(elements > 20);
        } else if (file.endsWith(QLatin1String(".pdf"))) {
            QVERIFY(bytes.startsWith("%PDF"));
            QVERIFY(bytes.contains("/Type /Page"));
        } else {
            const QSize size = QImageReader(path).size();
            QCOMPARE(size.width(), qRound(3.5 * 100));
            QVERIFY(size.height() > 100);
        }

        // The CSV holds the metrics' numbers: e.g. one row per step of the loss, one per epoch of the
        // accuracy.
        const auto rows = readCsv(path);
        QVERIFY(!rows.isEmpty());
        const qs::test::RunFixture &fx = m_fixture;
        if (kind == QStringLiteral("curves")) {
            const auto loss = rows.value(QStringLiteral("loss/raw"));
            const auto lossRows = runs > 1 ? rows.value(QStringLiteral("loss/apot+EWGS W2A2 raw")) : loss;
            QCOMPARE(lossRows.size(), fx.epochs * fx.stepsPerEpoch);
            for (int i = 0; i < lossRows.size(); ++i)
                QCOMPARE(lossRows[i], QPointF(i + 1, qs::test::RunFixture::loss(i + 1)));
            const auto test = rows.value(runs > 1 ? QStringLiteral("accuracy/apot+EWGS W2A2 test")
                                                  : QStringLiteral("accuracy/test"));
            QCOMPARE(test.size(), fx.epochs);
            for (int e = 0; e < fx.epochs; ++e)
                QCOMPARE(test[e], QPointF(e + 1, fx.testTop1(e)));
        } else if (kind == QStringLiteral("alpha")) {
            const auto w = rows.value(QStringLiteral("alpha-w.0/layer2.0.conv1"));
            QCOMPARE(w.size(), fx.epochs);
            QCOMPARE(w.back().y(), qs::test::RunFixture::alphaW(1, fx.epochs - 1));
        } else if (kind == QStringLiteral("occupancy")) {
            const auto marks = rows.value(QStringLiteral("occupancy/weights per level"));
            QCOMPARE(marks.size(), 3);
            QCOMPARE(marks[1].y(), qs::test::RunFixture::counts(0, fx.epochs - 1)[1]);
        } else if (kind == QStringLiteral("ewgs")) {
            const auto d = rows.value(QStringLiteral("delta-w.0/layer3.0.conv1"));
            QVERIFY(!d.isEmpty());
            QVERIFY(qAbs(d.back().y() - std::log10(qs::test::RunFixture::deltaW(2, fx.epochs - 1))) < 1e-9);
        } else if (kind == QStringLiteral("compare")) {
            QCOMPARE(rows.value(QStringLiteral("test-top1/apot+EWGS W2A2")).size(), fx.epochs);
            QVERIFY(!rows.value(QStringLiteral("max-delta/apot+EWGS W2A2")).isEmpty());
        }
    }

    void animationsForSlides_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("frames");
        QTest::newRow("levels: bits 2..6") << list({"--kind", "levels", "--signed", "--compare"}) << 5;
        QTest::newRow("softround: DSQ annealing")
            << list({"--kind", "softround", "--method", "dsq", "--frames", "6"}) << 6;
        QTest::newRow("ewgs: delta growing") << list({"--kind", "ewgs", "--frames", "4"}) << 4;
    }

    void animationsForSlides()
    {
        QFETCH(QStringList, args);
        QFETCH(int, frames);
        if (args.contains(QStringLiteral("ewgs")))
            args << QStringLiteral("--runs") << runDir();
        const QString path =
            m_dir.filePath(QStringLiteral("animation-%1.gif").arg(QTest::currentDataTag()[0]));
        const Run run = runCli(
            args + QStringList{QStringLiteral("--dpi"), QStringLiteral("80"), QStringLiteral("--out"), path});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QImageReader reader(path);
        QVERIFY2(reader.supportsAnimation(), qPrintable(reader.errorString()));
        QCOMPARE(reader.imageCount(), frames);
        QCOMPARE(reader.size().width(), qRound(3.5 * 80));
        QVERIFY(!readCsv(path).isEmpty()); // the last frame's data
    }

    void animationUsageErrorsExit2()
    {
        const QString gif = m_dir.filePath(QStringLiteral("bad.gif"));
        checkUsageError(list({"--kind", "histogram", "--out"}) << gif, QStringLiteral("has no animation"),
                        gif);
        checkUsageError(list({"--kind", "levels", "--bits", "3", "--out"}) << gif, QStringLiteral("--bits"),
                        gif);
        checkUsageError(list({"--kind", "softround", "--dsq-alpha", "0.1", "--out"}) << gif,
                        QStringLiteral("--dsq-alpha"), gif);
        checkUsageError(list({"--kind", "softround", "--frames", "1", "--out"}) << gif,
                        QStringLiteral("--frames"), gif);
        const QString png = m_dir.filePath(QStringLiteral("still.png"));
        checkUsageError(list({"--kind", "levels", "--frames", "4", "--out"}) << png,
                        QStringLiteral("animation"), png);
    }

private:
    QString runDir()
    {
        const QString dir = m_dir.filePath(QStringLiteral("run-ewgs"));
        if (!QFile::exists(dir + QStringLiteral("/metrics.jsonl")))
            m_fixture.write(dir);
        return dir;
    }
    QString secondRunDir()
    {
        const QString dir = m_dir.filePath(QStringLiteral("run-ste"));
        qs::test::RunFixture ste;
        ste.backward = QStringLiteral("ste");
        ste.diverge = true;
        if (!QFile::exists(dir + QStringLiteral("/metrics.jsonl")))
            ste.write(dir);
        return dir;
    }

    QTemporaryDir m_dir;
    qs::test::RunFixture m_fixture;
};

QTEST_GUILESS_MAIN(TestFigureCli)
#include "tst_figurecli.moc"
