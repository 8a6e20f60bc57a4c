// Diagnose, stage 3: one English sentence per diagnosis, for the check's status line and long
// output ("EXCH01 / SG / Store: SMTP mailbox missing; 42 deliveries stalled up to 1h58m; ...").
#include "diagnosis_stages.h"
#include "exdm/base/text_util.h"
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
    case DiagnosisKind::kPermissionsOrGc: {
      std::string what =
          "store driver cannot log on although the SMTP mailbox is correct: permissions "
          "(re-run domain preparation), a directory server that disagrees, or the store has not "
          "been remounted since the object was recreated";
      if (d.error_codes.count("0x80040148")) {
        what +=
            "; on Exchange 2000 SP2 or later 0x80040148 can also mean a damaged SMTP "
            "installation: reinstall the SMTP service, then the MTA Stacks start again "
            "(KB 840469)";
      }
      return what;
    }
    case DiagnosisKind::kPoisonMessage:
      return "look-alike: poison message (327 EcLocallyDeliverMsg), not the SMTP mailbox";
    default:
      return "";
  }
}

// "GC1.contoso.com (CDG)": a directory server DSAccess 2080/2081 or its snapshot lists, with its
// roles.
std::string WithRoles(const DirectoryServerInUse& d) {
  return d.host + " (" + (d.config_dc ? "C" : "") + (d.dc ? "D" : "") + (d.gc ? "G" : "") + ")";
}

// Which of the directory servers the Exchange server reads its configuration from (DSAccess 2080:
// C can be its configuration DC, G is a usable global catalog) the audit asked, and what that
// means for the diagnosis.
std::string GcViewText(const StoreDiagnosis& d, const DiagnosisFacts& facts) {
  const std::vector<DirectoryServerInUse>& used = facts.DirectoryServersOf(d.store.server);
  if (used.empty()) return "";
  const std::string& server = d.store.server;
  const GcView view = FindGcView(used, facts.audit);
  if (view.source && view.source->up) {
    const bool snapshot = facts.from_snapshot.count(ToLowerAscii(server)) > 0;
    return "; rests on the view of " + WithRoles(*view.server) + " at " + view.source->uri +
           ", which " + server +
           (snapshot ? " uses (its DSAccess snapshot: C its configuration DC, G a global catalog)"
                     : " uses (DSAccess 2080: C can be its configuration DC, G a global "
                       "catalog)");
  }
  if (view.source) {
    return "; " + WithRoles(*view.server) + ", which " + server + " uses, did not answer at " +
           view.source->uri + ": this rests on other views";
  }
  std::vector<std::string> names;
  for (const DirectoryServerInUse& u : used)
    names.push_back(WithRoles(u));
  if (d.kind == DiagnosisKind::kPermissionsOrGc || d.kind == DiagnosisKind::kGatewayUnchecked) {
    return "; the server uses " + JoinComma(names) + ": audit against them";
  }
  if (d.kind == DiagnosisKind::kSmtpMailbox && facts.audit) {
    return "; " + server + " uses " + JoinComma(names) + ", not among the audited views";
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
  return s + GcViewText(d, facts);
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
