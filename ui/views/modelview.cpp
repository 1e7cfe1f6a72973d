#include "ui/views/modelview.h"

#include "ui/figures/palette.h"
#include "ui/plotting/figurewidget.h"
#include "ui/views/backgroundjob.h"
#include "ui/views/clipcontrol.h"

#include <QApplication>
#include <QChart>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMouseEvent>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QThread>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace qs::ui {

namespace {

constexpr int kSweepFrom = 2, kSweepTo = 6;
constexpr int kDefaultCaptureImages = 256;
constexpr int kDefaultAccuracyImages = 2000; // seconds to a minute on 2 cores for the 15 evaluations

enum Column
{
    ColName,
    ColShape,
    ColParams,
    ColAlpha,
    ColSqnr,
    ColCount
};

QString oneLine(QString text)
{
    const auto nl = text.indexOf(QLatin1Char('\n'));
    if (nl >= 0)
        text.truncate(nl);
    return text;
}

FigureSpec placeholder(const QString &id, const QString &note)
{
    FigureSpec f;
    f.id = id;
    f.note = note;
    return f;
}

} // namespace

ModelView::ModelView(QWidget *parent) : QWidget(parent)
{
    buildUi();

    m_analysisThread = new QThread;
    m_analysisThread->setObjectName(QStringLiteral("modelAnalysis"));
    m_analysisWorker = new QObject;
    m_analysisWorker->moveToThread(m_analysisThread);
    connect(m_analysisThread, &QThread::finished, m_analysisWorker, &QObject::deleteLater);
    m_analysisThread->start();

    // Each job has its own thread, so none waits behind another's queue.
    m_sweepJob = std::make_unique<BackgroundJob>(QStringLiteral("modelSweep"), m_sweepButton, m_cancelButton,
                                                 m_progress);
    m_captureJob = std::make_unique<BackgroundJob>(QStringLiteral("modelCapture"), m_captureButton,
                                                   m_captureCancel, m_captureProgress);
    m_accuracyJob = std::make_unique<BackgroundJob>(QStringLiteral("modelAccuracy"), m_accuracyButton,
                                                    m_accuracyCancel, m_accuracyProgress);
}

ModelView::~ModelView()
{
    // ~QWidget closes the window after the members are gone; the data field's focus-out
    // (editingFinished) must not reach this view then.
    m_dataEdit->disconnect(this);
    m_generation->fetch_add(1); // stale: any running analysis stops at its next check
    m_sweepJob.reset();         // each cancels its job and waits for its thread
    m_captureJob.reset();
    m_accuracyJob.reset();
    m_analysisThread->quit();
    m_analysisThread->wait();
    delete m_analysisThread;
}

QSlider *ModelView::alphaSlider() const
{
    return m_weightClip->slider();
}

QDoubleSpinBox *ModelView::alphaSpin() const
{
    return m_weightClip->spin();
}

QSlider *ModelView::activationAlphaSlider() const
{
    return m_actClip->slider();
}

QDoubleSpinBox *ModelView::activationAlphaSpin() const
{
    return m_actClip->spin();
}

bool ModelView::sweepRunning() const
{
    return m_sweepJob->running();
}

bool ModelView::captureRunning() const
{
    return m_captureJob->running();
}

bool ModelView::accuracyRunning() const
{
    return m_accuracyJob->running();
}

void ModelView::buildUi()
{
    // Empty state.
    m_emptyLabel = new QLabel(QStringLiteral(
        "<h3>No model loaded</h3><p><b>File \u25b8 Open model\u2026</b> (Ctrl+O) reads a QuantScope "
        "checkpoint "
        "(<tt>.qsckpt</tt>) or a PyTorch state_dict (<tt>.pt</tt>, <tt>.pth</tt>, <tt>.pth.tar</tt>).</p>"
        "<p>No model yet? <tt>quantscope-cli train --preset fashion-mnist-fp --out runs/fmnist-fp</tt> "
        "trains "
        "one in minutes; open <tt>runs/fmnist-fp/best.qsckpt</tt>. A file at "
        "<tt>resources/models/default.qsckpt</tt> opens by itself.</p>"));
    m_emptyLabel->setObjectName(QStringLiteral("modelEmptyLabel"));
    m_emptyLabel->setWordWrap(true);
    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *emptyPage = new QWidget;
    auto *emptyLayout = new QVBoxLayout(emptyPage);
    auto *openButton = new QPushButton(QStringLiteral("Open model\u2026"));
    openButton->setObjectName(QStringLiteral("emptyOpenButton"));
    connect(openButton, &QPushButton::clicked, this, &ModelView::openModelDialog);
    emptyLayout->addStretch(1);
    emptyLayout->addWidget(m_emptyLabel);
    emptyLayout->addWidget(openButton, 0, Qt::AlignHCenter);
    emptyLayout->addStretch(2);

    // Controls.
    auto *controls = new QWidget;
    auto *controlsLayout = new QVBoxLayout(controls);
    controlsLayout->setContentsMargins(0, 0, 0, 0);

    m_description = new QLabel;
    m_description->setObjectName(QStringLiteral("modelDescription"));
    m_description->setWordWrap(true);
    m_description->setTextInteractionFlags(Qt::TextSelectableByMouse);
    controlsLayout->addWidget(m_description);

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
    controlsLayout->addLayout(dataRow);

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
        "On: each layer's clip minimizes its MSE (grid search + golden section). Off: the checkpoint's "
        "learned wgt_alpha where present, else 3.0. The bit sweep uses the same rule."));
    form->addRow(QStringLiteral("&Scheme"), m_scheme);
    form->addRow(QStringLiteral("&Bits"), m_bitsSpin);
    form->addRow(QStringLiteral("O&verlay"), m_overlay);
    form->addRow(m_searchAll);
    controlsLayout->addWidget(gridBox);

    m_tree = new QTreeWidget;
    m_tree->setObjectName(QStringLiteral("layerTree"));
    m_tree->setColumnCount(ColCount);
    m_tree->setHeaderLabels({QStringLiteral("Layer"), QStringLiteral("Shape"), QStringLiteral("Params"),
                             QStringLiteral("\u03b1"), QStringLiteral("SQNR dB")});
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(ColName, QHeaderView::Stretch);
    for (int c = ColShape; c < ColCount; ++c)
        m_tree->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_tree->headerItem()->setToolTip(ColAlpha, weightFormulas::alpha());
    m_tree->headerItem()->setToolTip(ColSqnr, weightFormulas::sqnr());
    controlsLayout->addWidget(m_tree, 1);

    auto *layerBox = new QGroupBox(QStringLiteral("Selected layer"));
    auto *layerLayout = new QVBoxLayout(layerBox);
    ClipControlSetup weightClip;
    weightClip.sliderName = QStringLiteral("alphaSlider");
    weightClip.spinName = QStringLiteral("modelAlphaSpin");
    weightClip.searchName = QStringLiteral("searchAlphaButton");
    weightClip.resetName = QStringLiteral("resetAlphaButton");
    weightClip.alphaToolTip = weightFormulas::alpha();
    weightClip.searchToolTip =
        QStringLiteral("Set this layer's clip to the one minimizing its MSE. ") + weightFormulas::mse();
    weightClip.resetToolTip =
        QStringLiteral("Back to the model-wide rule (checkpoint \u03b1, 3.0 or MSE-optimal).");
    m_weightClip = new ClipControl(weightClip, this);
    auto *alphaRow = new QHBoxLayout;
    alphaRow->addWidget(new QLabel(QStringLiteral("Clip \u03b1")));
    alphaRow->addWidget(m_weightClip->slider(), 1);
    alphaRow->addWidget(m_weightClip->spin());
    layerLayout->addLayout(alphaRow);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_weightClip->searchButton());
    buttons->addWidget(m_weightClip->resetButton());
    layerLayout->addLayout(buttons);
    m_errorLabel = new QLabel;
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_errorLabel->setToolTip(weightFormulas::mse() + QStringLiteral("<br>") + weightFormulas::sqnr());
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layerLayout->addWidget(m_errorLabel);
    auto *histRow = new QHBoxLayout;
    m_bins = new QSpinBox;
    m_bins->setObjectName(QStringLiteral("binsSpin"));
    m_bins->setRange(10, 400);
    m_bins->setValue(120);
    m_bins->setSuffix(QStringLiteral(" bins"));
    m_bins->setToolTip(
        QStringLiteral("Histogram bins over \u00b1max|w\u0303| (bins do not move with \u03b1). "
                       "The occupancy chart is exact whatever the binning."));
    m_logScale = new QCheckBox(QStringLiteral("Log counts"));
    m_logScale->setObjectName(QStringLiteral("logScaleCheck"));
    m_logScale->setToolTip(QStringLiteral("Histogram height log\u2081\u2080(1 + count): shows the tails."));
    histRow->addWidget(m_bins);
    histRow->addWidget(m_logScale);
    histRow->addStretch(1);
    layerLayout->addLayout(histRow);
    controlsLayout->addWidget(layerBox);

    // Figures.
    m_layerFigure = new FigureWidget;
    m_layerFigure->setObjectName(QStringLiteral("layerFigure"));
    m_layerFigure->setToolTip(weightFormulas::normalization() + QStringLiteral("<br>") +
                              weightFormulas::occupancy());
    m_sqnrFigure = new FigureWidget;
    m_sqnrFigure->setObjectName(QStringLiteral("sqnrFigure"));
    m_sqnrFigure->setToolTip(weightFormulas::sqnr());
    m_sweepFigure = new FigureWidget;
    m_sweepFigure->setObjectName(QStringLiteral("sweepFigure"));
    m_sweepFigure->setToolTip(
        QStringLiteral("Mean over layers of each layer's SQNR, per scheme and bit width. ") +
        weightFormulas::sqnr());

    auto *sweepPage = new QWidget;
    auto *sweepLayout = new QVBoxLayout(sweepPage);
    sweepLayout->setContentsMargins(0, 0, 0, 0);
    auto *sweepBar = new QHBoxLayout;
    m_sweepButton = new QPushButton(QStringLiteral("Run sweep"));
    m_sweepButton->setObjectName(QStringLiteral("sweepButton"));
    m_sweepButton->setToolTip(QStringLiteral("Every layer at 2\u20136 bits, uniform, PoT and APoT, in the "
                                             "background."));
    m_cancelButton = new QPushButton(QStringLiteral("Cancel"));
    m_cancelButton->setObjectName(QStringLiteral("cancelSweepButton"));
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("sweepProgress"));
    sweepBar->addWidget(m_sweepButton);
    sweepBar->addWidget(m_cancelButton);
    sweepBar->addWidget(m_progress, 1);
    sweepLayout->addLayout(sweepBar);
    auto *accuracyBar = new QHBoxLayout;
    m_accuracyButton = new QPushButton(QStringLiteral("Accuracy"));
    m_accuracyButton->setObjectName(QStringLiteral("accuracyButton"));
    m_accuracyButton->setToolTip(activationFormulas::ptq() +
                                 QStringLiteral(" Every scheme at 2\u20136 bits, in the background."));
    m_accuracyCancel = new QPushButton(QStringLiteral("Cancel"));
    m_accuracyCancel->setObjectName(QStringLiteral("cancelAccuracyButton"));
    m_accuracyImages = new QSpinBox;
    m_accuracyImages->setObjectName(QStringLiteral("accuracyImagesSpin"));
    m_accuracyImages->setRange(0, 100000);
    m_accuracyImages->setSingleStep(500);
    m_accuracyImages->setValue(kDefaultAccuracyImages);
    m_accuracyImages->setSpecialValueText(QStringLiteral("all test images"));
    m_accuracyImages->setSuffix(QStringLiteral(" test images"));
    m_accuracyImages->setToolTip(QStringLiteral(
        "Top-1 over the first N test images for each of the 15 (scheme, bits) points and the unquantized "
        "baseline; 0 = the whole test split (slower)."));
    m_accuracyProgress = new QProgressBar;
    m_accuracyProgress->setObjectName(QStringLiteral("accuracyProgress"));
    accuracyBar->addWidget(m_accuracyButton);
    accuracyBar->addWidget(m_accuracyCancel);
    accuracyBar->addWidget(m_accuracyImages);
    accuracyBar->addWidget(m_accuracyProgress, 1);
    sweepLayout->addLayout(accuracyBar);
    sweepLayout->addWidget(m_sweepFigure, 1);

    // Activations page.
    auto *actPage = new QWidget;
    auto *actLayout = new QVBoxLayout(actPage);
    actLayout->setContentsMargins(0, 0, 0, 0);
    auto *captureBar = new QHBoxLayout;
    m_captureButton = new QPushButton(QStringLiteral("Run batch"));
    m_captureButton->setObjectName(QStringLiteral("captureButton"));
    m_captureButton->setToolTip(activationFormulas::capture());
    m_captureCancel = new QPushButton(QStringLiteral("Cancel"));
    m_captureCancel->setObjectName(QStringLiteral("cancelCaptureButton"));
    m_captureImages = new QSpinBox;
    m_captureImages->setObjectName(QStringLiteral("captureImagesSpin"));
    m_captureImages->setRange(1, 10000);
    m_captureImages->setSingleStep(64);
    m_captureImages->setValue(kDefaultCaptureImages);
    m_captureImages->setSuffix(QStringLiteral(" images"));
    m_captureImages->setToolTip(QStringLiteral("The first N images of the test split."));
    m_captureProgress = new QProgressBar;
    m_captureProgress->setObjectName(QStringLiteral("captureProgress"));
    captureBar->addWidget(m_captureButton);
    captureBar->addWidget(m_captureCancel);
    captureBar->addWidget(m_captureImages);
    captureBar->addWidget(m_captureProgress, 1);
    actLayout->addLayout(captureBar);
    auto *actControls = new QHBoxLayout;
    m_actBitsSpin = new QSpinBox;
    m_actBitsSpin->setObjectName(QStringLiteral("activationBitsSpin"));
    m_actBitsSpin->setSuffix(QStringLiteral(" bit"));
    m_actBitsSpin->setRange(2, 6);
    m_actBitsSpin->setValue(4);
    ClipControlSetup actClip;
    actClip.sliderName = QStringLiteral("activationAlphaSlider");
    actClip.spinName = QStringLiteral("activationAlphaSpin");
    actClip.searchName = QStringLiteral("searchActivationAlphaButton");
    actClip.resetName = QStringLiteral("resetActivationAlphaButton");
    actClip.alphaToolTip = activationFormulas::alpha();
    actClip.searchToolTip = QStringLiteral("Set this layer's activation clip to the one minimizing its MSE "
                                           "over the recorded values. ") +
                            activationFormulas::mse();
    actClip.resetToolTip = QStringLiteral("Back to the checkpoint's act_alpha, else 8.0.");
    actClip.spinMax = 1000.0;
    actClip.spinStep = 0.1;
    actClip.sliderMax = 10.0;
    m_actClip = new ClipControl(actClip, this);
    m_actLogScale = new QCheckBox(QStringLiteral("Log counts"));
    m_actLogScale->setObjectName(QStringLiteral("activationLogCheck"));
    m_actLogScale->setChecked(true);
    m_actLogScale->setToolTip(QStringLiteral(
        "Histogram height log\u2081\u2080(1 + count): post-ReLU inputs pile up at 0, log shows the tail."));
    actControls->addWidget(new QLabel(QStringLiteral("Activation bits")));
    actControls->addWidget(m_actBitsSpin);
    actControls->addSpacing(8);
    actControls->addWidget(new QLabel(QStringLiteral("Clip \u03b1")));
    actControls->addWidget(m_actClip->slider(), 1);
    actControls->addWidget(m_actClip->spin());
    actControls->addWidget(m_actClip->searchButton());
    actControls->addWidget(m_actClip->resetButton());
    actControls->addWidget(m_actLogScale);
    actLayout->addLayout(actControls);
    m_actErrorLabel = new QLabel;
    m_actErrorLabel->setObjectName(QStringLiteral("activationErrorLabel"));
    m_actErrorLabel->setToolTip(activationFormulas::mse() + QStringLiteral("<br>") +
                                activationFormulas::sqnr());
    m_actErrorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    actLayout->addWidget(m_actErrorLabel);
    m_actFigure = new FigureWidget;
    m_actFigure->setObjectName(QStringLiteral("activationFigure"));
    m_actFigure->setToolTip(activationFormulas::quantizer());
    actLayout->addWidget(m_actFigure, 1);

    m_pages = new QTabWidget;
    m_pages->setObjectName(QStringLiteral("modelPages"));
    m_pages->addTab(m_layerFigure, QStringLiteral("Layer weights"));
    m_pages->addTab(m_sqnrFigure, QStringLiteral("Per-layer SQNR"));
    m_pages->addTab(sweepPage, QStringLiteral("Bit sweep"));
    m_pages->addTab(actPage, QStringLiteral("Activations"));

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setObjectName(QStringLiteral("modelSplitter"));
    m_splitter->addWidget(controls);
    m_splitter->addWidget(m_pages);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({430, 900});

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(emptyPage);
    m_stack->addWidget(m_splitter);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_stack);

    m_layerFigure->setFigure(placeholder(QStringLiteral("histogram"), QStringLiteral("Select a layer.")));
    m_sqnrFigure->setFigure(placeholder(QStringLiteral("layer-error"), QStringLiteral("Analysing\u2026")));
    m_sweepFigure->setFigure(placeholder(QStringLiteral("bit-sweep"), QStringLiteral("Run the sweep.")));
    m_actFigure->setFigure(placeholder(QStringLiteral("activations"), QString()));

    connect(m_scheme, &QComboBox::currentIndexChanged, this, [this] {
        updateBitRange();
        updateActivationBitRange();
        onGridChanged();
        m_actOverrides.clear();
        recomputeActivation();
    });
    connect(m_bitsSpin, &QSpinBox::valueChanged, this, &ModelView::onGridChanged);
    connect(m_searchAll, &QCheckBox::toggled, this, [this] {
        onGridChanged();
        if (!m_restoring && m_snapshot)
            startSweep(); // the sweep follows the clip rule
    });
    connect(m_overlay, &QComboBox::currentIndexChanged, this, &ModelView::rebuildLayerFigure);
    connect(m_bins, &QSpinBox::valueChanged, this, &ModelView::rebuildLayerFigure);
    connect(m_logScale, &QCheckBox::toggled, this, &ModelView::rebuildLayerFigure);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this] {
        if (m_restoring)
            return;
        recomputeSelected();
        rebuildSqnrFigure();
        recomputeActivation();
    });
    m_recomputeTimer = connectClip(m_weightClip, m_weightOverrides, m_selected, &ModelView::recomputeSelected,
                                   &ModelView::searchAlpha);
    connect(m_sweepButton, &QPushButton::clicked, this, &ModelView::startSweep);
    connect(m_cancelButton, &QPushButton::clicked, this, &ModelView::cancelSweep);
    connect(m_accuracyButton, &QPushButton::clicked, this, &ModelView::startAccuracySweep);
    connect(m_accuracyCancel, &QPushButton::clicked, this, &ModelView::cancelAccuracySweep);

    connect(m_dataEdit, &QLineEdit::editingFinished, this, [this] {
        m_captureError.clear(); // a new data set may work: the page says what to do next
        if (!m_capture)
            rebuildActivationFigure();
    });
    connect(m_captureButton, &QPushButton::clicked, this, &ModelView::startCapture);
    connect(m_captureCancel, &QPushButton::clicked, this, &ModelView::cancelCapture);
    connect(m_pages, &QTabWidget::currentChanged, this, [this] {
        if (!m_restoring && page() == Page::Activations)
            maybeStartCapture();
    });
    connect(m_actBitsSpin, &QSpinBox::valueChanged, this, [this] {
        m_actOverrides.clear();
        recomputeActivation();
    });
    connect(m_actLogScale, &QCheckBox::toggled, this, &ModelView::rebuildActivationFigure);
    m_actRecomputeTimer = connectClip(m_actClip, m_actOverrides, m_actSelected,
                                      &ModelView::recomputeActivation, &ModelView::searchActivationAlpha);
    updateBitRange();
    updateActivationBitRange();
}

QTimer *ModelView::connectClip(ClipControl *clip, ClipOverrides &overrides,
                               const std::optional<LayerWeightAnalysis> &selected,
                               void (ModelView::*recompute)(), void (ModelView::*search)())
{
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    timer->setInterval(10); // coalesce a burst of slider moves into one re-analysis
    connect(timer, &QTimer::timeout, this, recompute);
    connect(clip, &ClipControl::alphaEdited, this, [&overrides, &selected, timer](double alpha) {
        if (!selected)
            return;
        overrides[selected->name] = {alpha, false};
        timer->start();
    });
    connect(clip, &ClipControl::searchRequested, this, search);
    connect(clip, &ClipControl::resetRequested, this, [this, &overrides, &selected, recompute] {
        if (!selected)
            return;
        overrides.erase(selected->name);
        (this->*recompute)();
    });
    return timer;
}

QString ModelView::defaultModelPath()
{
    QStringList candidates;
#ifdef QUANTSCOPE_SOURCE_DIR
    candidates << QStringLiteral(QUANTSCOPE_SOURCE_DIR "/resources/models/default.qsckpt");
#endif
    if (QCoreApplication::instance()) {
        const QDir exe(QCoreApplication::applicationDirPath());
        candidates << exe.filePath(QStringLiteral("resources/models/default.qsckpt"))
                   << exe.filePath(QStringLiteral("../share/quantscope/models/default.qsckpt"));
    }
    for (const QString &c : candidates)
        if (QFileInfo(c).isFile())
            return QFileInfo(c).absoluteFilePath();
    return {};
}

bool ModelView::openModel(const QString &path)
{
    std::shared_ptr<const ModelSnapshot> loaded;
    try {
        QApplication::setOverrideCursor(Qt::WaitCursor);
        loaded = std::make_shared<const ModelSnapshot>(ModelSnapshot::load(path.toStdString()));
        QApplication::restoreOverrideCursor();
    } catch (const std::exception &e) {
        QApplication::restoreOverrideCursor();
        Q_EMIT loadFailed(oneLine(QString::fromStdString(e.what())));
        return false;
    }
    cancelSweep();
    cancelCapture();
    cancelAccuracySweep();
    // A data set typed for another model does not carry over to a checkpoint that names its own.
    if (m_snapshot && m_snapshot->path() != loaded->path() && !loaded->dataSpec().empty())
        m_dataEdit->clear();
    m_snapshot = std::move(loaded);
    m_capture.reset();
    m_captureError.clear();
    m_actSelected.reset();
    m_actSelectedFor.clear();
    m_actOverrides.clear();
    m_accuracy.reset();
    m_captureJob->resetProgress();
    m_accuracyJob->resetProgress();
    updateDataPlaceholder();
    m_lastDir = QFileInfo(path).absolutePath();
    m_weightOverrides.clear();
    m_selected.reset();
    m_selectedNormalized.clear();
    m_selectedNormalizedFor.clear();
    m_modelResults.clear();
    m_sweep.clear();
    m_description->setText(QStringLiteral("<b>%1</b><br>%2<br>%3 weights")
                               .arg(QFileInfo(path).fileName().toHtmlEscaped(),
                                    QString::fromStdString(m_snapshot->description()).toHtmlEscaped())
                               .arg(m_snapshot->parameterCount()));
    m_description->setToolTip(QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath()));
    m_stack->setCurrentIndex(1);
    fillTree();
    requestModelAnalysis();
    rebuildSweepFigure();
    startSweep();
    recomputeActivation();
    if (page() == Page::Activations && !m_restoring)
        maybeStartCapture();
    Q_EMIT modelLoaded(path);
    return true;
}

QString ModelView::modelPath() const
{
    return m_snapshot ? QString::fromStdString(m_snapshot->path()) : QString();
}

void ModelView::openModelDialog()
{
    const QString start = !m_lastDir.isEmpty() ? m_lastDir : QDir::homePath();
    const QString path = QFileDialog::getOpenFileName(
        this, QStringLiteral("Open model"), start,
        QStringLiteral("Checkpoints (*.qsckpt *.pt *.pth *.tar *.pth.tar);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    auto connection = connect(this, &ModelView::loadFailed, this, [&error](const QString &m) { error = m; });
    const bool ok = openModel(path);
    disconnect(connection);
    if (!ok)
        QMessageBox::warning(this, QStringLiteral("Cannot open model"), error);
}

void ModelView::fillTree()
{
    const QSignalBlocker block(m_tree);
    m_tree->clear();
    if (!m_snapshot)
        return;
    for (const auto &layer : m_snapshot->layers()) {
        auto *item = new QTreeWidgetItem(m_tree);
        item->setText(ColName, shortLayerName(layer.name));
        item->setData(ColName, Qt::UserRole, QString::fromStdString(layer.name));
        item->setToolTip(ColName, QString::fromStdString(layer.name));
        item->setText(ColShape, shapeText(layer.shape));
        item->setText(ColParams, QString::number(layer.numel));
        item->setText(ColAlpha, layer.checkpointAlpha ? QString::number(*layer.checkpointAlpha, 'f', 3)
                                                      : QStringLiteral("\u2013"));
        for (int c = ColParams; c < ColCount; ++c)
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
    }
    // Start on the first quantized layer (the first conv stays full precision in the reference).
    const int start = m_tree->topLevelItemCount() > 2 ? 1 : 0;
    m_tree->setCurrentItem(m_tree->topLevelItem(start));
    recomputeSelected();
}

void ModelView::updateTreeRow(int row)
{
    QTreeWidgetItem *item = m_tree->topLevelItem(row);
    if (!item)
        return;
    const LayerWeightAnalysis *a = nullptr;
    if (m_selected && row == selectedRow())
        a = &*m_selected;
    else if (!m_modelResults.isEmpty() && size_t(row) < m_modelResults.front().layers.size())
        a = &m_modelResults.front().layers[size_t(row)];
    if (!a) {
        item->setText(ColSqnr, QStringLiteral("\u2026"));
        return;
    }
    item->setText(ColAlpha, QString::number(a->alpha, 'f', 3));
    item->setToolTip(ColAlpha, QStringLiteral("clip source: %1").arg(QString::fromStdString(a->alphaSource)));
    item->setText(ColSqnr, QString::number(a->sqnrDb, 'f', 2));
    item->setToolTip(ColSqnr, QStringLiteral("MSE %1").arg(a->mse, 0, 'g', 4));
}

int ModelView::selectedRow() const
{
    QTreeWidgetItem *item = m_tree->currentItem();
    return item ? m_tree->indexOfTopLevelItem(item) : -1;
}

QString ModelView::selectedLayer() const
{
    QTreeWidgetItem *item = m_tree->currentItem();
    return item ? item->data(ColName, Qt::UserRole).toString() : QString();
}

bool ModelView::selectLayer(const QString &name)
{
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        if (m_tree->topLevelItem(i)->data(ColName, Qt::UserRole).toString() == name) {
            m_tree->setCurrentItem(m_tree->topLevelItem(i));
            return true;
        }
    return false;
}

LevelSpec ModelView::spec() const
{
    return {scheme(), bits(), true};
}

Scheme ModelView::scheme() const
{
    return Scheme(m_scheme->currentData().toInt());
}

void ModelView::setScheme(Scheme s)
{
    m_scheme->setCurrentIndex(m_scheme->findData(int(s)));
}

int ModelView::bits() const
{
    return m_bitsSpin->value();
}

void ModelView::setBits(int b)
{
    m_bitsSpin->setValue(b);
}

void ModelView::updateBitRange()
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

void ModelView::onGridChanged()
{
    if (m_restoring)
        return;
    m_weightOverrides.clear();
    recomputeSelected();
    requestModelAnalysis();
}

void ModelView::requestModelAnalysis()
{
    if (!m_snapshot)
        return;
    const int generation = m_generation->fetch_add(1) + 1;
    m_analysisPending = true;
    for (int row = 0; row < m_tree->topLevelItemCount(); ++row)
        if (row != selectedRow())
            m_tree->topLevelItem(row)->setText(ColSqnr, QStringLiteral("\u2026"));
    const auto snapshot = m_snapshot;
    const int b = bits();
    const Scheme primary = scheme();
    const bool search = m_searchAll->isChecked();
    const auto latest = m_generation;
    QMetaObject::invokeMethod(m_analysisWorker, [this, snapshot, b, primary, search, generation, latest] {
        QList<SchemeLayers> results;
        QList<Scheme> order{primary};
        for (Scheme s : {Scheme::Uniform, Scheme::PoT, Scheme::APoT})
            if (s != primary)
                order << s;
        for (Scheme s : order) {
            if (latest->load() != generation) // a newer request is queued: skip this one
                return;
            if (checkLevelSpec({s, b, true}))
                continue;
            try {
                results << SchemeLayers{s, analyzeSnapshot(*snapshot, s, b, std::nullopt, search)};
            } catch (const std::exception &) {
                continue; // e.g. a constant layer; that scheme is left out of the chart
            }
        }
        QMetaObject::invokeMethod(
            this, [this, generation, results] { applyModelAnalysis(generation, results); },
            Qt::QueuedConnection);
    });
}

void ModelView::applyModelAnalysis(int generation, const QList<SchemeLayers> &results)
{
    if (generation != m_generation->load())
        return;
    m_analysisPending = false;
    m_modelResults = results;
    // A layer whose clip the user moved shows its own analysis in the tree and chart.
    if (!m_modelResults.isEmpty() && m_modelResults.front().scheme == scheme() && m_snapshot) {
        auto &layers = m_modelResults.front().layers;
        for (auto &a : layers) {
            auto it = m_weightOverrides.find(a.name);
            if (it == m_weightOverrides.end())
                continue;
            if (m_selected && m_selected->name == a.name) {
                a = *m_selected;
                continue;
            }
            const auto *layer = m_snapshot->layer(a.name);
            a = analyzeWeightValues(a.name, m_snapshot->weights(a.name), layer->shape, spec(),
                                    it->second.alpha, false);
        }
    }
    for (int row = 0; row < m_tree->topLevelItemCount(); ++row)
        updateTreeRow(row);
    rebuildSqnrFigure();
}

void ModelView::recomputeSelected()
{
    m_recomputeTimer->stop();
    const QString name = selectedLayer();
    if (!m_snapshot || name.isEmpty()) {
        m_selected.reset();
        rebuildLayerFigure();
        return;
    }
    const std::string key = name.toStdString();
    const SnapshotLayer *layer = m_snapshot->layer(key);
    if (!layer)
        return;
    const auto &values = m_snapshot->weights(key);
    std::optional<double> alpha = layer->checkpointAlpha;
    bool search = m_searchAll->isChecked();
    const auto override = m_weightOverrides.find(key);
    if (override != m_weightOverrides.end()) {
        alpha = override->second.alpha;
        search = false;
    }
    try {
        auto a = analyzeWeightValues(key, values, layer->shape, spec(), alpha, search);
        if (override != m_weightOverrides.end())
            a.alphaSource = override->second.source();
        else if (!search && layer->checkpointAlpha)
            a.alphaSource = "checkpoint";
        m_selected = std::move(a);
    } catch (const std::exception &e) {
        m_selected.reset();
        m_errorLabel->setText(QString::fromStdString(e.what()).toHtmlEscaped());
        m_layerFigure->setError(oneLine(QString::fromStdString(e.what())));
        return;
    }
    if (m_selectedNormalizedFor != key) {
        m_selectedNormalized = normalizeWeights(values, m_selected->mean, m_selected->std);
        m_selectedNormalizedFor = key;
        float maxAbs = 0;
        for (float v : m_selectedNormalized)
            maxAbs = std::max(maxAbs, std::abs(v));
        m_weightClip->fitSliderTo(double(maxAbs),
                                  QStringLiteral("max|w\u0303| = %1").arg(double(maxAbs), 0, 'f', 2));
    }
    m_weightClip->setAlpha(m_selected->alpha);
    m_errorLabel->setText(QStringLiteral("MSE <b>%1</b> \u00b7 SQNR <b>%2 dB</b> \u00b7 clip: %3")
                              .arg(m_selected->mse, 0, 'g', 4)
                              .arg(m_selected->sqnrDb, 0, 'f', 2)
                              .arg(QString::fromStdString(m_selected->alphaSource)));
    // Keep the whole-model view consistent with the selected layer's clip.
    const int row = selectedRow();
    if (!m_modelResults.isEmpty() && m_modelResults.front().scheme == scheme() && row >= 0 &&
        size_t(row) < m_modelResults.front().layers.size() &&
        m_modelResults.front().layers[size_t(row)].name == key && m_weightOverrides.count(key)) {
        m_modelResults.front().layers[size_t(row)] = *m_selected;
        rebuildSqnrFigure();
    }
    updateTreeRow(row);
    rebuildLayerFigure();
}

void ModelView::searchAlpha()
{
    if (!m_selected || !m_snapshot)
        return;
    const std::string key = m_selected->name;
    const SnapshotLayer *layer = m_snapshot->layer(key);
    QApplication::setOverrideCursor(Qt::WaitCursor);
    try {
        const auto a =
            analyzeWeightValues(key, m_snapshot->weights(key), layer->shape, spec(), std::nullopt, true);
        m_weightOverrides[key] = {a.alpha, true};
    } catch (const std::exception &) {
    }
    QApplication::restoreOverrideCursor();
    recomputeSelected();
}

void ModelView::rebuildLayerFigure()
{
    if (m_restoring)
        return;
    if (!m_selected) {
        m_layerFigure->setFigure(placeholder(QStringLiteral("histogram"), QStringLiteral("Select a layer.")));
        return;
    }
    LayerFigureOptions o;
    o.scheme = scheme();
    o.bits = bits();
    o.bins = m_bins->value();
    o.logScale = m_logScale->isChecked();
    if (m_overlay->currentData().toInt() >= 0)
        o.overlay = Scheme(m_overlay->currentData().toInt());
    try {
        m_layerFigure->setFigure(makeLayerFigure(*m_selected, m_selectedNormalized, o));
        attachClipDrag();
    } catch (const std::exception &e) {
        m_layerFigure->setError(oneLine(QString::fromStdString(e.what())));
    }
}

void ModelView::attachClipDrag()
{
    QChart *chart = m_layerFigure->chart(QStringLiteral("histogram"));
    if (!chart || !chart->scene())
        return;
    for (QGraphicsView *view : chart->scene()->views()) {
        view->viewport()->installEventFilter(this); // installing twice keeps one filter
        view->viewport()->setMouseTracking(true);
    }
}

bool ModelView::eventFilter(QObject *watched, QEvent *event)
{
    const auto type = event->type();
    if (!m_selected ||
        (type != QEvent::MouseButtonPress && type != QEvent::MouseMove && type != QEvent::MouseButtonRelease))
        return QWidget::eventFilter(watched, event);
    QChart *chart = m_layerFigure->chart(QStringLiteral("histogram"));
    auto *viewport = qobject_cast<QWidget *>(watched);
    auto *view = viewport ? qobject_cast<QGraphicsView *>(viewport->parentWidget()) : nullptr;
    if (!chart || !view)
        return QWidget::eventFilter(watched, event);
    const auto *mouse = static_cast<QMouseEvent *>(event);
    const QPointF scenePos = view->mapToScene(mouse->position().toPoint());
    const double x = chart->mapToValue(chart->mapFromScene(scenePos)).x();
    // Within 6 pixels of either clip line counts as grabbing it.
    const double pixelsPerUnit =
        chart->mapToPosition(QPointF(1.0, 0.0)).x() - chart->mapToPosition(QPointF(0.0, 0.0)).x();
    const bool nearClip = std::abs(std::abs(x) - m_selected->alpha) * pixelsPerUnit <= 6.0;
    if (type == QEvent::MouseButtonPress && mouse->button() == Qt::LeftButton && nearClip) {
        m_draggingClip = true;
        return true;
    }
    if (type == QEvent::MouseMove) {
        if (m_draggingClip) {
            m_weightClip->spin()->setValue(
                std::abs(x)); // the spinbox clamps to its range and drives the analysis
            return true;
        }
        viewport->setCursor(nearClip ? Qt::SizeHorCursor : Qt::ArrowCursor);
    }
    if (type == QEvent::MouseButtonRelease && m_draggingClip) {
        m_draggingClip = false;
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void ModelView::rebuildSqnrFigure()
{
    if (m_modelResults.isEmpty()) {
        m_sqnrFigure->setFigure(placeholder(QStringLiteral("layer-error"),
                                            m_snapshot ? QStringLiteral("Analysing\u2026") : QString()));
        return;
    }
    m_sqnrFigure->setFigure(makeLayerErrorFigure(m_modelResults, bits(), selectedRow()));
}

void ModelView::rebuildSweepFigure()
{
    if (m_sweep.empty() && !m_accuracy) {
        m_sweepFigure->setFigure(placeholder(QStringLiteral("bit-sweep"),
                                             m_sweepJob->running() ? QStringLiteral("Sweeping\u2026")
                                                                   : QStringLiteral("Run the sweep.")));
        return;
    }
    m_sweepFigure->setFigure(makeBitSweepFigure(m_sweep, m_sweepSearched, m_accuracy ? &*m_accuracy : nullptr,
                                                m_accuracySearched));
}

void ModelView::startSweep()
{
    if (!m_snapshot)
        return;
    const auto snapshot = m_snapshot;
    const bool search = m_searchAll->isChecked();
    m_sweepJob->start(
        [this, snapshot, search](const BackgroundJob::Progress &progress) -> BackgroundJob::Finish {
            auto points = bitSweep(*snapshot, {Scheme::Uniform, Scheme::PoT, Scheme::APoT}, kSweepFrom,
                                   kSweepTo, search, progress);
            return [this, points = std::move(points), search] {
                m_sweep = points;
                m_sweepSearched = search;
                rebuildSweepFigure();
            };
        },
        [this](const QString &error) { m_sweepFigure->setError(error); });
    if (m_sweep.empty())
        rebuildSweepFigure();
}

void ModelView::cancelSweep()
{
    m_sweepJob->cancel();
}

// ---------------------------------------------------------------------------------------------------------
// Data set jobs: activation capture and post-training accuracy.

void ModelView::setDataSpec(const QString &spec)
{
    m_dataEdit->setText(spec);
}

QString ModelView::dataSpec() const
{
    return m_dataEdit->text().trimmed();
}

void ModelView::updateDataPlaceholder()
{
    const std::string own = m_snapshot ? m_snapshot->dataSpec() : std::string();
    m_dataEdit->setPlaceholderText(
        own.empty() ? QStringLiteral("needed for a PyTorch file, e.g. cifar10:DIR")
                    : QStringLiteral("the checkpoint's: %1").arg(QString::fromStdString(own)));
}

void ModelView::setCaptureImages(int images)
{
    m_captureImages->setValue(images);
}

void ModelView::setAccuracyImages(int images)
{
    m_accuracyImages->setValue(images);
}

void ModelView::setActivationBits(int bits)
{
    m_actBitsSpin->setValue(bits);
}

int ModelView::activationBits() const
{
    return m_actBitsSpin->value();
}

void ModelView::updateActivationBitRange()
{
    const auto [lo, hi] = supportedBits(scheme(), false);
    const QSignalBlocker block(m_actBitsSpin);
    m_actBitsSpin->setRange(std::max(2, lo), std::min(hi, 8));
    m_actBitsSpin->setToolTip(
        QStringLiteral("Unsigned activation bits: 2<sup>b</sup> levels on [0, &alpha;]. "
                       "%1 is defined for %2 to %3 bits.")
            .arg(schemeLabel(scheme()))
            .arg(lo)
            .arg(hi) +
        QStringLiteral("<br>") + schemeToolTip(scheme()));
}

void ModelView::maybeStartCapture()
{
    if (!m_snapshot || m_capture || m_captureJob->running() || !m_captureError.isEmpty())
        return;
    if (dataSpec().isEmpty() && m_snapshot->dataSpec().empty())
        return; // a PyTorch file: wait for a data set and the button
    startCapture();
}

void ModelView::startCapture()
{
    if (!m_snapshot)
        return;
    cancelCapture(); // redraws the page when a capture was running
    m_captureError.clear();
    ActivationRequest request;
    request.weights = m_snapshot->path();
    request.data = dataSpec().toStdString();
    request.images = m_captureImages->value();
    m_captureJob->start(
        [this, request](const BackgroundJob::Progress &progress) -> BackgroundJob::Finish {
            auto capture = std::make_shared<const ActivationCapture>(captureActivations(request, progress));
            if (!capture->complete)
                return {};
            return [this, capture] {
                m_captureProgress->setFormat(QStringLiteral("%1 images of %2")
                                                 .arg(capture->images)
                                                 .arg(QString::fromStdString(capture->dataSpec)));
                m_capture = capture;
                m_actOverrides.clear();
                m_actSelectedFor.clear();
                recomputeActivation();
            };
        },
        [this](const QString &error) {
            m_captureError = error;
            m_actErrorLabel->setText(error.toHtmlEscaped());
            m_actFigure->setError(error);
        });
    if (!m_capture)
        rebuildActivationFigure();
}

void ModelView::cancelCapture()
{
    if (m_captureJob->cancel())
        rebuildActivationFigure();
}

void ModelView::recomputeActivation()
{
    m_actRecomputeTimer->stop();
    const std::string key = selectedLayer().toStdString();
    const LayerActivations *layer = m_capture && !key.empty() ? m_capture->layer(key) : nullptr;
    if (!layer || layer->values.empty()) {
        m_actSelected.reset();
        rebuildActivationFigure();
        return;
    }
    std::optional<double> alpha = layer->checkpointAlpha;
    const auto override = m_actOverrides.find(key);
    if (override != m_actOverrides.end())
        alpha = override->second.alpha;
    try {
        auto a =
            analyzeActivationValues(key, layer->values, {scheme(), activationBits(), false}, alpha, false);
        if (override != m_actOverrides.end())
            a.alphaSource = override->second.source();
        else if (layer->checkpointAlpha)
            a.alphaSource = "checkpoint";
        m_actSelected = std::move(a);
    } catch (const std::exception &e) {
        m_actSelected.reset();
        m_actErrorLabel->setText(QString::fromStdString(e.what()).toHtmlEscaped());
        m_actFigure->setError(oneLine(QString::fromStdString(e.what())));
        return;
    }
    if (m_actSelectedFor != key) {
        m_actSelectedFor = key;
        m_actClip->fitSliderTo(std::max(layer->maxValue, m_actSelected->alpha),
                               QStringLiteral("max x = %1").arg(layer->maxValue, 0, 'f', 2));
    }
    m_actClip->setAlpha(m_actSelected->alpha);
    m_actErrorLabel->setText(QStringLiteral("MSE <b>%1</b> \u00b7 SQNR <b>%2 dB</b> \u00b7 clip: %3 \u00b7 "
                                            "%4 of %5 values at 0")
                                 .arg(m_actSelected->mse, 0, 'g', 4)
                                 .arg(m_actSelected->sqnrDb, 0, 'f', 2)
                                 .arg(QString::fromStdString(m_actSelected->alphaSource))
                                 .arg(m_actSelected->counts.empty() ? 0 : m_actSelected->counts.front())
                                 .arg(m_actSelected->numel));
    rebuildActivationFigure();
}

void ModelView::searchActivationAlpha()
{
    if (!m_actSelected || !m_capture)
        return;
    const std::string key = m_actSelected->name;
    const LayerActivations *layer = m_capture->layer(key);
    if (!layer)
        return;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    try {
        const auto a = analyzeActivationValues(key, layer->values, {scheme(), activationBits(), false},
                                               std::nullopt, true);
        m_actOverrides[key] = {a.alpha, true};
    } catch (const std::exception &) {
    }
    QApplication::restoreOverrideCursor();
    recomputeActivation();
}

void ModelView::rebuildActivationFigure()
{
    if (m_restoring)
        return;
    const QString layerName = shortLayerName(selectedLayer().toStdString());
    auto note = [&]() -> QString {
        if (!m_snapshot)
            return {};
        if (m_captureJob->running())
            return QStringLiteral("Running %1 images through the model\u2026").arg(m_captureImages->value());
        if (!m_captureError.isEmpty())
            return m_captureError;
        if (!m_capture) {
            const std::string own = m_snapshot->dataSpec();
            if (dataSpec().isEmpty() && own.empty())
                return QStringLiteral(
                    "This file names no data set: type one (e.g. cifar10:DIR) above the grid, "
                    "then Run batch.");
            return QStringLiteral("Run batch: the first %1 test images of %2.")
                .arg(m_captureImages->value())
                .arg(dataSpec().isEmpty() ? QString::fromStdString(own) : dataSpec());
        }
        if (layerName.isEmpty())
            return QStringLiteral("Select a layer.");
        return QStringLiteral("%1 has no quantized input: the first conv takes the image and the last linear "
                              "stays in full precision. Select a conv inside a block.")
            .arg(layerName);
    };
    if (!m_actSelected || !m_capture) {
        if (!m_actSelected)
            m_actErrorLabel->clear();
        m_actFigure->setFigure(placeholder(QStringLiteral("activations"), note()));
        return;
    }
    const LayerActivations *layer = m_capture->layer(m_actSelected->name);
    if (!layer)
        return;
    ActivationFigureOptions o;
    o.scheme = scheme();
    o.bits = activationBits();
    o.bins = m_bins->value();
    o.logScale = m_actLogScale->isChecked();
    try {
        m_actFigure->setFigure(makeActivationFigure(*m_actSelected, *layer, o));
    } catch (const std::exception &e) {
        m_actFigure->setError(oneLine(QString::fromStdString(e.what())));
    }
}

void ModelView::startAccuracySweep()
{
    if (!m_snapshot)
        return;
    PtqRequest request;
    request.weights = m_snapshot->path();
    request.data = dataSpec().toStdString();
    request.fromBits = kSweepFrom;
    request.toBits = kSweepTo;
    request.testImages = m_accuracyImages->value();
    request.alphaSearch = m_searchAll->isChecked();
    m_accuracyJob->start(
        [this, request](const BackgroundJob::Progress &progress) -> BackgroundJob::Finish {
            auto result = ptqAccuracySweep(request, progress);
            if (!result.complete)
                return {};
            return [this, result = std::move(result), search = request.alphaSearch] {
                m_accuracyProgress->setFormat(QStringLiteral("unquantized %1% on %2 images")
                                                  .arg(result.fpTop1, 0, 'f', 2)
                                                  .arg(result.images));
                m_accuracyProgress->setToolTip(QString());
                m_accuracy = result;
                m_accuracySearched = search;
                rebuildSweepFigure();
            };
        },
        [this](const QString &error) {
            m_accuracyProgress->setToolTip(error);
            m_sweepFigure->setError(error);
        });
}

void ModelView::cancelAccuracySweep()
{
    m_accuracyJob->cancel();
}

bool ModelView::waitUntilIdle(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    auto jobsRunning = [this] {
        return m_analysisPending || m_sweepJob->running() || m_captureJob->running() ||
               m_accuracyJob->running();
    };
    while ((jobsRunning() || m_recomputeTimer->isActive() || m_actRecomputeTimer->isActive()) &&
           timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    QCoreApplication::processEvents();
    return !jobsRunning();
}

const FigureSpec &ModelView::figure() const
{
    switch (m_pages->currentIndex()) {
    case int(Page::LayerSqnr):
        return m_sqnrFigure->figure();
    case int(Page::BitSweep):
        return m_sweepFigure->figure();
    case int(Page::Activations):
        return m_actFigure->figure();
    default:
        return m_layerFigure->figure();
    }
}

void ModelView::showPage(Page page)
{
    m_pages->setCurrentIndex(int(page));
}

ModelView::Page ModelView::page() const
{
    return Page(m_pages->currentIndex());
}

void ModelView::saveSettings(QSettings &settings) const
{
    settings.beginGroup(QStringLiteral("model"));
    settings.setValue(QStringLiteral("path"), modelPath());
    settings.setValue(QStringLiteral("dir"), m_lastDir);
    settings.setValue(QStringLiteral("scheme"), QString::fromStdString(schemeName(scheme())));
    settings.setValue(QStringLiteral("bits"), bits());
    settings.setValue(QStringLiteral("overlay"), m_overlay->currentIndex());
    settings.setValue(QStringLiteral("searchAll"), m_searchAll->isChecked());
    settings.setValue(QStringLiteral("bins"), m_bins->value());
    settings.setValue(QStringLiteral("log"), m_logScale->isChecked());
    settings.setValue(QStringLiteral("page"), m_pages->currentIndex());
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("data"), m_dataEdit->text());
    settings.setValue(QStringLiteral("captureImages"), m_captureImages->value());
    settings.setValue(QStringLiteral("activationBits"), m_actBitsSpin->value());
    settings.setValue(QStringLiteral("activationLog"), m_actLogScale->isChecked());
    settings.setValue(QStringLiteral("accuracyImages"), m_accuracyImages->value());
    settings.endGroup();
}

void ModelView::restoreSettings(QSettings &settings)
{
    settings.beginGroup(QStringLiteral("model"));
    m_restoring = true;
    if (auto s = parseScheme(settings.value(QStringLiteral("scheme")).toString().toStdString()))
        m_scheme->setCurrentIndex(m_scheme->findData(int(*s)));
    updateBitRange();
    m_bitsSpin->setValue(settings.value(QStringLiteral("bits"), m_bitsSpin->value()).toInt());
    m_overlay->setCurrentIndex(
        std::clamp(settings.value(QStringLiteral("overlay"), 0).toInt(), 0, m_overlay->count() - 1));
    m_searchAll->setChecked(settings.value(QStringLiteral("searchAll"), false).toBool());
    m_bins->setValue(settings.value(QStringLiteral("bins"), m_bins->value()).toInt());
    m_logScale->setChecked(settings.value(QStringLiteral("log"), false).toBool());
    m_pages->setCurrentIndex(settings.value(QStringLiteral("page"), 0).toInt());
    m_dataEdit->setText(settings.value(QStringLiteral("data")).toString());
    m_captureImages->setValue(settings.value(QStringLiteral("captureImages"), kDefaultCaptureImages).toInt());
    updateActivationBitRange();
    m_actBitsSpin->setValue(settings.value(QStringLiteral("activationBits"), m_actBitsSpin->value()).toInt());
    m_actLogScale->setChecked(settings.value(QStringLiteral("activationLog"), true).toBool());
    m_accuracyImages->setValue(
        settings.value(QStringLiteral("accuracyImages"), kDefaultAccuracyImages).toInt());
    m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
    m_lastDir = settings.value(QStringLiteral("dir")).toString();
    const QString last = settings.value(QStringLiteral("path")).toString();
    m_restoring = false;
    settings.endGroup();
    if (!last.isEmpty() && QFileInfo(last).isFile() && openModel(last))
        return;
    if (m_snapshot) {
        onGridChanged();
        return;
    }
    const QString fallback = defaultModelPath();
    if (!fallback.isEmpty())
        openModel(fallback);
}

} // namespace qs::ui
