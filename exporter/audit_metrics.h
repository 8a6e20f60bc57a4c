// The LDAP audit's AuditReport as Prometheus families (docs/ARCHITECTURE.md "Metric families"):
// exchange_store_info, exchange_smtp_mailbox_ok / _findings / _orphans, exchange_smtp_mailboxes,
// exchange_ldap_up; _findings also carries the store-side findings (store_side.h). Pure
// translation: the audit itself lives in the core.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "exdm/ad/mailbox_audit.h"
#include "exdm/diagnosis/store_side.h"

namespace exdm::exporter {

// `report` is the latest good audit; `sources` the latest attempt's per-URI reachability (which
// may be newer than the report when the latest attempt failed). Without `findings` the
// exchange_smtp_mailbox_findings family is left to the diagnosis collector (mailbox snapshots
// configured: it adds the store-side findings, and a family is exported once).
std::vector<prometheus::MetricFamily> AuditFamilies(const AuditReport& report,
                                                    const std::vector<LdapSourceStatus>& sources,
                                                    bool findings = true);

// exchange_smtp_mailbox_findings{server,storage_group,store,finding}: per store, the number of
// findings of each kind found (only kinds found): the audit's (`audit`, may be null) and the
// store-side ones (`store_side`, may be null; smtp_mailbox_disconnected,
// smtp_mailbox_not_created, purge_pending, system_mailbox_disconnected).
prometheus::MetricFamily SmtpMailboxFindingsFamily(const AuditReport* audit,
                                                   const StoreSideReport* store_side);

}  // namespace exdm::exporter
