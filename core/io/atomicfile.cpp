#include "core/io/atomicfile.h"

#include "core/error.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qs {

namespace {

std::string reason(int err)
{
    return std::strerror(err);
}

// write(2) until every byte is out; false (errno set) on the first failure.
bool writeAll(int fd, const char *data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (n == 0) { // no progress and no error: treat as a full device
            errno = ENOSPC;
            return false;
        }
        data += n;
        size -= size_t(n);
    }
    return true;
}

// fsync the directory holding `path`, so the rename itself survives a power cut. File systems that cannot
// sync a directory (EINVAL) have nothing to sync.
void syncDirectoryOf(const std::string &path)
{
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (dir.empty())
        dir = ".";
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0 && err != EINVAL && err != EROFS)
        throw Error(path + ": cannot sync its directory (" + reason(err) + ")");
}

} // namespace

void writeFileAtomically(const std::string &path, const std::string &bytes)
{
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw Error(path + ": cannot create " + tmp + " (" + reason(errno) + ")");
    auto fail = [&](const std::string &what, int err) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw Error(path + ": " + what + " (" + reason(err) + ")");
    };
    if (!writeAll(fd, bytes.data(), bytes.size()))
        fail("cannot write", errno);
    if (::fsync(fd) != 0)
        fail("cannot write", errno);
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error(path + ": cannot write (" + reason(err) + ")");
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error(path + ": cannot rename " + tmp + " into place (" + reason(err) + ")");
    }
    syncDirectoryOf(path);
}

std::string readWholeFile(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw Error(path + ": cannot open (" + reason(errno) + ")");
    std::string out;
    char buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::close(fd);
            throw Error(path + ": cannot read (" + reason(err) + ")");
        }
        if (n == 0)
            break;
        out.append(buffer, size_t(n));
    }
    ::close(fd);
    return out;
}

void copyFileAtomically(const std::string &from, const std::string &to)
{
    writeFileAtomically(to, readWholeFile(from));
}

AppendFile::AppendFile(const std::string &path) : m_path(path)
{
    m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (m_fd < 0)
        throw Error(path + ": cannot open for appending (" + reason(errno) + ")");
}

AppendFile::~AppendFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

void AppendFile::append(const std::string &bytes)
{
    struct stat before
    {
    };
    if (::fstat(m_fd, &before) != 0)
        throw Error(m_path + ": cannot append (" + reason(errno) + ")");
    if (writeAll(m_fd, bytes.data(), bytes.size()))
        return;
    const int err = errno;
    // Cut the partial record back off: a reader must never see half a line. If even that fails the
    // reader's rule for a line without its newline (wait, or report it) still applies.
    while (::ftruncate(m_fd, before.st_size) != 0 && errno == EINTR) {
    }
    throw Error(m_path + ": cannot append (" + reason(err) + ")");
}

} // namespace qs
