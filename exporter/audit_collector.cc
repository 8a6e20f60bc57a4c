#include "audit_collector.h"

#include "audit_metrics.h"
#include "exdm/ad/ldap_audit.h"
#include "exdm/base/deadline.h"
#include "log.h"

namespace exdm::exporter {

AuditCollector::AuditCollector(LdapSettings settings, std::chrono::seconds timeout,
                               std::chrono::seconds interval,
                               std::shared_ptr<LatestResults> results, bool findings)
    : settings_(std::move(settings)),
      timeout_(timeout),
      interval_(interval),
      results_(std::move(results)),
      findings_(findings) {
  for (const std::string& uri : settings_.uris)
    sources_.push_back({uri, false, std::nullopt, {}});
  // Once per start and per reload (each builds its collectors anew): explicit and never silent.
  if (settings_.insecure_skip_verify) {
    Log(LogPriority::kWarning,
        "ldap.insecure_skip_verify is set: TLS certificates of the LDAP servers are not verified");
  }
}

Status AuditCollector::Refresh() {
  std::string warning;
  const Deadline deadline = Deadline::After(timeout_);
  Result<LdapAuditRequest> request = MakeAuditRequest(settings_, &warning, deadline);
  // A readable password file is a warning, not a failure; said once, not every refresh.
  if (!warning.empty() && warning != last_warning_) Log(LogPriority::kWarning, "audit: " + warning);
  last_warning_ = warning;
  if (!request.ok()) {
    if (results_) results_->PublishAudit(nullptr);
    return request.status();
  }

  AuditReport report = AuditOverLdap(*request, deadline);
  sources_ = report.sources;
  LogSourceTransitions(report.sources);
  bool any_up = false;
  std::string errors;
  for (const LdapSourceStatus& source : report.sources) {
    if (source.up) any_up = true;
    if (!source.up && source.error) {
      errors += (errors.empty() ? "" : "; ") + source.error->message();
    }
  }
  if (!any_up) {
    if (results_) results_->PublishAudit(nullptr);
    return Status(ErrorCode::kUnreachable, errors.empty() ? "no LDAP server answered" : errors);
  }
  last_good_ = std::make_shared<const AuditReport>(std::move(report));
  if (results_) results_->PublishAudit(last_good_);
  return Status::Ok();
}

void AuditCollector::LogSourceTransitions(const std::vector<LdapSourceStatus>& sources) {
  // Only matters with several URIs: when all fail, the runner logs the collector failure.
  if (sources.size() < 2) return;
  for (const LdapSourceStatus& source : sources) {
    const auto it = failing_.find(source.uri);
    if (source.up) {
      if (it != failing_.end()) {
        Log(LogPriority::kInfo, "audit: " + source.uri + " answers again");
        failing_.erase(it);
      }
      continue;
    }
    const std::string message = source.error ? source.error->message() : "no answer";
    if (it == failing_.end() || it->second != message) {
      Log(LogPriority::kWarning, "audit: " + source.uri + " failed: " + message);
      failing_[source.uri] = message;
    }
  }
}

std::vector<prometheus::MetricFamily> AuditCollector::Families() const {
  static const AuditReport kEmpty;
  return AuditFamilies(last_good_ ? *last_good_ : kEmpty, sources_, findings_);
}

}  // namespace exdm::exporter
