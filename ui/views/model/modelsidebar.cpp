#include "ui/views/model/modelsidebar.h"

#include "core/analysis/modelsnapshot.h"
#include "ui/figures/palette.h"
#include "ui/views/model/layertree.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace qs::ui {

ModelSidebar::ModelSidebar(QWidget *parent) : QWidget(parent)
{
    m_layout = new QVBoxLayout(this);
    m_layout->setContentsMargins(0, 0, 0, 0);

    m_description = new QLabel;
    m_description->setObjectName(QStringLiteral("modelDescription"));
    m_description->setWordWrap(true);
    m_description->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_layout->addWidget(m_description);

    auto *dataRow = new QHBoxLayout;
    m_dataEdit = new QLineEdit;
    m_dataEdit->setObjectName(QStringLiteral("dataSpecEdit"));
    m_dataEdit->setClearButtonEnabled(true);
    m_dataEdit->setToolTip(QStringLiteral(
        "The data set the activation batch and the accuracy sweep run on: cifar10:DIR, cifar100:DIR, "
        "mnist:DIR, fashion-mnist[:DIR] or synthetic[:N]. Empty: the one the checkpoint was trained on "
        "(a PyTorch state_dict names none, so give one). The test split is used."));
    auto *dataLabel = new QLabel(QStringLiteral("&Data set"));
    dataLabel->setBuddy(m_dataEdit);
    dataRow->addWidget(dataLabel);
    dataRow->addWidget(m_dataEdit, 1);
    m_layout->addLayout(dataRow);

    auto *gridBox = new QGroupBox(QStringLiteral("Grid (signed weights)"));
    auto *form = new QFormLayout(gridBox);
    m_scheme = new QComboBox;
    m_scheme->setObjectName(QStringLiteral("modelSchemeCombo"));
    for (Scheme s : {Scheme::Uniform, Scheme::PoT, Scheme::APoT}) {
        m_scheme->addItem(schemeLabel(s), int(s));
        m_scheme->setItemData(m_scheme->count() - 1, schemeToolTip(s), Qt::ToolTipRole);
    }
    m_scheme->setCurrentIndex(2);
    m_scheme->setToolTip(QStringLiteral("The level grid every layer is quantized to."));
    m_bitsSpin = new QSpinBox;
    m_bitsSpin->setObjectName(QStringLiteral("modelBitsSpin"));
    m_bitsSpin->setSuffix(QStringLiteral(" bit"));
    m_bitsSpin->setRange(2, 7);
    m_bitsSpin->setValue(4);
    m_overlay = new QComboBox;
    m_overlay->setObjectName(QStringLiteral("overlayCombo"));
    m_overlay->addItem(QStringLiteral("None"), -1);
    for (Scheme s : {Scheme::Uniform, Scheme::PoT, Scheme::APoT})
        m_overlay->addItem(schemeLabel(s), int(s));
    m_overlay->setToolTip(
        QStringLiteral("Draw a second scheme's levels (dashed) at the same bits and \u03b1."));
    m_searchAll = new QCheckBox(QStringLiteral("MSE-optimal \u03b1 for every layer"));
    m_searchAll->setObjectName(QStringLiteral("searchAllCheck"));
    m_searchAll->setToolTip(QStringLiteral(
        "On: each layer's clip minimizes its MSE (grid search + golden section). Off: the clip the "
        "checkpoint's method learned (APoT's wgt_alpha, LSQ's step times Q_P, DSQ's range, mapped to the "
        "normalized weights) where present, else 3.0. The bit sweep uses the same rule."));
    form->addRow(QStringLiteral("&Scheme"), m_scheme);
    form->addRow(QStringLiteral("&Bits"), m_bitsSpin);
    form->addRow(QStringLiteral("O&verlay"), m_overlay);
    form->addRow(m_searchAll);
    m_layout->addWidget(gridBox);

    m_tree = new LayerTree;
    m_layout->addWidget(m_tree, 1);

    connect(m_scheme, &QComboBox::currentIndexChanged, this, [this] {
        updateBitRange();
        Q_EMIT schemeChanged();
    });
    connect(m_bitsSpin, &QSpinBox::valueChanged, this, &ModelSidebar::bitsChanged);
    connect(m_overlay, &QComboBox::currentIndexChanged, this, &ModelSidebar::overlayChanged);
    connect(m_searchAll, &QCheckBox::toggled, this, &ModelSidebar::searchAllToggled);
    connect(m_dataEdit, &QLineEdit::editingFinished, this, &ModelSidebar::dataEdited);
    updateBitRange();
}

ModelSidebar::~ModelSidebar()
{
    // ~QWidget closes the window after the members are gone; the data field's focus-out
    // (editingFinished) must not reach the pages then.
    m_dataEdit->disconnect(this);
}

void ModelSidebar::setModel(const std::shared_ptr<const ModelSnapshot> &snapshot, const QString &path)
{
    // A data set typed for another model does not carry over to a checkpoint that names its own.
    if (m_snapshot && snapshot && m_snapshot->path() != snapshot->path() && !snapshot->dataSpec().empty())
        m_dataEdit->clear();
    m_snapshot = snapshot;
    const std::string own = m_snapshot ? m_snapshot->dataSpec() : std::string();
    m_dataEdit->setPlaceholderText(
        own.empty() ? QStringLiteral("needed for a PyTorch file, e.g. cifar10:DIR")
                    : QStringLiteral("the checkpoint's: %1").arg(QString::fromStdString(own)));
    if (m_snapshot) {
        m_description->setText(QStringLiteral("<b>%1</b><br>%2<br>%3 weights")
                                   .arg(QFileInfo(path).fileName().toHtmlEscaped(),
                                        QString::fromStdString(m_snapshot->description()).toHtmlEscaped())
                                   .arg(m_snapshot->parameterCount()));
        m_description->setToolTip(QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath()));
    }
    m_tree->fill(m_snapshot.get());
}

void ModelSidebar::addSection(QWidget *section)
{
    m_layout->addWidget(section);
}

Scheme ModelSidebar::scheme() const
{
    return Scheme(m_scheme->currentData().toInt());
}

void ModelSidebar::setScheme(Scheme s)
{
    m_scheme->setCurrentIndex(m_scheme->findData(int(s)));
}

int ModelSidebar::bits() const
{
    return m_bitsSpin->value();
}

void ModelSidebar::setBits(int b)
{
    m_bitsSpin->setValue(b);
}

std::optional<Scheme> ModelSidebar::overlay() const
{
    const int s = m_overlay->currentData().toInt();
    return s >= 0 ? std::optional<Scheme>(Scheme(s)) : std::nullopt;
}

bool ModelSidebar::searchAll() const
{
    return m_searchAll->isChecked();
}

QString ModelSidebar::dataSpec() const
{
    return m_dataEdit->text().trimmed();
}

void ModelSidebar::setDataSpec(const QString &spec)
{
    m_dataEdit->setText(spec);
}

void ModelSidebar::updateBitRange()
{
    const auto [lo, hi] = supportedBits(scheme(), true);
    const QSignalBlocker block(m_bitsSpin);
    m_bitsSpin->setRange(std::max(2, lo), std::min(hi, 8));
    m_bitsSpin->setToolTip(QStringLiteral("Signed weight bits: 1 sign bit + b\u22121 magnitude bits, "
                                          "2<sup>b</sup>\u22121 levels. %1 is defined for %2 to %3 bits.")
                               .arg(schemeLabel(scheme()))
                               .arg(lo)
                               .arg(hi));
}

void ModelSidebar::saveSettings(QSettings &settings) const
{
    settings.setValue(QStringLiteral("scheme"), QString::fromStdString(schemeName(scheme())));
    settings.setValue(QStringLiteral("bits"), bits());
    settings.setValue(QStringLiteral("overlay"), m_overlay->currentIndex());
    settings.setValue(QStringLiteral("searchAll"), m_searchAll->isChecked());
    settings.setValue(QStringLiteral("data"), m_dataEdit->text());
}

void ModelSidebar::restoreSettings(QSettings &settings)
{
    const QSignalBlocker blockScheme(m_scheme), blockBits(m_bitsSpin), blockOverlay(m_overlay),
        blockSearch(m_searchAll);
    if (auto s = parseScheme(settings.value(QStringLiteral("scheme")).toString().toStdString()))
        m_scheme->setCurrentIndex(m_scheme->findData(int(*s)));
    updateBitRange();
    m_bitsSpin->setValue(settings.value(QStringLiteral("bits"), m_bitsSpin->value()).toInt());
    m_overlay->setCurrentIndex(
        std::clamp(settings.value(QStringLiteral("overlay"), 0).toInt(), 0, m_overlay->count() - 1));
    m_searchAll->setChecked(settings.value(QStringLiteral("searchAll"), false).toBool());
    m_dataEdit->setText(settings.value(QStringLiteral("data")).toString());
}

} // namespace qs::ui
