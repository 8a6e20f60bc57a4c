// Diagnose, stage 3: one English sentence per diagnosis, for the check's status line and long
// output ("EXCH01 / SG / Store: SMTP mailbox missing; 42 deliveries stalled up to 1h58m; ...").
#include "diagnosis_stages.h"
#include "exdm/base/time_util.h"

namespace exdm::diagnosis_stages {
namespace {

std::string FindingPhrase(FindingKind k) {
  switch (k) {
    case FindingKind::kMissing:
      return "SMTP mailbox missing";
    case FindingKind::kDuplicate:
      return "SMTP mailbox duplicated";
    case FindingKind::kWrongHomeMdb:
      return "SMTP mailbox homeMDB wrong";
    case FindingKind::kWrongHomeMta:
      return "SMTP mailbox homeMTA wrong";
    case FindingKind::kWrongDeliveryMechanism:
      return "SMTP mailbox deliveryMechanism wrong";
    case FindingKind::kWrongLegacyDn:
      return "SMTP mailbox legacyExchangeDN wrong";
    case FindingKind::kWrongName:
      return "SMTP mailbox name wrong";
    case FindingKind::kMtaMissing:
      return "server MTA object missing";
    case FindingKind::kSystemMailboxMissing:
      return "system mailbox missing";
    case FindingKind::kDcDisagree:
      return "domain controllers disagree";
    case FindingKind::kOrphan:
      return "orphaned SMTP mailbox";
  }
  return std::string(FindingName(k));
}

std::string Display(const StoreDiagnosis& d) {
  if (!d.store.store.empty()) return d.store.Display();
  return d.store.server + " / store " + d.store_guid;
}

std::string JoinComma(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& i : items)
    out += (out.empty() ? "" : ", ") + i;
  return out;
}

// What the store's own evidence says, when no AD finding does.
std::string WhatWithoutFindings(const StoreDiagnosis& d, const DiagnosisFacts& facts) {
  switch (d.kind) {
    case DiagnosisKind::kSystemMailboxMissing:
      return "system mailbox missing (EXOLEDB 116)";
    case DiagnosisKind::kGatewayUnchecked:
      return std::string("store driver cannot log on; its SMTP mailbox could not be checked (") +
             (facts.ldap_configured ? "no LDAP view answered" : "no LDAP source configured") +
             "), so this fault and its look-alikes cannot be told apart";
    case DiagnosisKind::kPermissionsOrGc:
      return "store driver cannot log on although the SMTP mailbox is correct: permissions "
             "(re-run domain preparation) or a global catalog that disagrees";
    case DiagnosisKind::kPoisonMessage:
      return "look-alike: poison message (327 EcLocallyDeliverMsg), not the SMTP mailbox";
    default:
      return "";
  }
}

// Which of the server's GCs (DSAccess) the audit asked, and what that means for the diagnosis.
std::string GcViewText(const StoreDiagnosis& d, const AuditReport* audit) {
  const std::vector<std::string>& gcs = d.global_catalogs;
  if (gcs.empty()) return "";
  const std::string& server = d.store.server;
  const GcView view = FindGcView(gcs, audit);
  if (view.source && view.source->up) {
    return "; rests on the view of GC " + view.gc + " (" + view.source->uri + "), the one " +
           server + " uses";
  }
  if (view.source) {
    return "; the GC " + server + " uses, " + view.gc + " (" + view.source->uri +
           "), did not answer: this rests on other views";
  }
  if (d.kind == DiagnosisKind::kPermissionsOrGc || d.kind == DiagnosisKind::kGatewayUnchecked) {
    return "; the server uses GC " + JoinComma(gcs) + ": audit against it";
  }
  if (d.kind == DiagnosisKind::kSmtpMailbox && audit) {
    return "; " + server + " uses GC " + JoinComma(gcs) + ", not among the audited views";
  }
  return "";
}

std::string StoreSummary(const StoreDiagnosis& d, const DiagnosisFacts& facts) {
  std::string what;
  for (FindingKind k : d.findings)
    what += (what.empty() ? "" : ", ") + FindingPhrase(k);
  if (what.empty()) what = WhatWithoutFindings(d, facts);
  std::string s = Display(d) + ": " + what;
  if (d.stalled_deliveries > 0) {
    s += "; " + std::to_string(d.stalled_deliveries) + " deliveries stalled up to " +
         FormatDuration(d.oldest_stalled_age);
  }
  if (d.logon_failures > 0) {
    std::string codes;
    for (const std::string& c : d.error_codes)
      codes += ", " + c;
    s += "; " + std::to_string(d.logon_failures) + " store-driver logon failures (326" + codes +
         ") since " + FormatIso8601Utc(*d.first_logon_failure);
  }
  return s + GcViewText(d, facts.audit);
}

std::string ServerSummary(const ServerDiagnosis& d, const ServerFacts& f) {
  const std::string& server = d.server;
  std::string s = server + ": " + std::to_string(d.stalled_deliveries) +
                  " deliveries stalled up to " + FormatDuration(d.oldest_stalled_age);
  const ServerStallScope* scope = f.scope;
  switch (d.kind) {
    case DiagnosisKind::kUnexplainedStall:
      if (!f.events_read) {
        return s + ", cause unknown: without " + server +
               "'s application log (326, 327) this fault, a poison message and store-side "
               "exhaustion look alike";
      }
      return s + " on " + scope->description +
             " without store-driver logon failures (326) or an AD finding: neither this fault "
             "nor store-side exhaustion (that stops every store)";
    case DiagnosisKind::kPoisonMessage:
      return s + " without store-driver logon failures (326): look-alike, poison " +
             (f.poison_calls ? "message (327 EcLocallyDeliverMsg)" : "message") +
             (scope ? "; " + scope->description : "");
    default:
      return s +
             " without store-driver logon failures (326): look-alike, store-side exhaustion "
             "(information store resources), not the SMTP mailbox" +
             (scope ? "; " + scope->description
                    : std::string("; scope not known (recipients not tied to stores)"));
  }
}

}  // namespace

void RenderSummaries(const DiagnosisFacts& facts, Diagnosis& diagnosis) {
  for (StoreDiagnosis& d : diagnosis.stores)
    d.summary = StoreSummary(d, facts);
  for (ServerDiagnosis& d : diagnosis.servers) {
    for (const ServerFacts& f : facts.stalled_servers) {
      if (f.server == d.server) d.summary = ServerSummary(d, f);
    }
  }
}

}  // namespace exdm::diagnosis_stages
