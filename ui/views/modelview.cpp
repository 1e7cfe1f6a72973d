#include "ui/views/modelview.h"

#include "ui/figures/palette.h"
#include "ui/plotting/figurewidget.h"

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
#include <QMessageBox>
#include <QMouseEvent>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
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

constexpr int kSliderSteps = 1000;
constexpr double kMinAlpha = 0.01;
constexpr int kSweepFrom = 2, kSweepTo = 6;

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

    m_sweepThread = new QThread;
    m_sweepThread->setObjectName(QStringLiteral("modelSweep"));
    m_sweepWorker = new QObject;
    m_sweepWorker->moveToThread(m_sweepThread);
    connect(m_sweepThread, &QThread::finished, m_sweepWorker, &QObject::deleteLater);
    m_sweepThread->start();

    m_recomputeTimer = new QTimer(this);
    m_recomputeTimer->setSingleShot(true);
    m_recomputeTimer->setInterval(10); // coalesce a burst of slider moves into one re-analysis
    connect(m_recomputeTimer, &QTimer::timeout, this, &ModelView::recomputeSelected);
}

ModelView::~ModelView()
{
    m_generation->fetch_add(1); // stale: any running analysis stops at its next check
    if (m_sweepCancel)
        m_sweepCancel->store(true);
    for (QThread *thread : {m_analysisThread, m_sweepThread}) {
        thread->quit();
        thread->wait();
        delete thread;
    }
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
    auto *alphaRow = new QHBoxLayout;
    m_alphaSlider = new QSlider(Qt::Horizontal);
    m_alphaSlider->setObjectName(QStringLiteral("alphaSlider"));
    m_alphaSlider->setRange(1, kSliderSteps);
    m_alphaSlider->setToolTip(weightFormulas::alpha());
    m_alphaSpin = new QDoubleSpinBox;
    m_alphaSpin->setObjectName(QStringLiteral("modelAlphaSpin"));
    m_alphaSpin->setRange(kMinAlpha, 100.0);
    m_alphaSpin->setDecimals(3);
    m_alphaSpin->setSingleStep(0.05);
    m_alphaSpin->setToolTip(weightFormulas::alpha());
    alphaRow->addWidget(new QLabel(QStringLiteral("Clip \u03b1")));
    alphaRow->addWidget(m_alphaSlider, 1);
    alphaRow->addWidget(m_alphaSpin);
    layerLayout->addLayout(alphaRow);
    auto *buttons = new QHBoxLayout;
    m_searchButton = new QPushButton(QStringLiteral("MSE-optimal \u03b1"));
    m_searchButton->setObjectName(QStringLiteral("searchAlphaButton"));
    m_searchButton->setToolTip(QStringLiteral("Set this layer's clip to the one minimizing its MSE. ") +
                               weightFormulas::mse());
    m_resetAlpha = new QPushButton(QStringLiteral("Reset \u03b1"));
    m_resetAlpha->setObjectName(QStringLiteral("resetAlphaButton"));
    m_resetAlpha->setToolTip(
        QStringLiteral("Back to the model-wide rule (checkpoint \u03b1, 3.0 or MSE-optimal)."));
    buttons->addWidget(m_searchButton);
    buttons->addWidget(m_resetAlpha);
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
    m_cancelButton->setEnabled(false);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("sweepProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    sweepBar->addWidget(m_sweepButton);
    sweepBar->addWidget(m_cancelButton);
    sweepBar->addWidget(m_progress, 1);
    sweepLayout->addLayout(sweepBar);
    sweepLayout->addWidget(m_sweepFigure, 1);

    m_pages = new QTabWidget;
    m_pages->setObjectName(QStringLiteral("modelPages"));
    m_pages->addTab(m_layerFigure, QStringLiteral("Layer weights"));
    m_pages->addTab(m_sqnrFigure, QStringLiteral("Per-layer SQNR"));
    m_pages->addTab(sweepPage, QStringLiteral("Bit sweep"));

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

    connect(m_scheme, &QComboBox::currentIndexChanged, this, [this] {
        updateBitRange();
        onGridChanged();
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
    });
    connect(m_alphaSlider, &QSlider::valueChanged, this, [this](int v) {
        double alpha = std::max(kMinAlpha, m_sliderMax * v / kSliderSteps);
        {
            const QSignalBlocker block(m_alphaSpin);
            m_alphaSpin->setValue(alpha);
            alpha = m_alphaSpin->value(); // the value shown (rounded to the box's decimals) is the one used
        }
        if (!m_selected)
            return;
        m_alphaOverride[m_selected->name] = alpha;
        m_overrideSearched[m_selected->name] = false;
        m_recomputeTimer->start();
    });
    connect(m_alphaSpin, &QDoubleSpinBox::valueChanged, this, [this](double alpha) {
        {
            const QSignalBlocker block(m_alphaSlider);
            m_alphaSlider->setValue(
                std::clamp(int(std::lround(alpha / m_sliderMax * kSliderSteps)), 1, kSliderSteps));
        }
        if (!m_selected)
            return;
        m_alphaOverride[m_selected->name] = alpha;
        m_overrideSearched[m_selected->name] = false;
        m_recomputeTimer->start();
    });
    connect(m_searchButton, &QPushButton::clicked, this, &ModelView::searchAlpha);
    connect(m_resetAlpha, &QPushButton::clicked, this, [this] {
        if (!m_selected)
            return;
        m_alphaOverride.erase(m_selected->name);
        recomputeSelected();
    });
    connect(m_sweepButton, &QPushButton::clicked, this, &ModelView::startSweep);
    connect(m_cancelButton, &QPushButton::clicked, this, &ModelView::cancelSweep);
    updateBitRange();
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
    m_snapshot = std::move(loaded);
    m_lastDir = QFileInfo(path).absolutePath();
    m_alphaOverride.clear();
    m_overrideSearched.clear();
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
    m_alphaOverride.clear();
    m_overrideSearched.clear();
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
            auto it = m_alphaOverride.find(a.name);
            if (it == m_alphaOverride.end())
                continue;
            if (m_selected && m_selected->name == a.name) {
                a = *m_selected;
                continue;
            }
            const auto *layer = m_snapshot->layer(a.name);
            a = analyzeWeightValues(a.name, m_snapshot->weights(a.name), layer->shape, spec(), it->second,
                                    false);
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
    if (auto it = m_alphaOverride.find(key); it != m_alphaOverride.end()) {
        alpha = it->second;
        search = false;
    }
    try {
        auto a = analyzeWeightValues(key, values, layer->shape, spec(), alpha, search);
        if (m_alphaOverride.count(key))
            a.alphaSource = m_overrideSearched[key] ? "mse-search" : "manual";
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
        m_sliderMax = std::max(1.0, std::ceil(double(maxAbs) * 1.1 * 10.0) / 10.0);
        m_alphaSpin->setToolTip(weightFormulas::alpha() +
                                QStringLiteral("<br>Slider range 0\u2013%1 (max|w\u0303| = %2).")
                                    .arg(m_sliderMax)
                                    .arg(double(maxAbs), 0, 'f', 2));
    }
    setAlphaControls(m_selected->alpha);
    m_errorLabel->setText(QStringLiteral("MSE <b>%1</b> \u00b7 SQNR <b>%2 dB</b> \u00b7 clip: %3")
                              .arg(m_selected->mse, 0, 'g', 4)
                              .arg(m_selected->sqnrDb, 0, 'f', 2)
                              .arg(QString::fromStdString(m_selected->alphaSource)));
    // Keep the whole-model view consistent with the selected layer's clip.
    const int row = selectedRow();
    if (!m_modelResults.isEmpty() && m_modelResults.front().scheme == scheme() && row >= 0 &&
        size_t(row) < m_modelResults.front().layers.size() &&
        m_modelResults.front().layers[size_t(row)].name == key && m_alphaOverride.count(key)) {
        m_modelResults.front().layers[size_t(row)] = *m_selected;
        rebuildSqnrFigure();
    }
    updateTreeRow(row);
    rebuildLayerFigure();
}

void ModelView::setAlphaControls(double alpha)
{
    const QSignalBlocker a(m_alphaSlider), b(m_alphaSpin);
    m_alphaSpin->setValue(alpha);
    m_alphaSlider->setValue(
        std::clamp(int(std::lround(alpha / m_sliderMax * kSliderSteps)), 1, kSliderSteps));
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
        m_alphaOverride[key] = a.alpha;
        m_overrideSearched[key] = true;
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
            m_alphaSpin->setValue(std::abs(x)); // the spinbox clamps to its range and drives the analysis
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
    if (m_sweep.empty()) {
        m_sweepFigure->setFigure(
            placeholder(QStringLiteral("bit-sweep"), m_sweepRunning ? QStringLiteral("Sweeping\u2026")
                                                                    : QStringLiteral("Run the sweep.")));
        return;
    }
    m_sweepFigure->setFigure(makeBitSweepFigure(m_sweep, m_sweepSearched));
}

void ModelView::startSweep()
{
    if (!m_snapshot)
        return;
    cancelSweep();
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    m_sweepCancel = cancel;
    const int generation = ++m_sweepGeneration;
    m_sweepRunning = true;
    m_sweepButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setFormat(QStringLiteral("%p%"));
    const auto snapshot = m_snapshot;
    const bool search = m_searchAll->isChecked();
    QMetaObject::invokeMethod(m_sweepWorker, [this, snapshot, search, cancel, generation] {
        int lastPermille = -1;
        std::vector<SweepPoint> points;
        QString error;
        try {
            points = bitSweep(*snapshot, {Scheme::Uniform, Scheme::PoT, Scheme::APoT}, kSweepFrom, kSweepTo,
                              search, [&](int done, int total) {
                                  if (cancel->load())
                                      return false;
                                  const int permille = total > 0 ? done * 1000 / total : 1000;
                                  if (permille != lastPermille) { // throttled at the source: <= 1000 updates
                                      lastPermille = permille;
                                      QMetaObject::invokeMethod(
                                          this,
                                          [this, generation, permille] {
                                              if (generation == m_sweepGeneration)
                                                  m_progress->setValue(permille);
                                          },
                                          Qt::QueuedConnection);
                                  }
                                  return true;
                              });
        } catch (const std::exception &e) {
            error = oneLine(QString::fromStdString(e.what()));
        }
        const bool cancelled = cancel->load();
        QMetaObject::invokeMethod(
            this,
            [this, generation, points, cancelled, error, search] {
                if (generation != m_sweepGeneration)
                    return;
                m_sweepRunning = false;
                m_sweepButton->setEnabled(true);
                m_cancelButton->setEnabled(false);
                if (!error.isEmpty()) {
                    m_progress->setFormat(QStringLiteral("failed"));
                    m_sweepFigure->setError(error);
                    return;
                }
                if (cancelled) {
                    m_progress->setFormat(QStringLiteral("cancelled at %p%"));
                    if (m_sweep.empty())
                        rebuildSweepFigure();
                    return;
                }
                m_progress->setValue(1000);
                m_sweep = points;
                m_sweepSearched = search;
                rebuildSweepFigure();
            },
            Qt::QueuedConnection);
    });
    if (m_sweep.empty())
        rebuildSweepFigure();
}

void ModelView::cancelSweep()
{
    if (m_sweepCancel)
        m_sweepCancel->store(true);
    if (m_sweepRunning) {
        // The worker's result for this generation is ignored from now on; the UI is free at once.
        ++m_sweepGeneration;
        m_sweepRunning = false;
        m_sweepButton->setEnabled(true);
        m_cancelButton->setEnabled(false);
        m_progress->setFormat(QStringLiteral("cancelled at %p%"));
    }
}

bool ModelView::waitUntilIdle(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while ((m_analysisPending || m_sweepRunning || m_recomputeTimer->isActive()) &&
           timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    QCoreApplication::processEvents();
    return !m_analysisPending && !m_sweepRunning;
}

const FigureSpec &ModelView::figure() const
{
    switch (m_pages->currentIndex()) {
    case int(Page::LayerSqnr):
        return m_sqnrFigure->figure();
    case int(Page::BitSweep):
        return m_sweepFigure->figure();
    default:
        return m_layerFigure->figure();
    }
}

void ModelView::showPage(Page page)
{
    m_pages->setCurrentIndex(int(page));
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
