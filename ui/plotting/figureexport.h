#pragma once
// Figure export for every chart of the app: a FigureSpec rendered on paper presets to PNG (any DPI), SVG and
// PDF, plus its plotted data as CSV. Files are written to a temporary name and renamed (QSaveFile), so a
// failed export never leaves a half-written figure behind.

#include "ui/plotting/figure.h"
#include "ui/plotting/paperfigure.h"

#include <QImage>
#include <QList>
#include <QRectF>
#include <QSizeF>
#include <QString>

#include <optional>

QT_BEGIN_NAMESPACE
class QPainter;
QT_END_NAMESPACE

namespace qs::ui {

enum class FigureFormat
{
    Png,
    Svg,
    Pdf
};

std::optional<FigureFormat> figureFormatForPath(const QString &path); // by suffix, case-insensitive
QString figureFormatSuffix(FigureFormat format);                      // "png", "svg", "pdf"

const QList<PaperPreset> &paperPresets();
std::optional<PaperPreset> paperPresetById(const QString &id);

// Figure size on paper for a preset (depends on the number and weights of the panels).
QSizeF figureSizeInches(const FigureSpec &figure, const PaperPreset &preset);
QSize figurePixelSize(const FigureSpec &figure, const PaperPreset &preset, int dpi);

// Paint the figure into `target` (any device: image, SVG, PDF); white background.
void renderFigure(QPainter &painter, const FigureSpec &figure, const PaperPreset &preset,
                  const QRectF &target, const PaperStyle &style);
void renderFigure(QPainter &painter, const FigureSpec &figure, const PaperPreset &preset,
                  const QRectF &target);
QImage renderFigureImage(const FigureSpec &figure, const PaperPreset &preset, int dpi,
                         const PaperStyle &style);
QImage renderFigureImage(const FigureSpec &figure, const PaperPreset &preset, int dpi);

// The figure's settings, then the export's (preset, font, line width), as "key: value" lines.
QList<QPair<QString, QString>> figureSettings(const FigureSpec &figure, const PaperPreset &preset,
                                              const PaperStyle &style);

// "panel,series,x,y": one row per plotted point of every series, so series on different x grids fit one
// table. Before the column names, the settings behind the figure as comment lines "# key: value" (readers
// skip lines starting with '#', as pandas' comment='#' and R's comment.char do).
QString figureCsv(const FigureSpec &figure, const QList<QPair<QString, QString>> &settings);
QString figureCsv(const FigureSpec &figure);     // with the figure's own settings
int figureCsvRowCount(const FigureSpec &figure); // data rows: no comment lines, no column names

// FILE.png -> FILE.csv
QString csvPathFor(const QString &figurePath);

struct ExportOptions
{
    FigureFormat format = FigureFormat::Png;
    PaperPreset preset = paperPresets().front();
    int dpi = 300; // PNG pixel density; vector formats ignore it
    // Typography: empty / 0 take the preset's (DejaVu Sans, its font size and line width).
    QString fontFamily;
    double fontPt = 0;
    double lineWidthPt = 0;
    bool panelLetters = false;
};

// The style an export uses: the preset's, with the options' overrides.
PaperStyle paperStyle(const ExportOptions &options);
// An error line when the options' font size or line width is out of range.
std::optional<QString> checkExportOptions(const ExportOptions &options);

inline constexpr int kMinDpi = 50;
inline constexpr int kMaxDpi = 1200;

// Writes the figure to `path` and its data to csvPathFor(path). Returns an error line, or nothing on success.
std::optional<QString> exportFigure(const FigureSpec &figure, const QString &path,
                                    const ExportOptions &options);
std::optional<QString> writeFigureCsv(const FigureSpec &figure, const QString &path,
                                      const QList<QPair<QString, QString>> &settings);
std::optional<QString> writeFigureCsv(const FigureSpec &figure, const QString &path);

// Where the export dialog proposes to save when it has no remembered folder: ~/Pictures/QuantScope (made
// when missing), else the home directory, else the current one. Never a folder that does not exist.
QString defaultExportDirectory();

} // namespace qs::ui
