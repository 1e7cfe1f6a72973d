#pragma once
// The Runs tab: open run directories (finished, or still being written by `quantscope-cli train` here or on a
// GPU server and copied over), follow and overlay them in a RunDashboard, and tabulate final and best
// accuracy per run (the seed paper's Tables 1-3) with CSV, Markdown and LaTeX export.

#include "core/runs/runreader.h"
#include "ui/plotting/figure.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <optional>
#include <vector>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QListWidget;
class QPushButton;
class QSettings;
class QSplitter;
class QStackedWidget;
class QTableWidget;
QT_END_NAMESPACE

namespace qs::ui {

class RunDashboard;
class SweepPanel;

class RunsView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsView)

public:
    explicit RunsView(QWidget *parent = nullptr);
    ~RunsView() override;

    // Opens a run directory (see RunDashboard::addRun). False, with one line in *error, when DIR is not a
    // directory or is already open.
    bool addRun(const QString &dir, QString *error = nullptr);
    void removeRun(const QString &dir);
    QStringList runs() const;

    // A label of the user's for the run in `dir` (double-click it in the list), used on every chart, in the
    // table and in exports, and remembered (QSettings "runs/labels", keyed by the run's absolute path) for
    // the next time that directory is opened. Empty: back to the label from its config.ini.
    void setRunLabel(const QString &dir, const QString &label);
    QListWidget *runList() const { return m_list; }

    // Trials: runs whose config.ini differ only in seed (core/runs/trials.h) as one row of mean ± sample
    // std in the table and its exports.
    void setGroupTrials(bool group);
    bool groupTrials() const;

    RunDashboard *dashboard() const { return m_dashboard; }
    QTableWidget *table() const { return m_table; }
    // The table as the CLI's `compare` writes it (one summary per open run, in the list's order).
    const std::vector<RunSummary> &summaries() const { return m_summaries; }
    QString tableText(TableFormat format) const; // grouped by trials when groupTrials()
    // The damaged run files of the open runs, one line each (RunSummary::problems), as `compare` reports
    // them; the first is shown under the table.
    QStringList problems() const;
    // Writes tableText(format) to PATH through a temporary file renamed into place. An error line, or
    // nothing.
    std::optional<QString> exportTable(const QString &path, TableFormat format) const;

    const FigureSpec &figure() const; // the dashboard's current page (Ctrl+E)

    // A sweep directory (DIR/sweep.json and its run directories, core/sweep/sweepmanifest.h): the table below
    // becomes the sweep's (SweepPanel), followed live, and the dashboard draws the runs of its selected rows
    // (every run to start with). False, with one line in *error and under the table, for a missing or
    // damaged manifest; the view is left as it was.
    bool openSweep(const QString &dir, QString *error = nullptr);
    void closeSweep(); // back to the run table; the sweep's runs leave the dashboard
    SweepPanel *sweepPanel() const { return m_sweep; }
    QString sweepError() const; // the last failed openSweep's line, while it is shown

    void saveSettings(QSettings &settings) const; // group "runs": open directories, page, splitters
    void restoreSettings(QSettings &settings);    // reopens the directories that still exist

public Q_SLOTS:
    void openRunDialog();                       // "Open run…": a directory chooser
    void openSweepDialog();                     // "Open sweep…": a directory chooser, then openSweep
    void exportTableDialog(TableFormat format); // a file chooser, then exportTable

Q_SIGNALS:
    void statusMessage(const QString &message); // one line for the main window's status bar

protected:
    void changeEvent(QEvent *event) override; // a new font (presentation mode): the table's rows follow

private:
    void fitTableRows();
    void refreshList();
    void refreshTable(bool force);
    void removeSelected();
    void syncSweepRuns(); // the dashboard follows the sweep's selected rows
    // The selected rows as indices into runs(), with each row's label.
    std::vector<std::vector<size_t>> sweepTrialGroups(std::vector<std::string> *labels) const;

    RunDashboard *m_dashboard = nullptr;
    QListWidget *m_list = nullptr;
    QTableWidget *m_table = nullptr;
    QPushButton *m_remove = nullptr;
    QCheckBox *m_groupTrials = nullptr;
    QSplitter *m_outer = nullptr, *m_inner = nullptr;
    std::vector<RunSummary> m_summaries;
    QStringList m_tableKeys; // per run: what the table was last built from (epochs, step, state)
    QLabel *m_problems = nullptr;
    QStringList m_reportedProblems;
    QString m_lastDir;
    QStackedWidget *m_bottom = nullptr; // the run table or the sweep's
    SweepPanel *m_sweep = nullptr;
    QLabel *m_sweepError = nullptr;
    QString m_lastSweepDir;
    bool m_syncing = false; // syncSweepRuns is adding and removing runs
};

} // namespace qs::ui
