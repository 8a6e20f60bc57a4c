// Whether a snapshot written by a scheduled task on the Exchange server may be believed: the one
// rule of the queue, mailbox and DSAccess snapshot readers, so that their messages agree.
#pragma once

#include <cstdint>
#include <string>

#include "exdm/base/status.h"

namespace exdm {

// ok() when a snapshot taken at `taken_at` may be believed at `now`: not older than
// `max_age_seconds`, not further than `max_skew_seconds` in the future (the clocks of the Exchange
// server and of the monitoring host disagree by that much at most). Otherwise kBadInput saying it
// is stale or dated in the future; `what` names the file in the message.
Status CheckSnapshotAge(const std::string& what, int64_t taken_at, int64_t now,
                        int64_t max_age_seconds, int64_t max_skew_seconds);

}  // namespace exdm
