// The message tracking event IDs (docs/DOMAIN.md "Message tracking event IDs") as data, and the
// role each plays in the stall model. Which IDs count as an attempt and which end a delivery are
// configurable.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/status.h"

namespace exdm {

enum class DeliveryRole : uint8_t {
  kNone,     // counted, otherwise ignored
  kQueued,   // 1036: queued for local delivery
  kAttempt,  // 1028 / 1023: a delivery attempt, tentative until no retry follows
  kRetry,    // 1037: scheduled to retry local delivery
  kEnd,      // 1030 NDR, 1021 badmail, ...: the delivery is over
};

struct TrackingEventInfo {
  uint32_t id;
  std::string_view meaning;
};

class TrackingEventTable {
 public:
  static constexpr uint32_t kMaxId = 9999;  // IDs above are counted as "other"

  // 1036 queued; 1028, 1023 attempts; 1037 retry; 1030, 1021, 50, 51, 52 end.
  static TrackingEventTable Default();
  // The IDs docs/DOMAIN.md "Message tracking event IDs" lists; others are reported as "other".
  static const std::vector<TrackingEventInfo>& Known();
  static bool IsKnown(uint32_t id);

  DeliveryRole RoleOf(uint32_t id) const { return id <= kMaxId ? roles_[id] : DeliveryRole::kNone; }
  // Replaces every ID holding `role` with the comma-separated list ("1028,1023").
  Status SetRole(DeliveryRole role, std::string_view comma_separated_ids);

 private:
  std::array<DeliveryRole, kMaxId + 1> roles_{};
};

// The table both front ends configure (check: --attempt-events / --end-events; exporter:
// [tracking] attempt_events / end_events): Default() with each non-empty comma-separated list
// replacing the IDs of its role. An ID in both lists, or one that is the queue (1036) or retry
// (1037) event, is an error naming it.
Result<TrackingEventTable> MakeTrackingEventTable(std::string_view attempt_events,
                                                  std::string_view end_events);

}  // namespace exdm
