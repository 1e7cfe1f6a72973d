#include "ui/views/train/trainform.h"

#include "ui/views/modelview.h"
#include "ui/views/train/advancedkeyseditor.h"
#include "ui/views/train/datasourcebox.h"
#include "ui/views/train/optimizationbox.h"
#include "ui/views/train/quantizationbox.h"
#include "ui/views/train/rundirectorybox.h"
#include "ui/views/train/trainformrules.h"

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QSettings>
#include <QVBoxLayout>

#include <algorithm>

namespace qs::ui {

namespace {

void selectData(QComboBox *combo, const QVariant &value)
{
    const int i = combo->findData(value);
    if (i >= 0)
        combo->setCurrentIndex(i);
}

} // namespace

TrainForm::TrainForm(QWidget *parent) : QWidget(parent)
{
    buildUi();
    // Every edit revalidates; the user's edits also turn the preset into "(custom)".
    const auto userEdit = [this] {
        if (!m_filling)
            showCustomPreset();
        onFormEdited();
    };
    for (QComboBox *combo : {m_depth, m_shortcut})
        connect(combo, &QComboBox::currentIndexChanged, this, userEdit);
    connect(m_data, &DataSourceBox::edited, this, userEdit);
    connect(m_data, &DataSourceBox::kindChosen, this, &TrainForm::onDatasetKindChosen);
    connect(m_quant, &QuantizationBox::edited, this, userEdit);
    connect(m_optimization, &OptimizationBox::edited, this, userEdit);
    connect(m_advanced, &AdvancedKeysEditor::edited, this, userEdit);
    connect(m_runDir, &RunDirectoryBox::edited, this, [this] {
        refreshDefaultRunDirectory(); // cleared: follow the form again
        Q_EMIT edited();
    });
    connect(m_preset, &QComboBox::activated, this, [this](int index) {
        const QString name = m_preset->itemData(index).toString();
        if (!name.isEmpty())
            applyPreset(name);
    });
}

void TrainForm::buildUi()
{
    auto *formLayout = new QVBoxLayout(this);
    formLayout->setContentsMargins(0, 0, 0, 0);

    auto *recipeBox = new QGroupBox(QStringLiteral("Recipe"));
    auto *recipe = new QFormLayout(recipeBox);
    m_preset = new QComboBox;
    m_preset->setObjectName(QStringLiteral("presetCombo"));
    m_preset->addItem(QStringLiteral("(custom)"), QString());
    for (const auto &name : presetNames())
        m_preset->addItem(QString::fromStdString(name), QString::fromStdString(name));
    m_preset->setToolTip(
        QStringLiteral("The compiled-in recipes (resources/presets/*.ini): choosing one fills the form. "
                       "<tt>quick-synthetic</tt> runs in seconds on generated data."));
    recipe->addRow(QStringLiteral("&Preset"), m_preset);
    formLayout->addWidget(recipeBox);

    auto *modelBox = new QGroupBox(QStringLiteral("Model"));
    auto *model = new QFormLayout(modelBox);
    m_depth = new QComboBox;
    m_depth->setObjectName(QStringLiteral("depthCombo"));
    for (int d : {20, 32, 44, 56})
        m_depth->addItem(QStringLiteral("ResNet-%1").arg(d), d);
    m_depth->setToolTip(QStringLiteral("CIFAR ResNet depth 6n + 2: three stages of n basic blocks."));
    m_shortcut = new QComboBox;
    m_shortcut->setObjectName(QStringLiteral("shortcutCombo"));
    m_shortcut->addItem(QStringLiteral("A: zero-pad"), QStringLiteral("A"));
    m_shortcut->addItem(QStringLiteral("B: 1\u00d71 conv + BN"), QStringLiteral("B"));
    m_shortcut->setToolTip(QStringLiteral(
        "How a block that halves the resolution matches channels: A pads with zeros (no parameters, the "
        "APoT reference), B projects with a 1\u00d71 convolution and batch norm."));
    model->addRow(QStringLiteral("&Depth"), m_depth);
    model->addRow(QStringLiteral("S&hortcut"), m_shortcut);
    formLayout->addWidget(modelBox);

    m_data = new DataSourceBox;
    formLayout->addWidget(m_data);

    m_quant = new QuantizationBox;
    formLayout->addWidget(m_quant);
    m_optimization = new OptimizationBox;
    formLayout->addWidget(m_optimization);

    m_advanced = new AdvancedKeysEditor;
    m_advanced->setProperty("advanced", true); // hidden in presentation mode
    formLayout->addWidget(m_advanced);
    m_runDir = new RunDirectoryBox;
    formLayout->addWidget(m_runDir);
    formLayout->addStretch(1);
}

std::optional<TrainConfig> TrainForm::config(QString *why) const
{
    const auto fail = [why](const QString &line) {
        if (why)
            *why = line;
        return std::optional<TrainConfig>();
    };
    const std::string advanced = m_advanced->text().toStdString();
    if (const QString taken = trainform::formKeyInAdvanced(advanced); !taken.isEmpty())
        return fail(taken);
    TrainConfig c;
    try {
        c = parseTrainConfig(advanced);
    } catch (const std::exception &e) {
        return fail(QStringLiteral("Advanced: ") + QString::fromStdString(e.what()));
    }
    c.depth = m_depth->currentData().toInt();
    c.shortcut = m_shortcut->currentData().toString().toStdString();
    m_quant->read(c);
    c.dataset = m_data->spec().toStdString();
    m_optimization->read(c);
    if (auto bad = checkMethodBits(c.method, c.wbits, c.abits))
        return fail(QString::fromStdString(*bad));
    if (auto bad = checkTrainConfig(c))
        return fail(QString::fromStdString(*bad));
    return c;
}

void TrainForm::setConfig(const TrainConfig &config)
{
    m_filling = true;
    selectData(m_depth, config.depth);
    selectData(m_shortcut, QString::fromStdString(config.shortcut));
    m_quant->write(config);
    m_data->setSpec(QString::fromStdString(config.dataset));
    m_optimization->write(config);
    m_advanced->setText(QString::fromStdString(trainform::advancedText(config)));
    m_filling = false;
    onFormEdited();
}

bool TrainForm::applyPreset(const QString &name)
{
    const auto text = presetText(name.toStdString());
    if (!text)
        return false;
    TrainConfig c;
    try {
        c = parseTrainConfig(*text);
    } catch (const std::exception &e) {
        Q_EMIT message(QStringLiteral("preset %1: %2").arg(name, QString::fromStdString(e.what())));
        return false;
    }
    // Quantizing the shipped Fashion-MNIST model beats quantizing from scratch.
    if (c.init.empty() && trainform::methodQuantizes(c.method) && c.dataset.rfind("fashion-mnist", 0) == 0)
        c.init = ModelView::defaultModelPath().toStdString();
    setConfig(c);
    const QSignalBlocker block(m_preset);
    m_preset->setCurrentIndex(std::max(0, m_preset->findData(name)));
    return true;
}

void TrainForm::showCustomPreset()
{
    const QSignalBlocker block(m_preset);
    m_preset->setCurrentIndex(0);
}

void TrainForm::onFormEdited()
{
    if (m_filling)
        return;
    m_quant->showMethod();
    refreshDefaultRunDirectory();
    Q_EMIT edited();
}

void TrainForm::onDatasetKindChosen(const QString &kind)
{
    // The shipped Fashion-MNIST model is the warm start where it fits.
    const QString shipped = ModelView::defaultModelPath();
    if (kind == QStringLiteral("fashion-mnist") && m_optimization->init().isEmpty())
        m_optimization->setInit(shipped);
    else if (kind != QStringLiteral("fashion-mnist") && !shipped.isEmpty() &&
             m_optimization->init() == shipped)
        m_optimization->setInit(QString());
}

QString TrainForm::runDirectory() const
{
    return m_runDir->directory();
}

void TrainForm::setRunDirectory(const QString &dir)
{
    m_runDir->setDirectory(dir); // edited(): follows the form again when empty, and revalidates
}

void TrainForm::refreshDefaultRunDirectory()
{
    TrainConfig c;
    m_quant->read(c);
    m_runDir->followForm(c);
}

QString TrainForm::validate(const QString &runInProgress)
{
    QString why;
    const auto c = config(&why);
    // The Advanced editor's own errors also show under it.
    m_advanced->setError(why.startsWith(QStringLiteral("Advanced")) ? why : QString());
    if (!c)
        return why;
    why = m_data->problem();
    if (why.isEmpty() && !c->init.empty() && !QFileInfo(QString::fromStdString(c->init)).isFile())
        why = QStringLiteral("init: %1 does not exist").arg(QString::fromStdString(c->init));
    const QString dir = runDirectory();
    if (why.isEmpty() && dir.isEmpty())
        why = QStringLiteral("choose a run directory");
    if (why.isEmpty() && trainform::holdsRun(dir) && dir != runInProgress)
        why = QStringLiteral("%1 already holds a run: \u201cResume run\u2026\u201d it, or choose another "
                             "directory")
                  .arg(QDir::toNativeSeparators(dir));
    return why;
}

void TrainForm::saveSettings(QSettings &settings) const
{
    settings.setValue(QStringLiteral("preset"), m_preset->currentData().toString());
    settings.setValue(QStringLiteral("depth"), m_depth->currentData());
    settings.setValue(QStringLiteral("shortcut"), m_shortcut->currentData());
    settings.setValue(QStringLiteral("dataset"), m_data->spec());
    m_quant->saveSettings(settings);
    m_optimization->saveSettings(settings);
    settings.setValue(QStringLiteral("advanced"), m_advanced->text());
    settings.setValue(QStringLiteral("advancedShown"), m_advanced->isExpanded());
    settings.setValue(QStringLiteral("runDir"), m_runDir->isChosen() ? runDirectory() : QString());
}

bool TrainForm::restoreSettings(QSettings &settings)
{
    if (!settings.contains(QStringLiteral("method")))
        return false;
    m_filling = true;
    selectData(m_depth, settings.value(QStringLiteral("depth")).toInt());
    selectData(m_shortcut, settings.value(QStringLiteral("shortcut")).toString());
    m_quant->restoreSettings(settings);
    m_data->setSpec(settings.value(QStringLiteral("dataset"), m_data->spec()).toString());
    m_optimization->restoreSettings(settings);
    m_advanced->setText(settings.value(QStringLiteral("advanced")).toString());
    m_advanced->setExpanded(settings.value(QStringLiteral("advancedShown"), false).toBool());
    {
        const QSignalBlocker block(m_preset);
        m_preset->setCurrentIndex(
            std::max(0, m_preset->findData(settings.value(QStringLiteral("preset")).toString())));
    }
    const QString runDir = settings.value(QStringLiteral("runDir")).toString();
    m_filling = false;
    m_runDir->setDirectory(runDir); // empty: follow the form
    onFormEdited();
    return true;
}

} // namespace qs::ui
