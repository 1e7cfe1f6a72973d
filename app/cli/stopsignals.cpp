#include "stopsignals.h"

#include <cstring>

namespace qs::cli {

namespace {
constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGUSR1};
std::atomic<bool> *g_flag = nullptr;
volatile std::sig_atomic_t g_signal = 0;

extern "C" void onStopSignal(int signal)
{
    if (g_flag)
        g_flag->store(true);
    if (g_signal == 0)
        g_signal = signal;
    // A second signal: the default action (exit now).
    for (const int s : kSignals)
        std::signal(s, SIG_DFL);
}
} // namespace

StopSignals::StopSignals(std::atomic<bool> &flag)
{
    flag = false;
    g_flag = &flag;
    g_signal = 0;
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < 3; ++i)
        sigaction(kSignals[i], &action, &m_previous[i]);
}

StopSignals::~StopSignals()
{
    for (int i = 0; i < 3; ++i)
        sigaction(kSignals[i], &m_previous[i], nullptr);
    g_flag = nullptr;
}

int StopSignals::signalReceived()
{
    return g_signal;
}

} // namespace qs::cli
