// The tracking module's two sources as an operator configures them, declared once for both front
// ends: the message tracking logs (the check's --tracking-dir, --attempt-events, --end-events,
// --max-in-flight; the exporter's [tracking] keys) and the WMI queue snapshots (--queue-snapshot,
// --snapshot-max-age; [queue_snapshot] file, max_age). One builder per run turns the settings into
// the run's options; the front ends add only whose state it is and where.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "exdm/base/inputs.h"
#include "exdm/tracking/event_ids.h"
#include "exdm/tracking/queue_snapshot.h"
#include "exdm/tracking/run.h"

namespace exdm {

struct TrackingSettings {
  std::vector<NamedPath> dirs;  // one message tracking directory per server; empty: no source
  TrackingEventTable events = TrackingEventTable::Default();  // attempts and ends
  size_t max_in_flight = 2'000'000;  // deliveries tracked per server; beyond: overflow
};

struct QueueSnapshotSettings {
  std::vector<NamedPath> files;   // one snapshot file per server; empty: no source
  int64_t max_age_seconds = 900;  // older snapshots are refused
};

// One tracking run over `settings` for `consumer` (whose offsets: "queue", "all", "exporter"),
// with its state at `state_path` ("" for none), evaluated at `now`.
TrackingRunOptions MakeTrackingRunOptions(const TrackingSettings& settings, std::string consumer,
                                          std::string state_path, int64_t now);

// One read of every snapshot in `settings`, evaluated at `now`.
QueueSnapshotOptions MakeQueueSnapshotOptions(const QueueSnapshotSettings& settings, int64_t now);

}  // namespace exdm
