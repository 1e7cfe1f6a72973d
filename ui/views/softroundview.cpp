#include "ui/views/softroundview.h"

#include "ui/figures/animations.h"
#include "ui/plotting/animationplayer.h"

#include "ui/figures/palette.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/levelsview.h"
#include "ui/views/toollayout.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <cmath>
#include <stdexcept>

namespace qs::ui {

namespace {

QSlider *makeSlider(const QString &objectName, int lo, int hi, int value, int singleStep, int pageStep,
                    const QString &toolTip)
{
    auto *slider = new QSlider(Qt::Horizontal);
    slider->setObjectName(objectName);
    slider->setRange(lo, hi);
    slider->setValue(value);
    slider->setSingleStep(singleStep);
    slider->setPageStep(pageStep);
    slider->setToolTip(richToolTip(toolTip));
    return slider;
}

// A slider and the spin box with its value, on one form row.
QWidget *sliderRow(QSlider *slider, QDoubleSpinBox *value)
{
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(slider, 1);
    layout->addWidget(value);
    return row;
}

int sliderPosition(double value, double scale)
{
    return int(std::lround(value * scale));
}

} // namespace

SoftRoundView::SoftRoundView(QWidget *parent) : QWidget(parent)
{
    const SoftRoundFigureOptions defaults;

    auto *common = new QFormLayout;
    m_bits = new QSpinBox;
    m_bits->setObjectName(QStringLiteral("bitsSpin"));
    m_bits->setRange(1, 8); // DSQ/DAQ are defined for 1..8 bits; EWGS follows its base scheme's range
    m_bits->setValue(defaults.bits);
    m_bits->setSuffix(QStringLiteral(" bit"));
    m_bits->setToolTip(
        richToolTip(QStringLiteral("DSQ and DAQ: 2<sup>b</sup> evenly spaced levels over the clip range.")));
    common->addRow(QStringLiteral("&Bits"), m_bits);
    m_signed = new QCheckBox(QStringLiteral("Si&gned range [\u2212\u03b1, \u03b1]"));
    m_signed->setObjectName(QStringLiteral("signedCheck"));
    m_signed->setToolTip(
        richToolTip(QStringLiteral("DSQ/DAQ (reference code): signed ranges get 2<sup>b</sup> levels and "
                                   "no zero level.")));
    common->addRow(QString(), m_signed);
    m_alpha = new QDoubleSpinBox;
    m_alpha->setObjectName(QStringLiteral("alphaSpin"));
    m_alpha->setRange(0.05, 100.0);
    m_alpha->setSingleStep(0.05);
    m_alpha->setValue(defaults.alpha);
    m_alpha->setToolTip(richToolTip(QStringLiteral("Clip value \u03b1: the largest level.")));
    common->addRow(QStringLiteral("Clip \u03b1"), m_alpha);

    m_dsqGroup = new QGroupBox(QStringLiteral("DSQ"));
    m_dsqGroup->setObjectName(QStringLiteral("dsqGroup"));
    m_dsqGroup->setCheckable(true);
    m_dsqGroup->setToolTip(richToolTip(formulas::dsq()));
    m_dsqAlpha = makeSlider(QStringLiteral("dsqAlphaSlider"), 1, 500,
                            sliderPosition(defaults.dsqAlpha, kDsqAlphaScale), 10, 50, formulas::dsq());
    m_dsqAlphaValue = pairSpin(m_dsqAlpha, kDsqAlphaScale, 0.01, 3);
    auto *dsqForm = new QFormLayout(m_dsqGroup);
    dsqForm->addRow(QStringLiteral("\u03b1 (0, 0.5]"), sliderRow(m_dsqAlpha, m_dsqAlphaValue));

    m_daqGroup = new QGroupBox(QStringLiteral("DAQ"));
    m_daqGroup->setObjectName(QStringLiteral("daqGroup"));
    m_daqGroup->setCheckable(true);
    m_daqGroup->setToolTip(richToolTip(formulas::daq()));
    m_daqGamma = makeSlider(QStringLiteral("daqGammaSlider"), 1, 100,
                            sliderPosition(defaults.daqGamma, kDaqScale), 1, 10, formulas::daq());
    m_daqSigma = makeSlider(QStringLiteral("daqSigmaSlider"), 1, 50,
                            sliderPosition(defaults.daqSigma, kDaqScale), 1, 5, formulas::daq());
    m_daqGammaValue = pairSpin(m_daqGamma, kDaqScale, 0.1, 1);
    m_daqSigmaValue = pairSpin(m_daqSigma, kDaqScale, 0.1, 1);
    auto *daqForm = new QFormLayout(m_daqGroup);
    daqForm->addRow(QStringLiteral("\u03b3"), sliderRow(m_daqGamma, m_daqGammaValue));
    daqForm->addRow(QStringLiteral("\u03c3"), sliderRow(m_daqSigma, m_daqSigmaValue));

    m_ewgsGroup = new QGroupBox(QStringLiteral("EWGS"));
    m_ewgsGroup->setObjectName(QStringLiteral("ewgsGroup"));
    m_ewgsGroup->setCheckable(true);
    m_ewgsGroup->setToolTip(richToolTip(formulas::ewgs()));
    m_ewgsBase = new QComboBox;
    m_ewgsBase->setObjectName(QStringLiteral("ewgsBaseCombo"));
    for (Scheme scheme : {Scheme::Uniform, Scheme::PoT, Scheme::APoT}) {
        m_ewgsBase->addItem(schemeLabel(scheme), int(scheme));
        m_ewgsBase->setItemData(m_ewgsBase->count() - 1, richToolTip(schemeToolTip(scheme)), Qt::ToolTipRole);
    }
    m_ewgsBase->setToolTip(richToolTip(QStringLiteral("The hard quantizer EWGS scales the gradient of.")));
    m_ewgsDelta = makeSlider(QStringLiteral("ewgsDeltaSlider"), 0, 500,
                             sliderPosition(defaults.ewgsDelta, kDeltaScale), 5, 25, formulas::ewgs());
    m_ewgsDeltaValue = pairSpin(m_ewgsDelta, kDeltaScale, 0.05, 2);
    m_gradSign = new QComboBox;
    m_gradSign->setObjectName(QStringLiteral("gradSignCombo"));
    m_gradSign->addItem(QStringLiteral("g > 0"), 1.0);
    m_gradSign->addItem(QStringLiteral("g < 0"), -1.0);
    m_gradSign->setToolTip(
        richToolTip(QStringLiteral("Sign of the incoming gradient g<sub>q</sub>: it flips which side of "
                                   "each level gets the larger gradient.")));
    auto *ewgsForm = new QFormLayout(m_ewgsGroup);
    ewgsForm->addRow(QStringLiteral("Levels"), m_ewgsBase);
    ewgsForm->addRow(QStringLiteral("\u03b4"), sliderRow(m_ewgsDelta, m_ewgsDeltaValue));
    ewgsForm->addRow(QStringLiteral("Gradient"), m_gradSign);

    auto *controls = new QWidget;
    // Play: DSQ's alpha annealed from 0.5 (nearly linear) to 0.002 (close to the hard step), as training
    // anneals it, through the alpha slider itself.
    m_player = new AnimationPlayer(
        QStringLiteral("DSQ's \u03b1 annealing towards the hard step"),
        {[] { return 12; },
         [this](int k) {
             m_dsqGroup->setChecked(true);
             m_dsqAlpha->setValue(sliderPosition(dsqAnnealAlphas(0.5, 0.002, 12).at(k), kDsqAlphaScale));
         },
         nullptr, [this] { return dsqAnnealAnimation(options(), 0.5, 0.002, 12); }},
        controls);

    auto *controlsLayout = new QVBoxLayout(controls);
    controlsLayout->addLayout(common);
    controlsLayout->addWidget(m_dsqGroup);
    controlsLayout->addWidget(m_player);
    controlsLayout->addWidget(m_daqGroup);
    controlsLayout->addWidget(m_ewgsGroup);
    controlsLayout->addStretch(1);

    m_figure = new FigureWidget;
    m_splitter =
        placeControlsBesideFigure(this, controls, m_figure, QStringLiteral("softRoundSplitter"), 280);
    m_aligner = new PlotAreaAligner(m_figure);

    connect(m_bits, &QSpinBox::valueChanged, this, &SoftRoundView::rebuild);
    connect(m_signed, &QCheckBox::toggled, this, &SoftRoundView::rebuild);
    connect(m_alpha, &QDoubleSpinBox::valueChanged, this, &SoftRoundView::rebuild);
    for (QGroupBox *group : {m_dsqGroup, m_daqGroup, m_ewgsGroup})
        connect(group, &QGroupBox::toggled, this, &SoftRoundView::rebuild);
    for (QSlider *slider : {m_dsqAlpha, m_daqGamma, m_daqSigma, m_ewgsDelta})
        connect(slider, &QSlider::valueChanged, this, &SoftRoundView::rebuild);
    connect(m_ewgsBase, &QComboBox::currentIndexChanged, this, &SoftRoundView::rebuild);
    connect(m_gradSign, &QComboBox::currentIndexChanged, this, &SoftRoundView::rebuild);

    rebuild();
}

SoftRoundFigureOptions SoftRoundView::options() const
{
    SoftRoundFigureOptions o;
    o.bits = m_bits->value();
    o.isSigned = m_signed->isChecked();
    o.alpha = m_alpha->value();
    o.showDsq = m_dsqGroup->isChecked();
    o.showDaq = m_daqGroup->isChecked();
    o.showEwgs = m_ewgsGroup->isChecked();
    o.dsqAlpha = m_dsqAlpha->value() / kDsqAlphaScale;
    o.daqGamma = m_daqGamma->value() / kDaqScale;
    o.daqSigma = m_daqSigma->value() / kDaqScale;
    o.ewgsBase = Scheme(m_ewgsBase->currentData().toInt());
    o.ewgsDelta = m_ewgsDelta->value() / kDeltaScale;
    o.gradSign = m_gradSign->currentData().toDouble();
    return o;
}

const FigureSpec &SoftRoundView::figure() const
{
    return m_figure->figure();
}

QDoubleSpinBox *SoftRoundView::pairSpin(QSlider *slider, double scale, double step, int decimals)
{
    auto *spin = new QDoubleSpinBox;
    spin->setObjectName(slider->objectName().replace(QStringLiteral("Slider"), QStringLiteral("Spin")));
    spin->setDecimals(decimals);
    spin->setRange(slider->minimum() / scale, slider->maximum() / scale);
    spin->setSingleStep(step);
    spin->setValue(slider->value() / scale);
    spin->setToolTip(slider->toolTip());
    spin->setKeyboardTracking(false); // typing "0.25" is one value, not three
    // The slider holds the value (options() reads it); the spin box shows it and sets it when typed.
    connect(slider, &QSlider::valueChanged, spin, [spin, scale](int position) {
        const QSignalBlocker block(spin);
        spin->setValue(position / scale);
    });
    connect(spin, &QDoubleSpinBox::valueChanged, slider,
            [slider, scale](double value) { slider->setValue(int(std::lround(value * scale))); });
    return spin;
}

QDoubleSpinBox *SoftRoundView::spinFor(const QSlider *slider) const
{
    if (slider == m_dsqAlpha)
        return m_dsqAlphaValue;
    if (slider == m_daqGamma)
        return m_daqGammaValue;
    if (slider == m_daqSigma)
        return m_daqSigmaValue;
    if (slider == m_ewgsDelta)
        return m_ewgsDeltaValue;
    return nullptr;
}

void SoftRoundView::rebuild()
{
    if (m_restoring)
        return;
    try {
        m_figure->setFigure(makeSoftRoundFigure(options()));
        m_aligner->align();
    } catch (const std::exception &e) {
        m_figure->setError(QString::fromStdString(e.what()));
    }
}

void SoftRoundView::saveSettings(QSettings &settings) const
{
    const auto o = options();
    settings.beginGroup(QStringLiteral("softround"));
    settings.setValue(QStringLiteral("bits"), o.bits);
    settings.setValue(QStringLiteral("signed"), o.isSigned);
    settings.setValue(QStringLiteral("alpha"), o.alpha);
    settings.setValue(QStringLiteral("showDsq"), o.showDsq);
    settings.setValue(QStringLiteral("showDaq"), o.showDaq);
    settings.setValue(QStringLiteral("showEwgs"), o.showEwgs);
    settings.setValue(QStringLiteral("dsqAlpha"), o.dsqAlpha);
    settings.setValue(QStringLiteral("daqGamma"), o.daqGamma);
    settings.setValue(QStringLiteral("daqSigma"), o.daqSigma);
    settings.setValue(QStringLiteral("ewgsBase"), QString::fromStdString(schemeName(o.ewgsBase)));
    settings.setValue(QStringLiteral("ewgsDelta"), o.ewgsDelta);
    settings.setValue(QStringLiteral("gradSign"), o.gradSign);
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("figureSplitter"), m_figure->splitter()->saveState());
    settings.endGroup();
}

void SoftRoundView::restoreSettings(QSettings &settings)
{
    const auto o = options();
    settings.beginGroup(QStringLiteral("softround"));
    m_restoring = true;
    m_bits->setValue(settings.value(QStringLiteral("bits"), o.bits).toInt());
    m_signed->setChecked(settings.value(QStringLiteral("signed"), o.isSigned).toBool());
    m_alpha->setValue(settings.value(QStringLiteral("alpha"), o.alpha).toDouble());
    m_dsqGroup->setChecked(settings.value(QStringLiteral("showDsq"), o.showDsq).toBool());
    m_daqGroup->setChecked(settings.value(QStringLiteral("showDaq"), o.showDaq).toBool());
    m_ewgsGroup->setChecked(settings.value(QStringLiteral("showEwgs"), o.showEwgs).toBool());
    m_dsqAlpha->setValue(
        sliderPosition(settings.value(QStringLiteral("dsqAlpha"), o.dsqAlpha).toDouble(), kDsqAlphaScale));
    m_daqGamma->setValue(
        sliderPosition(settings.value(QStringLiteral("daqGamma"), o.daqGamma).toDouble(), kDaqScale));
    m_daqSigma->setValue(
        sliderPosition(settings.value(QStringLiteral("daqSigma"), o.daqSigma).toDouble(), kDaqScale));
    if (auto base = parseScheme(settings.value(QStringLiteral("ewgsBase")).toString().toStdString()))
        m_ewgsBase->setCurrentIndex(m_ewgsBase->findData(int(*base)));
    m_ewgsDelta->setValue(
        sliderPosition(settings.value(QStringLiteral("ewgsDelta"), o.ewgsDelta).toDouble(), kDeltaScale));
    m_gradSign->setCurrentIndex(settings.value(QStringLiteral("gradSign"), o.gradSign).toDouble() < 0 ? 1
                                                                                                      : 0);
    m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
    m_figure->splitter()->restoreState(settings.value(QStringLiteral("figureSplitter")).toByteArray());
    m_restoring = false;
    settings.endGroup();
    rebuild();
}

} // namespace qs::ui
