#include "log.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "exdm/base/sanitize.h"

namespace exdm::exporter {

void Log(LogPriority priority, std::string_view message) {
  // One write per line under a lock, so lines from collector threads never interleave.
  static std::mutex mutex;
  std::string line = "<" + std::to_string(static_cast<int>(priority)) + ">" +
                     SanitizeForOutput(message, 2048) + "\n";
  std::lock_guard<std::mutex> lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace exdm::exporter
