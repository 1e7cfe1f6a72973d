#include "ui/views/train/liverunfeed.h"

#include "ui/training/trainworker.h"
#include "ui/views/rundashboard.h"

#include <algorithm>
#include <vector>

namespace qs::ui {

LiveRunFeed::LiveRunFeed(TrainWorker *worker, RunDashboard *dashboard, QObject *parent)
    : QObject(parent), m_worker(worker), m_dashboard(dashboard)
{
    connect(worker, &TrainWorker::steps, this, &LiveRunFeed::onSteps);
    connect(worker, &TrainWorker::epochFinished, this, &LiveRunFeed::onEpoch);
    connect(worker, &TrainWorker::stateChanged, this, [this](TrainWorker::State state) {
        if (state == TrainWorker::State::Running) { // a new session: its first sample tells where it starts
            m_after.reset();
        }
    });
}

void LiveRunFeed::setLogEvery(int steps)
{
    m_logEvery = std::max(1, steps);
}

void LiveRunFeed::onSteps(const QList<StepSample> &samples)
{
    if (samples.isEmpty())
        return;
    if (!m_after) {
        const int64_t start = samples.front().step - 1; // the checkpoint this session started from
        m_after = start - start % m_logEvery;           // the file's last step record before it
    }
    std::vector<StepSample> points;
    for (const auto &s : samples)
        if (s.step % m_logEvery == 0)
            points.push_back(s);
    if (points.empty())
        return;
    m_dashboard->addLiveSteps(m_worker->runDir(), *m_after, points);
    m_after = points.back().step;
}

void LiveRunFeed::onEpoch(const EpochSample &sample)
{
    m_dashboard->addLiveEpoch(m_worker->runDir(), sample); // the engine's epoch record, as written
}

} // namespace qs::ui
