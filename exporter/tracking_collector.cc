#include "tracking_collector.h"

#include <algorithm>
#include <ctime>

#include "audit_collector.h"
#include "exdm/ad/ldap_audit.h"
#include "exdm/base/deadline.h"
#include "exdm/base/store_ref.h"
#include "exdm/tracking/run.h"
#include "log.h"
#include "tracking_metrics.h"

namespace exdm::exporter {

TrackingCollector::TrackingCollector(std::vector<NamedPath> dirs, std::string state_dir,
                                     std::chrono::seconds interval,
                                     std::shared_ptr<AuditShare> audit, LdapSettings ldap,
                                     TrackingEventTable events, size_t max_in_flight,
                                     std::chrono::seconds read_timeout,
                                     std::shared_ptr<ReaderSlot> reader_slot)
    : dirs_(std::move(dirs)),
      state_path_(state_dir + "/tracking.state"),
      interval_(interval),
      events_(events),
      max_in_flight_(max_in_flight),
      read_timeout_(read_timeout),
      reader_slot_(std::move(reader_slot)),
      audit_(std::move(audit)),
      ldap_(std::move(ldap)) {
  // Until the first run, every configured server is present at 0.
  for (const NamedPath& dir : dirs_) {
    LocalDeliveryReport empty;
    empty.server = dir.server;
    last_good_.push_back(std::move(empty));
  }
}

Status TrackingCollector::Refresh() {
  TrackingRunOptions run;
  run.dirs = dirs_;
  run.state_path = state_path_;
  run.consumer = "exporter";
  run.config.events = events_;
  run.now = static_cast<int64_t>(std::time(nullptr));
  run.config.max_in_flight = max_in_flight_;
  run.reader_slot = reader_slot_;
  // A hung share must not stop the collector for long, but a big first read needs time.
  const auto budget = ReadBudget(
      read_timeout_, std::max<std::chrono::seconds>(interval_ * 4, std::chrono::seconds(60)));
  Result<TrackingRunResult> result = RunTrackingAnalysis(run, Deadline::After(budget));
  if (!result.ok()) return result.status();
  // State rebuilt, leftovers removed, files truncated or replaced: each happens once, so each is
  // logged when it happens (the check shows the same notes in its long output).
  for (const std::string& w : result->warnings)
    Log(LogPriority::kWarning, "tracking: " + w);
  for (const LocalDeliveryReport& server : result->servers) {
    for (const std::string& w : server.warnings)
      Log(LogPriority::kWarning, "tracking: " + server.server + ": " + w);
  }
  std::string errors;
  for (const LocalDeliveryReport& server : result->servers) {
    for (const std::string& e : server.file_errors) {
      errors += (errors.empty() ? "" : "; ") + server.server + ": " + e;
    }
  }
  last_good_ = std::move(result->servers);
  const Status correlated = audit_ ? CorrelateWithStores() : Status::Ok();
  // Servers whose files failed keep their saved counters (the state only advances what was
  // read); the collector still reports the failure so it is seen and logged.
  if (!errors.empty()) return Status(ErrorCode::kIoError, errors);
  return correlated;
}

Status TrackingCollector::CorrelateWithStores() {
  // The first refresh waits for the first audit (both start together), later ones take the
  // latest report as it is.
  const auto wait = waited_for_audit_
                        ? std::chrono::milliseconds(0)
                        : std::chrono::milliseconds(ldap_.timeout) + std::chrono::seconds(5);
  waited_for_audit_ = true;
  const std::shared_ptr<const AuditReport> audit = audit_->Latest(wait);
  if (!audit) return Status::Ok();  // no store known yet; the audit collector says why

  stores_.clear();
  for (const StoreInfo& s : audit->stores) {
    if (s.type != StoreType::kMailbox) continue;
    for (const NamedPath& dir : dirs_) {
      if (SameServerName(dir.server, s.ref.server)) {
        stores_.push_back(s.ref);
        break;
      }
    }
  }
  const Deadline deadline = Deadline::After(ldap_.timeout);
  auto request = MakeAuditRequest(ToLdapAccess(ldap_), nullptr, deadline);
  if (!request.ok()) return request.status();
  auto correlation = CorrelateStalls(last_good_, *audit, request->connection, deadline, &cache_);
  if (!correlation.ok()) {
    return Status(correlation.status().code(),
                  "stalled recipients not tied to stores: " + correlation.status().message());
  }
  stalls_ = std::move(correlation->stores);
  return Status::Ok();
}

std::vector<prometheus::MetricFamily> TrackingCollector::Families() const {
  std::vector<prometheus::MetricFamily> families = TrackingFamilies(last_good_);
  if (audit_) families.push_back(StoreStalledFamily(stores_, stalls_));
  return families;
}

}  // namespace exdm::exporter
