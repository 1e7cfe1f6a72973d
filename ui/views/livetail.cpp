#include "ui/views/livetail.h"

namespace qs::ui {

namespace {

int64_t lastFileStep(const RunHistory &file)
{
    return file.steps().empty() ? 0 : file.steps().back().step;
}

int64_t lastFileEpoch(const RunHistory &file)
{
    return file.epochs().empty() ? -1 : file.epochs().back().epoch;
}

// The metrics.jsonl records the engine writes for these points (core/train/trainer.cpp), so the history
// reads them exactly as it reads the file's.
MetricsRecord stepRecord(const StepPoint &p)
{
    MetricsRecord r;
    r.type = "step";
    r.numbers = {{"step", static_cast<double>(p.step)},
                 {"epoch", static_cast<double>(p.epoch)},
                 {"loss", p.loss},
                 {"lr", p.lr},
                 {"grad_norm", p.gradNorm}};
    return r;
}

MetricsRecord epochRecord(const EpochPoint &e)
{
    MetricsRecord r;
    r.type = "epoch";
    r.numbers = {{"epoch", static_cast<double>(e.epoch)},
                 {"step", static_cast<double>(e.step)},
                 {"train_loss", e.trainLoss},
                 {"train_top1", e.trainTop1},
                 {"test_loss", e.testLoss},
                 {"test_top1", e.testTop1},
                 {"test_top5", e.testTop5},
                 {"lr", e.lr},
                 {"seconds", e.seconds}};
    return r;
}

} // namespace

void LiveTail::addSteps(int64_t after, const std::vector<StepPoint> &steps)
{
    if (steps.empty())
        return;
    if (!m_steps.empty() && after != m_steps.back().step)
        m_steps.clear(); // another session (a resume): its points start over
    if (m_steps.empty())
        m_after = after;
    m_steps.insert(m_steps.end(), steps.begin(), steps.end());
}

void LiveTail::addEpoch(const EpochPoint &epoch)
{
    if (!m_epochs.empty() && epoch.epoch != m_epochs.back().epoch + 1)
        m_epochs.clear();
    m_epochs.push_back(epoch);
}

void LiveTail::clear()
{
    m_steps.clear();
    m_epochs.clear();
    m_after = 0;
}

void LiveTail::trim(const RunHistory &file)
{
    const int64_t step = lastFileStep(file);
    size_t drop = 0;
    while (drop < m_steps.size() && m_steps[drop].step <= step)
        ++drop;
    if (drop > 0) {
        m_after = m_steps[drop - 1].step;
        m_steps.erase(m_steps.begin(), m_steps.begin() + static_cast<std::ptrdiff_t>(drop));
    }
    const int64_t epoch = lastFileEpoch(file);
    drop = 0;
    while (drop < m_epochs.size() && m_epochs[drop].epoch <= epoch)
        ++drop;
    m_epochs.erase(m_epochs.begin(), m_epochs.begin() + static_cast<std::ptrdiff_t>(drop));
}

std::unique_ptr<RunHistory> LiveTail::drawnAfter(const RunHistory &file) const
{
    // The file has read every record up to its last step: a tail that starts right after a step it has
    // reached continues it. (lastStep() covers a resume record, which repeats no step of its own.)
    const bool stepsContinue =
        !m_steps.empty() && m_after <= file.lastStep() && m_steps.front().step > lastFileStep(file);
    const bool epochsContinue = !m_epochs.empty() && m_epochs.front().epoch == lastFileEpoch(file) + 1;
    if (!stepsContinue && !epochsContinue)
        return nullptr;
    auto drawn = std::make_unique<RunHistory>(file);
    if (stepsContinue)
        for (const auto &p : m_steps)
            drawn->append(stepRecord(p));
    if (epochsContinue)
        for (const auto &e : m_epochs)
            drawn->append(epochRecord(e));
    return drawn;
}

} // namespace qs::ui
