#include "ui/views/train/dashboardhost.h"

#include "ui/views/rundashboard.h"
#include "ui/views/train/liverunfeed.h"

#include <QPlainTextEdit>
#include <QTime>

namespace qs::ui {

DashboardHost::DashboardHost(TrainWorker *worker, QWidget *parent) : QSplitter(Qt::Vertical, parent)
{
    setObjectName(QStringLiteral("trainRightSplitter"));
    m_dashboard = new RunDashboard;
    m_dashboard->setObjectName(QStringLiteral("trainDashboard"));
    m_log = new QPlainTextEdit;
    m_log->setObjectName(QStringLiteral("trainLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setPlaceholderText(QStringLiteral("The engine's messages appear here."));
    addWidget(m_dashboard);
    addWidget(m_log);
    // The charts get the height: a few log lines are enough (the splitter can pull more).
    m_log->setMinimumHeight(40);
    setStretchFactor(0, 1);
    setStretchFactor(1, 0);
    setSizes({900, 70});
    m_feed = new LiveRunFeed(worker, m_dashboard, this);
}

void DashboardHost::appendLog(const QString &line)
{
    m_log->appendPlainText(QTime::currentTime().toString(QStringLiteral("HH:mm:ss  ")) + line);
}

void DashboardHost::followRun(const QString &runDir)
{
    m_dashboard->clearRuns();
    QString error;
    if (!m_dashboard->addRun(runDir, &error))
        appendLog(QStringLiteral("dashboard: ") + error);
}

bool DashboardHost::follows(const QString &runDir) const
{
    return m_dashboard->runs().contains(runDir);
}

} // namespace qs::ui
