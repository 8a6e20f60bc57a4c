#include "safe_files.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace exdm {

namespace {

// "uid 102 (nagios)"; the bare number for a uid without a passwd entry.
std::string DescribeUid(uid_t uid) {
  std::string out = "uid " + std::to_string(uid);
  struct passwd entry;
  struct passwd* found = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &entry, buf, sizeof buf, &found) == 0 && found != nullptr) {
    out += std::string(" (") + found->pw_name + ")";
  }
  return out;
}

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Missing directories are created 0700 (mkdir never follows a link in the last component); what
// they may be is CheckStateDirectory's business. A refused mkdir names whose directory it was
// made in: typically another user's run created it first.
Status MakeParentDirs(const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    const std::string dir = path.substr(0, pos);
    if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) continue;
    const int error = errno;
    std::string message = Errno(dir);
    struct stat st;
    const std::string parent = DirectoryOf(dir);
    if (error == EACCES && ::stat(parent.c_str(), &st) == 0) {
      message += " (in " + parent + ", owned by " + DescribeUid(st.st_uid) + ", mode " +
                 OctalMode(st.st_mode) + ")";
    }
    return Status(ErrorCode::kIoError, message);
  }
  return Status::Ok();
}

// Whoever can write to the state directory, or to one above it, can plant a link where the lock,
// state or temp file is opened, or a state of their own. So, as ssh's StrictModes does for ~/.ssh:
// the directory belongs to the effective user and nobody else may write to it; every directory
// above belongs to root or that user and nobody else may write to it unless it is sticky (as
// /var/tmp is). A link on the way is resolved first (systemd's DynamicUser= state directory is
// one).
Status CheckStateDirectory(const std::string& dir) {
  const std::string what = "state directory " + dir;
  char* resolved = ::realpath(dir.c_str(), nullptr);
  if (resolved == nullptr) return Status(ErrorCode::kIoError, Errno(what));
  const std::string real = resolved;
  std::free(resolved);
  const uid_t me = ::geteuid();
  struct stat st;
  if (::stat(real.c_str(), &st) != 0) return Status(ErrorCode::kIoError, Errno(what));
  if (!S_ISDIR(st.st_mode)) return Status(ErrorCode::kIoError, what + ": Not a directory");
  if (st.st_uid != me) {
    return Status(
        ErrorCode::kIoError,
        what + " is owned by " + DescribeUid(st.st_uid) + ", not by " + DescribeUid(me) +
            " running this: remove it if stale, or give this user a directory of its own");
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    return Status(ErrorCode::kIoError, what + " is writable by group or others (mode " +
                                           OctalMode(st.st_mode) + "): chmod go-w " + dir);
  }
  for (std::string up = DirectoryOf(real);; up = DirectoryOf(up)) {
    if (::stat(up.c_str(), &st) != 0) return Status(ErrorCode::kIoError, Errno(what + ": " + up));
    if (st.st_uid != 0 && st.st_uid != me) {
      return Status(ErrorCode::kIoError, what + " lies under " + up + ", owned by " +
                                             DescribeUid(st.st_uid) +
                                             ", who could replace it: use a directory under ones "
                                             "only root or " +
                                             DescribeUid(me) + " can change");
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
      return Status(ErrorCode::kIoError,
                    what + " lies under " + up +
                        ", writable by group or others without the sticky bit (mode " +
                        OctalMode(st.st_mode) + "), so anyone could replace it: chmod +t or go-w " +
                        up);
    }
    if (up == "/" || up == ".") break;
  }
  return Status::Ok();
}

std::string NotARegularFile(const std::string& path, bool link) {
  return path + (link ? " is a symbolic link" : " is not a regular file") +
         ": a state file never is; refusing to follow it (remove it)";
}

// Lock, state and temp files: never through a link (a planted one would have us overwrite its
// target), only regular files (a FIFO would block the run).
Result<int> OpenStateFile(const std::string& path, int flags, mode_t mode) {
  const int fd = ::open(path.c_str(), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == ELOOP) return Status(ErrorCode::kIoError, NotARegularFile(path, true));
    if (errno == EEXIST) {  // O_EXCL: the temp file, whose leftovers were removed under the lock
      return Status(ErrorCode::kIoError,
                    path + " appeared while the state was locked: refusing to write through it");
    }
    return Status(ErrorCode::kIoError, Errno(path));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(ErrorCode::kIoError, NotARegularFile(path, false));
  }
  return fd;
}

Result<std::string> ReadWhole(const std::string& path) {
  auto opened = OpenStateFile(path, O_RDONLY);
  if (!opened) return opened.status();
  const int fd = *opened;
  std::string out;
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const Status s(ErrorCode::kIoError, Errno(path));
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(ErrorCode::kIoError, Errno(path));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace exdm
