#include "progress.h"

#include <cstdio>
#include <unistd.h>

namespace qs::cli {

ProgressBar::ProgressBar() : m_enabled(isatty(fileno(stderr)) != 0) {}

void ProgressBar::update(const std::string &label, long done, long total, const std::string &suffix)
{
    if (!m_enabled)
        return;
    const auto now = std::chrono::steady_clock::now();
    if (m_drawn && done < total && now - m_last < std::chrono::milliseconds(200))
        return;
    m_last = now;
    const int width = 30;
    const int filled = total > 0 ? int(double(done) / double(total) * width) : 0;
    std::string bar(size_t(filled), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%s [%s] %ld/%ld %s\033[K", label.c_str(), bar.c_str(), done, total,
                 suffix.c_str());
    std::fflush(stderr);
    m_drawn = true;
}

void ProgressBar::finishLine()
{
    if (m_enabled && m_drawn) {
        std::fprintf(stderr, "\n");
        m_drawn = false;
    }
}

std::string formatDuration(double seconds)
{
    const long s = long(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
    return buf;
}

} // namespace qs::cli
