#pragma once
// What the training worker of this process has sent of a run that its metrics.jsonl does not hold yet: step
// and epoch points kept only while they lie beyond the file, and drawn after it only where they continue
// it. So a step is never drawn twice (the file's copy replaces the worker's as soon as it is read) and never
// skipped (a tail that would leave a gap, e.g. while the file still shows the steps a resume will repeat,
// waits for the file). The file stays the record: this only draws a live run sooner.

#include "core/runs/runhistory.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace qs::ui {

class LiveTail
{
public:
    // `after`: the step of the worker's point before steps.front() (the session's start for its first);
    // a batch that does not continue the kept ones starts a new tail.
    void addSteps(int64_t after, const std::vector<StepSample> &steps);
    void addEpoch(const EpochSample &epoch);
    void clear();
    bool empty() const { return m_steps.empty() && m_epochs.empty(); }

    // Drops what `file` has caught up with.
    void trim(const RunHistory &file);
    // `file` with the kept points that continue it appended; null when none do.
    std::unique_ptr<RunHistory> drawnAfter(const RunHistory &file) const;

private:
    std::vector<StepSample> m_steps;
    int64_t m_after = 0; // the worker's step before m_steps.front()
    std::vector<EpochSample> m_epochs;
};

} // namespace qs::ui
