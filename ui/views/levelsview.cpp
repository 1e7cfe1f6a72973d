#include "ui/views/levelsview.h"

#include "ui/figures/palette.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/toollayout.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <stdexcept>

namespace qs::ui {

namespace {
constexpr std::array<Scheme, 3> kSchemes{Scheme::Uniform, Scheme::PoT, Scheme::APoT};
}

LevelsView::LevelsView(QWidget *parent) : QWidget(parent)
{
    auto *controls = new QWidget;
    auto *form = new QFormLayout;

    m_scheme = new QComboBox;
    m_scheme->setObjectName(QStringLiteral("schemeCombo"));
    for (Scheme scheme : kSchemes) {
        m_scheme->addItem(schemeLabel(scheme), int(scheme));
        m_scheme->setItemData(m_scheme->count() - 1, schemeToolTip(scheme), Qt::ToolTipRole);
    }
    m_scheme->setCurrentIndex(2);
    m_scheme->setToolTip(QStringLiteral("The scheme whose bit range the bits box follows."));
    form->addRow(QStringLiteral("&Scheme"), m_scheme);

    m_bits = new QSpinBox;
    m_bits->setObjectName(QStringLiteral("bitsSpin"));
    m_bits->setValue(4);
    m_bits->setSuffix(QStringLiteral(" bit"));
    form->addRow(QStringLiteral("&Bits"), m_bits);

    m_signed = new QCheckBox(QStringLiteral("Si&gned (weights)"));
    m_signed->setObjectName(QStringLiteral("signedCheck"));
    m_signed->setToolTip(QStringLiteral("Signed: 1 sign bit + b\u22121 magnitude bits, 2<sup>b</sup>\u22121 "
                                        "levels symmetric about 0. A 2-bit signed APoT weight is ternary."));
    form->addRow(QString(), m_signed);

    m_alpha = new QDoubleSpinBox;
    m_alpha->setObjectName(QStringLiteral("alphaSpin"));
    m_alpha->setRange(0.05, 100.0);
    m_alpha->setDecimals(2);
    m_alpha->setSingleStep(0.1);
    m_alpha->setValue(1.0);
    m_alpha->setToolTip(QStringLiteral("Clip value \u03b1: the largest level. ") + formulas::staircase());
    form->addRow(QStringLiteral("Clip &\u03b1"), m_alpha);

    auto *compareBox = new QGroupBox(QStringLiteral("Overlay at the same bits"));
    auto *compareLayout = new QVBoxLayout(compareBox);
    for (size_t i = 0; i < kSchemes.size(); ++i) {
        m_compare[i] = new QCheckBox(schemeLabel(kSchemes[i]));
        m_compare[i]->setObjectName(QStringLiteral("compare") + schemeLabel(kSchemes[i]));
        m_compare[i]->setToolTip(schemeToolTip(kSchemes[i]));
        m_compare[i]->setChecked(true);
        compareLayout->addWidget(m_compare[i]);
    }

    auto *help = new QLabel(QStringLiteral(
        "PoT spends extra bits on tiny levels crowding near 0; APoT spreads them over the range. Hover a "
        "control for its formula."));
    help->setWordWrap(true);

    auto *controlsLayout = new QVBoxLayout(controls);
    controlsLayout->addLayout(form);
    controlsLayout->addWidget(compareBox);
    controlsLayout->addWidget(help);
    controlsLayout->addStretch(1);

    m_figure = new FigureWidget;
    m_figure->setToolTip(formulas::staircase());

    m_splitter = placeControlsBesideFigure(this, controls, m_figure, QStringLiteral("levelsSplitter"), 260);

    connect(m_scheme, &QComboBox::currentIndexChanged, this, [this] {
        updateBitRange();
        rebuild();
    });
    connect(m_signed, &QCheckBox::toggled, this, [this] {
        updateBitRange();
        rebuild();
    });
    connect(m_bits, &QSpinBox::valueChanged, this, &LevelsView::rebuild);
    connect(m_alpha, &QDoubleSpinBox::valueChanged, this, &LevelsView::rebuild);
    for (auto *check : m_compare)
        connect(check, &QCheckBox::toggled, this, &LevelsView::rebuild);

    updateBitRange();
    rebuild();
}

LevelsFigureOptions LevelsView::options() const
{
    LevelsFigureOptions o;
    o.scheme = Scheme(m_scheme->currentData().toInt());
    o.bits = m_bits->value();
    o.isSigned = m_signed->isChecked();
    o.alpha = m_alpha->value();
    for (size_t i = 0; i < kSchemes.size(); ++i)
        if (m_compare[i]->isChecked())
            o.compareWith << kSchemes[i];
    return o;
}

const FigureSpec &LevelsView::figure() const
{
    return m_figure->figure();
}

void LevelsView::updateBitRange()
{
    const auto scheme = Scheme(m_scheme->currentData().toInt());
    const auto [lo, hi] = supportedBits(scheme, m_signed->isChecked());
    const QSignalBlocker blocker(m_bits); // one rebuild per user action, done by the caller
    m_bits->setRange(lo, hi);
    m_bits->setToolTip(QStringLiteral("%1 %2 levels are defined for %3 to %4 bits.")
                           .arg(schemeLabel(scheme),
                                m_signed->isChecked() ? QStringLiteral("signed") : QStringLiteral("unsigned"))
                           .arg(lo)
                           .arg(hi));
    // The primary scheme is always drawn; its overlay box is implied.
    for (size_t i = 0; i < kSchemes.size(); ++i)
        m_compare[i]->setEnabled(kSchemes[i] != scheme);
}

void LevelsView::rebuild()
{
    if (m_restoring)
        return;
    try {
        m_figure->setFigure(makeLevelsFigure(options()));
    } catch (const std::exception &e) {
        m_figure->setError(QString::fromStdString(e.what()));
    }
}

void LevelsView::saveSettings(QSettings &settings) const
{
    settings.beginGroup(QStringLiteral("levels"));
    settings.setValue(QStringLiteral("scheme"), QString::fromStdString(schemeName(options().scheme)));
    settings.setValue(QStringLiteral("bits"), m_bits->value());
    settings.setValue(QStringLiteral("signed"), m_signed->isChecked());
    settings.setValue(QStringLiteral("alpha"), m_alpha->value());
    for (size_t i = 0; i < kSchemes.size(); ++i)
        settings.setValue(QStringLiteral("compare/") + QString::fromStdString(schemeName(kSchemes[i])),
                          m_compare[i]->isChecked());
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("figureSplitter"), m_figure->splitter()->saveState());
    settings.endGroup();
}

void LevelsView::restoreSettings(QSettings &settings)
{
    settings.beginGroup(QStringLiteral("levels"));
    m_restoring = true;
    if (auto scheme = parseScheme(settings.value(QStringLiteral("scheme")).toString().toStdString()))
        m_scheme->setCurrentIndex(m_scheme->findData(int(*scheme)));
    m_signed->setChecked(settings.value(QStringLiteral("signed"), m_signed->isChecked()).toBool());
    updateBitRange();
    m_bits->setValue(settings.value(QStringLiteral("bits"), m_bits->value()).toInt()); // clamped to the range
    m_alpha->setValue(settings.value(QStringLiteral("alpha"), m_alpha->value()).toDouble());
    for (size_t i = 0; i < kSchemes.size(); ++i)
        m_compare[i]->setChecked(
            settings.value(QStringLiteral("compare/") + QString::fromStdString(schemeName(kSchemes[i])), true)
                .toBool());
    m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
    m_figure->splitter()->restoreState(settings.value(QStringLiteral("figureSplitter")).toByteArray());
    m_restoring = false;
    settings.endGroup();
    rebuild();
}

} // namespace qs::ui
