#include "ui/views/deployview.h"

#include "ui/figures/deployfigure.h"
#include "ui/figures/levelsfigure.h" // richToolTip
#include "ui/plotting/figurewidget.h"
#include "ui/views/backgroundjob.h"
#include "ui/views/clipcontrol.h" // makeToolTipsRich
#include "ui/views/deploy/deploytables.h"
#include "ui/views/toollayout.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <memory>

namespace qs::ui {

namespace {

constexpr int kPlanDelayMs = 150; // a spin box held down plans once, when it stops
constexpr int kMaxBits = 8;

struct SchemeChoice
{
    const char *label;
    const char *value; // DeployOptions::scheme
};
constexpr SchemeChoice kSchemes[] = {
    {"As trained", ""}, {"Uniform", "uniform"}, {"PoT", "pot"}, {"APoT", "apot"}};

QSpinBox *bitsSpin(const QString &objectName, const QString &toolTip)
{
    auto *spin = new QSpinBox;
    spin->setObjectName(objectName);
    spin->setRange(0, kMaxBits);
    spin->setSpecialValueText(QStringLiteral("as trained"));
    spin->setSuffix(QStringLiteral(" bit"));
    spin->setValue(0);
    spin->setToolTip(toolTip);
    return spin;
}

} // namespace

DeployView::DeployView(QWidget *parent) : QWidget(parent)
{
    // Left: the model, the grid to deploy with, the export, the plan's notes.
    auto *controls = new QWidget;
    auto *controlsLayout = new QVBoxLayout(controls);

    auto *modelBox = new QGroupBox(QStringLiteral("Model"));
    auto *modelLayout = new QVBoxLayout(modelBox);
    m_modelLabel = new QLabel;
    m_modelLabel->setObjectName(QStringLiteral("deployModelLabel"));
    m_modelLabel->setWordWrap(true);
    m_modelLabel->setTextFormat(Qt::PlainText);
    m_modelLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *open = new QPushButton(QStringLiteral("&Open model\u2026"));
    open->setObjectName(QStringLiteral("deployOpenButton"));
    open->setToolTip(QStringLiteral("Plan another checkpoint on this page (the Model tab keeps its own). A "
                                    "model opened in the Model tab comes here too."));
    connect(open, &QPushButton::clicked, this, &DeployView::openModelDialog);
    m_modelDescription = new QLabel;
    m_modelDescription->setObjectName(QStringLiteral("deployModelDescription"));
    m_modelDescription->setWordWrap(true);
    m_modelDescription->setTextFormat(Qt::PlainText);
    modelLayout->addWidget(m_modelLabel);
    modelLayout->addWidget(open, 0, Qt::AlignLeft);
    modelLayout->addWidget(m_modelDescription);

    auto *gridBox = new QGroupBox(QStringLiteral("Deploy with"));
    auto *form = new QFormLayout(gridBox);
    m_scheme = new QComboBox;
    m_scheme->setObjectName(QStringLiteral("deploySchemeCombo"));
    m_scheme->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_scheme->setMinimumWidth(m_scheme->sizeHint().width());
    m_scheme->installEventFilter(this); // its minimum width follows its font
    for (const auto &choice : kSchemes)
        m_scheme->addItem(QString::fromLatin1(choice.label), QString::fromLatin1(choice.value));
    m_scheme->setToolTip(QStringLiteral(
        "The weight grid of the C model. As trained: the checkpoint's own. Another scheme rounds the trained "
        "weights to the nearest level of that grid with the checkpoint's clips (as eval --quant). PoT and "
        "APoT levels are sums of powers of two: their products are shifts and adds; uniform levels need "
        "integer multiplies."));
    form->addRow(QStringLiteral("&Scheme"), m_scheme);
    m_wbits = bitsSpin(QStringLiteral("deployWeightBitsSpin"),
                       QStringLiteral("Bits per stored weight code of the quantized convolutions (the first "
                                      "conv and the classifier stay 8-bit). As trained: the checkpoint's."));
    form->addRow(QStringLiteral("&Weight bits"), m_wbits);
    m_abits = bitsSpin(QStringLiteral("deployActivationBitsSpin"),
                       QStringLiteral("Bits of the activation codes a quantized convolution reads. As "
                                      "trained: the checkpoint's."));
    form->addRow(QStringLiteral("&Activation bits"), m_abits);
    m_planStatus = new QLabel;
    m_planStatus->setObjectName(QStringLiteral("deployPlanStatus"));
    m_planStatus->setWordWrap(true);
    form->addRow(m_planStatus);

    auto *exportBox = new QGroupBox(QStringLiteral("C for a Cortex-M"));
    auto *exportLayout = new QVBoxLayout(exportBox);
    m_export = new QPushButton(QStringLiteral("&Export C\u2026"));
    m_export->setObjectName(QStringLiteral("deployExportButton"));
    m_export->setToolTip(QStringLiteral(
        "Choose a directory: qs_model.h and qs_model.c (the integer-only model), main_host.c (a test on this "
        "machine), main_cortexm.c, startup_cortexm.c and cortexm.ld (a Cortex-M image), a Makefile and a "
        "README."));
    m_cancelExport = new QPushButton(QStringLiteral("Cancel"));
    m_cancelExport->setObjectName(QStringLiteral("deployCancelExportButton"));
    m_cancelExport->setToolTip(QStringLiteral("Stop waiting for the export: its result is dropped (files it "
                                              "already wrote stay)."));
    auto *exportRow = new QHBoxLayout;
    exportRow->addWidget(m_export);
    exportRow->addWidget(m_cancelExport);
    exportRow->addStretch(1);
    m_exportProgress = new QProgressBar;
    m_exportProgress->setObjectName(QStringLiteral("deployExportProgress"));
    m_exportStatus = new QLabel;
    m_exportStatus->setObjectName(QStringLiteral("deployExportStatus"));
    m_exportStatus->setWordWrap(true);
    m_exportStatus->setTextFormat(Qt::PlainText);
    m_exportStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_exportStatus->hide();
    exportLayout->addLayout(exportRow);
    exportLayout->addWidget(m_exportProgress);
    exportLayout->addWidget(m_exportStatus);

    auto *notesBox = new QGroupBox(QStringLiteral("Notes"));
    auto *notesLayout = new QVBoxLayout(notesBox);
    m_notes = new QLabel;
    m_notes->setObjectName(QStringLiteral("deployNotes"));
    m_notes->setWordWrap(true);
    m_notes->setTextFormat(Qt::PlainText);
    m_notes->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notes->setToolTip(QStringLiteral("Where the C model differs from the app's float evaluation."));
    notesLayout->addWidget(m_notes);

    controlsLayout->addWidget(modelBox);
    controlsLayout->addWidget(gridBox);
    controlsLayout->addWidget(exportBox);
    controlsLayout->addWidget(notesBox);
    controlsLayout->addStretch(1);

    // Right: the per-layer table over the chart and the selected layer's levels.
    m_table = createLayerTable();
    m_figure = new FigureWidget;
    m_figure->setObjectName(QStringLiteral("deployFigure"));

    auto *levelsBox = new QWidget;
    auto *levelsLayout = new QVBoxLayout(levelsBox);
    levelsLayout->setContentsMargins(0, 0, 0, 0);
    m_levelsCaption = new QLabel;
    m_levelsCaption->setObjectName(QStringLiteral("deployLevelsCaption"));
    m_levelsCaption->setWordWrap(true);
    m_levelsCaption->setTextFormat(Qt::RichText);
    m_levels = createLevelsTable();
    levelsLayout->addWidget(m_levelsCaption);
    levelsLayout->addWidget(m_levels, 1);

    m_lowerSplitter = new QSplitter(Qt::Horizontal);
    m_lowerSplitter->setObjectName(QStringLiteral("deployLowerSplitter"));
    m_lowerSplitter->addWidget(m_figure);
    m_lowerSplitter->addWidget(levelsBox);
    m_lowerSplitter->setStretchFactor(0, 1);
    m_lowerSplitter->setSizes({600, 340});
    m_lowerSplitter->setChildrenCollapsible(false);

    m_planSplitter = new QSplitter(Qt::Vertical);
    m_planSplitter->setObjectName(QStringLiteral("deployPlanSplitter"));
    m_planSplitter->addWidget(m_table);
    m_planSplitter->addWidget(m_lowerSplitter);
    m_planSplitter->setStretchFactor(0, 1);
    m_planSplitter->setStretchFactor(1, 1);
    m_planSplitter->setSizes({280, 340});
    m_planSplitter->setChildrenCollapsible(false);

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setObjectName(QStringLiteral("deploySplitter"));
    m_splitter->addWidget(new VerticalScrollArea(controls));
    m_splitter->addWidget(m_planSplitter);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({270, 1000});

    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("deployError"));
    m_error->setWordWrap(true);
    // Ignored: the label takes the width it is given, so a long message wraps, never widens the window; the
    // height is capped and the whole text is in the tooltip (as the Model view's load error).
    m_error->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Maximum);
    m_error->setMaximumHeight(4 * fontMetrics().lineSpacing());
    m_error->setTextFormat(Qt::PlainText);
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_error);
    layout->addWidget(m_splitter, 1);

    // A plan has no steps to report and no button of its own: it follows the model and the settings.
    m_planJob = new BackgroundJob(QStringLiteral("deployPlan"), nullptr, nullptr, nullptr, this);
    m_exportJob =
        new BackgroundJob(QStringLiteral("deployExport"), m_export, m_cancelExport, m_exportProgress, this);
    m_planTimer = new QTimer(this);
    m_planTimer->setSingleShot(true);
    m_planTimer->setInterval(kPlanDelayMs);
    connect(m_planTimer, &QTimer::timeout, this, &DeployView::startPlan);

    connect(m_scheme, &QComboBox::currentIndexChanged, this, &DeployView::requestPlan);
    connect(m_wbits, &QSpinBox::valueChanged, this, &DeployView::requestPlan);
    connect(m_abits, &QSpinBox::valueChanged, this, &DeployView::requestPlan);
    connect(m_export, &QPushButton::clicked, this, &DeployView::exportDialog);
    connect(m_cancelExport, &QPushButton::clicked, this, &DeployView::cancelExport);
    connect(m_table, &QTableWidget::currentCellChanged, this, &DeployView::showLevels);

    makeToolTipsRich(this);
    clearPlan();
    updateControls();
}

DeployView::~DeployView()
{
    // The jobs' threads join before the widgets their results would reach go.
    delete m_planJob;
    m_planJob = nullptr;
    delete m_exportJob;
    m_exportJob = nullptr;
    m_table->disconnect(this);
}

bool DeployView::eventFilter(QObject *watched, QEvent *event)
{
    // QComboBox keeps the minimum size it computed for its first font, so presentation mode's larger type
    // would cut "As trained": its minimum is its size hint, taken again once it has handled the new font.
    if (watched == m_scheme && event->type() == QEvent::FontChange)
        QTimer::singleShot(0, this, [this] { m_scheme->setMinimumWidth(m_scheme->sizeHint().width()); });
    return QWidget::eventFilter(watched, event);
}

void DeployView::setModel(const QString &path)
{
    m_modelPath = path.isEmpty() ? QString() : QFileInfo(path).absoluteFilePath();
    if (!m_modelPath.isEmpty())
        m_modelDir = QFileInfo(m_modelPath).absolutePath();
    updateControls();
    requestPlan();
}

void DeployView::setScheme(const QString &scheme)
{
    const int index = m_scheme->findData(scheme.toLower());
    if (index >= 0)
        m_scheme->setCurrentIndex(index);
}

QString DeployView::scheme() const
{
    return m_scheme->currentData().toString();
}

void DeployView::setWeightBits(int bits)
{
    m_wbits->setValue(bits);
}

void DeployView::setActivationBits(int bits)
{
    m_abits->setValue(bits);
}

DeployOptions DeployView::options() const
{
    DeployOptions o;
    o.weights = m_modelPath.toStdString();
    o.scheme = scheme().toStdString();
    o.wbits = m_wbits->value();
    o.abits = m_abits->value();
    return o;
}

bool DeployView::planPending() const
{
    return m_planTimer->isActive() || m_planJob->running();
}

bool DeployView::exportRunning() const
{
    return m_exportJob->running();
}

bool DeployView::waitUntilIdle(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while ((planPending() || exportRunning()) && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    QCoreApplication::processEvents();
    return !planPending() && !exportRunning();
}

void DeployView::requestPlan()
{
    if (m_restoring)
        return;
    m_planTimer->start(); // restarts: the last change within kPlanDelayMs plans
}

void DeployView::startPlan()
{
    const DeployOptions o = options();
    if (o.weights.empty()) {
        m_planJob->cancel();
        clearPlan();
        hideError();
        updateControls();
        return;
    }
    setPlanStatus(QStringLiteral("Planning\u2026"));
    m_planJob->start(
        [this, o](const BackgroundJob::Progress &) -> BackgroundJob::Finish {
            auto plan = std::make_shared<DeployPlan>(planDeployment(o));
            return [this, plan, o] { showPlan(std::move(*plan), o); };
        },
        [this](const QString &message) {
            clearPlan();
            showError(QStringLiteral("Cannot deploy: %1").arg(message));
            Q_EMIT planFailed(message);
        });
}

void DeployView::showPlan(DeployPlan plan, const DeployOptions &options)
{
    const QString previous = selectedLayer();
    m_plan = std::move(plan);
    m_plannedOptions = options;
    hideError();
    m_modelDescription->setText(QString::fromStdString(m_plan->model));
    m_modelDescription->setVisible(!m_plan->model.empty());
    setPlanStatus(
        QStringLiteral("%1 layers; %2 flash, %3 RAM.")
            .arg(m_plan->layers.size())
            .arg(bytesText(m_plan->weightBytes + m_plan->parameterBytes), bytesText(m_plan->arenaBytes)));
    QStringList notes;
    for (const std::string &note : m_plan->notes)
        notes << QStringLiteral("\u2022 ") + QString::fromStdString(note);
    m_notes->setText(notes.isEmpty() ? QStringLiteral("None: the C computes what the app evaluates.")
                                     : notes.join(QLatin1Char('\n')));
    m_figure->setFigure(makeDeployFigure(*m_plan, QString::fromStdString(options.weights)));
    {
        const QSignalBlocker block(m_table); // one showLevels() once the table is filled
        fillLayerTable(m_table, *m_plan);
    }
    // The same layer as before, else the first whose levels are shifts and adds (what this page is about).
    if (previous.isEmpty() || !selectLayer(previous)) {
        int row = -1;
        for (size_t i = 0; i < m_plan->layers.size() && row < 0; ++i)
            if (m_plan->layers[i].arithmetic == DeployArithmetic::ShiftAdd &&
                !m_plan->layers[i].levels.empty())
                row = int(i);
        for (size_t i = 0; i < m_plan->layers.size() && row < 0; ++i)
            if (!m_plan->layers[i].levels.empty())
                row = int(i);
        m_table->setCurrentCell(std::max(row, 0), 0);
    }
    showLevels();
    updateControls();
    Q_EMIT planned();
}

void DeployView::clearPlan()
{
    m_plan.reset();
    m_plannedOptions = {};
    m_table->setRowCount(0);
    m_levels->setRowCount(0);
    m_levelsCaption->setText(QStringLiteral("The selected layer's weight levels appear here."));
    m_modelDescription->clear();
    m_modelDescription->hide();
    m_notes->setText(QStringLiteral("None yet."));
    setPlanStatus(m_modelPath.isEmpty() ? QString() : QStringLiteral("No plan."));
    m_figure->setFigure(emptyDeployFigure());
}

QString DeployView::selectedLayer() const
{
    const int row = m_table->currentRow();
    if (!m_plan || row < 0 || row >= int(m_plan->layers.size()))
        return {};
    return QString::fromStdString(m_plan->layers[size_t(row)].name);
}

bool DeployView::selectLayer(const QString &name)
{
    if (!m_plan)
        return false;
    for (size_t i = 0; i < m_plan->layers.size(); ++i)
        if (QString::fromStdString(m_plan->layers[i].name) == name) {
            m_table->setCurrentCell(int(i), 0);
            return true;
        }
    return false;
}

void DeployView::showLevels()
{
    const int row = m_table->currentRow();
    if (!m_plan || row < 0 || row >= int(m_plan->layers.size())) {
        m_levels->setRowCount(0);
        m_levelsCaption->setText(QStringLiteral("Select a layer to see its weight levels."));
        return;
    }
    m_levelsCaption->setText(fillLevelsTable(m_levels, m_plan->layers[size_t(row)]));
}

void DeployView::setPlanStatus(const QString &text)
{
    m_planStatus->setText(text);
    m_planStatus->setVisible(!text.isEmpty());
}

void DeployView::showError(const QString &message)
{
    m_error->setText(breakableText(message));
    m_error->setToolTip(message);
    m_error->show();
}

void DeployView::hideError()
{
    m_error->hide();
    m_error->clear();
    m_error->setToolTip(QString());
}

void DeployView::updateControls()
{
    if (m_modelPath.isEmpty()) {
        m_modelLabel->setText(QStringLiteral("No model: open one here or in the Model tab."));
        m_modelLabel->setToolTip(QString());
    } else {
        m_modelLabel->setText(breakableText(QDir::toNativeSeparators(m_modelPath)));
        m_modelLabel->setToolTip(QDir::toNativeSeparators(m_modelPath));
    }
    m_export->setEnabled(!m_modelPath.isEmpty() && !m_exportJob->running());
}

const FigureSpec &DeployView::figure() const
{
    return m_figure->figure();
}

void DeployView::openModelDialog()
{
    const QString start = !m_modelDir.isEmpty() ? m_modelDir : QDir::homePath();
    const QString path = QFileDialog::getOpenFileName(
        this, QStringLiteral("Open model to deploy"), start,
        QStringLiteral("Checkpoints (*.qsckpt *.pt *.pth *.tar *.pth.tar);;All files (*)"));
    if (!path.isEmpty())
        setModel(path);
}

void DeployView::exportDialog()
{
    QString start = m_exportDir;
    if (start.isEmpty())
        start = !m_modelDir.isEmpty() ? m_modelDir : QDir::homePath();
    const QString dir = QFileDialog::getExistingDirectory(this, QStringLiteral("Export C into"), start);
    if (!dir.isEmpty())
        exportTo(dir);
}

void DeployView::exportTo(const QString &directory)
{
    const DeployOptions o = options();
    if (o.weights.empty()) {
        showError(QStringLiteral("Cannot export: no model (open one here or in the Model tab)."));
        return;
    }
    const QString dir = QFileInfo(directory).absoluteFilePath();
    m_exportDir = dir;
    m_exportStatus->setText(breakableText(
        QStringLiteral("Writing the C model into %1\u2026").arg(QDir::toNativeSeparators(dir))));
    m_exportStatus->show();
    m_exportJob->start(
        [this, o, dir](const BackgroundJob::Progress &progress) -> BackgroundJob::Finish {
            const DeployPlan plan = writeDeployment(
                o, dir.toStdString(), [&progress](int done, int total) { progress(done, total); });
            const QString model = QString::fromStdString(plan.model);
            return [this, dir, model] {
                hideError();
                m_exportStatus->setText(breakableText(
                    QStringLiteral("Wrote %1 as C into %2 (make -C there builds the host test).")
                        .arg(model.isEmpty() ? QStringLiteral("the model") : model,
                             QDir::toNativeSeparators(dir))));
                updateControls();
                Q_EMIT exported(dir);
            };
        },
        [this](const QString &message) {
            m_exportStatus->setText(QStringLiteral("Export failed."));
            showError(QStringLiteral("Cannot export: %1").arg(message));
            updateControls();
            Q_EMIT exportFailed(message);
        });
    updateControls();
}

void DeployView::cancelExport()
{
    if (m_exportJob->cancel())
        m_exportStatus->setText(QStringLiteral("Export cancelled (files already written stay)."));
    updateControls();
}

void DeployView::saveSettings(QSettings &settings) const
{
    settings.beginGroup(QStringLiteral("deploy"));
    settings.setValue(QStringLiteral("path"), m_modelPath);
    settings.setValue(QStringLiteral("modelDir"), m_modelDir);
    settings.setValue(QStringLiteral("scheme"), scheme());
    settings.setValue(QStringLiteral("wbits"), m_wbits->value());
    settings.setValue(QStringLiteral("abits"), m_abits->value());
    settings.setValue(QStringLiteral("exportDir"), m_exportDir);
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("planSplitter"), m_planSplitter->saveState());
    settings.setValue(QStringLiteral("lowerSplitter"), m_lowerSplitter->saveState());
    settings.endGroup();
}

void DeployView::restoreSettings(QSettings &settings)
{
    settings.beginGroup(QStringLiteral("deploy"));
    m_restoring = true;
    setScheme(settings.value(QStringLiteral("scheme"), scheme()).toString());
    m_wbits->setValue(settings.value(QStringLiteral("wbits"), m_wbits->value()).toInt()); // clamped
    m_abits->setValue(settings.value(QStringLiteral("abits"), m_abits->value()).toInt());
    m_exportDir = settings.value(QStringLiteral("exportDir")).toString();
    m_modelDir = settings.value(QStringLiteral("modelDir"), m_modelDir).toString();
    m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
    m_planSplitter->restoreState(settings.value(QStringLiteral("planSplitter")).toByteArray());
    m_lowerSplitter->restoreState(settings.value(QStringLiteral("lowerSplitter")).toByteArray());
    const QString last = settings.value(QStringLiteral("path")).toString();
    m_restoring = false;
    settings.endGroup();
    // The model this page planned last time (the Model tab's, restored before, or one opened here).
    if (!last.isEmpty() && QFileInfo(last).isFile())
        setModel(last);
    else
        requestPlan();
}

} // namespace qs::ui
