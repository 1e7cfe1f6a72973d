#pragma once
// Core's edge: every torch-free API function that runs LibTorch code wraps its body in atCoreEdge, so a
// c10::Error (message plus backtrace) or any other exception leaves core as one qs::Error line. Torch header.

#include "core/torchonly.h"

#include "core/error.h"

#include <c10/util/Exception.h>

#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace qs {

// Runs f(); qs::Error and std::invalid_argument pass through unchanged, c10::Error becomes its message without the backtrace,
// anything else derived from std::exception its first line. `context` (a file name, say) is put in front of
// messages that do not already start with it.
template <typename F> decltype(auto) atCoreEdge(const std::string &context, F &&f)
{
    auto withContext = [&](const std::string &line) {
        if (context.empty() || line.rfind(context, 0) == 0)
            return line;
        return context + ": " + line;
    };
    try {
        return std::forward<F>(f)();
    } catch (const Error &) {
        throw;
    } catch (const std::invalid_argument &) {
        throw; // an absurd request (callers answer it as a usage error): already one line of ours
    } catch (const c10::Error &e) {
        throw Error(withContext(firstLine(e.what_without_backtrace())));
    } catch (const std::exception &e) {
        throw Error(withContext(firstLine(e.what())));
    }
}

template <typename F> decltype(auto) atCoreEdge(F &&f)
{
    return atCoreEdge(std::string(), std::forward<F>(f));
}

} // namespace qs
