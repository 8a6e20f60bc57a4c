// The tracking-log collector: runs the core's RunTrackingAnalysis (the check's queue code) on
// tracking_interval, incrementally, with its state in <state_dir>/tracking.state (consumer
// "exporter", so it never shares offsets with the check), so counters only go up and survive
// rotation and restarts. A run that fails keeps the previous report.
// With LDAP configured, the stalled recipients are tied to the audit collector's stores (core:
// store_stalls.h, through a bounded recipient cache) for exchange_store_stalled_deliveries.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "audit_share.h"
#include "collector.h"
#include "exdm/base/bounded_call.h"
#include "exdm/diagnosis/recipient_stores.h"
#include "exdm/diagnosis/store_stalls.h"
#include "exdm/tracking/local_delivery.h"
#include "exporter_config.h"

namespace exdm::exporter {

class TrackingCollector : public Collector {
 public:
  // `audit` (optional): the audit collector's reports; `ldap`: credentials for the lookups.
  TrackingCollector(std::vector<NamedPath> dirs, std::string state_dir,
                    std::chrono::seconds interval, std::shared_ptr<AuditShare> audit = nullptr,
                    LdapSettings ldap = {},
                    TrackingEventTable events = TrackingEventTable::Default(),
                    size_t max_in_flight = 2'000'000,
                    std::chrono::seconds read_timeout = std::chrono::seconds(0),
                    std::shared_ptr<ReaderSlot> reader_slot = std::make_shared<ReaderSlot>());

  std::string name() const override { return "tracking"; }
  std::chrono::seconds interval() const override { return interval_; }
  Status Refresh() override;
  std::vector<prometheus::MetricFamily> Families() const override;

 private:
  const std::vector<NamedPath> dirs_;
  const std::string state_path_;
  const std::chrono::seconds interval_;
  const TrackingEventTable events_;
  const size_t max_in_flight_;
  const std::chrono::seconds read_timeout_;
  // Held while a read runs; a read stuck on a hung share keeps it (see bounded_call.h).
  const std::shared_ptr<ReaderSlot> reader_slot_;
  // Ties this refresh's stalls to stores; on failure the previous per-store values stay.
  Status CorrelateWithStores();

  std::vector<LocalDeliveryReport> last_good_;
  const std::shared_ptr<AuditShare> audit_;
  const LdapSettings ldap_;
  RecipientStoreCache cache_;
  bool waited_for_audit_ = false;
  std::vector<StoreRef> stores_;  // audited mailbox stores of the tracked servers
  std::vector<StoreStall> stalls_;
};

}  // namespace exdm::exporter
