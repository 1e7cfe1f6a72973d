#pragma once
// Figure export for every chart of the app: a FigureSpec rendered on paper presets to PNG (any DPI), SVG and
// PDF, plus its plotted data as CSV. Files are written to a temporary name and renamed (QSaveFile), so a
// failed export never leaves a half-written figure behind.

#include "ui/plotting/figure.h"

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

// One look for every exported figure: a journal column or the full text width, one font family, fixed sizes.
struct PaperPreset
{
    QString id;           // "single", "double"
    QString label;        // for the export dialog
    double widthIn;       // figure width in inches
    double panelHeightIn; // height of one panel of weight 1
    double fontPt;        // axis titles; panel titles bold; ticks and legend 1 pt smaller
    double lineWidthPt;
    int columns; // panels per row; an odd last panel spans the row
};

const QList<PaperPreset> &paperPresets();
std::optional<PaperPreset> paperPresetById(const QString &id);

// Figure size on paper for a preset (depends on the number and weights of the panels).
QSizeF figureSizeInches(const FigureSpec &figure, const PaperPreset &preset);
QSize figurePixelSize(const FigureSpec &figure, const PaperPreset &preset, int dpi);

// Paint the figure into `target` (any device: image, SVG, PDF); white background.
void renderFigure(QPainter &painter, const FigureSpec &figure, const PaperPreset &preset,
                  const QRectF &target);
QImage renderFigureImage(const FigureSpec &figure, const PaperPreset &preset, int dpi);

// "panel,series,x,y": one row per plotted point of every series, so series on different x grids fit one
// table.
QString figureCsv(const FigureSpec &figure);
int figureCsvRowCount(const FigureSpec &figure); // data rows, header excluded

// FILE.png -> FILE.csv
QString csvPathFor(const QString &figurePath);

struct ExportOptions
{
    FigureFormat format = FigureFormat::Png;
    PaperPreset preset = paperPresets().front();
    int dpi = 300; // PNG pixel density; vector formats ignore it
};

inline constexpr int kMinDpi = 50;
inline constexpr int kMaxDpi = 1200;

// Writes the figure to `path` and its data to csvPathFor(path). Returns an error line, or nothing on success.
std::optional<QString> exportFigure(const FigureSpec &figure, const QString &path,
                                    const ExportOptions &options);
std::optional<QString> writeFigureCsv(const FigureSpec &figure, const QString &path);

} // namespace qs::ui
