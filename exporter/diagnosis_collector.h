// The diagnosis collector: the second half of the core's pipeline (CorrelateAndDiagnose,
// exdm/diagnosis/pipeline.h) over the latest results of the source collectors (latest_results.h),
// so no log is read and no audit run twice. It ties stalled recipients to the audited stores over
// LDAP (through a bounded recipient cache) for exchange_store_stalled_deliveries, and publishes
// one exchange_delivery_diagnosis series per current diagnosis, the kinds `all` prints; with
// mailbox snapshots, exchange_smtp_mailbox_findings: the latest audit's findings and the
// store-side ones (judged against that audit as `mailbox` and `all` judge them), in one family.
//
// Its first refresh waits for every configured source's first attempt, at most [ldap] timeout +
// 5 s; later ones take the latest results as they are and do nothing when none changed. A failed
// correlation (the LDAP lookup) fails the refresh and keeps the previous families.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collector.h"
#include "exdm/ad/ldap_settings.h"
#include "exdm/base/store_ref.h"
#include "exdm/diagnosis/diagnosis.h"
#include "exdm/diagnosis/recipient_stores.h"
#include "exdm/diagnosis/store_side.h"
#include "exdm/diagnosis/store_stalls.h"
#include "latest_results.h"

namespace exdm::exporter {

class DiagnosisCollector : public Collector {
 public:
  // `ldap`: the credentials for the recipient lookups; `timeout` bounds them (and the first wait).
  // `store_stalls`: export exchange_store_stalled_deliveries (LDAP and tracking logs configured).
  // `store_findings`: export exchange_smtp_mailbox_findings (mailbox snapshots configured).
  DiagnosisCollector(std::shared_ptr<LatestResults> results, LdapSettings ldap,
                     std::chrono::seconds timeout, std::chrono::seconds interval, bool store_stalls,
                     bool store_findings = false);

  std::string name() const override { return "diagnosis"; }
  std::chrono::seconds interval() const override { return interval_; }
  Status Refresh() override;
  std::vector<prometheus::MetricFamily> Families() const override;

 private:
  Status Diagnose(const LatestResults::Results& latest);

  const std::shared_ptr<LatestResults> results_;
  const LdapSettings ldap_;
  const std::chrono::seconds timeout_;
  const std::chrono::seconds interval_;
  const bool store_stalls_;
  const bool store_findings_;
  bool first_ = true;
  bool diagnosed_ = false;   // the latest refresh succeeded
  uint64_t generation_ = 0;  // of the results it diagnosed
  RecipientStoreCache cache_;
  Diagnosis diagnosis_;
  std::vector<StoreRef> stores_;  // audited mailbox stores of the tracked servers
  std::vector<StoreStall> stalls_;
  StoreSideReport store_side_;
  std::shared_ptr<const AuditReport> audit_;  // the one diagnosed, for the findings family
};

}  // namespace exdm::exporter
