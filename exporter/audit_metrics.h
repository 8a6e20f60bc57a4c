// The LDAP audit's AuditReport as Prometheus families (docs/ARCHITECTURE.md "Metric families"):
// exchange_store_info, exchange_smtp_mailbox_ok / _findings / _orphans, exchange_smtp_mailboxes,
// exchange_ldap_up. Pure translation: the audit itself lives in the core.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "exdm/ad/mailbox_audit.h"

namespace exdm::exporter {

// `report` is the latest good audit; `sources` the latest attempt's per-URI reachability (which
// may be newer than the report when the latest attempt failed).
std::vector<prometheus::MetricFamily> AuditFamilies(const AuditReport& report,
                                                    const std::vector<LdapSourceStatus>& sources);

}  // namespace exdm::exporter
