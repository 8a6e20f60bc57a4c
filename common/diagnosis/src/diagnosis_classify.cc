// Diagnose, stage 2: the kind of each store's and each stalled server's trouble (diagnosis.h lists
// the rules; docs/DOMAIN.md "Look-alikes" why).
#include <algorithm>

#include "diagnosis_stages.h"
#include "exdm/base/text_util.h"

namespace exdm::diagnosis_stages {
namespace {

bool OnlyFindings(const std::vector<FindingKind>& findings, FindingKind kind) {
  return !findings.empty() &&
         std::all_of(findings.begin(), findings.end(), [kind](FindingKind k) { return k == kind; });
}

// First match wins; nullopt: nothing to say about this store.
std::optional<DiagnosisKind> ClassifyStore(const StoreFacts& f, bool audited) {
  const bool only_sysmbx = OnlyFindings(f.findings, FindingKind::kSystemMailboxMissing);
  const bool has_dc_only = OnlyFindings(f.findings, FindingKind::kDcDisagree);
  if (!f.findings.empty() && !only_sysmbx && !has_dc_only) return DiagnosisKind::kSmtpMailbox;
  if (only_sysmbx || f.exoledb_116) return DiagnosisKind::kSystemMailboxMissing;
  if (f.logon > 0) {
    return audited ? DiagnosisKind::kPermissionsOrGc : DiagnosisKind::kGatewayUnchecked;
  }
  if (f.poison > 0) return DiagnosisKind::kPoisonMessage;
  if (has_dc_only) return DiagnosisKind::kSmtpMailbox;  // the views disagree: which GC is right
  return std::nullopt;
}

// A stall with a 326 or a finding on the server is the stores' business, not the server's.
std::optional<DiagnosisKind> ClassifyServer(const ServerFacts& s) {
  if (s.logon_failures || s.findings) return std::nullopt;
  // No 326 seen proves nothing when the server's application log was not read.
  if (!s.events_read) return DiagnosisKind::kUnexplainedStall;
  const ServerStallScope* scope = s.scope;
  if (s.poison_calls || (scope && scope->scope == StallScope::kSpecificMessages)) {
    return DiagnosisKind::kPoisonMessage;
  }
  // Exhaustion stops every store of the server; one store alone with a correct SMTP mailbox and no
  // 326 is neither look-alike.
  const bool part_of_server =
      scope && (scope->scope == StallScope::kOneStore || scope->scope == StallScope::kSomeStores) &&
      scope->stalled_stores < scope->stores;
  return part_of_server ? DiagnosisKind::kUnexplainedStall : DiagnosisKind::kStoreSideExhaustion;
}

StoreDiagnosis StoreDiagnosisOf(const StoreFacts& f, DiagnosisKind kind,
                                const DiagnosisFacts& facts, int64_t now) {
  StoreDiagnosis d;
  d.kind = kind;
  d.store = f.ref;
  d.store_guid = f.guid;
  d.findings = f.findings;
  d.logon_failures = f.logon;
  d.first_logon_failure = f.first_logon;
  d.last_logon_failure = f.last_logon;
  d.error_codes = f.codes;
  d.stalled_deliveries = f.stalled;
  d.oldest_stalled_age = f.stalled > 0 ? std::max<int64_t>(0, now - f.oldest_first_seen) : 0;
  d.poison_calls = f.poison;
  const std::vector<DirectoryServerInUse>& used = facts.DirectoryServersOf(f.ref.server);
  for (const DirectoryServerInUse& server : used)
    d.global_catalogs.push_back(server.host);
  const GcView view = FindGcView(used, facts.audit);
  if (view.source && view.source->up) d.gc_view = view.source->uri;
  return d;
}

}  // namespace

GcView FindGcView(const std::vector<DirectoryServerInUse>& used, const AuditReport* audit) {
  GcView down;
  if (!audit) return down;
  for (const DirectoryServerInUse& server : used) {
    for (const LdapSourceStatus& src : audit->sources) {
      if (!SameHost(server.host, LdapUriHost(src.uri))) continue;
      if (src.up) return {&src, &server};
      if (!down.source) down = {&src, &server};
    }
  }
  return down;
}

Diagnosis Classify(const DiagnosisFacts& facts, int64_t now) {
  Diagnosis out;
  for (const auto& [guid, f] : facts.stores) {
    if (auto kind = ClassifyStore(f, facts.audit != nullptr)) {
      out.stores.push_back(StoreDiagnosisOf(f, *kind, facts, now));
    }
  }
  std::sort(out.stores.begin(), out.stores.end(),
            [](const StoreDiagnosis& a, const StoreDiagnosis& b) { return a.store < b.store; });
  for (const ServerFacts& s : facts.stalled_servers) {
    if (auto kind = ClassifyServer(s)) {
      ServerDiagnosis d;
      d.server = s.server;
      d.kind = *kind;
      d.stalled_deliveries = s.stalled;
      d.oldest_stalled_age = s.oldest_age;
      out.servers.push_back(std::move(d));
    }
  }
  out.unmatched = facts.unmatched;
  return out;
}

}  // namespace exdm::diagnosis_stages
