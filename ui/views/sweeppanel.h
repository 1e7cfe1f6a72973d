#pragma once
// The Runs tab's sweep table: a sweep directory (sweep.json and one run directory per grid point, as
// `quantscope-cli sweep` writes it) followed live, one column per grid key, each run's state, epochs and
// latest and best test top-1; "Group by" chooses the keys that make a row (default: every key but seed), the
// runs of a row aggregated as mean ± sample standard deviation with their count. The selected rows' runs are
// what the Runs tab's dashboard draws (runsSelected).

#include "ui/views/sweepfollower.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <memory>
#include <string>
#include <vector>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QTableWidget;
class QTimer;
QT_END_NAMESPACE

namespace qs::ui {

class SweepPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SweepPanel)

public:
    explicit SweepPanel(QWidget *parent = nullptr);
    ~SweepPanel() override;

    // Reads DIR/sweep.json and follows its runs. False, with one line in *error (a missing or damaged
    // manifest), leaving the sweep open before (if any) as it was.
    bool openSweep(const QString &dir, QString *error = nullptr);
    void closeSweep();
    bool isOpen() const { return bool(m_follower); }
    QString directory() const; // empty when none is open
    const SweepFollower *follower() const { return m_follower.get(); }

    // The grid keys a row is made of (the others are aggregated over). Unknown keys are ignored.
    void setGroupKeys(const QStringList &keys);
    QStringList groupKeys() const;
    QStringList axisKeys() const;

    QTableWidget *table() const { return m_table; }
    const std::vector<SweepRow> &rows() const { return m_rows; }
    // The run directories of the selected rows, in manifest order, and the selected rows' members (indices
    // into that list) for the dashboard's trial groups.
    QStringList selectedRunDirectories() const;
    std::vector<std::vector<size_t>> selectedGroups() const;
    QStringList selectedRowLabels() const;         // per selected row: its grouped keys, "apot wbits=2"
    QString runLabel(const QString &runDir) const; // "apot wbits=2 seed=1"; empty when not in the sweep

    void setPollInterval(int milliseconds); // default 1000 ms
    void pollNow(); // reads what changed; refreshes the table when a run's state or numbers did

Q_SIGNALS:
    void runsSelected(); // the selection, or the existence of a selected run's directory, changed
    void closeRequested();
    void statusMessage(const QString &message);

protected:
    void changeEvent(QEvent *event) override;

private:
    std::vector<int> sortedSelectedRows() const; // the table's selected rows, top to bottom
    void rebuildGroupBoxes();
    void refresh(); // the rows from the follower's statuses and the group keys, selection kept
    void fitRows();

    std::unique_ptr<SweepFollower> m_follower;
    std::vector<SweepRow> m_rows;
    std::vector<std::string> m_groupKeys;
    QLabel *m_summary = nullptr;
    QHBoxLayout *m_groupLayout = nullptr;
    QList<QCheckBox *> m_groupBoxes;
    QPushButton *m_close = nullptr;
    QTableWidget *m_table = nullptr;
    QLabel *m_problem = nullptr;
    QTimer *m_pollTimer = nullptr;
    QStringList m_existing; // selected run directories that existed at the last runsSelected
};

} // namespace qs::ui
