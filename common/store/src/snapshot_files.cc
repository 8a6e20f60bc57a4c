#include "snapshot_files.h"

#include "exdm/base/time_util.h"

namespace exdm::store_files {

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
