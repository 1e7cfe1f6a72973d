#pragma once
// Shared by the libFuzzer harnesses: the loaders take paths, so each input is written to a per-process
// scratch directory first, and the error contract every loader promises is checked in one place.
//
// The contract (docs/reliability.md): bad input is a qs::Error with one line (or the std::invalid_argument an
// API documents). Any other exception escaping a loader is a finding, so it aborts and libFuzzer saves the
// input; so do ASan/UBSan reports, leaks and hangs (-timeout).

#include "core/error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <typeinfo>
#include <unistd.h>
#include <vector>

namespace qsfuzz {

// A scratch directory of this process, removed at exit (a crash leaves it in $TMPDIR for inspection).
inline const std::filesystem::path &scratchDir()
{
    static const std::filesystem::path dir = [] {
        auto d = std::filesystem::temp_directory_path() / ("qsfuzz." + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(scratchDir(), ec);
        });
        return d;
    }();
    return dir;
}

inline std::string writeScratch(const std::string &name, std::string_view bytes)
{
    const auto path = (scratchDir() / name).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) {
        std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
        std::abort();
    }
    return path;
}

inline void removeScratch(const std::string &name)
{
    std::error_code ec;
    std::filesystem::remove(scratchDir() / name, ec);
}

// Splits an input into `parts` pieces at the separator "QSFUZZ--" (the seeds use it; tests/fuzz/qs.dict
// offers it to the mutator). Missing separators leave the later pieces empty.
inline std::vector<std::string_view> splitInput(const uint8_t *data, size_t size, size_t parts)
{
    constexpr std::string_view kSeparator = "QSFUZZ--";
    std::string_view rest(reinterpret_cast<const char *>(data), size);
    std::vector<std::string_view> out;
    while (out.size() + 1 < parts) {
        const auto at = rest.find(kSeparator);
        if (at == std::string_view::npos)
            break;
        out.push_back(rest.substr(0, at));
        rest.remove_prefix(at + kSeparator.size());
    }
    out.push_back(rest);
    out.resize(parts);
    return out;
}

[[noreturn]] inline void contractViolation(const char *what, const char *type, const char *message)
{
    std::fprintf(stderr, "fuzz harness: %s: %s escaped the loader: %s\n", what, type, message);
    std::abort();
}

[[noreturn]] inline void escaped(const char *what, const std::exception &e)
{
    contractViolation(what, typeid(e).name(), e.what());
}

// A qs::Error must be one non-empty line (core/error.h): the CLI and GUI print it as it is.
inline void checkOneLine(const char *what, const qs::Error &e)
{
    const std::string_view m = e.what();
    if (m.empty() || m.find('\n') != std::string_view::npos)
        contractViolation(what, "a qs::Error that is not one line", e.what());
}

} // namespace qsfuzz
