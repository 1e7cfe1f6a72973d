#pragma once
// The timing rule every benchmark here uses: one warm-up call, then the median of `reps` timed calls.

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace qsbench {

inline double medianMs(int reps, const std::function<void()> &fn)
{
    fn(); // warm-up: page in buffers and files, build level tables
    std::vector<double> times;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        times.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

} // namespace qsbench
