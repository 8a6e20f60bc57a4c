#include "audit_collector.h"

#include "audit_metrics.h"
#include "exdm/deadline.h"
#include "exdm/ldap_audit.h"
#include "log.h"

namespace exdm::exporter {

AuditCollector::AuditCollector(LdapSettings settings, std::chrono::seconds interval)
    : settings_(std::move(settings)), interval_(interval) {
  for (const std::string& uri : settings_.uris)
    sources_.push_back({uri, false, std::nullopt});
}

Status AuditCollector::Refresh() {
  LdapAuditRequest request;
  request.uris = settings_.uris;
  request.connection.bind_dn = settings_.bind_dn;
  request.connection.sasl_mech = settings_.sasl_mech;
  request.connection.starttls = settings_.starttls;
  request.connection.ca_file = settings_.ca_file;
  request.connection.insecure_skip_verify = settings_.insecure_skip_verify;
  request.discovery.base = settings_.base;
  request.audit.servers = settings_.servers;
  if (!settings_.password_file.empty()) {
    // Read on every run, so a rotated password is picked up without a restart.
    std::string warning;
    Result<std::string> password = ReadPasswordFile(settings_.password_file, &warning);
    if (!password.ok()) return password.status();
    request.connection.password = std::move(password).value();
  }
  if (!request.connection.bind_dn.empty() && request.connection.sasl_mech.empty() &&
      request.connection.password.empty()) {
    return Status(ErrorCode::kInvalidArgument, "ldap.bind_dn needs ldap.password_file");
  }

  AuditReport report = AuditOverLdap(request, Deadline::After(settings_.timeout));
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
    return Status(ErrorCode::kUnreachable, errors.empty() ? "no LDAP server answered" : errors);
  }
  last_good_ = std::move(report);
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
  return AuditFamilies(last_good_ ? *last_good_ : kEmpty, sources_);
}

}  // namespace exdm::exporter
