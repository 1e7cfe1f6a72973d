#include "ui/exportdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>

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

    const QString dir = settings
                            .value(QStringLiteral("directory"),
                                   QStandardPaths::writableLocation(QStandardPaths::PicturesLocation))
                            .toString();
    settings.endGroup();
    m_path = new QLineEdit(QDir(dir).filePath(figure.id + QStringLiteral(".png")));
    m_path->setObjectName(QStringLiteral("pathEdit"));
    auto *browseButton = new QPushButton(QStringLiteral("&Browse\u2026"));
    auto *pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browseButton);

    m_size = new QLabel;
    auto *form = new QFormLayout;
    form->addRow(QStringLiteral("&Format"), m_format);
    form->addRow(QStringLiteral("&Preset"), m_preset);
    form->addRow(QStringLiteral("&Resolution"), m_dpi);
    form->addRow(QStringLiteral("F&ile"), pathRow);
    form->addRow(QString(), m_size);
    auto *csvNote = new QLabel(QStringLiteral("The plotted data is written beside it as a .csv file."));
    form->addRow(QString(), csvNote);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
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

void ExportDialog::accept()
{
    if (path().isEmpty())
        return;
    QSettings settings;
    settings.beginGroup(QStringLiteral("export"));
    settings.setValue(QStringLiteral("format"), int(options().format));
    settings.setValue(QStringLiteral("preset"), options().preset.id);
    settings.setValue(QStringLiteral("dpi"), options().dpi);
    settings.setValue(QStringLiteral("directory"), QFileInfo(path()).absolutePath());
    settings.endGroup();
    QDialog::accept();
}

} // namespace qs::ui
