#include "diagnosis_collector.h"

#include <ctime>
#include <optional>

#include "audit_metrics.h"
#include "diagnosis_metrics.h"
#include "exdm/ad/ldap_audit.h"
#include "exdm/base/deadline.h"
#include "exdm/diagnosis/pipeline.h"

namespace exdm::exporter {
namespace {

// The audited mailbox stores of the servers whose tracking logs are read: each reads 0 in
// exchange_store_stalled_deliveries until a stall is tied to it.
std::vector<StoreRef> TrackedMailboxStores(const AuditReport& audit,
                                           const std::vector<LocalDeliveryReport>& tracking) {
  std::vector<StoreRef> stores;
  for (const StoreInfo& s : audit.stores) {
    if (s.type != StoreType::kMailbox) continue;
    for (const LocalDeliveryReport& server : tracking) {
      if (SameServerName(server.server, s.ref.server)) {
        stores.push_back(s.ref);
        break;
      }
    }
  }
  return stores;
}

}  // namespace

DiagnosisCollector::DiagnosisCollector(std::shared_ptr<LatestResults> results, LdapSettings ldap,
                                       std::chrono::seconds timeout, std::chrono::seconds interval,
                                       bool store_stalls, bool store_findings)
    : results_(std::move(results)),
      ldap_(std::move(ldap)),
      timeout_(timeout),
      interval_(interval),
      store_stalls_(store_stalls),
      store_findings_(store_findings) {}

Status DiagnosisCollector::Refresh() {
  // The sources start together with this collector: the first diagnosis waits for them.
  const auto wait = first_ ? std::chrono::milliseconds(timeout_) + std::chrono::seconds(5)
                           : std::chrono::milliseconds(0);
  first_ = false;
  const LatestResults::Results latest = results_->Get(wait);
  if (diagnosed_ && latest.generation == generation_) return Status::Ok();  // nothing new
  const Status status = Diagnose(latest);
  diagnosed_ = status.ok();
  if (diagnosed_) generation_ = latest.generation;
  return status;
}

Status DiagnosisCollector::Diagnose(const LatestResults::Results& latest) {
  const Deadline deadline = Deadline::After(timeout_);
  std::optional<LdapAuditRequest> request;
  if (latest.audit) {
    // Read the password on every refresh, as the audit does, so a rotated one is picked up.
    auto built = MakeAuditRequest(ldap_, nullptr, deadline);
    if (!built.ok()) return built.status();
    request = std::move(*built);
  }
  SourceResults sources;
  sources.audit = latest.audit.get();
  sources.ldap = request ? &*request : nullptr;
  sources.tracking = latest.tracking.get();
  sources.events = latest.events.get();
  sources.mailboxes = latest.mailboxes.get();
  sources.dsaccess = latest.dsaccess.get();
  sources.recovery_group_name = ldap_.recovery_group_name;
  sources.now = static_cast<int64_t>(std::time(nullptr));
  CorrelatedDiagnosis result = CorrelateAndDiagnose(sources, deadline, &cache_);
  if (!result.correlation_status.ok()) {
    return Status(result.correlation_status.code(),
                  "stalled recipients not tied to stores: " + result.correlation_status.message());
  }
  diagnosis_ = std::move(result.diagnosis);
  store_side_ = result.store_side ? std::move(*result.store_side) : StoreSideReport();
  audit_ = latest.audit;
  if (latest.audit && latest.tracking) {
    stores_ = TrackedMailboxStores(*latest.audit, *latest.tracking);
    stalls_ = std::move(result.correlation->stores);
  }
  return Status::Ok();
}

std::vector<prometheus::MetricFamily> DiagnosisCollector::Families() const {
  std::vector<prometheus::MetricFamily> families;
  families.push_back(DiagnosisFamily(diagnosis_));
  if (store_stalls_) families.push_back(StoreStalledFamily(stores_, stalls_));
  if (store_findings_) families.push_back(SmtpMailboxFindingsFamily(audit_.get(), &store_side_));
  return families;
}

}  // namespace exdm::exporter
