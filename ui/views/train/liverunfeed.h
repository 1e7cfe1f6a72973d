#pragma once
// Feeds a RunDashboard from a TrainWorker of this process: the worker's batched step samples and epoch
// results go to the dashboard's live tail of the worker's run directory, so the loss chart moves before
// metrics.jsonl is polled (RunDashboard::addLiveSteps). Steps are thinned like the file (log_every).

#include "core/runs/runhistory.h"
#include "core/train/trainer.h"

#include <QList>
#include <QObject>

#include <cstdint>
#include <optional>

namespace qs::ui {

class RunDashboard;
class TrainWorker;

class LiveRunFeed final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveRunFeed)

public:
    LiveRunFeed(TrainWorker *worker, RunDashboard *dashboard, QObject *parent = nullptr);

    // The run about to start or resume writes a step record every `steps` steps (TrainConfig::logEvery).
    void setLogEvery(int steps);

private:
    void onSteps(const QList<StepSample> &samples);
    void onEpoch(const EpochSample &sample);

    TrainWorker *m_worker;
    RunDashboard *m_dashboard;
    int m_logEvery = 1;
    std::optional<int64_t> m_after; // the last step forwarded in this session (its start before the first)
};

} // namespace qs::ui
