#include "ui/views/train/quantizationbox.h"

#include "core/quant/methods.h"
#include "ui/figures/palette.h"
#include "ui/views/train/trainformrules.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSettings>
#include <QSpinBox>

namespace qs::ui {

QuantizationBox::QuantizationBox(QWidget *parent) : QGroupBox(QStringLiteral("Quantization"), parent)
{
    auto *quant = new QFormLayout(this);
    m_method = new QComboBox;
    m_method->setObjectName(QStringLiteral("methodCombo"));
    for (const MethodInfo &info : quantMethods()) { // the registry's order: fp, uniform, lsq, pot, apot, ...
        const QString name = QString::fromStdString(info.name);
        m_method->addItem(info.quantizes ? name : name + QStringLiteral(" (full precision)"), name);
        m_method->setItemData(m_method->count() - 1, trainform::methodToolTip(name), Qt::ToolTipRole);
    }
    m_backward = new QComboBox;
    m_backward->setObjectName(QStringLiteral("backwardCombo"));
    m_backward->addItem(QStringLiteral("STE"), QStringLiteral("ste"));
    m_backward->setItemData(0, formulas::ste(), Qt::ToolTipRole);
    m_backward->addItem(QStringLiteral("EWGS"), QStringLiteral("ewgs"));
    m_backward->setItemData(1, formulas::ewgs(), Qt::ToolTipRole);
    m_backward->setToolTip(formulas::ste() + QStringLiteral("<br>") + formulas::ewgs());
    m_wbits = new QSpinBox;
    m_wbits->setObjectName(QStringLiteral("wbitsSpin"));
    m_abits = new QSpinBox;
    m_abits->setObjectName(QStringLiteral("abitsSpin"));
    for (QSpinBox *spin : {m_wbits, m_abits}) {
        spin->setRange(1, 16); // out-of-range combinations are explained, not silently clamped
        spin->setSuffix(QStringLiteral(" bit"));
    }
    m_wbits->setToolTip(
        QStringLiteral("Weight bits (signed grid). Edge layers: see edge_layers in Advanced."));
    m_abits->setToolTip(QStringLiteral("Activation bits (unsigned grid, after ReLU)."));
    auto *bitsRow = new QHBoxLayout;
    bitsRow->addWidget(new QLabel(QStringLiteral("W")));
    bitsRow->addWidget(m_wbits, 1);
    bitsRow->addSpacing(8);
    bitsRow->addWidget(new QLabel(QStringLiteral("A")));
    bitsRow->addWidget(m_abits, 1);
    quant->addRow(QStringLiteral("&Method"), m_method);
    quant->addRow(QStringLiteral("&Backward"), m_backward);
    quant->addRow(QStringLiteral("Bits"), bitsRow);

    for (QComboBox *combo : {m_method, m_backward})
        connect(combo, &QComboBox::currentIndexChanged, this, &QuantizationBox::edited);
    for (QSpinBox *spin : {m_wbits, m_abits})
        connect(spin, &QSpinBox::valueChanged, this, &QuantizationBox::edited);
}

void QuantizationBox::read(TrainConfig &config) const
{
    config.method = m_method->currentData().toString().toStdString();
    config.backward = m_backward->currentData().toString().toStdString();
    config.wbits = m_wbits->value();
    config.abits = m_abits->value();
}

void QuantizationBox::write(const TrainConfig &config)
{
    for (auto [combo, value] : {std::pair{m_method, config.method}, std::pair{m_backward, config.backward}}) {
        const int i = combo->findData(QString::fromStdString(value));
        if (i >= 0)
            combo->setCurrentIndex(i);
    }
    m_wbits->setValue(config.wbits);
    m_abits->setValue(config.abits);
}

void QuantizationBox::showMethod()
{
    const QString method = m_method->currentData().toString();
    m_method->setToolTip(trainform::methodToolTip(method));
    const bool fp = !trainform::methodQuantizes(method.toStdString());
    m_wbits->setEnabled(!fp);
    m_abits->setEnabled(!fp);
}

void QuantizationBox::saveSettings(QSettings &settings) const
{
    settings.setValue(QStringLiteral("method"), m_method->currentData());
    settings.setValue(QStringLiteral("backward"), m_backward->currentData());
    settings.setValue(QStringLiteral("wbits"), m_wbits->value());
    settings.setValue(QStringLiteral("abits"), m_abits->value());
}

void QuantizationBox::restoreSettings(QSettings &settings)
{
    TrainConfig c;
    read(c);
    c.method = settings.value(QStringLiteral("method")).toString().toStdString();
    c.backward = settings.value(QStringLiteral("backward")).toString().toStdString();
    c.wbits = settings.value(QStringLiteral("wbits"), c.wbits).toInt();
    c.abits = settings.value(QStringLiteral("abits"), c.abits).toInt();
    write(c);
}

} // namespace qs::ui
