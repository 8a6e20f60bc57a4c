// The LDAP audit collector: runs the core's AuditOverLdap (every [ldap] uri, concurrently) on
// audit_interval and renders the report with AuditFamilies. When no URI answers, the previous
// report stays and Refresh fails; exchange_ldap_up always shows the latest attempt per URI. Every
// good report also goes to the diagnosis collector (latest_results.h).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector.h"
#include "exdm/ad/ldap_audit.h"
#include "exdm/ad/ldap_settings.h"
#include "exdm/ad/mailbox_audit.h"
#include "latest_results.h"

namespace exdm::exporter {

class AuditCollector : public Collector {
 public:
  // `timeout` bounds each run; `results` (optional) receives every attempt's good report.
  // `findings`: export exchange_smtp_mailbox_findings (false when the diagnosis collector does,
  // with the store-side findings beside the audit's).
  AuditCollector(LdapSettings settings, std::chrono::seconds timeout, std::chrono::seconds interval,
                 std::shared_ptr<LatestResults> results = nullptr, bool findings = true);

  std::string name() const override { return "audit"; }
  std::chrono::seconds interval() const override { return interval_; }
  bool large_refresh() const override { return true; }
  Status Refresh() override;
  std::vector<prometheus::MetricFamily> Families() const override;

 private:
  // Logs a URI's failure once when it starts or changes, and its recovery once.
  void LogSourceTransitions(const std::vector<LdapSourceStatus>& sources);

  const LdapSettings settings_;
  const std::chrono::seconds timeout_;
  const std::chrono::seconds interval_;
  const std::shared_ptr<LatestResults> results_;
  const bool findings_;
  std::shared_ptr<const AuditReport> last_good_;
  std::vector<LdapSourceStatus> sources_;
  std::map<std::string, std::string> failing_;  // uri -> logged error
  std::string last_warning_;                    // password file readable by others
};

}  // namespace exdm::exporter
