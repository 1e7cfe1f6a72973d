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

} // namespace

void LiveTail::addSteps(int64_t after, const std::vector<StepSample> &steps)
{
    if (steps.empty())
        return;
    if (!m_steps.empty() && after != m_steps.back().step)
        m_steps.clear(); // another session (a resume): its points start over
    if (m_steps.empty())
        m_after = after;
    m_steps.insert(m_steps.end(), steps.begin(), steps.end());
}

void LiveTail::addEpoch(const EpochSample &epoch)
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
            drawn->append(MetricsRecord{p});
    if (epochsContinue)
        for (const auto &e : m_epochs)
            drawn->append(MetricsRecord{e});
    return drawn;
}

} // namespace qs::ui
