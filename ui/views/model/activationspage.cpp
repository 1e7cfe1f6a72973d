#include "ui/views/model/activationspage.h"

#include "core/analysis/modelsnapshot.h"
#include "ui/figures/activationfigures.h"
#include "ui/figures/palette.h"
#include "ui/figures/weightfigures.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/model/capturebar.h"
#include "ui/views/model/layertree.h"
#include "ui/views/model/modelsidebar.h"

#include <QApplication>
#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace qs::ui {

ActivationsPage::ActivationsPage(const ModelSidebar *sidebar, std::function<int()> bins, QWidget *parent)
    : QWidget(parent), m_sidebar(sidebar), m_bins(std::move(bins))
{
    auto *actLayout = new QVBoxLayout(this);
    actLayout->setContentsMargins(0, 0, 0, 0);
    m_captureBar = new CaptureBar(sidebar);
    actLayout->addWidget(m_captureBar);
    auto *actControls = new QHBoxLayout;
    m_bitsSpin = new QSpinBox;
    m_bitsSpin->setObjectName(QStringLiteral("activationBitsSpin"));
    m_bitsSpin->setSuffix(QStringLiteral(" bit"));
    m_bitsSpin->setRange(2, 6);
    m_bitsSpin->setValue(4);
    ClipControlSetup actClip;
    actClip.sliderName = QStringLiteral("activationAlphaSlider");
    actClip.spinName = QStringLiteral("activationAlphaSpin");
    actClip.searchName = QStringLiteral("searchActivationAlphaButton");
    actClip.resetName = QStringLiteral("resetActivationAlphaButton");
    actClip.alphaToolTip = activationFormulas::alpha();
    actClip.searchToolTip = QStringLiteral("Set this layer's activation clip to the one minimizing its MSE "
                                           "over the recorded values. ") +
                            activationFormulas::mse();
    actClip.resetToolTip = QStringLiteral("Back to the checkpoint's learned activation clip, else 8.0.");
    actClip.spinMax = 1000.0;
    actClip.spinStep = 0.1;
    actClip.sliderMax = 10.0;
    m_clip = new ClipControl(actClip, this);
    m_logScale = new QCheckBox(QStringLiteral("Log counts"));
    m_logScale->setObjectName(QStringLiteral("activationLogCheck"));
    m_logScale->setChecked(true);
    m_logScale->setToolTip(QStringLiteral(
        "Histogram height log\u2081\u2080(1 + count): post-ReLU inputs pile up at 0, log shows the tail."));
    actControls->addWidget(new QLabel(QStringLiteral("Activation bits")));
    actControls->addWidget(m_bitsSpin);
    actControls->addSpacing(8);
    actControls->addWidget(new QLabel(QStringLiteral("Clip \u03b1")));
    actControls->addWidget(m_clip->slider(), 1);
    actControls->addWidget(m_clip->spin());
    actControls->addWidget(m_clip->searchButton());
    actControls->addWidget(m_clip->resetButton());
    actControls->addWidget(m_logScale);
    actLayout->addLayout(actControls);
    m_errorLabel = new QLabel;
    m_errorLabel->setObjectName(QStringLiteral("activationErrorLabel"));
    m_errorLabel->setToolTip(activationFormulas::mse() + QStringLiteral("<br>") + activationFormulas::sqnr());
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A long error (a data set path, a loader message) wraps here instead of widening the window.
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    actLayout->addWidget(m_errorLabel);
    m_figure = new FigureWidget;
    m_figure->setObjectName(QStringLiteral("activationFigure"));
    m_figure->setToolTip(activationFormulas::quantizer());
    actLayout->addWidget(m_figure, 1);
    FigureSpec empty;
    empty.id = QStringLiteral("activations");
    m_figure->setFigure(empty);

    connect(m_captureBar, &CaptureBar::started, this, [this] {
        if (!m_captureBar->capture())
            rebuildFigure(); // "Running N images through the model..."
    });
    connect(m_captureBar, &CaptureBar::cancelled, this, &ActivationsPage::rebuildFigure);
    connect(m_captureBar, &CaptureBar::captured, this, [this] {
        m_overrides.clear();
        m_selectedFor.clear();
        recompute();
    });
    connect(m_captureBar, &CaptureBar::failed, this, [this](const QString &error) {
        m_errorLabel->setText(error.toHtmlEscaped());
        m_figure->setError(error);
    });
    connect(m_bitsSpin, &QSpinBox::valueChanged, this, [this] {
        m_overrides.clear();
        recompute();
    });
    connect(m_logScale, &QCheckBox::toggled, this, &ActivationsPage::rebuildFigure);
    m_recomputeTimer = connectClipOverrides(
        m_clip, m_overrides, [this] { return m_selected ? m_selected->name : std::string(); },
        [this] { recompute(); }, [this] { searchAlpha(); }, this);
    updateBitRange();
}

void ActivationsPage::setModel(std::shared_ptr<const ModelSnapshot> snapshot)
{
    m_captureBar->setModel(snapshot);
    m_snapshot = std::move(snapshot);
    m_selected.reset();
    m_selectedFor.clear();
    m_overrides.clear();
}

void ActivationsPage::setActivationBits(int bits)
{
    m_bitsSpin->setValue(bits);
}

int ActivationsPage::activationBits() const
{
    return m_bitsSpin->value();
}

bool ActivationsPage::recomputePending() const
{
    return m_recomputeTimer->isActive();
}

void ActivationsPage::schemeChanged()
{
    updateBitRange();
    m_overrides.clear();
    recompute();
}

void ActivationsPage::dataEdited()
{
    m_captureBar->clearError();
    if (!m_captureBar->capture())
        rebuildFigure();
}

void ActivationsPage::updateBitRange()
{
    const Scheme scheme = m_sidebar->scheme();
    const auto [lo, hi] = supportedBits(scheme, false);
    const QSignalBlocker block(m_bitsSpin);
    m_bitsSpin->setRange(std::max(2, lo), std::min(hi, 8));
    m_bitsSpin->setToolTip(QStringLiteral("Unsigned activation bits: 2<sup>b</sup> levels on [0, &alpha;]. "
                                          "%1 is defined for %2 to %3 bits.")
                               .arg(schemeLabel(scheme))
                               .arg(lo)
                               .arg(hi) +
                           QStringLiteral("<br>") + schemeToolTip(scheme));
}

void ActivationsPage::maybeStartCapture()
{
    if (!m_snapshot || m_captureBar->capture() || m_captureBar->running() || !m_captureBar->error().isEmpty())
        return;
    if (m_sidebar->dataSpec().isEmpty() && m_snapshot->dataSpec().empty())
        return; // a PyTorch file: wait for a data set and the button
    startCapture();
}

void ActivationsPage::recompute()
{
    m_recomputeTimer->stop();
    const auto capture = m_captureBar->capture();
    const std::string key = m_sidebar->tree()->selectedLayer().toStdString();
    const LayerActivations *layer = capture && !key.empty() ? capture->layer(key) : nullptr;
    if (!layer || layer->values.empty()) {
        m_selected.reset();
        rebuildFigure();
        return;
    }
    std::optional<double> alpha = layer->checkpointAlpha;
    const auto override = m_overrides.find(key);
    if (override != m_overrides.end())
        alpha = override->second.alpha;
    try {
        auto a = analyzeActivationValues(key, layer->values, {m_sidebar->scheme(), activationBits(), false},
                                         alpha, false);
        if (override != m_overrides.end())
            a.alphaSource = override->second.source();
        else if (layer->checkpointAlpha)
            a.alphaSource = "checkpoint";
        m_selected = std::move(a);
    } catch (const std::exception &e) {
        m_selected.reset();
        m_errorLabel->setText(QString::fromStdString(e.what()).toHtmlEscaped());
        m_figure->setError(QString::fromStdString(e.what()));
        return;
    }
    if (m_selectedFor != key) {
        m_selectedFor = key;
        m_clip->fitSliderTo(std::max(layer->maxValue, m_selected->alpha),
                            QStringLiteral("max x = %1").arg(layer->maxValue, 0, 'f', 2));
    }
    m_clip->setAlpha(m_selected->alpha);
    m_errorLabel->setText(QStringLiteral("MSE <b>%1</b> \u00b7 SQNR <b>%2 dB</b> \u00b7 clip: %3 \u00b7 "
                                         "%4 of %5 values at 0")
                              .arg(m_selected->mse, 0, 'g', 4)
                              .arg(m_selected->sqnrDb, 0, 'f', 2)
                              .arg(QString::fromStdString(m_selected->alphaSource))
                              .arg(m_selected->counts.empty() ? 0 : m_selected->counts.front())
                              .arg(m_selected->numel));
    rebuildFigure();
}

void ActivationsPage::searchAlpha()
{
    const auto capture = m_captureBar->capture();
    if (!m_selected || !capture)
        return;
    const std::string key = m_selected->name;
    const LayerActivations *layer = capture->layer(key);
    if (!layer)
        return;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    try {
        const auto a = analyzeActivationValues(
            key, layer->values, {m_sidebar->scheme(), activationBits(), false}, std::nullopt, true);
        m_overrides[key] = {a.alpha, true};
    } catch (const std::exception &) {
    }
    QApplication::restoreOverrideCursor();
    recompute();
}

QString ActivationsPage::placeholderNote() const
{
    if (!m_snapshot)
        return {};
    if (const QString note = m_captureBar->note(); !note.isEmpty())
        return note;
    const QString layerName = shortLayerName(m_sidebar->tree()->selectedLayer().toStdString());
    if (layerName.isEmpty())
        return QStringLiteral("Select a layer.");
    return QStringLiteral("%1 has no quantized input: the first conv takes the image and the last linear "
                          "stays in full precision. Select a conv inside a block.")
        .arg(layerName);
}

void ActivationsPage::rebuildFigure()
{
    const auto capture = m_captureBar->capture();
    if (!m_selected || !capture) {
        if (!m_selected)
            m_errorLabel->clear();
        FigureSpec placeholder;
        placeholder.id = QStringLiteral("activations");
        placeholder.note = placeholderNote();
        m_figure->setFigure(placeholder);
        return;
    }
    const LayerActivations *layer = capture->layer(m_selected->name);
    if (!layer)
        return;
    ActivationFigureOptions o;
    o.scheme = m_sidebar->scheme();
    o.bits = activationBits();
    o.bins = m_bins();
    o.logScale = m_logScale->isChecked();
    // The percentiles of one layer's capture, once: the figure is rebuilt on every clip or grid change.
    if (m_bulkCapture.lock() != capture || m_bulkLayer != layer->name) {
        m_bulk = bulkPercentiles(layer->values);
        m_bulkCapture = capture;
        m_bulkLayer = layer->name;
    }
    o.bulk = m_bulk;
    try {
        m_figure->setFigure(makeActivationFigure(*m_selected, *layer, o));
    } catch (const std::exception &e) {
        m_figure->setError(QString::fromStdString(e.what()));
    }
}

void ActivationsPage::saveSettings(QSettings &settings) const
{
    m_captureBar->saveSettings(settings);
    settings.setValue(QStringLiteral("activationBits"), m_bitsSpin->value());
    settings.setValue(QStringLiteral("activationLog"), m_logScale->isChecked());
}

void ActivationsPage::restoreSettings(QSettings &settings)
{
    const QSignalBlocker blockBits(m_bitsSpin), blockLog(m_logScale);
    m_captureBar->restoreSettings(settings);
    updateBitRange();
    m_bitsSpin->setValue(settings.value(QStringLiteral("activationBits"), m_bitsSpin->value()).toInt());
    m_logScale->setChecked(settings.value(QStringLiteral("activationLog"), true).toBool());
}

} // namespace qs::ui
