#include "core/io/ziparchive.h"

#include "core/io/atomicfile.h"

#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>

namespace qs {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEndOfDirectory = 0x06054b50,
                   kZip64End = 0x06064b50, kZip64Locator = 0x07064b50;

std::string hex32(uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return buf;
}

// Little-endian reads, bounds checked by the caller.
uint64_t le(const std::string &b, size_t at, int n)
{
    uint64_t v = 0;
    for (int j = 0; j < n; ++j)
        v |= uint64_t(uint8_t(b[at + size_t(j)])) << (8 * j);
    return v;
}

uint32_t crc32Of(const char *data, size_t size, uLong crc = crc32(0L, Z_NULL, 0))
{
    while (size > 0) { // zlib takes uInt lengths
        const uInt chunk = uInt(std::min<size_t>(size, std::numeric_limits<uInt>::max()));
        crc = crc32(crc, reinterpret_cast<const Bytef *>(data), chunk);
        data += chunk;
        size -= chunk;
    }
    return uint32_t(crc);
}

// CRC-32 of a deflated record's inflated bytes (torch.jit.save deflates its code records), or an error text.
bool inflatedCrc(const char *data, size_t packed, uint64_t size, uint32_t &crc, std::string &error)
{
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) {
        error = "zlib cannot start";
        return false;
    }
    std::string out(64 * 1024, '\0');
    uLong running = crc32(0L, Z_NULL, 0);
    uint64_t total = 0;
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data));
    z.avail_in = uInt(std::min<size_t>(packed, std::numeric_limits<uInt>::max()));
    int rc = Z_OK;
    while (rc == Z_OK) {
        z.next_out = reinterpret_cast<Bytef *>(out.data());
        z.avail_out = uInt(out.size());
        rc = inflate(&z, Z_NO_FLUSH);
        const size_t got = out.size() - z.avail_out;
        running = crc32Of(out.data(), got, running);
        total += got;
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            break;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || total != size) {
        error = rc != Z_STREAM_END
                    ? "does not inflate"
                    : "inflates to " + std::to_string(total) + " bytes, not " + std::to_string(size);
        return false;
    }
    crc = uint32_t(running);
    return true;
}

} // namespace

std::shared_ptr<const std::string> readArchiveBytes(const std::string &path)
{
    try {
        return std::make_shared<const std::string>(readWholeFile(path));
    } catch (const ZipArchiveError &) {
        throw;
    } catch (const Error &e) {
        throw ZipArchiveError(e.what());
    }
}

ZipArchive::ZipArchive(const std::string &path) : ZipArchive(path, readArchiveBytes(path)) {}

ZipArchive::ZipArchive(const std::string &path, std::shared_ptr<const std::string> bytes)
    : m_path(path), m_bytes(std::move(bytes))
{
    index();
}

void ZipArchive::fail(const std::string &what) const
{
    throw ZipArchiveError(m_path + ": not a readable zip archive (" + what + ")");
}

void ZipArchive::index()
{
    const std::string &b = *m_bytes;
    const size_t n = b.size();
    if (n < 22)
        fail("shorter than a zip directory");
    // The end-of-central-directory record: the last one within the 64 KiB a comment may take.
    size_t eocd = std::string::npos;
    for (size_t at = n - 22 + 1; at-- > 0 && n - at <= 22 + 65535;)
        if (le(b, at, 4) == kEndOfDirectory && at + 22 + le(b, at + 20, 2) == n) {
            eocd = at;
            break;
        }
    if (eocd == std::string::npos)
        fail("no end of central directory: truncated or not a zip file");
    uint64_t count = le(b, eocd + 10, 2), dirSize = le(b, eocd + 12, 4), dirOffset = le(b, eocd + 16, 4);
    if (eocd >= 20 && le(b, eocd - 20, 4) == kZip64Locator) {
        const uint64_t z = le(b, eocd - 20 + 8, 8);
        if (n < 56 || z > n - 56 || le(b, size_t(z), 4) != kZip64End)
            fail("bad zip64 end of central directory");
        count = le(b, size_t(z) + 32, 8);
        dirSize = le(b, size_t(z) + 40, 8);
        dirOffset = le(b, size_t(z) + 48, 8);
    }
    if (dirOffset > n || dirSize > n - dirOffset)
        fail("central directory outside the file: truncated?");
    size_t at = size_t(dirOffset);
    const size_t dirEnd = size_t(dirOffset + dirSize);
    std::string prefix;
    for (uint64_t k = 0; k < count; ++k) {
        if (at + 46 > dirEnd || le(b, at, 4) != kCentralHeader)
            fail("central directory entry " + std::to_string(k) + " is damaged");
        const uint64_t method = le(b, at + 10, 2), flags = le(b, at + 8, 2);
        const uint32_t crc = uint32_t(le(b, at + 16, 4));
        uint64_t packed = le(b, at + 20, 4), size = le(b, at + 24, 4), local = le(b, at + 42, 4);
        const size_t nameLen = le(b, at + 28, 2), extraLen = le(b, at + 30, 2),
                     commentLen = le(b, at + 32, 2);
        if (at + 46 + nameLen + extraLen + commentLen > dirEnd)
            fail("central directory entry " + std::to_string(k) + " is damaged");
        const std::string name = b.substr(at + 46, nameLen);
        // Zip64: the sizes and offset marked 0xffffffff follow in extra field 0x0001, in this order.
        for (size_t e = at + 46 + nameLen; e + 4 <= at + 46 + nameLen + extraLen;) {
            const uint64_t id = le(b, e, 2), len = le(b, e + 2, 2);
            if (e + 4 + len > at + 46 + nameLen + extraLen)
                break;
            if (id == 1) {
                size_t f = e + 4;
                for (uint64_t *field : {&size, &packed, &local})
                    if (*field == 0xffffffffu) {
                        if (f + 8 > e + 4 + len)
                            fail("record '" + name + "' has a short zip64 field");
                        *field = le(b, f, 8);
                        f += 8;
                    }
            }
            e += 4 + size_t(len);
        }
        at += 46 + nameLen + extraLen + commentLen;
        if (flags & 1)
            throw ZipArchiveError(m_path + ": record '" + name + "' is encrypted");
        if (method != 0 && method != 8)
            throw ZipArchiveError(m_path + ": record '" + name + "' is compressed with method " +
                                  std::to_string(method) + " (only stored and deflated records exist here)");
        if (method == 0 && packed != size)
            fail("record '" + name + "' has two different sizes");
        if (local > n || n - local < 30 || le(b, size_t(local), 4) != kLocalHeader)
            fail("record '" + name + "' has no local header: truncated?");
        const uint64_t start = local + 30 + le(b, size_t(local) + 26, 2) + le(b, size_t(local) + 28, 2);
        if (start > n || packed > n - start)
            throw ZipArchiveError(m_path + ": record '" + name + "' runs past the end of the file (" +
                                  std::to_string(packed) + " bytes announced): truncated?");
        uint32_t actual = 0;
        if (method == 0) {
            actual = crc32Of(b.data() + start, size_t(size));
        } else {
            std::string error;
            if (!inflatedCrc(b.data() + start, size_t(packed), size, actual, error))
                throw ZipArchiveError(m_path + ": record '" + name + "' " + error + ": the file is damaged");
        }
        if (actual != crc)
            throw ZipArchiveError(m_path + ": record '" + name + "' fails its CRC check (stored " +
                                  hex32(crc) + ", computed " + hex32(actual) + "): the file is damaged");
        // PyTorchStreamReader's names: the top folder of the first record is the archive's name.
        if (k == 0)
            prefix = name.find('/') == std::string::npos ? std::string() : name.substr(0, name.find('/') + 1);
        const std::string key = !prefix.empty() && name.compare(0, prefix.size(), prefix) == 0
                                    ? name.substr(prefix.size())
                                    : name;
        m_records[key] = Entry{name, size_t(start), size_t(size), method != 0};
    }
    if (count == 0)
        fail("no records");
}

std::vector<std::string> ZipArchive::names() const
{
    std::vector<std::string> out;
    for (const auto &[name, entry] : m_records)
        out.push_back(name);
    return out;
}

std::string_view ZipArchive::record(const std::string &name) const
{
    auto it = m_records.find(name);
    if (it == m_records.end())
        throw ZipArchiveError(m_path + ": record '" + name + "' is missing");
    if (it->second.deflated)
        throw ZipArchiveError(m_path + ": record '" + it->second.storedName +
                              "' is deflated; PyTorch stores data records uncompressed");
    return std::string_view(m_bytes->data() + it->second.offset, it->second.size);
}

std::string ZipArchive::storedName(const std::string &name) const
{
    auto it = m_records.find(name);
    return it == m_records.end() ? name : it->second.storedName;
}

} // namespace qs
