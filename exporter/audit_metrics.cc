#include "audit_metrics.h"

#include <map>
#include <set>
#include <string>

#include "families.h"

namespace exdm::exporter {
namespace {

Labels StoreLabels(const StoreRef& ref) {
  return {{"server", ref.server}, {"storage_group", ref.storage_group}, {"store", ref.store}};
}

}  // namespace

prometheus::MetricFamily SmtpMailboxFindingsFamily(const AuditReport* audit,
                                                   const StoreSideReport* store_side) {
  auto findings = Gauge("exchange_smtp_mailbox_findings",
                        "Findings per store and kind (only kinds found): the SMTP mailbox audit's "
                        "and, with mailbox snapshots, the store's own (smtp_mailbox_disconnected, "
                        "smtp_mailbox_not_created, purge_pending, system_mailbox_disconnected).");
  std::map<StoreRef, std::map<std::string, size_t>> per_store;
  if (audit) {
    for (const Finding& f : audit->findings) {
      if (f.kind == FindingKind::kOrphan || f.store.store.empty()) continue;
      ++per_store[f.store][std::string(FindingName(f.kind))];
    }
  }
  if (store_side) {
    for (const StoreFinding& f : store_side->findings)
      ++per_store[f.store][std::string(StoreFindingName(f.kind))];
  }
  for (const auto& [ref, kinds] : per_store) {
    for (const auto& [kind, count] : kinds) {
      Labels labels = StoreLabels(ref);
      labels.emplace_back("finding", kind);
      AddSample(findings, labels, static_cast<double>(count));
    }
  }
  return findings;
}

std::vector<prometheus::MetricFamily> AuditFamilies(const AuditReport& report,
                                                    const std::vector<LdapSourceStatus>& sources,
                                                    bool with_findings) {
  auto info = Gauge("exchange_store_info",
                    "Information about an Exchange information store found in AD (always 1).");
  auto ok = Gauge("exchange_smtp_mailbox_ok",
                  "1 when the store's SMTP mailbox (mailGateway) has no critical finding, else 0.");
  auto orphans = Gauge("exchange_smtp_mailbox_orphans",
                       "SMTP mailboxes (mailGateway objects) whose store does not exist.");
  auto gateways = Gauge("exchange_smtp_mailboxes", "SMTP mailboxes (mailGateway objects) audited.");
  auto up =
      Gauge("exchange_ldap_up", "1 when the latest audit could search this LDAP server, else 0.");

  // "Broken" is what the check counts as failing stores: a finding whose default severity is
  // CRITICAL (dc_disagree alone is a warning), so both doors show the same number.
  std::set<StoreRef> broken;
  for (const Finding& f : report.findings) {
    if (f.kind == FindingKind::kOrphan || f.store.store.empty()) continue;
    if (DefaultSeverity(f.kind) == Severity::kCritical) broken.insert(f.store);
  }
  for (const StoreInfo& store : report.stores) {
    Labels labels = StoreLabels(store.ref);
    AddSample(ok, labels, broken.count(store.ref) ? 0 : 1);
    labels.emplace_back("store_type", std::string(StoreTypeName(store.type)));
    labels.emplace_back("store_guid", store.guid);
    AddSample(info, labels, 1);
  }
  for (const auto& [server, count] : report.orphans_per_server) {
    AddSample(orphans, {{"server", server}}, static_cast<double>(count));
  }
  AddSample(gateways, {}, static_cast<double>(report.gateways));
  for (const LdapSourceStatus& source : sources) {
    AddSample(up, {{"uri", source.uri}}, source.up ? 1 : 0);
  }
  std::vector<prometheus::MetricFamily> out;
  out.push_back(std::move(info));
  out.push_back(std::move(ok));
  if (with_findings) out.push_back(SmtpMailboxFindingsFamily(&report, nullptr));
  out.push_back(std::move(orphans));
  out.push_back(std::move(gateways));
  out.push_back(std::move(up));
  return out;
}

}  // namespace exdm::exporter
