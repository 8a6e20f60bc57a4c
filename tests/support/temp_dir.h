// A fresh directory under $TMPDIR (or /tmp) for one test, removed with everything in it on
// destruction (kept when EXDM_KEEP_TEST_DIRS is set, for debugging).
#pragma once

#include <cstddef>
#include <string>

namespace exdm::testing {

// A new directory "$TMPDIR/<prefix>-XXXXXX" (or under /tmp) that the caller owns; empty on failure.
std::string MakeTempDirectory(const std::string& prefix);

// The last `lines` lines of a file, for failure messages (a server's log).
std::string TailOfFile(const std::string& path, size_t lines);

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "exdm-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace exdm::testing
