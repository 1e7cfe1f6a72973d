#include "ui/mainwindow.h"

#include "core/sweep/sweepmanifest.h"
#include "ui/exportdialog.h"
#include "ui/helppanel.h"
#include "ui/presentation.h"
#include "ui/views/deployview.h"
#include "ui/views/levelsview.h"
#include "ui/views/model/layertree.h"
#include "ui/views/modelview.h"
#include "ui/views/runsview.h"
#include "ui/views/softroundview.h"
#include "ui/views/trainview.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QElapsedTimer>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QGuiApplication>
#include <QFontMetrics>
#include <QMenu>
#include <QMimeData>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace qs::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_tabs(new QTabWidget(this)), m_levels(new LevelsView),
      m_softRound(new SoftRoundView), m_model(new ModelView), m_train(new TrainView), m_runs(new RunsView),
      m_deploy(new DeployView)
{
    setWindowTitle(QStringLiteral("QuantScope"));
    m_tabs->setObjectName(QStringLiteral("viewTabs"));
    m_tabs->setDocumentMode(true);
    addPage(m_levels, QStringLiteral("Levels"), QStringLiteral("levels"));
    addPage(m_softRound, QStringLiteral("Soft rounding"), QStringLiteral("softround"));
    m_tabs->setTabToolTip(0, QStringLiteral("Uniform, PoT and APoT levels and staircases (Ctrl+1)"));
    m_tabs->setTabToolTip(1, QStringLiteral("DSQ, DAQ and EWGS forward and backward curves (Ctrl+2)"));
    addPage(m_model, QStringLiteral("Model"), QStringLiteral("model"));
    m_tabs->setTabToolTip(2,
                          QStringLiteral("A checkpoint's weights against the grids: histograms, occupancy, "
                                         "per-layer SQNR, bit sweep (Ctrl+3)"));
    addPage(m_train, QStringLiteral("Train"), QStringLiteral("train"));
    m_tabs->setTabToolTip(int(Tab::Train),
                          QStringLiteral("Train a quantized ResNet with live loss, accuracy, \u03b1 and EWGS "
                                         "\u03b4 charts; pause and resume (Ctrl+4)"));
    addPage(m_runs, QStringLiteral("Runs"), QStringLiteral("runs"));
    m_tabs->setTabToolTip(int(Tab::Runs), QStringLiteral("Open and compare run directories (Ctrl+5)"));
    addPage(m_deploy, QStringLiteral("Deploy"), QStringLiteral("deploy"));
    m_tabs->setTabToolTip(
        int(Tab::Deploy),
        QStringLiteral("A quantized model as integer-only shift-add C for a Cortex-M: flash, "
                       "RAM and operations per layer, levels as shifts, export (Ctrl+6)"));
    m_presentation = new PresentationMode(this);
    connect(m_presentation, &PresentationMode::toggled, this, &MainWindow::onPresentationToggled);
    setCentralWidget(m_tabs);
    setAcceptDrops(true);
    createMenus();
    // Every model that opens, however it was opened, goes to File > Recent.
    connect(m_model, &ModelView::modelLoaded, this, &MainWindow::rememberRecent);
    // The Deploy page plans whatever model the Model tab opens (it can also open one of its own).
    connect(m_model, &ModelView::modelLoaded, m_deploy, &DeployView::setModel);
    statusBar()->showMessage(QStringLiteral("Hover a control for its formula; Ctrl+E exports the figure."));
    // The first launch's size, within the screen (a 1280x720 laptop or projector must see the buttons).
    QSize size(1280, 820);
    if (const QScreen *screen = QGuiApplication::primaryScreen())
        size = size.boundedTo(screen->availableGeometry().size());
    resize(size);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(QStringLiteral("&File"));
    QAction *openModel = file->addAction(QStringLiteral("&Open model\u2026"));
    openModel->setObjectName(QStringLiteral("openModelAction"));
    openModel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    connect(openModel, &QAction::triggered, this, [this] {
        showTab(Tab::Model);
        m_model->openModelDialog();
    });
    QAction *openSweep = file->addAction(QStringLiteral("Open s&weep\u2026"));
    openSweep->setObjectName(QStringLiteral("openSweepAction"));
    connect(openSweep, &QAction::triggered, this, [this] {
        showTab(Tab::Runs);
        m_runs->openSweepDialog();
    });
    m_recentMenu = file->addMenu(QStringLiteral("Open &recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    rebuildRecentMenu();
    QAction *exportAction = file->addAction(QStringLiteral("&Export figure\u2026"));
    exportAction->setObjectName(QStringLiteral("exportAction"));
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(exportAction, &QAction::triggered, this, &MainWindow::exportCurrentFigure);
    file->addSeparator();
    QAction *quitAction = file->addAction(QStringLiteral("&Quit"));
    quitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    connect(quitAction, &QAction::triggered, this, &QWidget::close);

    QMenu *view = menuBar()->addMenu(QStringLiteral("&View"));
    QAction *levels = view->addAction(QStringLiteral("&Levels"));
    levels->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    connect(levels, &QAction::triggered, this, [this] { showTab(Tab::Levels); });
    QAction *softRound = view->addAction(QStringLiteral("&Soft rounding"));
    softRound->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    connect(softRound, &QAction::triggered, this, [this] { showTab(Tab::SoftRound); });
    QAction *model = view->addAction(QStringLiteral("&Model"));
    model->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_3));
    connect(model, &QAction::triggered, this, [this] { showTab(Tab::Model); });
    QAction *train = view->addAction(QStringLiteral("&Train"));
    train->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_4));
    connect(train, &QAction::triggered, this, [this] { showTab(Tab::Train); });
    QAction *runs = view->addAction(QStringLiteral("&Runs"));
    runs->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_5));
    connect(runs, &QAction::triggered, this, [this] { showTab(Tab::Runs); });
    QAction *deploy = view->addAction(QStringLiteral("&Deploy"));
    deploy->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_6));
    connect(deploy, &QAction::triggered, this, [this] { showTab(Tab::Deploy); });
    view->addSeparator();
    m_presentationAction = view->addAction(QStringLiteral("&Presentation mode"));
    m_presentationAction->setObjectName(QStringLiteral("presentationAction"));
    m_presentationAction->setCheckable(true);
    m_presentationAction->setShortcut(QKeySequence(Qt::Key_F5));
    m_presentationAction->setToolTip(QStringLiteral(
        "Full screen, larger type and lines, high contrast, advanced controls hidden (F5 again: back)"));
    connect(m_presentationAction, &QAction::toggled, this, [this](bool on) { m_presentation->setOn(on); });
    addAction(m_presentationAction); // F5 works whatever has the focus
}

void MainWindow::addPage(QWidget *view, const QString &title, const QString &helpTopic)
{
    // The view's own layout stays as it is: the page puts the help panel above it.
    auto *page = new QWidget;
    page->setObjectName(QStringLiteral("page_") + helpTopic);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    auto *help = new HelpPanel(helpTopic);
    layout->addWidget(help);
    layout->addWidget(view, 1);
    m_helpPanels << help;
    m_tabs->addTab(page, title);
}

void MainWindow::onPresentationToggled(bool on)
{
    {
        const QSignalBlocker block(m_presentationAction); // F5 pressed or setOn() called: the check follows
        m_presentationAction->setChecked(on);
    }
    if (auto *tree = qobject_cast<LayerTree *>(m_model->layerTree()))
        tree->setCompact(on);
    // The help opens on a screen with room for it; on a 720-px projector it would push the charts off the
    // bottom, so there it stays as the teacher left it (one click opens it).
    const bool room = screen() && screen()->geometry().height() >= kPresentationHelpMinScreenHeight;
    for (HelpPanel *help : std::as_const(m_helpPanels))
        help->setForcedOpen(on && room);
    // The hints line is for the desk, not the projector (and 1280x720 needs the room).
    if (on)
        m_statusBarShown = !statusBar()->isHidden();
    statusBar()->setVisible(!on && m_statusBarShown);
}

namespace {
// A run directory holds what `quantscope-cli train` writes.
bool isRunDirectory(const QString &path)
{
    const QDir dir(path);
    return QFileInfo(path).isDir() &&
           (dir.exists(QStringLiteral("metrics.jsonl")) || dir.exists(QStringLiteral("config.ini")));
}
} // namespace

bool MainWindow::openPath(const QString &path, QString *error)
{
    const QFileInfo info(path);
    QString message;
    bool ok = false;
    if (info.isDir() && QFileInfo::exists(QDir(path).filePath(QString::fromLatin1(qs::kSweepManifestName)))) {
        showTab(Tab::Runs); // a sweep: its table and every run of it
        ok = m_runs->openSweep(info.absoluteFilePath(), &message);
        if (ok)
            rememberRecent(info.absoluteFilePath());
    } else if (info.isDir()) {
        if (!isRunDirectory(path)) {
            message = QStringLiteral("%1: not a run directory (no metrics.jsonl or config.ini)").arg(path);
        } else {
            showTab(Tab::Runs);
            ok = m_runs->addRun(info.absoluteFilePath(), &message);
            if (ok)
                rememberRecent(info.absoluteFilePath());
        }
    } else {
        auto connection =
            connect(m_model, &ModelView::loadFailed, this, [&message](const QString &m) { message = m; });
        showTab(Tab::Model);
        ok = m_model->openModel(info.exists() ? info.absoluteFilePath() : path); // remembered via modelLoaded
        disconnect(connection);
    }
    if (!ok) {
        statusBar()->showMessage(message.left(300), 15000);
        if (error)
            *error = message;
    }
    return ok;
}

QStringList MainWindow::recentPaths() const
{
    return QSettings().value(QStringLiteral("recent/paths")).toStringList();
}

void MainWindow::rememberRecent(const QString &path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList paths = recentPaths();
    paths.removeAll(absolute);
    paths.prepend(absolute);
    while (paths.size() > kMaxRecent)
        paths.removeLast();
    QSettings().setValue(QStringLiteral("recent/paths"), paths);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList paths = recentPaths();
    for (int i = 0; i < paths.size(); ++i) {
        const QString &path = paths[i];
        QAction *action =
            m_recentMenu->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(QFontMetrics(font()).elidedText(
                QDir::toNativeSeparators(path), Qt::ElideMiddle, 60 * fontMetrics().averageCharWidth())));
        action->setToolTip(QDir::toNativeSeparators(path));
        action->setData(path);
        connect(action, &QAction::triggered, this, [this, path] { openPath(path); });
    }
    if (paths.isEmpty()) {
        m_recentMenu->addAction(QStringLiteral("(none yet)"))->setEnabled(false);
        return;
    }
    m_recentMenu->addSeparator();
    connect(m_recentMenu->addAction(QStringLiteral("&Clear list")), &QAction::triggered, this, [this] {
        QSettings().remove(QStringLiteral("recent/paths"));
        rebuildRecentMenu();
    });
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile())
        return;
    event->acceptProposedAction();
    // Several run directories open together; a file opens in the Model tab (the last one wins).
    for (const QUrl &url : urls)
        if (url.isLocalFile())
            openPath(url.toLocalFile());
}

void MainWindow::showTab(Tab tab)
{
    m_tabs->setCurrentIndex(int(tab));
}

const FigureSpec &MainWindow::currentFigure() const
{
    switch (Tab(m_tabs->currentIndex())) {
    case Tab::SoftRound:
        return m_softRound->figure();
    case Tab::Model:
        return m_model->figure();
    case Tab::Train:
        return m_train->figure();
    case Tab::Runs:
        return m_runs->figure();
    case Tab::Deploy:
        return m_deploy->figure();
    case Tab::Levels:
        break;
    }
    return m_levels->figure();
}

void MainWindow::exportCurrentFigure()
{
    const FigureSpec figure = currentFigure();
    ExportDialog dialog(figure, this);
    if (dialog.exec() != QDialog::Accepted) // the dialog wrote the files (or showed why not) before closing
        return;
    statusBar()->showMessage(QStringLiteral("Wrote %1 and %2")
                                 .arg(QDir::toNativeSeparators(dialog.path()),
                                      QDir::toNativeSeparators(csvPathFor(dialog.path()))),
                             8000);
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/tab"), m_tabs->currentIndex());
    m_levels->saveSettings(settings);
    m_softRound->saveSettings(settings);
    m_model->saveSettings(settings);
    m_train->saveSettings(settings);
    m_runs->saveSettings(settings);
    m_deploy->saveSettings(settings);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    // A size saved on a larger monitor must not open past this screen (a 1280x720 projector).
    if (const QScreen *screen = this->screen()) {
        const QRect available = screen->availableGeometry();
        if (width() > available.width() || height() > available.height()) {
            resize(size().boundedTo(available.size()));
            move(available.topLeft());
        }
    }
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("window/tab"), 0).toInt());
    m_levels->restoreSettings(settings);
    m_softRound->restoreSettings(settings);
    m_model->restoreSettings(settings);
    m_train->restoreSettings(settings);
    m_runs->restoreSettings(settings);
    m_deploy->restoreSettings(settings); // after the Model tab's model came to it
}

namespace {
// A layout pass can post further events (a chart's plot area settles, then views align to it): run the event
// loop for a moment, as a user's screen would, rather than once.
void settle()
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 200)
        QApplication::processEvents(QEventLoop::AllEvents, 20);
}
} // namespace

bool MainWindow::saveScreenshots(const QString &directory)
{
    if (!QDir().mkpath(directory))
        return false;
    const int previous = m_tabs->currentIndex();
    bool ok = true;
    const std::pair<Tab, QString> shots[] = {{Tab::Levels, QStringLiteral("levels.png")},
                                             {Tab::SoftRound, QStringLiteral("softround.png")},
                                             {Tab::Train, QStringLiteral("train.png")},
                                             {Tab::Runs, QStringLiteral("runs.png")}};
    for (const auto &[tab, name] : shots) {
        showTab(tab);
        settle(); // lay out the newly shown tab (and let its charts align to it) before grabbing it
        ok = grab().save(QDir(directory).filePath(name)) && ok;
    }
    if (m_model->snapshot()) {
        showTab(Tab::Model);
        const std::pair<ModelView::Page, QString> modelShots[] = {
            {ModelView::Page::Layer, QStringLiteral("model.png")},
            {ModelView::Page::BitSweep, QStringLiteral("model-sweep.png")},
            {ModelView::Page::Activations, QStringLiteral("model-activations.png")}};
        for (const auto &[page, name] : modelShots) {
            m_model->showPage(page);
            if (page == ModelView::Page::BitSweep && !m_model->snapshot()->dataSpec().empty())
                m_model->startAccuracySweep(); // the sweep page shows SQNR and post-training top-1 together
            ok = m_model->waitUntilIdle(300000) && ok; // the background analysis and sweep finish first
            settle();
            ok = grab().save(QDir(directory).filePath(name)) && ok;
        }
    }
    // The Deploy page plans the Model tab's model (or shows why it cannot) in the background first.
    showTab(Tab::Deploy);
    ok = m_deploy->waitUntilIdle(120000) && ok;
    settle();
    ok = grab().save(QDir(directory).filePath(QStringLiteral("deploy.png"))) && ok;
    m_tabs->setCurrentIndex(previous);
    return ok;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_presentation->setOn(false); // the geometry, font and palette saved are the normal ones
    saveSettings();
    m_train->shutdown();
    event->accept();
}

} // namespace qs::ui
