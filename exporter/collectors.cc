#include "collectors.h"

#include <algorithm>

#include "audit_collector.h"
#include "diagnosis_collector.h"
#include "events_collector.h"
#include "latest_results.h"
#include "queue_snapshot_collector.h"
#include "store_snapshot_collector.h"
#include "store_snapshot_metrics.h"
#include "tracking_collector.h"

namespace exdm::exporter {
namespace {

// The diagnosis follows its fastest source: it has something new at most that often. Only
// called with at least one of them configured.
std::chrono::seconds DiagnosisInterval(const ExporterConfig& config) {
  std::vector<std::chrono::seconds> intervals;
  if (config.AuditEnabled()) intervals.push_back(config.audit_interval);
  if (!config.tracking.dirs.empty()) intervals.push_back(config.tracking_interval);
  if (!config.events.files.empty()) intervals.push_back(config.events_interval);
  if (!config.mailbox_snapshot.files.empty()) intervals.push_back(config.mailbox_snapshot_interval);
  if (!config.dsaccess_snapshot.files.empty())
    intervals.push_back(config.dsaccess_snapshot_interval);
  return *std::min_element(intervals.begin(), intervals.end());
}

}  // namespace

Result<std::vector<std::unique_ptr<Collector>>> MakeCollectors(const ExporterConfig& config,
                                                               const ReaderSlots& slots) {
  std::vector<std::unique_ptr<Collector>> collectors;
  const bool audit = config.AuditEnabled();
  const bool tracking = !config.tracking.dirs.empty();
  const bool events = !config.events.files.empty();
  const bool mailboxes = !config.mailbox_snapshot.files.empty();
  const bool dsaccess = !config.dsaccess_snapshot.files.empty();
  // The sources hand their latest results to the diagnosis collector, which correlates and
  // diagnoses them (the second half of the core's pipeline) without reading anything again.
  std::shared_ptr<LatestResults> results;
  if (audit || tracking || events || mailboxes || dsaccess)
    results = std::make_shared<LatestResults>(audit, tracking, events, mailboxes, dsaccess);
  if (audit) {
    // With mailbox snapshots the diagnosis collector exports the findings, the store's with
    // the audit's, in one family.
    collectors.push_back(std::make_unique<AuditCollector>(
        config.ldap, config.ldap_timeout, config.audit_interval, results, !mailboxes));
  }
  if (tracking) {
    collectors.push_back(std::make_unique<TrackingCollector>(
        config.tracking, config.state_dir, config.tracking_interval, config.read_timeout,
        slots.tracking, results));
  }
  if (events) {
    collectors.push_back(
        std::make_unique<EventsCollector>(config.events, config.state_dir, config.events_interval,
                                          config.read_timeout, slots.events, results));
  }
  if (!config.queue_snapshot.files.empty()) {
    collectors.push_back(std::make_unique<QueueSnapshotCollector>(
        config.queue_snapshot, config.queue_snapshot_interval, config.read_timeout,
        slots.queue_snapshot));
  }
  if (mailboxes) {
    collectors.push_back(std::make_unique<StoreSnapshotCollector<MailboxSnapshot>>(
        "mailbox_snapshot", ReadMailboxSnapshots, MailboxSnapshotFamilies,
        [results](auto snapshots) { results->PublishMailboxes(std::move(snapshots)); },
        config.mailbox_snapshot, config.mailbox_snapshot_interval, config.read_timeout,
        slots.mailbox_snapshot));
  }
  if (dsaccess) {
    collectors.push_back(std::make_unique<StoreSnapshotCollector<DsAccessSnapshot>>(
        "dsaccess_snapshot", ReadDsAccessSnapshots, DsAccessSnapshotFamilies,
        [results](auto snapshots) { results->PublishDsAccess(std::move(snapshots)); },
        config.dsaccess_snapshot, config.dsaccess_snapshot_interval, config.read_timeout,
        slots.dsaccess_snapshot));
  }
  if (results) {
    collectors.push_back(std::make_unique<DiagnosisCollector>(
        results, config.ldap, config.ldap_timeout, DiagnosisInterval(config), audit && tracking,
        mailboxes));
  }
  return collectors;
}

}  // namespace exdm::exporter
