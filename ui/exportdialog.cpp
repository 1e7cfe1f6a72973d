#include "ui/exportdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontComboBox>
#include <QFontDatabase>
#include <QFontMetrics>
#include <QFormLayout>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

namespace qs::ui {

ExportDialog::ExportDialog(const FigureSpec &figure, QWidget *parent) : QDialog(parent), m_figure(figure)
{
    setWindowTitle(QStringLiteral("Export figure"));
    QSettings settings;
    settings.beginGroup(QStringLiteral("export"));

    m_format = new QComboBox;
    m_format->setObjectName(QStringLiteral("formatCombo"));
    m_format->addItem(QStringLiteral("PNG image"), int(FigureFormat::Png));
    m_format->addItem(QStringLiteral("SVG vector"), int(FigureFormat::Svg));
    m_format->addItem(QStringLiteral("PDF vector"), int(FigureFormat::Pdf));
    m_format->setCurrentIndex(
        std::max(0, m_format->findData(settings.value(QStringLiteral("format"), 0).toInt())));

    m_preset = new QComboBox;
    m_preset->setObjectName(QStringLiteral("presetCombo"));
    for (const auto &preset : paperPresets())
        m_preset->addItem(preset.label, preset.id);
    m_preset->setCurrentIndex(
        std::max(0, m_preset->findData(settings.value(QStringLiteral("preset"), QStringLiteral("single")))));
    m_preset->setToolTip(QStringLiteral("Paper width, font sizes (DejaVu Sans, 8-9 pt) and line widths."));

    m_dpi = new QSpinBox;
    m_dpi->setObjectName(QStringLiteral("dpiSpin"));
    m_dpi->setRange(kMinDpi, kMaxDpi);
    m_dpi->setSingleStep(50);
    m_dpi->setValue(settings.value(QStringLiteral("dpi"), 300).toInt());
    m_dpi->setSuffix(QStringLiteral(" dpi"));

    m_font = new QFontComboBox;
    m_font->setObjectName(QStringLiteral("fontCombo"));
    m_font->setCurrentFont(
        QFont(settings.value(QStringLiteral("font"), QStringLiteral("DejaVu Sans")).toString()));
    m_fontSize = new QDoubleSpinBox;
    m_fontSize->setObjectName(QStringLiteral("fontSizeSpin"));
    m_fontSize->setRange(0, kMaxFontPt); // 0: the preset's
    m_fontSize->setDecimals(1);
    m_fontSize->setSingleStep(0.5);
    m_fontSize->setSpecialValueText(QStringLiteral("preset"));
    m_fontSize->setSuffix(QStringLiteral(" pt"));
    m_fontSize->setValue(settings.value(QStringLiteral("fontSize"), 0.0).toDouble());
    m_fontSize->setToolTip(QStringLiteral("Panel and axis titles; tick labels and legend 1 pt smaller."));
    m_lineWidth = new QDoubleSpinBox;
    m_lineWidth->setObjectName(QStringLiteral("lineWidthSpin"));
    m_lineWidth->setRange(0, kMaxLineWidthPt);
    m_lineWidth->setDecimals(2);
    m_lineWidth->setSingleStep(0.25);
    m_lineWidth->setSpecialValueText(QStringLiteral("preset"));
    m_lineWidth->setSuffix(QStringLiteral(" pt"));
    m_lineWidth->setValue(settings.value(QStringLiteral("lineWidth"), 0.0).toDouble());
    m_letters = new QCheckBox(QStringLiteral("Label panels (a), (b), \u2026"));
    m_letters->setObjectName(QStringLiteral("panelLettersCheck"));
    m_letters->setChecked(settings.value(QStringLiteral("panelLetters"), false).toBool());

    // The last folder used, while it still exists; else one that does (a fresh account has no ~/Pictures).
    QString dir = settings.value(QStringLiteral("directory")).toString();
    if (dir.isEmpty() || !QFileInfo(dir).isDir())
        dir = defaultExportDirectory();
    settings.endGroup();
    m_path = new QLineEdit(QDir(dir).filePath(figure.id + QStringLiteral(".png")));
    m_path->setObjectName(QStringLiteral("pathEdit"));
    m_path->setMinimumWidth(m_path->fontMetrics().averageCharWidth() * 48); // a whole folder path in view
    auto *browseButton = new QPushButton(QStringLiteral("&Browse\u2026"));
    auto *pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browseButton);

    m_size = new QLabel;
    auto *form = new QFormLayout;
    form->addRow(QStringLiteral("&Format"), m_format);
    form->addRow(QStringLiteral("&Preset"), m_preset);
    form->addRow(QStringLiteral("&Resolution"), m_dpi);
    form->addRow(QStringLiteral("Fo&nt"), m_font);
    form->addRow(QStringLiteral("Font si&ze"), m_fontSize);
    form->addRow(QStringLiteral("&Line width"), m_lineWidth);
    form->addRow(QString(), m_letters);
    form->addRow(QStringLiteral("F&ile"), pathRow);
    form->addRow(QString(), m_size);
    auto *csvNote = new QLabel(QStringLiteral("The plotted data is written beside it as a .csv file."));
    form->addRow(QString(), csvNote);

    // One line, its height reserved from the start and its width not asked for: an error never resizes
    // the dialog (the full text is the tooltip).
    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_error->setFixedHeight(m_error->fontMetrics().height());
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    connect(browseButton, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(m_format, &QComboBox::currentIndexChanged, this, &ExportDialog::syncSuffixAndSize);
    connect(m_preset, &QComboBox::currentIndexChanged, this, &ExportDialog::syncSuffixAndSize);
    connect(m_dpi, &QSpinBox::valueChanged, this, &ExportDialog::syncSuffixAndSize);
    syncSuffixAndSize();
}

QString ExportDialog::path() const
{
    return m_path->text().trimmed();
}

ExportOptions ExportDialog::options() const
{
    ExportOptions options;
    options.format = FigureFormat(m_format->currentData().toInt());
    options.preset = paperPresetById(m_preset->currentData().toString()).value_or(paperPresets().front());
    options.dpi = m_dpi->value();
    options.fontFamily = m_font->currentFont().family();
    options.fontPt = m_fontSize->value();
    options.lineWidthPt = m_lineWidth->value();
    options.panelLetters = m_letters->isChecked();
    return options;
}

void ExportDialog::browse()
{
    const QString suffix = figureFormatSuffix(options().format);
    const QString chosen =
        QFileDialog::getSaveFileName(this, QStringLiteral("Export figure"), path(),
                                     QStringLiteral("%1 files (*.%2)").arg(suffix.toUpper(), suffix));
    if (!chosen.isEmpty()) {
        m_path->setText(chosen);
        if (auto format = figureFormatForPath(chosen))
            m_format->setCurrentIndex(m_format->findData(int(*format)));
        syncSuffixAndSize();
    }
}

void ExportDialog::syncSuffixAndSize()
{
    const ExportOptions o = options();
    m_dpi->setEnabled(o.format == FigureFormat::Png);
    const QFileInfo info(path());
    const QString wanted = figureFormatSuffix(o.format);
    if (!path().isEmpty() && info.suffix().toLower() != wanted)
        m_path->setText(info.dir().filePath(info.completeBaseName() + QLatin1Char('.') + wanted));
    const QSizeF inches = figureSizeInches(m_figure, o.preset);
    QString text =
        QStringLiteral("%1 \u00d7 %2 in").arg(inches.width(), 0, 'f', 2).arg(inches.height(), 0, 'f', 2);
    if (o.format == FigureFormat::Png) {
        const QSize px = figurePixelSize(m_figure, o.preset, o.dpi);
        text += QStringLiteral(", %1 \u00d7 %2 px").arg(px.width()).arg(px.height());
    }
    m_size->setText(text);
}

QString ExportDialog::errorText() const
{
    return m_errorText;
}

void ExportDialog::showError(const QString &message)
{
    m_errorText = message;
    m_error->setToolTip(message);
    m_error->setText(
        m_error->fontMetrics().elidedText(message, Qt::ElideMiddle, std::max(40, m_error->width())));
}

void ExportDialog::accept()
{
    if (path().isEmpty()) {
        showError(QStringLiteral("Give a file name."));
        return;
    }
    const QFileInfo target(path());
    if (!QFileInfo(target.absolutePath()).isDir() && !QDir().mkpath(target.absolutePath())) {
        showError(QStringLiteral("cannot create the folder %1")
                      .arg(QDir::toNativeSeparators(target.absolutePath())));
        return;
    }
    if (auto error = exportFigure(m_figure, path(), options())) {
        showError(*error);
        return;
    }
    m_exported = true;
    showError(QString());
    QSettings settings;
    settings.beginGroup(QStringLiteral("export"));
    settings.setValue(QStringLiteral("format"), int(options().format));
    settings.setValue(QStringLiteral("preset"), options().preset.id);
    settings.setValue(QStringLiteral("dpi"), options().dpi);
    settings.setValue(QStringLiteral("font"), options().fontFamily);
    settings.setValue(QStringLiteral("fontSize"), options().fontPt);
    settings.setValue(QStringLiteral("lineWidth"), options().lineWidthPt);
    settings.setValue(QStringLiteral("panelLetters"), options().panelLetters);
    settings.setValue(QStringLiteral("directory"), target.absolutePath());
    settings.endGroup();
    QDialog::accept();
}

} // namespace qs::ui
