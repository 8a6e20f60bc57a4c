#include "exdm/base/small_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

#include "exdm/base/bounded_call.h"

namespace exdm {
namespace {

std::string Named(const std::string& what, const std::string& path) {
  return what + " '" + path + "'";
}

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

Status NotRegular(const std::string& what, const std::string& path, mode_t mode) {
  return Status(ErrorCode::kBadInput,
                Named(what, path) + " is " + KindOf(mode) + ", not a regular file");
}

Status TooLarge(const std::string& what, const std::string& path, size_t max_bytes) {
  return Status(ErrorCode::kBadInput, Named(what, path) + " is larger than " +
                                          std::to_string(max_bytes) + " bytes, too large for a " +
                                          what);
}

}  // namespace

Result<int> OpenRegularFile(const std::string& path, const std::string& what) {
  struct stat st {};
  // Looked at before it is opened: opening a device can have effects of its own.
  if (::stat(path.c_str(), &st) != 0) {
    return Status(ErrorCode::kIoError,
                  "cannot read " + Named(what, path) + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return NotRegular(what, path, st.st_mode);
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return Status(ErrorCode::kIoError,
                  "cannot read " + Named(what, path) + ": " + std::strerror(errno));
  }
  // Swapped for something else between the look and the open.
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return NotRegular(what, path, st.st_mode);
  }
  return fd;
}

Result<std::string> ReadSmallFileNow(const std::string& path, const std::string& what,
                                     size_t max_bytes) {
  Result<int> fd = OpenRegularFile(path, what);
  if (!fd.ok()) return fd.status();
  struct stat st {};
  if (::fstat(*fd, &st) == 0 && static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(*fd);
    return TooLarge(what, path, max_bytes);
  }
  std::string data;
  data.resize(st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1 : 4096);
  size_t have = 0;
  while (true) {
    if (have == data.size()) {
      if (data.size() > max_bytes) break;
      data.resize(std::min(data.size() * 2, max_bytes + 1));
    }
    const ssize_t n = ::read(*fd, &data[have], data.size() - have);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(*fd);
      return Status(ErrorCode::kIoError,
                    "cannot read " + Named(what, path) + ": " + std::strerror(error));
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  ::close(*fd);
  if (have > max_bytes) return TooLarge(what, path, max_bytes);
  data.resize(have);
  return data;
}

Result<std::string> ReadSmallFile(const std::string& path, const std::string& what,
                                  size_t max_bytes, const Deadline& deadline) {
  // The helper thread owns copies of everything it uses (it may outlive this call).
  return RunBounded<std::string>(
      deadline, [path, what, max_bytes](WorkProgress& progress) -> Result<std::string> {
        progress.Set("reading " + Named(what, path));
        return ReadSmallFileNow(path, what, max_bytes);
      });
}

}  // namespace exdm
