#include "exdm/tracking/event_ids.h"

#include <algorithm>
#include <tuple>

#include "exdm/base/text_util.h"

namespace exdm {

const std::vector<TrackingEventInfo>& TrackingEventTable::Known() {
  static const std::vector<TrackingEventInfo> kKnown = {
      {50, "X.400 message deleted by an administrator"},
      {51, "X.400 probe deleted by an administrator"},
      {52, "X.400 report deleted by an administrator"},
      {1019, "submitted to advanced queuing"},
      {1020, "outbound transfer started"},
      {1021, "sent to badmail"},
      {1022, "advanced queuing failure"},
      {1023, "delivered by store driver (advanced queuing)"},
      {1024, "submitted to categorizer"},
      {1025, "started submission"},
      {1027, "entered transport from the store"},
      {1028, "delivered locally to store"},
      {1029, "submitted to MTA"},
      {1030, "non-delivery report"},
      {1031, "outbound transfer finished"},
      {1032, "retry categorization"},
      {1033, "categorized"},
      {1034, "queued for remote delivery"},
      {1035, "retry routing"},
      {1036, "queued for local delivery"},
      {1037, "scheduled to retry local delivery"},
      {1038, "gateway delivery"},
      {1039, "IMF deleted"},
      {1040, "IMF rejected"},
      {1041, "IMF archived"},
      {1042, "redirected to an alternate recipient"},
  };
  return kKnown;
}

bool TrackingEventTable::IsKnown(uint32_t id) {
  const auto& k = Known();
  return std::any_of(k.begin(), k.end(), [id](const TrackingEventInfo& e) { return e.id == id; });
}

TrackingEventTable TrackingEventTable::Default() {
  TrackingEventTable t;
  t.roles_[1036] = DeliveryRole::kQueued;
  t.roles_[1028] = DeliveryRole::kAttempt;
  t.roles_[1023] = DeliveryRole::kAttempt;
  t.roles_[1037] = DeliveryRole::kRetry;
  for (uint32_t id : {1030u, 1021u, 50u, 51u, 52u})
    t.roles_[id] = DeliveryRole::kEnd;
  return t;
}

Status TrackingEventTable::SetRole(DeliveryRole role, std::string_view list) {
  std::vector<uint32_t> ids;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view item = TrimAscii(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (item.empty()) continue;
    uint32_t v = 0;
    for (char c : item) {
      if (c < '0' || c > '9' || v > kMaxId) {
        return Status(ErrorCode::kInvalidArgument,
                      "event ID '" + std::string(item) + "' is not a number up to 9999");
      }
      v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    if (v > kMaxId) {
      return Status(ErrorCode::kInvalidArgument, "event ID '" + std::string(item) + "' too large");
    }
    ids.push_back(v);
  }
  for (auto& r : roles_) {
    if (r == role) r = DeliveryRole::kNone;
  }
  for (uint32_t id : ids)
    roles_[id] = role;
  return Status::Ok();
}

Result<TrackingEventTable> MakeTrackingEventTable(std::string_view attempt_events,
                                                  std::string_view end_events) {
  TrackingEventTable table = TrackingEventTable::Default();
  const TrackingEventTable defaults = TrackingEventTable::Default();
  for (auto [role, list, name] : {std::tuple{DeliveryRole::kAttempt, attempt_events, "attempt"},
                                  std::tuple{DeliveryRole::kEnd, end_events, "end"}}) {
    if (TrimAscii(list).empty()) continue;
    TrackingEventTable only;  // this list alone, to check it against the other roles
    if (Status s = only.SetRole(role, list); !s.ok()) {
      return Status(ErrorCode::kInvalidArgument, std::string(name) + " events: " + s.message());
    }
    for (uint32_t id = 0; id <= TrackingEventTable::kMaxId; ++id) {
      if (only.RoleOf(id) != role) continue;
      const DeliveryRole fixed = defaults.RoleOf(id);
      if (fixed == DeliveryRole::kQueued || fixed == DeliveryRole::kRetry) {
        return Status(ErrorCode::kInvalidArgument,
                      std::string(name) + " events: " + std::to_string(id) + " is the " +
                          (fixed == DeliveryRole::kQueued ? "queued" : "retry") +
                          " event and cannot be an " + name + " event");
      }
    }
    (void)table.SetRole(role, list);
  }
  if (!TrimAscii(attempt_events).empty() && !TrimAscii(end_events).empty()) {
    TrackingEventTable attempts;
    (void)attempts.SetRole(DeliveryRole::kAttempt, attempt_events);
    TrackingEventTable ends;
    (void)ends.SetRole(DeliveryRole::kEnd, end_events);
    for (uint32_t id = 0; id <= TrackingEventTable::kMaxId; ++id) {
      if (attempts.RoleOf(id) == DeliveryRole::kAttempt && ends.RoleOf(id) == DeliveryRole::kEnd) {
        return Status(
            ErrorCode::kInvalidArgument,
            "event " + std::to_string(id) + " cannot be both an attempt and an end event");
      }
    }
  }
  return table;
}

}  // namespace exdm
