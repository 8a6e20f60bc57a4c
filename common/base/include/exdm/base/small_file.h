// Reading a small file whole (an options file, an INI, a password, a CA bundle, a web config, a
// queue snapshot, a zone file): the one reader every such read goes through, so none of them can
// be made to hang or to swallow memory by what the path names.
//
//  - Only regular files. The path is looked at (stat) before it is opened, so a device is never
//    opened at all (/dev/zero, a tape); a FIFO, socket, directory or device is refused naming what
//    it is ("is a FIFO (named pipe), not a regular file"). The open is O_NONBLOCK, so a FIFO put
//    there between the look and the open does not block it either, and fstat refuses it then.
//  - A size cap per kind of file: a file beyond it is refused (kBadInput) without reading past
//    the cap, also one that grows while it is read.
//  - Within the deadline: a read on a hung share cannot be interrupted (bounded_call.h), so
//    ReadSmallFile reads on a helper thread and the caller gets kTimeout at the deadline.
//
// `what` names the file in messages the way the user knows it ("password file",
// "--extra-opts file", "config file"): "password file '/etc/x' is a directory, not a regular file".
#pragma once

#include <cstddef>
#include <string>

#include "exdm/base/deadline.h"
#include "exdm/base/status.h"

namespace exdm {

// An open descriptor of a regular file (O_RDONLY | O_NONBLOCK | O_CLOEXEC), or why not:
// kIoError when it cannot be opened (the errno text), kBadInput when it is not a regular file.
// The caller closes it.
Result<int> OpenRegularFile(const std::string& path, const std::string& what);

// The whole file, on the calling thread: for callers already on a bounded helper thread (the
// queue snapshot reader) or reading trusted system files. kBadInput when it holds more than
// max_bytes.
Result<std::string> ReadSmallFileNow(const std::string& path, const std::string& what,
                                     size_t max_bytes);

// The same, bounded by `deadline`: kTimeout "deadline expired while reading WHAT 'PATH'".
Result<std::string> ReadSmallFile(const std::string& path, const std::string& what,
                                  size_t max_bytes, const Deadline& deadline);

}  // namespace exdm
