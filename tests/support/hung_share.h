// A file share that hangs, for real: a FUSE file system (libfuse3) served by threads of the test
// process, holding regular files whose reads block until Release() (or the end of the share), as a
// read on a hard-mounted CIFS share of an Exchange server that went away does. Readers cannot tell
// it from a share: stat says regular file, open succeeds, the read never returns.
//
// FIFOs nobody writes stood in for hung shares before; the readers of small files refuse FIFOs
// at once now (exdm/base/small_file.h), so a deadline-bounded read of a regular file needs this.
// Mounting needs root (or fusermount3) and /dev/fuse: Mount() says why when it cannot, for a
// GTEST_SKIP naming the reason.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>

struct fuse;

namespace exdm::testing {

class HungShare {
 public:
  // A new, empty share mounted at a fresh directory; nullptr and the reason in *why otherwise.
  static std::unique_ptr<HungShare> Mount(std::string* why);
  ~HungShare();  // lets every blocked read fail (EIO), unmounts, removes the mount point
  HungShare(const HungShare&) = delete;
  HungShare& operator=(const HungShare&) = delete;

  const std::string& path() const { return mount_point_; }
  std::string File(const std::string& name) const { return mount_point_ + "/" + name; }

  // A regular file `name` with `content`. Reads of a hanging file block (opening it and stat()
  // answer, as on a share whose server stopped answering reads); others read normally.
  void Put(const std::string& name, const std::string& content, bool hanging);
  // Every read blocked now fails with EIO; reads of hanging files started later block again.
  void Release();
  // Reads blocked right now, and waiting (bounded) until at least `n` are.
  int BlockedReads() const;
  bool WaitForBlockedReads(int n, std::chrono::milliseconds timeout) const;

 private:
  // What the FUSE threads use: shared with them, so it outlives a share whose loop cannot be
  // joined (a reader elsewhere still holds a file).
  struct State;
  friend struct HungShareOps;

  HungShare() = default;

  std::string mount_point_;
  struct fuse* fuse_ = nullptr;
  std::thread loop_;
  std::shared_ptr<State> state_;
};

}  // namespace exdm::testing
