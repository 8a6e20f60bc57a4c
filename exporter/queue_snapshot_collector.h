// The WMI queue snapshot collector ([queue_snapshot] file): reads each server's snapshot with the
// core's ReadQueueSnapshots (the check's --queue-snapshot code) on queue_snapshot_interval. A
// snapshot that is missing, unreadable, garbage or older than [queue_snapshot] max_age fails the
// refresh (logged, exchange_collector_success 0) and keeps that server's last good values, whose
// exchange_queue_snapshot_timestamp_seconds then shows how old they are.
//
// Families (exchange_queue_snapshot_*, per server; every configured server present, at 0 until
// its first good snapshot): messages, size_bytes, oldest_message_timestamp_seconds (0 when the
// queue is empty), retry (0/1), timestamp_seconds (when the snapshot was taken). Separate
// families rather than a `source` label on exchange_local_delivery_*: the two sources count
// different things (messages vs (message, recipient) pairs), so one family would mix units.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector.h"
#include "exdm/base/bounded_call.h"
#include "exdm/tracking/queue_snapshot.h"
#include "exdm/tracking/settings.h"

namespace exdm::exporter {

// One configured server and its latest good snapshot (none before the first).
struct ServerQueueSnapshot {
  std::string server;
  std::optional<QueueSnapshot> snapshot;
};

std::vector<prometheus::MetricFamily> QueueSnapshotFamilies(
    const std::vector<ServerQueueSnapshot>& servers);

class QueueSnapshotCollector : public Collector {
 public:
  QueueSnapshotCollector(QueueSnapshotSettings settings, std::chrono::seconds interval,
                         std::chrono::seconds read_timeout = std::chrono::seconds(0),
                         std::shared_ptr<ReaderSlot> reader_slot = std::make_shared<ReaderSlot>());

  std::string name() const override { return "queue_snapshot"; }
  std::chrono::seconds interval() const override { return interval_; }
  Status Refresh() override;
  std::vector<prometheus::MetricFamily> Families() const override;

 private:
  const QueueSnapshotSettings settings_;
  const std::chrono::seconds interval_;
  const std::chrono::seconds read_timeout_;
  // Held while a read runs; a read stuck on a hung share keeps it (see bounded_call.h).
  const std::shared_ptr<ReaderSlot> reader_slot_;
  std::vector<ServerQueueSnapshot> last_good_;
};

}  // namespace exdm::exporter
