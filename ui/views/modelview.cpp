#include "ui/views/modelview.h"

#include "ui/plotting/figurewidget.h"
#include "ui/views/clipcontrol.h"
#include "ui/views/model/activationspage.h"
#include "ui/views/model/bitsweeppage.h"
#include "ui/views/model/layersqnrpage.h"
#include "ui/views/model/layertree.h"
#include "ui/views/model/modelsidebar.h"
#include "ui/views/toollayout.h"
#include "ui/views/model/selectedlayerbox.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QVBoxLayout>

namespace qs::ui {

ModelView::ModelView(QWidget *parent) : QWidget(parent)
{
    m_sidebar = new ModelSidebar;
    m_layer = new SelectedLayerBox(m_sidebar);
    m_sidebar->addSection(m_layer);
    m_sqnr = new LayerSqnrPage(m_sidebar, m_layer);
    m_sweep = new BitSweepPage(m_sidebar);
    m_activations = new ActivationsPage(m_sidebar, [this] { return binsSpin()->value(); });

    m_pages = new QTabWidget;
    m_pages->setObjectName(QStringLiteral("modelPages"));
    m_pages->addTab(new VerticalScrollArea(m_layer->figure()), QStringLiteral("Layer weights"));
    m_pages->addTab(m_sqnr, QStringLiteral("Per-layer SQNR"));
    m_pages->addTab(m_sweep, QStringLiteral("Bit sweep"));
    m_pages->addTab(m_activations, QStringLiteral("Activations"));

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setObjectName(QStringLiteral("modelSplitter"));
    // The sidebar scrolls rather than setting the window's minimum height (presentation mode's large type on
    // a 720-pixel projector would not fit it).
    m_splitter->addWidget(new VerticalScrollArea(m_sidebar));
    m_splitter->addWidget(m_pages);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({430, 900});

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(buildEmptyPage());
    m_stack->addWidget(m_splitter);
    m_loadError = new QLabel;
    m_loadError->setObjectName(QStringLiteral("modelLoadError"));
    m_loadError->setWordWrap(true);
    // Ignored: the label takes the width it is given, so a 2000-character message wraps, never widens the
    // window; the height is capped and the whole text is in the tooltip.
    m_loadError->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Maximum);
    m_loadError->setMaximumHeight(4 * fontMetrics().lineSpacing());
    m_loadError->setTextFormat(Qt::PlainText);
    m_loadError->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_loadError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_loadError->hide();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_loadError);
    layout->addWidget(m_stack);
    wire();
    makeToolTipsRich(this);
}

ModelView::~ModelView()
{
    // ~QWidget deletes the parts after this object's members are gone: nothing they emit then may reach it.
    m_sidebar->disconnect(this);
    m_sidebar->tree()->disconnect(this);
    m_pages->disconnect(this);
}

QWidget *ModelView::buildEmptyPage()
{
    auto *emptyLabel = new QLabel(QStringLiteral(
        "<h3>No model loaded</h3><p><b>File \u25b8 Open model\u2026</b> (Ctrl+O) reads a QuantScope "
        "checkpoint "
        "(<tt>.qsckpt</tt>) or a PyTorch state_dict (<tt>.pt</tt>, <tt>.pth</tt>, <tt>.pth.tar</tt>).</p>"
        "<p>No model yet? <tt>quantscope-cli train --preset fashion-mnist-fp --out runs/fmnist-fp</tt> "
        "trains "
        "one in minutes; open <tt>runs/fmnist-fp/best.qsckpt</tt>. A file at "
        "<tt>resources/models/default.qsckpt</tt> opens by itself.</p>"));
    emptyLabel->setObjectName(QStringLiteral("modelEmptyLabel"));
    emptyLabel->setWordWrap(true);
    emptyLabel->setAlignment(Qt::AlignCenter);
    emptyLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *emptyPage = new QWidget;
    auto *emptyLayout = new QVBoxLayout(emptyPage);
    auto *openButton = new QPushButton(QStringLiteral("Open model\u2026"));
    openButton->setObjectName(QStringLiteral("emptyOpenButton"));
    connect(openButton, &QPushButton::clicked, this, &ModelView::openModelDialog);
    emptyLayout->addStretch(1);
    emptyLayout->addWidget(emptyLabel);
    emptyLayout->addWidget(openButton, 0, Qt::AlignHCenter);
    emptyLayout->addStretch(2);
    return emptyPage;
}

void ModelView::wire()
{
    connect(m_sidebar, &ModelSidebar::schemeChanged, this, [this] {
        onGridChanged();
        m_activations->schemeChanged();
    });
    connect(m_sidebar, &ModelSidebar::bitsChanged, this, &ModelView::onGridChanged);
    // The sweep has its own clip rule (re-optimized per point, or fixed): it does not follow this one.
    connect(m_sidebar, &ModelSidebar::searchAllToggled, this, &ModelView::onGridChanged);
    connect(m_sidebar, &ModelSidebar::zeroLevelToggled, this, [this] {
        onGridChanged();
        m_sweep->zeroLevelChanged(); // its grids follow the sidebar's zero level
    });
    connect(m_sidebar, &ModelSidebar::overlayChanged, m_layer, &SelectedLayerBox::rebuildFigure);
    connect(m_sidebar, &ModelSidebar::dataEdited, m_activations, &ActivationsPage::dataEdited);
    connect(m_sidebar->tree(), &QTreeWidget::currentItemChanged, this, [this] {
        m_layer->recompute();
        m_sqnr->rebuildFigure(); // the selected layer's bars are highlighted
        m_activations->recompute();
    });
    connect(m_layer, &SelectedLayerBox::analysed, m_sqnr, &LayerSqnrPage::selectedAnalysed);
    connect(m_pages, &QTabWidget::currentChanged, this, [this] {
        if (page() == Page::Activations)
            m_activations->maybeStartCapture();
    });
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
        const QString message = QString::fromStdString(e.what());
        m_loadError->setText(breakableText(QStringLiteral("Cannot open %1").arg(message)));
        m_loadError->setToolTip(message);
        m_loadError->show();
        Q_EMIT loadFailed(message);
        return false;
    }
    m_loadError->hide();
    m_loadError->clear();
    m_snapshot = std::move(loaded);
    // Every part drops the previous model's state (and cancels its jobs) before the tree is refilled.
    m_sweep->setModel(m_snapshot);
    m_activations->setModel(m_snapshot);
    m_layer->setModel(m_snapshot);
    m_sqnr->setModel(m_snapshot);
    m_sidebar->setModel(m_snapshot, path);
    m_lastDir = QFileInfo(path).absolutePath();
    m_stack->setCurrentIndex(1);
    m_layer->recompute();
    m_sqnr->requestAnalysis();
    m_sweep->startSweep();
    m_activations->recompute();
    if (page() == Page::Activations)
        m_activations->maybeStartCapture();
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

void ModelView::onGridChanged()
{
    m_layer->clearOverrides();
    m_layer->recompute();
    m_sqnr->requestAnalysis();
}

bool ModelView::waitUntilIdle(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    auto jobsRunning = [this] {
        return analysisPending() || sweepRunning() || captureRunning() || accuracyRunning();
    };
    while ((jobsRunning() || m_layer->recomputePending() || m_activations->recomputePending()) &&
           timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    QCoreApplication::processEvents();
    return !jobsRunning();
}

const FigureSpec &ModelView::figure() const
{
    switch (page()) {
    case Page::LayerSqnr:
        return m_sqnr->exportFigure();
    case Page::BitSweep:
        return sweepFigure()->figure();
    case Page::Activations:
        return activationFigure()->figure();
    case Page::Layer:
        break;
    }
    return layerFigure()->figure();
}

void ModelView::showPage(Page p)
{
    m_pages->setCurrentIndex(int(p));
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
    m_sidebar->saveSettings(settings);
    m_layer->saveSettings(settings);
    settings.setValue(QStringLiteral("page"), m_pages->currentIndex());
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    m_activations->saveSettings(settings);
    m_sweep->saveSettings(settings);
    settings.endGroup();
}

void ModelView::restoreSettings(QSettings &settings)
{
    // The parts restore without signalling; the model (re)opened below brings every page up to date.
    settings.beginGroup(QStringLiteral("model"));
    m_sidebar->restoreSettings(settings);
    m_layer->restoreSettings(settings);
    {
        const QSignalBlocker block(m_pages); // no capture before the model is open
        m_pages->setCurrentIndex(settings.value(QStringLiteral("page"), 0).toInt());
    }
    m_activations->restoreSettings(settings);
    m_sweep->restoreSettings(settings);
    m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
    m_lastDir = settings.value(QStringLiteral("dir")).toString();
    const QString last = settings.value(QStringLiteral("path")).toString();
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
