#include "ui/plotting/figureexport.h"

#include "ui/plotting/chartbuilder.h"

#include <QChart>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QImageWriter>
#include <QLocale>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>

#include <cmath>

namespace qs::ui {

namespace {

// Scene units: the figure is laid out once at 300 units per inch whatever the output, so text measured during
// layout is exactly the text painted (no DPI-dependent clipping), then scaled to the device.
constexpr double kUnitsPerInch = 300.0;
constexpr double kUnitsPerPoint = kUnitsPerInch / 72.0;

QList<QRectF> panelRectsInches(const FigureSpec &figure, const PaperPreset &preset, QSizeF *total)
{
    QList<QRectF> rects;
    const int n = int(figure.panels.size());
    const int columns = std::max(1, std::min(preset.columns, n));
    double y = 0.0;
    if (columns == 1) {
        for (const auto &panel : figure.panels) {
            const double h = preset.panelHeightIn * panel.heightWeight;
            rects << QRectF(0.0, y, preset.widthIn, h);
            y += h;
        }
    } else {
        const double w = preset.widthIn / columns;
        for (int first = 0; first < n; first += columns) {
            const int inRow = std::min(columns, n - first);
            const double cellW = preset.widthIn / inRow; // an odd last panel spans the row
            for (int i = 0; i < inRow; ++i)
                rects << QRectF(i * cellW, y, inRow == columns ? w : cellW, preset.panelHeightIn);
            y += preset.panelHeightIn;
        }
    }
    if (total)
        *total = QSizeF(preset.widthIn, y);
    return rects;
}

// Panels stacked in one column share their x axis: give them the same plot-area left and right edges (the
// widest tick labels win), so x positions line up across the figure.
void alignPlotAreas(const QList<QChart *> &charts, const QList<QRectF> &rects)
{
    for (int i = 0; i < charts.size(); ++i) {
        double left = 0.0, right = 0.0;
        QList<int> column;
        for (int j = 0; j < charts.size(); ++j) {
            if (!qFuzzyCompare(rects[j].left() + 1.0, rects[i].left() + 1.0) ||
                !qFuzzyCompare(rects[j].width(), rects[i].width()))
                continue;
            column << j;
            const QRectF area = charts[j]->plotArea();
            left = std::max(left, area.left());
            right = std::max(right, charts[j]->size().width() - area.right());
        }
        if (column.size() < 2 || column.first() != i)
            continue; // single panel, or this column was aligned already
        for (int j : column) {
            const QRectF area = charts[j]->plotArea();
            charts[j]->setPlotArea(
                QRectF(left, area.top(), charts[j]->size().width() - left - right, area.height()));
        }
    }
    QCoreApplication::sendPostedEvents();
}

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

QString saveError(const QSaveFile &file)
{
    return QStringLiteral("cannot write %1: %2")
        .arg(QDir::toNativeSeparators(file.fileName()), file.errorString());
}

std::optional<QString> writePng(const FigureSpec &figure, const QString &path, const ExportOptions &options)
{
    const QImage image = renderFigureImage(figure, options.preset, options.dpi);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return saveError(file);
    QImageWriter writer(&file, "png");
    if (!writer.write(image))
        return QStringLiteral("cannot encode %1: %2").arg(path, writer.errorString());
    if (!file.commit())
        return saveError(file);
    return std::nullopt;
}

std::optional<QString> writeSvg(const FigureSpec &figure, const QString &path, const ExportOptions &options)
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
    generator.setTitle(figure.id);
    generator.setDescription(QStringLiteral("QuantScope figure"));
    {
        QPainter painter(&generator);
        renderFigure(painter, figure, options.preset, QRectF(QPointF(0, 0), QSizeF(units)));
    }
    if (!file.commit())
        return saveError(file);
    return std::nullopt;
}

std::optional<QString> writePdf(const FigureSpec &figure, const QString &path, const ExportOptions &options)
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
        writer.setTitle(figure.id);
        QPainter painter(&writer);
        renderFigure(painter, figure, options.preset, QRectF(0, 0, writer.width(), writer.height()));
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
    panelRectsInches(figure, preset, &total);
    return total;
}

QSize figurePixelSize(const FigureSpec &figure, const PaperPreset &preset, int dpi)
{
    const QSizeF inches = figureSizeInches(figure, preset);
    return {qRound(inches.width() * dpi), qRound(inches.height() * dpi)};
}

void renderFigure(QPainter &painter, const FigureSpec &figure, const PaperPreset &preset,
                  const QRectF &target)
{
    QSizeF inches;
    const QList<QRectF> rects = panelRectsInches(figure, preset, &inches);
    const ChartStyle style = ChartStyle::paper(preset.fontPt, preset.lineWidthPt, kUnitsPerPoint);

    QGraphicsScene scene; // owns the charts
    QList<QChart *> charts;
    for (int i = 0; i < rects.size(); ++i) {
        QChart *chart = createChart(figure.panels[i], style);
        charts << chart;
        scene.addItem(chart);
        const QRectF &r = rects[i];
        chart->setGeometry(QRectF(r.topLeft() * kUnitsPerInch, r.size() * kUnitsPerInch));
        chart->layout()->activate();
    }
    // Charts lay out their axes and legends on posted events; run them before painting.
    QCoreApplication::sendPostedEvents();
    alignPlotAreas(charts, rects);
    const QRectF source(0, 0, inches.width() * kUnitsPerInch, inches.height() * kUnitsPerInch);
    scene.setSceneRect(source);
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    painter.fillRect(target, Qt::white);
    scene.render(&painter, target, source, Qt::IgnoreAspectRatio);
    painter.restore();
}

QImage renderFigureImage(const FigureSpec &figure, const PaperPreset &preset, int dpi)
{
    QImage image(figurePixelSize(figure, preset, dpi), QImage::Format_ARGB32_Premultiplied);
    const int dotsPerMeter = qRound(dpi / 0.0254);
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    image.fill(Qt::white);
    QPainter painter(&image);
    renderFigure(painter, figure, preset, QRectF(image.rect()));
    return image;
}

QString figureCsv(const FigureSpec &figure)
{
    QString text = QStringLiteral("panel,series,x,y\n");
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
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return saveError(file);
    file.write(figureCsv(figure).toUtf8());
    if (!file.commit())
        return saveError(file);
    return std::nullopt;
}

std::optional<QString> exportFigure(const FigureSpec &figure, const QString &path,
                                    const ExportOptions &options)
{
    if (figure.panels.isEmpty())
        return QStringLiteral("nothing to export: the figure has no panels");
    if (options.format == FigureFormat::Png && (options.dpi < kMinDpi || options.dpi > kMaxDpi))
        return QStringLiteral("DPI must be between %1 and %2, not %3")
            .arg(kMinDpi)
            .arg(kMaxDpi)
            .arg(options.dpi);
    std::optional<QString> error;
    switch (options.format) {
    case FigureFormat::Png:
        error = writePng(figure, path, options);
        break;
    case FigureFormat::Svg:
        error = writeSvg(figure, path, options);
        break;
    case FigureFormat::Pdf:
        error = writePdf(figure, path, options);
        break;
    }
    if (error)
        return error;
    return writeFigureCsv(figure, csvPathFor(path));
}

} // namespace qs::ui
