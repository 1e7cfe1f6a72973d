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
            m_lastSample.reset();
        }
    });
}

void LiveRunFeed::setLogEvery(int steps)
{
    m_logEvery = std::max(1, steps);
}

StepPoint LiveRunFeed::stepPoint(const StepSample &sample)
{
    return {sample.step, sample.epoch, sample.loss, sample.lr, sample.gradNorm};
}

EpochPoint LiveRunFeed::epochPoint(const EpochSample &sample, const StepSample &lastStep)
{
    // The engine's epoch record carries the global step at the epoch's end and the epoch's learning rate:
    // those of the epoch's last step.
    EpochPoint e;
    e.epoch = sample.epoch;
    e.step = lastStep.step;
    e.trainLoss = sample.trainLoss;
    e.trainTop1 = sample.trainTop1;
    e.testLoss = sample.testLoss;
    e.testTop1 = sample.testTop1;
    e.testTop5 = sample.testTop5;
    e.lr = lastStep.lr;
    e.seconds = sample.seconds;
    return e;
}

void LiveRunFeed::onSteps(const QList<StepSample> &samples)
{
    if (samples.isEmpty())
        return;
    if (!m_after) {
        const int64_t start = samples.front().step - 1; // the checkpoint this session started from
        m_after = start - start % m_logEvery;           // the file's last step record before it
    }
    std::vector<StepPoint> points;
    for (const auto &s : samples)
        if (s.step % m_logEvery == 0)
            points.push_back(stepPoint(s));
    m_lastSample = samples.back();
    if (points.empty())
        return;
    m_dashboard->addLiveSteps(m_worker->runDir(), *m_after, points);
    m_after = points.back().step;
}

void LiveRunFeed::onEpoch(const EpochSample &sample)
{
    if (m_lastSample) // the worker delivers an epoch's steps before its result
        m_dashboard->addLiveEpoch(m_worker->runDir(), epochPoint(sample, *m_lastSample));
}

} // namespace qs::ui
