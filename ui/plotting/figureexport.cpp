#include "ui/plotting/figureexport.h"

#include <QDir>
#include <QFileInfo>
#include <QImageWriter>
#include <QLocale>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QStandardPaths>
#include <QSvgGenerator>

#include <cmath>

namespace qs::ui {

namespace {

constexpr double kUnitsPerInch = kPaperUnitsPerInch;

QString csvField(const QString &text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
        !text.contains(QLatin1Char('\n')))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString number(double v)
{
    return QString::number(v, 'g', QLocale::FloatingPointShortest);
}

using Settings = QList<QPair<QString, QString>>;

QString xmlEscaped(const QString &text)
{
    return text.toHtmlEscaped();
}

// Minimal XMP packet: title, creator tool and the settings as the description.
QByteArray xmpMetadata(const FigureSpec &figure, const QStringList &pairs)
{
    const QString xmp =
        QStringLiteral("<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                       "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
                       "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
                       "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
                       "xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">"
                       "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">QuantScope figure: %1</rdf:li>"
                       "</rdf:Alt></dc:title>"
                       "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">%2</rdf:li></rdf:Alt>"
                       "</dc:description><xmp:CreatorTool>QuantScope</xmp:CreatorTool>"
                       "</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>")
            .arg(xmlEscaped(figure.id), xmlEscaped(pairs.join(QStringLiteral("; "))));
    return xmp.toUtf8();
}

QString saveError(const QSaveFile &file)
{
    return QStringLiteral("cannot write %1: %2")
        .arg(QDir::toNativeSeparators(file.fileName()), file.errorString());
}

std::optional<QString> writePng(const FigureSpec &figure, const QString &path, const ExportOptions &options,
                                const Settings &settings)
{
    const QImage image = renderFigureImage(figure, options.preset, options.dpi, paperStyle(options));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return saveError(file);
    QImageWriter writer(&file, "png");
    QString text;
    for (const auto &[key, value] : settings)
        text += key + QStringLiteral(": ") + value + QLatin1Char('\n');
    writer.setText(QStringLiteral("Title"), figure.id);
    writer.setText(QStringLiteral("Software"), QStringLiteral("QuantScope"));
    writer.setText(QStringLiteral("Description"), text.trimmed());
    if (!writer.write(image))
        return QStringLiteral("cannot encode %1: %2").arg(path, writer.errorString());
    if (!file.commit())
        return saveError(file);
    return std::nullopt;
}

std::optional<QString> writeSvg(const FigureSpec &figure, const QString &path, const ExportOptions &options,
                                const Settings &settings)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return saveError(file);
    const QSizeF inches = figureSizeInches(figure, options.preset);
    const QSize units(qRound(inches.width() * kUnitsPerInch), qRound(inches.height() * kUnitsPerInch));
    QSvgGenerator generator;
    generator.setOutputDevice(&file);
    generator.setSize(units);
    generator.setViewBox(QRect(QPoint(0, 0), units));
    generator.setResolution(int(kUnitsPerInch)); // width/height attributes come out in real millimetres
    generator.setTitle(QStringLiteral("QuantScope figure: ") + figure.id);
    QString description;
    for (const auto &[key, value] : settings)
        description += key + QStringLiteral(": ") + value + QLatin1Char('\n');
    generator.setDescription(description.trimmed());
    {
        QPainter painter(&generator);
        renderFigure(painter, figure, options.preset, QRectF(QPointF(0, 0), QSizeF(units)),
                     paperStyle(options));
    }
    if (!file.commit())
        return saveError(file);
    return std::nullopt;
}

std::optional<QString> writePdf(const FigureSpec &figure, const QString &path, const ExportOptions &options,
                                const Settings &settings)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return saveError(file);
    {
        QPdfWriter writer(&file);
        // ExactMatch: a custom size close to a standard one must not snap to it.
        writer.setPageSize(QPageSize(figureSizeInches(figure, options.preset), QPageSize::Inch, QString(),
                                     QPageSize::ExactMatch));
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setResolution(int(kUnitsPerInch));
        writer.setCreator(QStringLiteral("QuantScope"));
        QStringList pairs;
        for (const auto &[key, value] : settings)
            pairs << key + QStringLiteral(": ") + value;
        // The document title carries the settings (every viewer shows it); the XMP description repeats them.
        writer.setTitle(
            QStringLiteral("QuantScope figure: %1 (%2)").arg(figure.id, pairs.join(QStringLiteral("; "))));
        writer.setDocumentXmpMetadata(xmpMetadata(figure, pairs));
        QPainter painter(&writer);
        renderFigure(painter, figure, options.preset, QRectF(0, 0, writer.width(), writer.height()),
                     paperStyle(options));
    }
    if (!file.commit())
        return saveError(file);
    return std::nullopt;
}

} // namespace

std::optional<FigureFormat> figureFormatForPath(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    for (auto format : {FigureFormat::Png, FigureFormat::Svg, FigureFormat::Pdf})
        if (suffix == figureFormatSuffix(format))
            return format;
    return std::nullopt;
}

QString figureFormatSuffix(FigureFormat format)
{
    switch (format) {
    case FigureFormat::Png:
        return QStringLiteral("png");
    case FigureFormat::Svg:
        return QStringLiteral("svg");
    case FigureFormat::Pdf:
        return QStringLiteral("pdf");
    }
    return {};
}

const QList<PaperPreset> &paperPresets()
{
    static const QList<PaperPreset> presets{
        {QStringLiteral("single"), QStringLiteral("Single column (3.5 in)"), 3.5, 2.1, 8.0, 1.0, 1},
        {QStringLiteral("double"), QStringLiteral("Full width (7 in)"), 7.0, 2.5, 9.0, 1.2, 2},
    };
    return presets;
}

std::optional<PaperPreset> paperPresetById(const QString &id)
{
    for (const auto &preset : paperPresets())
        if (preset.id == id)
            return preset;
    return std::nullopt;
}

QSizeF figureSizeInches(const FigureSpec &figure, const PaperPreset &preset)
{
    QSizeF total;
    paperCellsInches(figure, preset, &total);
    return total;
}

QSize figurePixelSize(const FigureSpec &figure, const PaperPreset &preset, int dpi)
{
    const QSizeF inches = figureSizeInches(figure, preset);
    return {qRound(inches.width() * dpi), qRound(inches.height() * dpi)};
}

PaperStyle paperStyle(const ExportOptions &options)
{
    PaperStyle style = PaperStyle::forPreset(options.preset);
    if (!options.fontFamily.trimmed().isEmpty())
        style.fontFamily = options.fontFamily.trimmed();
    if (options.fontPt > 0)
        style.fontPt = options.fontPt;
    if (options.lineWidthPt > 0)
        style.lineWidthPt = options.lineWidthPt;
    style.panelLetters = options.panelLetters;
    return style;
}

std::optional<QString> checkExportOptions(const ExportOptions &options)
{
    if (options.fontPt != 0 && !(options.fontPt >= kMinFontPt && options.fontPt <= kMaxFontPt))
        return QStringLiteral("font size must be between %1 and %2 pt, not %3")
            .arg(kMinFontPt)
            .arg(kMaxFontPt)
            .arg(options.fontPt);
    if (options.lineWidthPt != 0 &&
        !(options.lineWidthPt >= kMinLineWidthPt && options.lineWidthPt <= kMaxLineWidthPt))
        return QStringLiteral("line width must be between %1 and %2 pt, not %3")
            .arg(kMinLineWidthPt)
            .arg(kMaxLineWidthPt)
            .arg(options.lineWidthPt);
    if (options.format == FigureFormat::Png && (options.dpi < kMinDpi || options.dpi > kMaxDpi))
        return QStringLiteral("DPI must be between %1 and %2, not %3")
            .arg(kMinDpi)
            .arg(kMaxDpi)
            .arg(options.dpi);
    return std::nullopt;
}

void renderFigure(QPainter &painter, const FigureSpec &figure, const PaperPreset &preset,
                  const QRectF &target, const PaperStyle &style)
{
    const PaperLayout layout = layoutPaperFigure(figure, preset, style);
    painter.save();
    painter.translate(target.topLeft());
    painter.scale(target.width() / layout.size.width(), target.height() / layout.size.height());
    paintPaperFigure(painter, figure, layout, style);
    painter.restore();
}

void renderFigure(QPainter &painter, const FigureSpec &figure, const PaperPreset &preset,
                  const QRectF &target)
{
    renderFigure(painter, figure, preset, target, PaperStyle::forPreset(preset));
}

QImage renderFigureImage(const FigureSpec &figure, const PaperPreset &preset, int dpi,
                         const PaperStyle &style)
{
    QImage image(figurePixelSize(figure, preset, dpi), QImage::Format_ARGB32_Premultiplied);
    const int dotsPerMeter = qRound(dpi / 0.0254);
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    image.fill(Qt::white);
    QPainter painter(&image);
    renderFigure(painter, figure, preset, QRectF(image.rect()), style);
    return image;
}

QImage renderFigureImage(const FigureSpec &figure, const PaperPreset &preset, int dpi)
{
    return renderFigureImage(figure, preset, dpi, PaperStyle::forPreset(preset));
}

QList<QPair<QString, QString>> figureSettings(const FigureSpec &figure, const PaperPreset &preset,
                                              const PaperStyle &style)
{
    QList<QPair<QString, QString>> settings;
    settings.append({QStringLiteral("figure"), figure.id});
    settings += figure.settings;
    settings.append({QStringLiteral("preset"), preset.id});
    settings.append(
        {QStringLiteral("font"), QStringLiteral("%1 %2 pt").arg(style.fontFamily).arg(style.fontPt)});
    settings.append({QStringLiteral("line width"), QStringLiteral("%1 pt").arg(style.lineWidthPt)});
    settings.append({QStringLiteral("software"), QStringLiteral("QuantScope")});
    return settings;
}

QString figureCsv(const FigureSpec &figure)
{
    QList<QPair<QString, QString>> settings{{QStringLiteral("figure"), figure.id}};
    settings += figure.settings;
    return figureCsv(figure, settings);
}

QString figureCsv(const FigureSpec &figure, const QList<QPair<QString, QString>> &settings)
{
    QString text;
    for (const auto &[key, value] : settings) // one line each: a value never breaks the header
        text += QStringLiteral("# ") + key + QStringLiteral(": ") +
                QString(value).replace(QLatin1Char('\n'), QLatin1Char(' ')) + QLatin1Char('\n');
    text += QStringLiteral("panel,series,x,y\n");
    for (const auto &panel : figure.panels)
        for (const auto &series : panel.series)
            for (const QPointF &p : series.points)
                text += csvField(panel.id) + QLatin1Char(',') + csvField(series.name) + QLatin1Char(',') +
                        number(p.x()) + QLatin1Char(',') + number(p.y()) + QLatin1Char('\n');
    return text;
}

int figureCsvRowCount(const FigureSpec &figure)
{
    int rows = 0;
    for (const auto &panel : figure.panels)
        for (const auto &series : panel.series)
            rows += int(series.points.size());
    return rows;
}

QString csvPathFor(const QString &figurePath)
{
    const QFileInfo info(figurePath);
    return info.dir().filePath(info.completeBaseName() + QStringLiteral(".csv"));
}

std::optional<QString> writeFigureCsv(const FigureSpec &figure, const QString &path)
{
    QList<QPair<QString, QString>> settings{{QStringLiteral("figure"), figure.id}};
    settings += figure.settings;
    return writeFigureCsv(figure, path, settings);
}

std::optional<QString> writeFigureCsv(const FigureSpec &figure, const QString &path,
                                      const QList<QPair<QString, QString>> &settings)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return saveError(file);
    file.write(figureCsv(figure, settings).toUtf8());
    if (!file.commit())
        return saveError(file);
    return std::nullopt;
}

std::optional<QString> exportFigure(const FigureSpec &figure, const QString &path,
                                    const ExportOptions &options)
{
    if (figure.panels.isEmpty())
        return QStringLiteral("nothing to export: the figure has no panels");
    if (auto bad = checkExportOptions(options))
        return bad;
    const Settings settings = figureSettings(figure, options.preset, paperStyle(options));
    std::optional<QString> error;
    switch (options.format) {
    case FigureFormat::Png:
        error = writePng(figure, path, options, settings);
        break;
    case FigureFormat::Svg:
        error = writeSvg(figure, path, options, settings);
        break;
    case FigureFormat::Pdf:
        error = writePdf(figure, path, options, settings);
        break;
    }
    if (error)
        return error;
    return writeFigureCsv(figure, csvPathFor(path), settings);
}

QString defaultExportDirectory()
{
    const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    if (!pictures.isEmpty()) {
        const QString ours = QDir(pictures).filePath(QStringLiteral("QuantScope"));
        if (QDir().mkpath(ours) && QFileInfo(ours).isWritable())
            return ours;
    }
    const QString home = QDir::homePath();
    if (QFileInfo(home).isDir() && QFileInfo(home).isWritable())
        return home;
    return QDir::currentPath();
}

} // namespace qs::ui
