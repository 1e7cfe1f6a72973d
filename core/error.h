#pragma once
// The one error type that leaves core: a single line saying what is wrong and where. Torch-free.
//
// Everything core throws across its torch-free API is a qs::Error (or derives from it: ModelIoError,
// DatasetError, TorchFormatError), so callers print e.what() as it is. LibTorch's c10::Error, whose message
// carries context lines and a C++ backtrace, is turned into one at core's edge (core/torchedge.h), once.

#include <stdexcept>
#include <string>

namespace qs {

// The first non-empty line of `text`, trailing blanks removed, cut at `maxLength` characters ("..." added).
std::string firstLine(const std::string &text, size_t maxLength = 400);

class Error : public std::runtime_error
{
public:
    // Keeps only the first line of `message`.
    explicit Error(const std::string &message);
};

} // namespace qs
