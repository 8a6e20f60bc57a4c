// Diagnose (diagnosis.h) in three stages: gather the facts of each store and server from the three
// views, classify them (docs/DOMAIN.md "Look-alikes"), and render the English summaries. The
// exporter uses the kinds, the check the summaries; both come from one Diagnose call.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "exdm/diagnosis/diagnosis.h"

namespace exdm::diagnosis_stages {

// What the views say about one store.
struct StoreFacts {
  StoreRef ref;  // without an audit: the server only (the store is known by GUID)
  std::string guid;
  std::vector<FindingKind> findings;  // AD findings, report order, each kind once
  uint64_t logon = 0;                 // 326
  std::optional<int64_t> first_logon;
  std::optional<int64_t> last_logon;
  std::set<std::string> codes;  // of those 326
  uint64_t stalled = 0;         // stalled deliveries whose recipient lives here
  int64_t oldest_first_seen = 0;
  uint64_t poison = 0;  // 327 EcLocallyDeliverMsg naming the store
  bool exoledb_116 = false;
};

// What the views say about one server with stalled deliveries.
struct ServerFacts {
  std::string server;  // as its tracking logs are named
  uint64_t stalled = 0;
  int64_t oldest_age = 0;
  bool logon_failures = false;              // 326 in its events
  bool findings = false;                    // an AD finding on one of its stores
  bool events_read = false;                 // its application log was read this run
  bool poison_calls = false;                // 327 EcLocallyDeliverMsg in its events
  const ServerStallScope* scope = nullptr;  // the stall's scope, when mapped
};

struct DiagnosisFacts {
  // The audit when at least one of its views answered (an audit whose every view failed checked
  // nothing: its gateways are unknown, not correct); null otherwise.
  const AuditReport* audit = nullptr;
  bool ldap_configured = false;              // an audit was attempted at all
  std::map<std::string, StoreFacts> stores;  // by store GUID
  std::vector<ServerFacts> stalled_servers;  // by server name
  // Server (lower case) -> the directory servers DSAccess 2080 lists with C (can be its
  // configuration DC) or G (a usable global catalog): where Exchange reads the configuration,
  // and so the SMTP mailbox, from.
  std::map<std::string, std::vector<DirectoryServerInUse>> directory_servers;
  // Servers (lower case) whose directory servers come from their DSAccess snapshot (its
  // Exchange_DSAccessDC list replaces the events' 2080).
  std::set<std::string> from_snapshot;
  std::vector<UnmatchedLogonFailure> unmatched;  // by server, then GUID

  // The directory servers of `server` (none when its events name none).
  const std::vector<DirectoryServerInUse>& DirectoryServersOf(const std::string& server) const;
};

DiagnosisFacts GatherFacts(const DiagnosisInputs& inputs);

// The audited view of one of a server's directory servers: the first that answered, else the
// first that did not; `source` null when none of them was audited.
struct GcView {
  const LdapSourceStatus* source = nullptr;
  const DirectoryServerInUse* server = nullptr;
};
GcView FindGcView(const std::vector<DirectoryServerInUse>& used, const AuditReport* audit);

// The diagnoses with every field but `summary`; stores sorted by StoreRef.
Diagnosis Classify(const DiagnosisFacts& facts, int64_t now);

// Fills every `summary`.
void RenderSummaries(const DiagnosisFacts& facts, Diagnosis& diagnosis);

}  // namespace exdm::diagnosis_stages
