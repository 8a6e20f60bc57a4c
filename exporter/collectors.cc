#include "collectors.h"

#include "audit_collector.h"
#include "events_collector.h"
#include "queue_snapshot_collector.h"
#include "tracking_collector.h"

namespace exdm::exporter {

Result<std::vector<std::unique_ptr<Collector>>> MakeCollectors(const ExporterConfig& config,
                                                               const ReaderSlots& slots) {
  std::vector<std::unique_ptr<Collector>> collectors;
  // With both LDAP and tracking logs, the audit's stores reach the tracking collector, which ties
  // stalled recipients to them (exchange_store_stalled_deliveries).
  std::shared_ptr<AuditShare> share;
  if (config.AuditEnabled() && !config.tracking_dirs.empty())
    share = std::make_shared<AuditShare>();
  if (config.AuditEnabled()) {
    collectors.push_back(
        std::make_unique<AuditCollector>(config.ldap, config.audit_interval, share));
  }
  if (!config.tracking_dirs.empty()) {
    collectors.push_back(std::make_unique<TrackingCollector>(
        config.tracking_dirs, config.state_dir, config.tracking_interval, share, config.ldap,
        config.tracking_events, config.tracking_max_in_flight, config.read_timeout,
        slots.tracking));
  }
  if (!config.event_files.empty()) {
    collectors.push_back(std::make_unique<EventsCollector>(config.event_files, config.event_tz,
                                                           config.state_dir, config.events_interval,
                                                           config.read_timeout, slots.events));
  }
  if (!config.queue_snapshots.empty()) {
    collectors.push_back(std::make_unique<QueueSnapshotCollector>(
        config.queue_snapshots, config.queue_snapshot_max_age, config.queue_snapshot_interval,
        config.read_timeout, slots.queue_snapshot));
  }
  return collectors;
}

}  // namespace exdm::exporter
