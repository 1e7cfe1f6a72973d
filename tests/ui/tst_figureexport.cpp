// Figure export of both views' figures in every format and preset: files parse, sizes match, CSV is complete.

#include "core/quant/curves.h"
#include "ui/figures/levelsfigure.h"
#include "ui/figures/softroundfigure.h"
#include "ui/exportdialog.h"
#include "ui/plotting/figureexport.h"

#include <QDialog>
#include <QFile>
#include <QFileInfo>
#include <QLineEdit>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
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
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScopeTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_figureexport"));
    }

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

        QList<QByteArray> lines = readAll(csvPathFor(path)).trimmed().split('\n');
        // The settings first, as comment lines: the figure, what it was made from, the paper.
        QStringList comments;
        while (!lines.isEmpty() && lines.first().startsWith('#'))
            comments << QString::fromUtf8(lines.takeFirst());
        QCOMPARE(comments.first(), QStringLiteral("# figure: ") + spec.id);
        QVERIFY(comments.contains(QStringLiteral("# preset: ") + preset));
        QVERIFY(comments.contains(QStringLiteral("# bits: ") + (figure == QLatin1String("levels")
                                                                    ? QStringLiteral("4")
                                                                    : QStringLiteral("2-bit unsigned"))));
        QVERIFY(comments.contains(QStringLiteral("# alpha: 1")));
        QCOMPARE(lines.first(), QByteArray("panel,series,x,y"));
        QCOMPARE(lines.size() - 1, figureCsvRowCount(spec));
        int points = 0;
        for (const auto &panel : spec.panels)
            for (const auto &series : panel.series)
                points += int(series.points.size());
        QCOMPARE(figureCsvRowCount(spec), points);
    }

    // The settings are in the files themselves: SVG <title>/<desc>, the PDF's document title and XMP.
    void metadataNamesTheSettings()
    {
        QTemporaryDir dir;
        const FigureSpec spec = figureByName(QStringLiteral("levels"));
        ExportOptions options;
        options.preset = *paperPresetById(QStringLiteral("double"));
        options.format = FigureFormat::Svg;
        QVERIFY(!exportFigure(spec, dir.filePath(QStringLiteral("l.svg")), options));
        QXmlStreamReader xml(readAll(dir.filePath(QStringLiteral("l.svg"))));
        QString title, desc;
        while (!xml.atEnd()) {
            xml.readNext();
            if (xml.isStartElement() && xml.name() == QLatin1String("title"))
                title = xml.readElementText();
            else if (xml.isStartElement() && xml.name() == QLatin1String("desc"))
                desc = xml.readElementText();
        }
        QCOMPARE(title, QStringLiteral("QuantScope figure: levels"));
        for (const char *line : {"scheme: Uniform, PoT, APoT", "bits: 4", "signed: no", "alpha: 1",
                                 "preset: double", "font: DejaVu Sans 9 pt", "line width: 1.2 pt"})
            QVERIFY2(desc.contains(QString::fromUtf8(line)), qPrintable(desc));

        options.format = FigureFormat::Pdf;
        const QString pdf = dir.filePath(QStringLiteral("l.pdf"));
        QVERIFY(!exportFigure(spec, pdf, options));
        const QByteArray bytes = readAll(pdf);
        QVERIFY(bytes.contains("<xmp:CreatorTool>QuantScope</xmp:CreatorTool>"));
        QVERIFY(bytes.contains("bits: 4; signed: no; alpha: 1; preset: double"));
        const QString pdfinfo = QStandardPaths::findExecutable(QStringLiteral("pdfinfo"));
        if (pdfinfo.isEmpty())
            QSKIP("pdfinfo (poppler-utils) is not installed: the document title is not read back");
        QProcess info;
        info.start(pdfinfo, {pdf});
        QVERIFY(info.waitForFinished(30000));
        const QString out = QString::fromUtf8(info.readAllStandardOutput());
        QVERIFY2(out.contains(QStringLiteral(
                     "QuantScope figure: levels (figure: levels; scheme: Uniform, PoT, APoT; bits: 4")),
                 qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("Creator:")) && out.contains(QStringLiteral("QuantScope")),
                 qPrintable(out));
    }

    // A fresh account has no ~/Pictures: the dialog proposes a folder that exists and the first export works;
    // the folder used is remembered; a failure is one line in the dialog, which keeps its size.
    void firstExportInAFreshHomeSucceeds()
    {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        const QByteArray oldHome = qgetenv("HOME"), oldConfig = qgetenv("XDG_CONFIG_HOME");
        qputenv("HOME", home.path().toUtf8());
        qunsetenv("XDG_CONFIG_HOME");
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope,
                           home.filePath(QStringLiteral(".config")));
        QVERIFY(!QFileInfo::exists(home.filePath(QStringLiteral("Pictures"))));
        const FigureSpec spec = figureByName(QStringLiteral("levels"));
        {
            ExportDialog dialog(spec);
            QCOMPARE(QFileInfo(dialog.path()).absolutePath(),
                     home.filePath(QStringLiteral("Pictures/QuantScope")));
            QVERIFY(QFileInfo(QFileInfo(dialog.path()).absolutePath()).isDir());
            dialog.accept();
            QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
            QVERIFY(dialog.exported());
            QVERIFY(QFileInfo(dialog.path()).size() > 1000);
            QVERIFY(QFileInfo::exists(csvPathFor(dialog.path())));
        }
        const QString elsewhere = home.filePath(QStringLiteral("paper/figs"));
        {
            ExportDialog dialog(spec);
            dialog.findChild<QLineEdit *>(QStringLiteral("pathEdit"))
                ->setText(elsewhere + QStringLiteral("/a.png"));
            dialog.accept();
            QVERIFY2(dialog.exported(), qPrintable(dialog.errorText()));
        }
        {
            ExportDialog dialog(spec); // the last folder is proposed again
            QCOMPARE(QFileInfo(dialog.path()).absolutePath(), elsewhere);
            dialog.show();
            QCoreApplication::processEvents();
            const QSize before = dialog.size();
            dialog.findChild<QLineEdit *>(QStringLiteral("pathEdit"))
                ->setText(QStringLiteral("/proc/no-such-dir-for-figures/") + QString(300, QLatin1Char('x')) +
                          QStringLiteral(".png"));
            dialog.accept();
            QVERIFY(!dialog.exported());
            QVERIFY(!dialog.errorText().isEmpty());
            QVERIFY(!dialog.errorText().contains(QLatin1Char('\n')));
            QCOMPARE(dialog.result(), int(QDialog::Rejected));
            QCoreApplication::processEvents();
            QCOMPARE(dialog.size(), before);
        }
        qputenv("HOME", oldHome);
        if (!oldConfig.isEmpty())
            qputenv("XDG_CONFIG_HOME", oldConfig);
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
