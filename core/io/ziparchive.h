#pragma once
// A zip archive as PyTorchStreamWriter writes it (torch.save >= 1.6, torch.jit.save, torch::serialize
// archives such as .qsckpt), read whole into memory and verified before anyone uses its bytes. Torch-free.
//
// PyTorchStreamReader (miniz built with MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS) never checks a record's
// CRC-32, so a flipped bit inside a tensor becomes a wrong weight. Here every record's local header, bounds
// and CRC-32 are checked when the archive is opened.

#include "core/error.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

// what() is one line: "PATH: what is wrong".
struct ZipArchiveError : Error
{
    using Error::Error;
};

class ZipArchive
{
public:
    // Reads PATH and verifies every record (inside the file, CRC-32 as the central directory says; deflated
    // ones, as torch.jit.save writes its code, inflated to check it).
    // Throws ZipArchiveError: "PATH: cannot open ...", "PATH: not a readable zip archive (...)",
    // "PATH: record 'NAME' fails its CRC check (...)".
    explicit ZipArchive(const std::string &path);
    // The same over bytes already in memory (kept alive by the archive); PATH only names them in errors.
    ZipArchive(const std::string &path, std::shared_ptr<const std::string> bytes);

    const std::string &path() const { return m_path; }
    const std::string &bytes() const { return *m_bytes; }
    std::shared_ptr<const std::string> sharedBytes() const { return m_bytes; }
    // Record names as PyTorchStreamReader gives them: without the archive's top folder ("data.pkl",
    // "data/0").
    std::vector<std::string> names() const;
    bool has(const std::string &name) const { return m_records.count(name) > 0; }
    // The record's bytes (a view into bytes()); throws ZipArchiveError naming the record when it is absent.
    std::string_view record(const std::string &name) const;
    // The name as stored in the zip ("archive/data/3"), for messages.
    std::string storedName(const std::string &name) const;

private:
    struct Entry
    {
        std::string storedName;
        size_t offset = 0, size = 0;
        bool deflated = false; // verified by inflating; record() refuses it
    };
    void index();
    [[noreturn]] void fail(const std::string &what) const;

    std::string m_path;
    std::shared_ptr<const std::string> m_bytes;
    std::map<std::string, Entry> m_records;
};

// The bytes of PATH (readWholeFile, shared); throws ZipArchiveError naming PATH when it cannot be read.
std::shared_ptr<const std::string> readArchiveBytes(const std::string &path);

} // namespace qs
