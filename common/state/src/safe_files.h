// Opening what lives in a state directory without being tricked: directories checked as ssh's
// StrictModes checks ~/.ssh, files opened without following links and only if they are regular
// files. Private to the state module.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "exdm/base/status.h"

namespace exdm {

// "<what>: <strerror(errno)>"
std::string Errno(const std::string& what);
// "/a/b" for "/a/b/c"; "." for a bare name.
std::string DirectoryOf(const std::string& path);
// Missing directories of `path` created 0700; a refused mkdir names whose directory it was.
Status MakeParentDirs(const std::string& path);
// The state directory belongs to the effective user and only it may write to it or to any
// directory above it (sticky ones aside).
Status CheckStateDirectory(const std::string& dir);
// "<path> is a symbolic link: ..." / "is not a regular file".
std::string NotARegularFile(const std::string& path, bool link);
// Lock, state and temp files: never through a link, only regular files; returns the fd.
Result<int> OpenStateFile(const std::string& path, int flags, mode_t mode = 0600);
Result<std::string> ReadWhole(const std::string& path);
Status WriteAll(int fd, std::string_view data, const std::string& path);

}  // namespace exdm
