#pragma once
// Every file core writes goes through here, so a full disk, a kill or a power cut never leaves a half-written
// file under its final name. Torch-free.
//
// Whole files (checkpoints, config.ini, exports): written to PATH.tmp, fsynced, renamed over PATH, and the
// directory fsynced; on any failure PATH is untouched and PATH.tmp removed. Append-only logs
// (metrics.jsonl): each append is written whole, and a failed append is cut back off, so no half line
// remains. Errors are qs::Error with one line naming the path and the system's reason.

#include <cstdint>
#include <string>

namespace qs {

// Writes `bytes` to `path` atomically (see above).
void writeFileAtomically(const std::string &path, const std::string &bytes);
// Copies `from` to `to` atomically: `to` is either its old content or a complete copy.
void copyFileAtomically(const std::string &from, const std::string &to);
// The whole content of `path`; throws qs::Error naming it when unreadable.
std::string readWholeFile(const std::string &path);

// A file opened for appending whole records.
class AppendFile
{
public:
    explicit AppendFile(const std::string &path); // created when missing; throws qs::Error naming the path
    ~AppendFile();
    AppendFile(const AppendFile &) = delete;
    AppendFile &operator=(const AppendFile &) = delete;

    // Appends `bytes` completely or not at all: on a failed or short write the file is truncated back to its
    // previous length and qs::Error thrown ("PATH: cannot append (No space left on device)").
    void append(const std::string &bytes);
    const std::string &path() const { return m_path; }

private:
    std::string m_path;
    int m_fd = -1;
};

} // namespace qs
