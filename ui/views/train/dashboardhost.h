#pragma once
// The Train view's right side: the RunDashboard following the run directory (fed from the worker's own
// samples too, LiveRunFeed) over the engine's message log.

#include <QSplitter>
#include <QString>

QT_BEGIN_NAMESPACE
class QPlainTextEdit;
QT_END_NAMESPACE

namespace qs::ui {

class LiveRunFeed;
class RunDashboard;
class TrainWorker;

class DashboardHost final : public QSplitter
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DashboardHost)

public:
    explicit DashboardHost(TrainWorker *worker, QWidget *parent = nullptr);

    RunDashboard *dashboard() const { return m_dashboard; }
    LiveRunFeed *liveFeed() const { return m_feed; }
    QPlainTextEdit *log() const { return m_log; }

    void appendLog(const QString &line);   // time-stamped
    void followRun(const QString &runDir); // the dashboard shows this run only (from its start)
    bool follows(const QString &runDir) const;

private:
    RunDashboard *m_dashboard = nullptr;
    QPlainTextEdit *m_log = nullptr;
    LiveRunFeed *m_feed = nullptr;
};

} // namespace qs::ui
