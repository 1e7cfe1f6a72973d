// Figure export of both views' figures in every format and preset: files parse, sizes match, CSV is complete.

#include "core/quant/curves.h"
#include "ui/figures/levelsfigure.h"
#include "ui/figures/softroundfigure.h"
#include "ui/plotting/figureexport.h"

#include <QFile>
#include <QImageReader>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace qs;
using namespace qs::ui;

namespace {

FigureSpec figureByName(const QString &name)
{
    if (name == QLatin1String("levels"))
        return makeLevelsFigure({Scheme::APoT, {Scheme::Uniform, Scheme::PoT}, 4, false, 1.0});
    return makeSoftRoundFigure({});
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestFigureExport final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void formatFromSuffix()
    {
        QCOMPARE(figureFormatForPath(QStringLiteral("a/b.PNG")), std::optional(FigureFormat::Png));
        QCOMPARE(figureFormatForPath(QStringLiteral("b.svg")), std::optional(FigureFormat::Svg));
        QCOMPARE(figureFormatForPath(QStringLiteral("b.pdf")), std::optional(FigureFormat::Pdf));
        QVERIFY(!figureFormatForPath(QStringLiteral("b.jpg")));
        QVERIFY(!figureFormatForPath(QStringLiteral("b")));
        QCOMPARE(csvPathFor(QStringLiteral("/tmp/x/fig.1.png")), QStringLiteral("/tmp/x/fig.1.csv"));
    }

    void presetsAreThePaperWidths()
    {
        QCOMPARE(paperPresetById(QStringLiteral("single"))->widthIn, 3.5);
        QCOMPARE(paperPresetById(QStringLiteral("double"))->widthIn, 7.0);
        QVERIFY(!paperPresetById(QStringLiteral("poster")));
    }

    void exportWritesFigureAndCsv_data()
    {
        QTest::addColumn<QString>("figure");
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QString>("suffix");
        QTest::addColumn<int>("dpi");
        for (const char *figure : {"levels", "softround"})
            for (const char *preset : {"single", "double"})
                for (const char *suffix : {"png", "svg", "pdf"})
                    QTest::addRow("%s-%s-%s", figure, preset, suffix)
                        << QString::fromLatin1(figure) << QString::fromLatin1(preset)
                        << QString::fromLatin1(suffix) << (QByteArray(preset) == "single" ? 150 : 100);
    }

    void exportWritesFigureAndCsv()
    {
        QFETCH(QString, figure);
        QFETCH(QString, preset);
        QFETCH(QString, suffix);
        QFETCH(int, dpi);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const FigureSpec spec = figureByName(figure);
        const QString path = dir.filePath(figure + QLatin1Char('.') + suffix);
        ExportOptions options;
        options.format = *figureFormatForPath(path);
        options.preset = *paperPresetById(preset);
        options.dpi = dpi;

        const auto error = exportFigure(spec, path, options);
        QVERIFY2(!error, qPrintable(error.value_or(QString())));
        const QByteArray bytes = readAll(path);
        QVERIFY(!bytes.isEmpty());

        if (suffix == QLatin1String("png")) {
            QImageReader reader(path);
            const QSize size = reader.size();
            const QSizeF inches = figureSizeInches(spec, options.preset);
            QCOMPARE(size.width(), qRound(options.preset.widthIn * dpi));
            QCOMPARE(size.height(), qRound(inches.height() * dpi));
            const QImage image = reader.read();
            QCOMPARE(image.pixelColor(0, 0), QColor(Qt::white)); // white paper, not transparent
        } else if (suffix == QLatin1String("svg")) {
            QXmlStreamReader xml(bytes);
            bool sawSvg = false;
            int texts = 0;
            while (!xml.atEnd()) {
                xml.readNext();
                if (xml.isStartElement() && xml.name() == QLatin1String("svg"))
                    sawSvg = true;
                if (xml.isStartElement() && xml.name() == QLatin1String("text"))
                    ++texts;
            }
            QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
            QVERIFY(sawSvg);
            QVERIFY(texts > 5); // titles, tick labels, legend
        } else {
            QVERIFY(bytes.startsWith("%PDF"));
            QVERIFY(bytes.contains("/Page"));
        }

        const QList<QByteArray> lines = readAll(csvPathFor(path)).trimmed().split('\n');
        QCOMPARE(lines.first(), QByteArray("panel,series,x,y"));
        QCOMPARE(lines.size() - 1, figureCsvRowCount(spec));
        int points = 0;
        for (const auto &panel : spec.panels)
            for (const auto &series : panel.series)
                points += int(series.points.size());
        QCOMPARE(figureCsvRowCount(spec), points);
    }

    void unwritablePathFailsWithoutLeavingFiles()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("missing/dir/levels.png"));
        const auto error = exportFigure(figureByName(QStringLiteral("levels")), path, {});
        QVERIFY(error);
        QVERIFY(error->contains(QStringLiteral("cannot write")));
        QVERIFY(!QFile::exists(path));
    }

    void csvQuotesNamesWithCommas()
    {
        const FigureSpec spec = makeSoftRoundFigure({});
        const QString csv = figureCsv(spec);
        QVERIFY(csv.contains(QStringLiteral("\"DAQ (\u03b3=2, \u03c3=1)\"")));
    }
};

QTEST_MAIN(TestFigureExport)
#include "tst_figureexport.moc"
