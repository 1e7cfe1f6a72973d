#pragma once
// A one-line terminal progress bar on stderr, redrawn at most a few times a second; silent when stderr is not
// a terminal (logs and pipes get the per-epoch lines only).

#include <chrono>
#include <string>

namespace qs::cli {

class ProgressBar
{
public:
    ProgressBar();
    void update(const std::string &label, long done, long total, const std::string &suffix);
    void finishLine(); // ends the bar's line before other output
    bool enabled() const { return m_enabled; }

private:
    bool m_enabled;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_last;
};

std::string formatDuration(double seconds);

} // namespace qs::cli
