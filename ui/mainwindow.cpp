#include "ui/mainwindow.h"

#include "ui/exportdialog.h"
#include "ui/views/levelsview.h"
#include "ui/views/softroundview.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

namespace qs::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_tabs(new QTabWidget(this)), m_levels(new LevelsView),
      m_softRound(new SoftRoundView)
{
    setWindowTitle(QStringLiteral("QuantScope"));
    m_tabs->setObjectName(QStringLiteral("viewTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_levels, QStringLiteral("Levels"));
    m_tabs->addTab(m_softRound, QStringLiteral("Soft rounding"));
    m_tabs->setTabToolTip(0, QStringLiteral("Uniform, PoT and APoT levels and staircases (Ctrl+1)"));
    m_tabs->setTabToolTip(1, QStringLiteral("DSQ, DAQ and EWGS forward and backward curves (Ctrl+2)"));
    setCentralWidget(m_tabs);
    createMenus();
    statusBar()->showMessage(QStringLiteral("Hover a control for its formula; Ctrl+E exports the figure."));
    resize(1280, 820);
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(QStringLiteral("&File"));
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
}

void MainWindow::showTab(Tab tab)
{
    m_tabs->setCurrentIndex(int(tab));
}

const FigureSpec &MainWindow::currentFigure() const
{
    if (m_tabs->currentWidget() == m_softRound)
        return m_softRound->figure();
    return m_levels->figure();
}

void MainWindow::exportCurrentFigure()
{
    const FigureSpec figure = currentFigure();
    ExportDialog dialog(figure, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    if (auto error = exportFigure(figure, dialog.path(), dialog.options())) {
        QMessageBox::warning(this, QStringLiteral("Export failed"), *error);
        return;
    }
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
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("window/tab"), 0).toInt());
    m_levels->restoreSettings(settings);
    m_softRound->restoreSettings(settings);
}

bool MainWindow::saveScreenshots(const QString &directory)
{
    if (!QDir().mkpath(directory))
        return false;
    const int previous = m_tabs->currentIndex();
    bool ok = true;
    const std::pair<Tab, QString> shots[] = {{Tab::Levels, QStringLiteral("levels.png")},
                                             {Tab::SoftRound, QStringLiteral("softround.png")}};
    for (const auto &[tab, name] : shots) {
        showTab(tab);
        QApplication::processEvents(); // lay out the newly shown tab before grabbing it
        ok = grab().save(QDir(directory).filePath(name)) && ok;
    }
    m_tabs->setCurrentIndex(previous);
    return ok;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    event->accept();
}

} // namespace qs::ui
