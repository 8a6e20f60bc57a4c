#include "exdm/diagnosis/diagnosis.h"

#include <algorithm>

#include "exdm/base/text_util.h"
#include "exdm/base/time_util.h"

namespace exdm {

std::string_view DiagnosisKindName(DiagnosisKind kind) {
  switch (kind) {
    case DiagnosisKind::kSmtpMailbox:
      return "smtp_mailbox";
    case DiagnosisKind::kGatewayUnchecked:
      return "gateway_unchecked";
    case DiagnosisKind::kSystemMailboxMissing:
      return "system_mailbox_missing";
    case DiagnosisKind::kPermissionsOrGc:
      return "permissions_or_gc";
    case DiagnosisKind::kPoisonMessage:
      return "poison_message";
    case DiagnosisKind::kStoreSideExhaustion:
      return "store_side_exhaustion";
    case DiagnosisKind::kUnexplainedStall:
      return "unexplained_stall";
  }
  return "smtp_mailbox";
}

namespace {

struct StoreFacts {
  StoreRef ref;
  std::string guid;
  bool known = false;  // in the audit's store list
  std::vector<FindingKind> findings;
  uint64_t logon = 0;
  std::optional<int64_t> first_logon;
  std::set<std::string> codes;
  uint64_t stalled = 0;
  int64_t oldest_first_seen = 0;
  uint64_t poison = 0;
  bool exoledb_116 = false;
};

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

std::string Display(const StoreFacts& f) {
  if (!f.ref.store.empty()) return f.ref.Display();
  return f.ref.server + " / store " + f.guid;
}

std::string JoinComma(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& i : items)
    out += (out.empty() ? "" : ", ") + i;
  return out;
}

// "GC1.contoso.com (CDG)": a directory server DSAccess 2080/2081 lists, with its roles.
std::string WithRoles(const DirectoryServerInUse& d) {
  return d.host + " (" + (d.config_dc ? "C" : "") + (d.dc ? "D" : "") + (d.gc ? "G" : "") + ")";
}

// Which of the directory servers the Exchange server reads its configuration from (DSAccess 2080:
// C can be its configuration DC, G is a usable global catalog) the audit asked, and what that
// means for the diagnosis. Sets *view to the URI of the first one that answered.
std::string GcViewText(const std::string& server, const std::vector<DirectoryServerInUse>& used,
                       const AuditReport* audit, DiagnosisKind kind, std::string* view) {
  if (used.empty()) return "";
  const LdapSourceStatus* down = nullptr;
  const DirectoryServerInUse* down_server = nullptr;
  if (audit) {
    for (const DirectoryServerInUse& d : used) {
      for (const LdapSourceStatus& src : audit->sources) {
        if (!SameHost(d.host, LdapUriHost(src.uri))) continue;
        if (src.up) {
          *view = src.uri;
          return "; rests on the view of " + WithRoles(d) + " at " + src.uri + ", which " + server +
                 " uses (DSAccess 2080: C can be its configuration DC, G a global catalog)";
        }
        if (!down) {
          down = &src;
          down_server = &d;
        }
      }
    }
  }
  if (down) {
    return "; " + WithRoles(*down_server) + ", which " + server + " uses, did not answer at " +
           down->uri + ": this rests on other views";
  }
  std::vector<std::string> names;
  for (const DirectoryServerInUse& d : used)
    names.push_back(WithRoles(d));
  if (kind == DiagnosisKind::kPermissionsOrGc || kind == DiagnosisKind::kGatewayUnchecked) {
    return "; the server uses " + JoinComma(names) + ": audit against them";
  }
  if (kind == DiagnosisKind::kSmtpMailbox && audit) {
    return "; " + server + " uses " + JoinComma(names) + ", not among the audited views";
  }
  return "";
}

}  // namespace

std::string LdapUriHost(std::string_view uri) {
  const size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = uri.substr(scheme + 3);
  if (ToLowerAscii(uri.substr(0, scheme)) == "ldapi") return "";
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    const size_t close = rest.find(']');
    return close == std::string_view::npos ? "" : ToLowerAscii(rest.substr(1, close - 1));
  }
  return ToLowerAscii(rest.substr(0, rest.find(':')));
}

bool SameHost(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return false;
  if (EqualsIgnoreCase(a, b)) return true;
  // Addresses compare whole: "10" is no short name of "10.0.0.1".
  auto is_address = [](std::string_view h) {
    return h.find(':') != std::string_view::npos ||
           h.find_first_not_of("0123456789.") == std::string_view::npos;
  };
  if (is_address(a) || is_address(b)) return false;
  const bool a_short = a.find('.') == std::string_view::npos;
  const bool b_short = b.find('.') == std::string_view::npos;
  if (a_short == b_short) return false;  // two FQDNs (or two short names) that differ
  const std::string_view short_name = a_short ? a : b;
  const std::string_view fqdn = a_short ? b : a;
  return EqualsIgnoreCase(fqdn.substr(0, fqdn.find('.')), short_name);
}

Diagnosis Diagnose(const DiagnosisInputs& in) {
  // An audit whose every view failed checked nothing: its gateways are unknown, not correct.
  const bool audited = in.audit && (in.audit->sources.empty() ||
                                    std::any_of(in.audit->sources.begin(), in.audit->sources.end(),
                                                [](const LdapSourceStatus& s) { return s.up; }));
  std::map<std::string, StoreFacts> by_guid;  // store_guid -> facts
  std::map<StoreRef, std::string> guid_of;
  if (audited) {
    for (const StoreInfo& s : in.audit->stores) {
      StoreFacts& f = by_guid[s.guid];
      f.ref = s.ref;
      f.guid = s.guid;
      f.known = true;
      guid_of[s.ref] = s.guid;
    }
    for (const Finding& finding : in.audit->findings) {
      if (finding.kind == FindingKind::kOrphan || finding.store_guid.empty()) continue;
      auto it = by_guid.find(finding.store_guid);
      if (it == by_guid.end()) continue;
      auto& list = it->second.findings;
      if (std::find(list.begin(), list.end(), finding.kind) == list.end()) {
        list.push_back(finding.kind);
      }
    }
  }

  Diagnosis out;
  std::map<std::string, std::pair<uint64_t, std::string>> unmatched;  // server|guid -> count, dn
  std::set<std::string> servers_with_326;
  std::set<std::string> servers_with_poison;
  std::set<std::string> servers_with_events;  // their export was read this run
  // Server (lower case) -> the directory servers DSAccess lists with C or G: where Exchange reads
  // the configuration (and so the SMTP mailbox) from.
  std::map<std::string, std::vector<DirectoryServerInUse>> gcs;
  if (in.events) {
    std::set<std::string> failed;
    for (const EventFileError& e : in.events->file_errors)
      failed.insert(ToLowerAscii(e.file.server));
    for (const ServerEventEvidence& s : in.events->servers) {
      const std::string key = ToLowerAscii(s.server);
      if (!failed.count(key)) servers_with_events.insert(key);
      for (const auto& d : s.directory_servers) {
        if (d.gc || d.config_dc) gcs[key].push_back(d);
      }
      for (const LogonFailureEvent& e : s.logon_failures) {
        servers_with_326.insert(key);
        auto it = by_guid.find(e.store_guid);
        if (it == by_guid.end() && audited) {
          auto& u = unmatched[s.server + "|" + e.store_guid];
          ++u.first;
          u.second = e.gateway_dn;
          continue;
        }
        StoreFacts& f = by_guid[e.store_guid];  // without an audit: known by GUID only
        if (f.guid.empty()) {
          f.guid = e.store_guid;
          f.ref.server = s.server;
        }
        ++f.logon;
        if (!f.first_logon || e.time < *f.first_logon) f.first_logon = e.time;
        if (!e.error_code.empty()) f.codes.insert(e.error_code);
      }
      for (const StoreCallFailureEvent& e : s.call_failures) {
        if (e.call != "EcLocallyDeliverMsg") continue;
        servers_with_poison.insert(ToLowerAscii(s.server));
        auto it = by_guid.find(e.mdb_guid);
        if (it != by_guid.end()) ++it->second.poison;
      }
      for (const SystemMailboxEvent& e : s.system_mailbox_missing) {
        auto it = by_guid.find(e.store_guid);
        if (it != by_guid.end()) it->second.exoledb_116 = true;
      }
    }
  }

  // Stalls: per store where the recipient maps to one, else per server.
  std::map<std::string, std::pair<uint64_t, int64_t>> server_stall;  // server -> count, oldest
  if (in.queue) {
    for (const LocalDeliveryReport& r : *in.queue) {
      if (r.stalled_deliveries == 0) continue;
      server_stall[r.server] = {r.stalled_deliveries, r.oldest_stalled_age_seconds};
      const std::optional<StoreRef> public_store =
          audited ? PublicStoreOf(in.audit->stores, r.server) : std::nullopt;
      for (const StalledRecipient& rec : r.stalled_recipients) {
        const std::string address = ToLowerAscii(rec.address);
        auto m = in.recipient_store.find(address);
        const StoreRef* store = m != in.recipient_store.end() ? &m->second : nullptr;
        if (!store && public_store && in.public_folder_recipients.count(address)) {
          store = &*public_store;
        }
        if (!store) continue;
        auto g = guid_of.find(*store);
        if (g == guid_of.end()) continue;
        StoreFacts& f = by_guid[g->second];
        f.stalled += rec.deliveries;
        if (f.oldest_first_seen == 0 || rec.oldest_first_seen < f.oldest_first_seen) {
          f.oldest_first_seen = rec.oldest_first_seen;
        }
      }
    }
  }

  std::set<std::string> servers_with_findings;
  for (auto& [guid, f] : by_guid) {
    const bool only_sysmbx =
        !f.findings.empty() && std::all_of(f.findings.begin(), f.findings.end(), [](FindingKind k) {
          return k == FindingKind::kSystemMailboxMissing;
        });
    const bool has_dc_only =
        !f.findings.empty() && std::all_of(f.findings.begin(), f.findings.end(), [](FindingKind k) {
          return k == FindingKind::kDcDisagree;
        });
    StoreDiagnosis d;
    if (!f.findings.empty() && !only_sysmbx && !has_dc_only) {
      d.kind = DiagnosisKind::kSmtpMailbox;
    } else if (only_sysmbx || f.exoledb_116) {
      d.kind = DiagnosisKind::kSystemMailboxMissing;
    } else if (f.logon > 0) {
      d.kind = audited ? DiagnosisKind::kPermissionsOrGc : DiagnosisKind::kGatewayUnchecked;
    } else if (f.poison > 0) {
      d.kind = DiagnosisKind::kPoisonMessage;
    } else if (has_dc_only) {
      d.kind = DiagnosisKind::kSmtpMailbox;  // the views disagree: which GC is right decides
    } else {
      continue;  // nothing to say about this store
    }
    if (!f.findings.empty()) servers_with_findings.insert(ToLowerAscii(f.ref.server));
    d.store = f.ref;
    d.store_guid = f.guid;
    d.findings = f.findings;
    d.logon_failures = f.logon;
    d.first_logon_failure = f.first_logon;
    d.error_codes = f.codes;
    d.stalled_deliveries = f.stalled;
    d.oldest_stalled_age = f.stalled > 0 ? std::max<int64_t>(0, in.now - f.oldest_first_seen) : 0;
    d.poison_calls = f.poison;
    const std::vector<DirectoryServerInUse> no_servers;
    const auto g = gcs.find(ToLowerAscii(f.ref.server));
    const std::vector<DirectoryServerInUse>& used = g != gcs.end() ? g->second : no_servers;
    for (const DirectoryServerInUse& server : used)
      d.global_catalogs.push_back(server.host);

    std::string s = Display(f) + ": ";
    std::string what;
    for (FindingKind k : f.findings)
      what += (what.empty() ? "" : ", ") + FindingPhrase(k);
    if (what.empty()) {
      switch (d.kind) {
        case DiagnosisKind::kSystemMailboxMissing:
          what = "system mailbox missing (EXOLEDB 116)";
          break;
        case DiagnosisKind::kGatewayUnchecked:
          what =
              std::string("store driver cannot log on; its SMTP mailbox could not be checked (") +
              (in.audit ? "no LDAP view answered" : "no LDAP source configured") +
              "), so this fault and its look-alikes cannot be told apart";
          break;
        case DiagnosisKind::kPermissionsOrGc:
          what =
              "store driver cannot log on although the SMTP mailbox is correct: permissions "
              "(re-run domain preparation), a directory server that disagrees, or the store has "
              "not been remounted since the object was recreated";
          if (f.codes.count("0x80040148")) {
            what +=
                "; on Exchange 2000 SP2 or later 0x80040148 can also mean a damaged SMTP "
                "installation: reinstall the SMTP service, then the MTA Stacks start again "
                "(KB 840469)";
          }
          break;
        case DiagnosisKind::kPoisonMessage:
          what = "look-alike: poison message (327 EcLocallyDeliverMsg), not the SMTP mailbox";
          break;
        default:
          break;
      }
    }
    s += what;
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
    s += GcViewText(f.ref.server, used, audited ? in.audit : nullptr, d.kind, &d.gc_view);
    d.summary = std::move(s);
    out.stores.push_back(std::move(d));
  }
  std::sort(out.stores.begin(), out.stores.end(),
            [](const StoreDiagnosis& a, const StoreDiagnosis& b) { return a.store < b.store; });

  for (const auto& [server, stall] : server_stall) {
    const std::string key = ToLowerAscii(server);
    if (servers_with_326.count(key) || servers_with_findings.count(key)) continue;
    ServerDiagnosis d;
    d.server = server;
    d.stalled_deliveries = stall.first;
    d.oldest_stalled_age = stall.second;
    d.summary = server + ": " + std::to_string(stall.first) + " deliveries stalled up to " +
                FormatDuration(stall.second);
    const ServerStallScope* scope = nullptr;
    if (in.stall_scopes) {
      for (const ServerStallScope& sc : *in.stall_scopes)
        if (EqualsIgnoreCase(sc.server, server) && sc.scope != StallScope::kUnmapped) scope = &sc;
    }
    const bool part_of_server =
        scope &&
        (scope->scope == StallScope::kOneStore || scope->scope == StallScope::kSomeStores) &&
        scope->stalled_stores < scope->stores;
    if (!servers_with_events.count(key)) {
      // No 326 seen proves nothing when the server's application log was not read.
      d.kind = DiagnosisKind::kUnexplainedStall;
      d.summary += ", cause unknown: without " + server +
                   "'s application log (326, 327) this fault, a poison message and store-side "
                   "exhaustion look alike";
    } else if (servers_with_poison.count(key) ||
               (scope && scope->scope == StallScope::kSpecificMessages)) {
      d.kind = DiagnosisKind::kPoisonMessage;
      d.summary +=
          std::string(" without store-driver logon failures (326): look-alike, poison ") +
          (servers_with_poison.count(key) ? "message (327 EcLocallyDeliverMsg)" : "message") +
          (scope ? "; " + scope->description : "");
    } else if (part_of_server) {
      // Exhaustion stops every store of the server; one store alone with a correct SMTP mailbox
      // and no 326 is neither look-alike.
      d.kind = DiagnosisKind::kUnexplainedStall;
      d.summary += " on " + scope->description +
                   " without store-driver logon failures (326) or an AD finding: neither this "
                   "fault nor store-side exhaustion (that stops every store)";
    } else {
      d.kind = DiagnosisKind::kStoreSideExhaustion;
      d.summary +=
          " without store-driver logon failures (326): look-alike, store-side exhaustion "
          "(information store resources), not the SMTP mailbox" +
          (scope ? "; " + scope->description
                 : std::string("; scope not known (recipients not tied to stores)"));
    }
    out.servers.push_back(std::move(d));
  }
  for (const auto& [key, value] : unmatched) {
    const size_t bar = key.find('|');
    out.unmatched.push_back(
        {key.substr(0, bar), key.substr(bar + 1), value.second, value.first, ""});
  }
  return out;
}

}  // namespace exdm
