#pragma once
// QuantScope's main window: one tab per tool, shortcuts, figure export, and every choice remembered.

#include <QList>
#include <QMainWindow>

QT_BEGIN_NAMESPACE
class QAction;
class QMenu;
class QTabWidget;
QT_END_NAMESPACE

namespace qs::ui {

class LevelsView;
class SoftRoundView;
class ModelView;
class TrainView;
class RunsView;
class DeployView;
class HelpPanel;
class PresentationMode;
struct FigureSpec;

class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    enum class Tab
    {
        Levels = 0,
        SoftRound = 1,
        Model = 2,
        Train = 3,
        Runs = 4,
        Deploy = 5
    };

    explicit MainWindow(QWidget *parent = nullptr);

    // Presentation mode opens every "What am I looking at?" panel on screens at least this tall.
    static constexpr int kPresentationHelpMinScreenHeight = 900;

    LevelsView *levelsView() const { return m_levels; }
    SoftRoundView *softRoundView() const { return m_softRound; }
    ModelView *modelView() const { return m_model; }
    TrainView *trainView() const { return m_train; }
    RunsView *runsView() const { return m_runs; }
    DeployView *deployView() const { return m_deploy; }
    QTabWidget *tabs() const { return m_tabs; }
    void showTab(Tab tab);
    // Each tab's page is its "What am I looking at?" panel over the view.
    HelpPanel *helpPanel(Tab tab) const { return m_helpPanels.value(int(tab)); }
    // F5 (View > Presentation mode): full screen, large type, thick lines, high contrast, no advanced
    // controls.
    PresentationMode *presentationMode() const { return m_presentation; }
    QAction *presentationAction() const { return m_presentationAction; }

    const FigureSpec &currentFigure() const;

    // Opens a checkpoint in the Model tab, or a run or sweep directory (one with sweep.json) in the Runs tab
    // (drag and drop, File > Recent, `quantscope FILE`), switching to that tab. False with one line in *error
    // (also in the status bar).
    bool openPath(const QString &path, QString *error = nullptr);
    // File > Recent: the last opened files and run directories, newest first (at most kMaxRecent; kept in
    // QSettings "recent/paths").
    static constexpr int kMaxRecent = 8;
    QStringList recentPaths() const;
    QMenu *recentMenu() const { return m_recentMenu; }

    // QSettings(organization "QuantScope", application "QuantScope"): geometry, tabs, splitters, controls.
    void saveSettings() const;
    void restoreSettings();

    // Renders each tab into DIR/levels.png, DIR/softround.png, DIR/train.png, DIR/runs.png, DIR/deploy.png
    // and, when a model is open, DIR/model.png, DIR/model-sweep.png and DIR/model-activations.png (docs and a
    // visual check); false on failure.
    bool saveScreenshots(const QString &directory);

public Q_SLOTS:
    void exportCurrentFigure();

protected:
    // Saves the settings; a run in progress is paused (it stays resumable) and waited for. Asks nothing.
    void closeEvent(QCloseEvent *event) override;
    // A dropped file opens in the Model tab, a dropped run directory in the Runs tab.
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createMenus();
    void addPage(QWidget *view, const QString &title, const QString &helpTopic);
    void onPresentationToggled(bool on);
    void rememberRecent(const QString &path);
    void rebuildRecentMenu();

    QTabWidget *m_tabs = nullptr;
    LevelsView *m_levels = nullptr;
    SoftRoundView *m_softRound = nullptr;
    ModelView *m_model = nullptr;
    TrainView *m_train = nullptr;
    RunsView *m_runs = nullptr;
    DeployView *m_deploy = nullptr;
    QMenu *m_recentMenu = nullptr;
    QList<HelpPanel *> m_helpPanels; // by Tab
    PresentationMode *m_presentation = nullptr;
    QAction *m_presentationAction = nullptr;
    bool m_statusBarShown = true; // before presentation mode
};

} // namespace qs::ui
