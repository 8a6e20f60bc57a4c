// A fresh directory under $TMPDIR (or /tmp) for one test, removed with everything in it on
// destruction (kept when EXDM_KEEP_TEST_DIRS is set, for debugging).
#pragma once

#include <string>

namespace exdm::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "exdm-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace exdm::testing
