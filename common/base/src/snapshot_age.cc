#include "exdm/base/snapshot_age.h"

#include "exdm/base/time_util.h"

namespace exdm {

Status CheckSnapshotAge(const std::string& what, int64_t taken_at, int64_t now,
                        int64_t max_age_seconds, int64_t max_skew_seconds) {
  const int64_t age = now - taken_at;
  if (age > max_age_seconds) {
    return Status(ErrorCode::kBadInput, what + " is stale: taken " + FormatIso8601Utc(taken_at) +
                                            ", " + FormatDuration(age) + " ago (max age " +
                                            FormatDuration(max_age_seconds) +
                                            "; is the scheduled task running?)");
  }
  if (-age > max_skew_seconds) {
    return Status(ErrorCode::kBadInput, what + " is dated " + FormatDuration(-age) +
                                            " in the future (" + FormatIso8601Utc(taken_at) +
                                            "): the clocks disagree");
  }
  return Status::Ok();
}

}  // namespace exdm
