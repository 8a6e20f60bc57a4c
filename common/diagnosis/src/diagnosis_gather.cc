// Diagnose, stage 1: every view's evidence, per store (by GUID) and per stalled server.
#include <algorithm>

#include "diagnosis_stages.h"
#include "exdm/base/text_util.h"

namespace exdm::diagnosis_stages {
namespace {

bool AnyViewAnswered(const AuditReport& audit) {
  return audit.sources.empty() || std::any_of(audit.sources.begin(), audit.sources.end(),
                                              [](const LdapSourceStatus& s) { return s.up; });
}

void GatherAudit(const AuditReport& audit, DiagnosisFacts& facts) {
  for (const StoreInfo& s : audit.stores) {
    StoreFacts& f = facts.stores[s.guid];
    f.ref = s.ref;
    f.guid = s.guid;
  }
  for (const Finding& finding : audit.findings) {
    if (finding.kind == FindingKind::kOrphan || finding.store_guid.empty()) continue;
    auto it = facts.stores.find(finding.store_guid);
    if (it == facts.stores.end()) continue;
    auto& list = it->second.findings;
    if (std::find(list.begin(), list.end(), finding.kind) == list.end()) {
      list.push_back(finding.kind);
    }
  }
}

// Per server, what its events say; per store, its 326, 327 and EXOLEDB 116.
struct ServerEvents {
  std::set<std::string> with_326;
  std::set<std::string> with_poison;
  std::set<std::string> read;  // their export was read this run
};

ServerEvents GatherEvents(const EventEvidence& events, DiagnosisFacts& facts) {
  ServerEvents servers;
  std::map<std::string, std::pair<uint64_t, std::string>> unmatched;  // server|guid -> count, dn
  std::set<std::string> failed;
  for (const EventFileError& e : events.file_errors)
    failed.insert(ToLowerAscii(e.file.server));
  for (const ServerEventEvidence& s : events.servers) {
    const std::string key = ToLowerAscii(s.server);
    if (!failed.count(key)) servers.read.insert(key);
    for (const auto& d : s.directory_servers) {
      if (d.gc || d.config_dc) facts.directory_servers[key].push_back(d);
    }
    for (const LogonFailureEvent& e : s.logon_failures) {
      servers.with_326.insert(key);
      auto it = facts.stores.find(e.store_guid);
      if (it == facts.stores.end() && facts.audit) {
        auto& u = unmatched[s.server + "|" + e.store_guid];
        ++u.first;
        u.second = e.gateway_dn;
        continue;
      }
      StoreFacts& f = facts.stores[e.store_guid];  // without an audit: known by GUID only
      if (f.guid.empty()) {
        f.guid = e.store_guid;
        f.ref.server = s.server;
      }
      ++f.logon;
      if (!f.first_logon || e.time < *f.first_logon) f.first_logon = e.time;
      if (!f.last_logon || e.time > *f.last_logon) f.last_logon = e.time;
      if (!e.error_code.empty()) f.codes.insert(e.error_code);
    }
    for (const StoreCallFailureEvent& e : s.call_failures) {
      if (e.call != "EcLocallyDeliverMsg") continue;
      servers.with_poison.insert(key);
      auto it = facts.stores.find(e.mdb_guid);
      if (it != facts.stores.end()) ++it->second.poison;
    }
    for (const SystemMailboxEvent& e : s.system_mailbox_missing) {
      auto it = facts.stores.find(e.store_guid);
      if (it != facts.stores.end()) it->second.exoledb_116 = true;
    }
  }
  for (const auto& [key, value] : unmatched) {
    const size_t bar = key.find('|');
    facts.unmatched.push_back(
        {key.substr(0, bar), key.substr(bar + 1), value.second, value.first, ""});
  }
  return servers;
}

// Stalls: per store where the recipient maps to one (a mail-enabled public folder to the public
// store of the server whose log holds the stall); every stalled server for its own facts.
void GatherStalls(const DiagnosisInputs& in, DiagnosisFacts& facts) {
  std::map<StoreRef, std::string> guid_of;
  if (facts.audit) {
    for (const StoreInfo& s : facts.audit->stores)
      guid_of[s.ref] = s.guid;
  }
  std::map<std::string, std::pair<uint64_t, int64_t>> by_server;  // server -> count, oldest
  for (const LocalDeliveryReport& r : *in.queue) {
    if (r.stalled_deliveries == 0) continue;
    by_server[r.server] = {r.stalled_deliveries, r.oldest_stalled_age_seconds};
    const std::optional<StoreRef> public_store =
        facts.audit ? PublicStoreOf(facts.audit->stores, r.server) : std::nullopt;
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
      StoreFacts& f = facts.stores[g->second];
      f.stalled += rec.deliveries;
      if (f.oldest_first_seen == 0 || rec.oldest_first_seen < f.oldest_first_seen) {
        f.oldest_first_seen = rec.oldest_first_seen;
      }
    }
  }
  for (const auto& [server, stall] : by_server) {
    ServerFacts s;
    s.server = server;
    s.stalled = stall.first;
    s.oldest_age = stall.second;
    facts.stalled_servers.push_back(std::move(s));
  }
}

}  // namespace

const std::vector<DirectoryServerInUse>& DiagnosisFacts::DirectoryServersOf(
    const std::string& server) const {
  static const std::vector<DirectoryServerInUse> kNone;
  const auto it = directory_servers.find(ToLowerAscii(server));
  return it != directory_servers.end() ? it->second : kNone;
}

DiagnosisFacts GatherFacts(const DiagnosisInputs& in) {
  DiagnosisFacts facts;
  facts.ldap_configured = in.audit != nullptr;
  if (in.audit && AnyViewAnswered(*in.audit)) {
    facts.audit = in.audit;
    GatherAudit(*in.audit, facts);
  }
  const ServerEvents events = in.events ? GatherEvents(*in.events, facts) : ServerEvents();
  if (in.queue) GatherStalls(in, facts);
  if (in.dsaccess) {
    // The server's own list of its configuration DC and GCs, as of its snapshot: better than
    // the last 2080 in its events.
    for (const auto& [server, used] : in.dsaccess->directory_servers) {
      if (used.empty()) continue;
      facts.directory_servers[ToLowerAscii(server)] = used;
      facts.from_snapshot.insert(ToLowerAscii(server));
    }
  }

  std::set<std::string> with_findings;
  for (const auto& [guid, f] : facts.stores) {
    if (!f.findings.empty()) with_findings.insert(ToLowerAscii(f.ref.server));
  }
  for (ServerFacts& s : facts.stalled_servers) {
    const std::string key = ToLowerAscii(s.server);
    s.logon_failures = events.with_326.count(key) > 0;
    s.findings = with_findings.count(key) > 0;
    s.events_read = events.read.count(key) > 0;
    s.poison_calls = events.with_poison.count(key) > 0;
    if (in.stall_scopes) {
      for (const ServerStallScope& sc : *in.stall_scopes)
        if (EqualsIgnoreCase(sc.server, s.server) && sc.scope != StallScope::kUnmapped)
          s.scope = &sc;
    }
  }
  return facts;
}

}  // namespace exdm::diagnosis_stages
