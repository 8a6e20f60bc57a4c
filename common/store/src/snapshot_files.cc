#include "snapshot_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "exdm/base/time_util.h"

namespace exdm::store_files {

// As the queue snapshot reader reads (exdm/tracking/queue_snapshot.h): whole, bounded in size, on
// the helper thread ReadAll bounds by the deadline.
Result<std::string> ReadWhole(const std::string& path, size_t max_bytes, const std::string& kind) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(ErrorCode::kIoError, std::strerror(errno));
  std::string data;
  char buffer[8192];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return Status(ErrorCode::kIoError, std::strerror(error));
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      ::close(fd);
      return Status(ErrorCode::kBadInput,
                    "larger than " + std::to_string(max_bytes) + " bytes: not a " + kind);
    }
  }
  ::close(fd);
  return data;
}

Status CheckAge(const std::string& what, int64_t taken_at, const StoreSnapshotOptions& options) {
  const int64_t age = options.now - taken_at;
  if (age > options.max_age_seconds) {
    return Status(ErrorCode::kBadInput, what + " is stale: taken " + FormatIso8601Utc(taken_at) +
                                            ", " + FormatDuration(age) + " ago (max age " +
                                            FormatDuration(options.max_age_seconds) +
                                            "; is the scheduled task running?)");
  }
  if (-age > options.max_skew_seconds) {
    return Status(ErrorCode::kBadInput, what + " is dated " + FormatDuration(-age) +
                                            " in the future (" + FormatIso8601Utc(taken_at) +
                                            "): the clocks disagree");
  }
  return Status::Ok();
}

}  // namespace exdm::store_files
