#include "ui/figures/levelsfigure.h"
#include "ui/views/model/modelsidebar.h"

#include "core/analysis/modelsnapshot.h"
#include "core/quant/methods.h"
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
#include <QSizePolicy>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace qs::ui {

namespace {
// "0.4914, 0.4822,0.4465" -> values; nullopt for anything else (empty -> empty).
std::optional<std::vector<double>> parseValues(const QString &text)
{
    std::vector<double> values;
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return values;
    for (const QString &part : trimmed.split(QLatin1Char(','))) {
        bool ok = false;
        const double v = part.trimmed().toDouble(&ok);
        if (!ok || !std::isfinite(v))
            return std::nullopt;
        values.push_back(v);
    }
    return values;
}

std::string quantMethodTitle(const std::string &method)
{
    const MethodInfo *info = findQuantMethod(method);
    return info ? info->title : method;
}

QString joinValues(const std::vector<double> &values)
{
    QStringList parts;
    for (double v : values)
        parts << QString::number(v);
    return parts.join(QLatin1Char(','));
}
} // namespace

ModelSidebar::ModelSidebar(QWidget *parent) : QWidget(parent)
{
    m_layout = new QVBoxLayout(this);
    m_layout->setContentsMargins(0, 0, 0, 0);

    m_description = new QLabel;
    m_description->setObjectName(QStringLiteral("modelDescription"));
    m_description->setWordWrap(true);
    m_description->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_layout->addWidget(m_description);

    // How the model is evaluated (accuracy sweep): what the file says it was trained as, and the controls.
    auto *evalBox = new QGroupBox(QStringLiteral("Evaluation"));
    auto *evalForm = new QFormLayout(evalBox);
    m_trainedAs = new QLabel;
    m_trainedAs->setObjectName(QStringLiteral("trainedAsLabel"));
    m_trainedAs->setWordWrap(true);
    // A long message wraps inside the column instead of widening the window.
    m_trainedAs->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_trainedAs->setTextInteractionFlags(Qt::TextSelectableByMouse);
    evalForm->addRow(m_trainedAs);
    m_evaluateAs = new QComboBox;
    m_evaluateAs->setObjectName(QStringLiteral("evaluateAsCombo"));
    m_evaluateAs->addItem(QStringLiteral("As trained"));
    m_evaluateAs->addItem(QStringLiteral("Full precision"));
    m_evaluateAs->setToolTip(QStringLiteral(
        "As trained: the method and bits the checkpoint was trained with (its stored config, or its "
        "quantizer parameters' names), as its own code evaluates it; a network trained with quantized "
        "activations scores near chance in full precision. Full precision: every conv unquantized."));
    m_trainedBits = new QSpinBox;
    m_trainedBits->setObjectName(QStringLiteral("trainedBitsSpin"));
    m_trainedBits->setRange(0, 8);
    m_trainedBits->setSpecialValueText(QStringLiteral("unknown"));
    m_trainedBits->setSuffix(QStringLiteral(" bit"));
    m_trainedBits->setToolTip(QStringLiteral(
        "The weight and activation bits the model was trained with. A PyTorch file does not store them."));
    auto *evalRow = new QHBoxLayout;
    evalRow->addWidget(m_evaluateAs, 1);
    evalRow->addWidget(m_trainedBits);
    evalForm->addRow(QStringLiteral("Evaluate"), evalRow);
    m_meanEdit = new QLineEdit;
    m_meanEdit->setObjectName(QStringLiteral("meanEdit"));
    m_stdEdit = new QLineEdit;
    m_stdEdit->setObjectName(QStringLiteral("stdEdit"));
    for (QLineEdit *edit : {m_meanEdit, m_stdEdit}) {
        edit->setClearButtonEnabled(true);
        edit->setPlaceholderText(QStringLiteral("default"));
        edit->setToolTip(QStringLiteral("Per-channel input normalization, comma-separated (e.g. "
                                        "0.491,0.482,0.447). Empty: the checkpoint's, else the data set's "
                                        "default. Shown next to every accuracy."));
    }
    auto *normRow = new QHBoxLayout;
    normRow->addWidget(new QLabel(QStringLiteral("mean")));
    normRow->addWidget(m_meanEdit, 1);
    normRow->addWidget(new QLabel(QStringLiteral("std")));
    normRow->addWidget(m_stdEdit, 1);
    evalForm->addRow(QStringLiteral("Normalize"), normRow);
    m_layout->addWidget(evalBox);

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
    m_zeroLevel = new QCheckBox(QStringLiteral("&Zero level"));
    m_zeroLevel->setObjectName(QStringLiteral("modelZeroLevelCheck"));
    m_zeroLevel->setChecked(true);
    m_zeroLevel->setToolTip(QStringLiteral(
        "Off: the grid without its zero level (2<sup>b</sup> levels, config zero_level = false; on the "
        "uniform grid, EWGS's own weight grid). Set from the checkpoint when a model is opened."));
    form->addRow(m_zeroLevel);
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
    connect(m_zeroLevel, &QCheckBox::toggled, this, &ModelSidebar::zeroLevelToggled);
    connect(m_dataEdit, &QLineEdit::editingFinished, this, &ModelSidebar::dataEdited);
    connect(m_evaluateAs, &QComboBox::currentIndexChanged, this, [this] {
        updateTrainedAs();
        Q_EMIT evaluationChanged();
    });
    connect(m_trainedBits, &QSpinBox::valueChanged, this, [this] {
        updateTrainedAs();
        Q_EMIT evaluationChanged();
    });
    connect(m_meanEdit, &QLineEdit::editingFinished, this, &ModelSidebar::evaluationChanged);
    connect(m_stdEdit, &QLineEdit::editingFinished, this, &ModelSidebar::evaluationChanged);
    updateBitRange();
    updateTrainedAs();
}

ModelSidebar::~ModelSidebar()
{
    // ~QWidget closes the window after the members are gone; the data field's focus-out
    // (editingFinished) must not reach the pages then.
    m_dataEdit->disconnect(this);
    m_meanEdit->disconnect(this);
    m_stdEdit->disconnect(this);
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
        m_description->setToolTip(richToolTip(QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath())));
    }
    if (m_snapshot) {
        // A new model: as trained, with the bits it stores (else the file name's suggestion, marked as such),
        // and the normalization its config names.
        const TrainedAs &trained = m_snapshot->trainedAs();
        const QSignalBlocker blockEval(m_evaluateAs), blockBits(m_trainedBits), blockZero(m_zeroLevel);
        m_evaluateAs->setCurrentIndex(0);
        // Its weights against the grid they were trained on: without 0 if so (the pages recompute on a
        // new model anyway).
        m_zeroLevel->setChecked(trained.zeroLevel);
        m_trainedBits->setValue(trained.bitsKnown() ? trained.wbits : trained.fileNameBits.value_or(0));
        m_meanEdit->setText(joinValues(trained.mean));
        m_stdEdit->setText(joinValues(trained.std));
    }
    updateTrainedAs();
    m_tree->fill(m_snapshot.get());
}

void ModelSidebar::updateTrainedAs()
{
    const TrainedAs *trained = m_snapshot ? &m_snapshot->trainedAs() : nullptr;
    const bool quantized = trained && trained->quantized();
    const bool fromFile = quantized && trained->bitsKnown();
    m_trainedBits->setVisible(quantized && !fromFile && m_evaluateAs->currentIndex() == 0);
    m_evaluateAs->setEnabled(quantized);
    if (!trained) {
        m_trainedAs->setText(QString());
        return;
    }
    QString text =
        QStringLiteral("As trained: <b>%1</b>").arg(QString::fromStdString(trained->label()).toHtmlEscaped());
    if (quantized && !fromFile) {
        const int bits = m_trainedBits->value();
        if (trained->fileNameBits && bits == *trained->fileNameBits)
            text = QStringLiteral("As trained: <b>%1, bits unknown — %2 from file name?</b>")
                       .arg(QString::fromStdString(quantMethodTitle(trained->method)).toHtmlEscaped())
                       .arg(*trained->fileNameBits);
        else if (bits > 0)
            text = QStringLiteral("As trained: <b>%1 W%2A%2</b> (bits set here)")
                       .arg(QString::fromStdString(quantMethodTitle(trained->method)).toHtmlEscaped())
                       .arg(bits);
    }
    text += QStringLiteral(" <small>(%1)</small>")
                .arg(QString::fromStdString(trained->source +
                                            (trained->evidence.empty() ? "" : ": " + trained->evidence))
                         .toHtmlEscaped());
    if (quantized && m_evaluateAs->currentIndex() == 1)
        text += QStringLiteral("<br><span style='color:#b00020'>Evaluated in full precision, not as "
                               "trained.</span>");
    if (!trained->evaluable())
        text += QStringLiteral("<br>%1").arg(QString::fromStdString(trained->notEvaluable).toHtmlEscaped());
    m_trainedAs->setText(text);
    m_trainedAs->setToolTip(richToolTip(QString::fromStdString(trained->describe())));
}

EvaluationSetting ModelSidebar::evaluationSetting() const
{
    EvaluationSetting s;
    if (!m_snapshot) {
        s.problem = QStringLiteral("no model is open");
        return s;
    }
    const TrainedAs &trained = m_snapshot->trainedAs();
    if (!trained.evaluable()) {
        s.problem = QString::fromStdString(trained.notEvaluable);
        return s;
    }
    const auto mean = parseValues(m_meanEdit->text()), std = parseValues(m_stdEdit->text());
    if (!mean || !std) {
        s.problem = QStringLiteral("mean/std: give numbers separated by commas, e.g. 0.491,0.482,0.447");
        return s;
    }
    if (mean->size() != std->size()) {
        s.problem = QStringLiteral("mean/std: give as many std values as mean values");
        return s;
    }
    s.mean = *mean;
    s.std = *std;
    if (trained.quantized() && m_evaluateAs->currentIndex() == 1) {
        s.quant = "fp";
        s.label =
            QStringLiteral("full precision (trained as %1)").arg(QString::fromStdString(trained.label()));
        return s;
    }
    TrainedAs used = trained;
    if (trained.quantized() && !trained.bitsKnown()) {
        const int bits = m_trainedBits->value();
        if (bits <= 0) {
            s.problem = QStringLiteral("%1: set the bits it was trained with (Evaluation box)")
                            .arg(QString::fromStdString(trained.describe()));
            return s;
        }
        s.wbits = s.abits = used.wbits = used.abits = bits; // quant stays empty: as trained, these bits
    }
    s.label = QStringLiteral("as trained: %1").arg(QString::fromStdString(used.label()));
    return s;
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

bool ModelSidebar::zeroLevel() const
{
    return m_zeroLevel->isChecked();
}

void ModelSidebar::setZeroLevel(bool zeroLevel)
{
    m_zeroLevel->setChecked(zeroLevel);
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
    m_bitsSpin->setToolTip(
        richToolTip(QStringLiteral("Signed weight bits: 1 sign bit + b\u22121 magnitude bits, "
                                   "2<sup>b</sup>\u22121 levels. %1 is defined for %2 to %3 bits.")
                        .arg(schemeLabel(scheme()))
                        .arg(lo)
                        .arg(hi)));
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
