// One diagnosis per store from the three views: the LDAP audit (findings per store), the tracking
// logs (stalled local deliveries per server, per store where recipients could be mapped) and the
// event evidence (326/1194/327/EXOLEDB 116, DSAccess). A pure function: no I/O, no LDAP; the caller
// resolves what needs a directory (recipient -> store via homeMDB; a 326 GUID that names no known
// store -> gateways by legacyExchangeDN) and passes it in. It runs in three stages
// (src/diagnosis_stages.h): gather each store's and server's facts, classify them, render the
// sentences; the kinds are the exporter's exchange_delivery_diagnosis causes.
//
// Classification (docs/DOMAIN.md "Look-alikes"), first match wins per store:
//   kSmtpMailbox          an AD finding on the store's SMTP mailbox: this fault
//   kSystemMailboxMissing only system_mailbox_missing, or EXOLEDB 116 for the store
//   kGatewayUnchecked     326 names the store but no LDAP view answered (or none is configured):
//                         the gateway could not be checked, so no look-alike is named
//   kPermissionsOrGc      326 names the store but its gateway is correct (domain prep / a GC that
//                         disagrees: DSAccess's GCs are listed)
//   kPoisonMessage        327 EcLocallyDeliverMsg for the store (specific messages, not a store)
// Per server: stalled deliveries with no 326 (in an event export that was read for that server)
// and no finding on any of its stores, by the stall's scope (store_stalls.h) when known:
//   327 EcLocallyDeliverMsg logged there, or specific messages  -> kPoisonMessage
//   every mailbox store of the server, or scope unknown         -> kStoreSideExhaustion
//   one store or some stores (not the whole server)             -> kUnexplainedStall
// and without that server's events -> kUnexplainedStall (no 326 seen proves nothing).
// An audit counts only when at least one of its views answered.
//
// Which directory server: when the server's DSAccess snapshot (dsaccess_view.h; its own list,
// preferred) or DSAccess 2080/2081 name the servers the Exchange server reads its configuration
// from (C: can be its configuration DC, G: a usable global catalog) and one of them is an audited
// -H URI (host names compared case-insensitively, a short name matching an FQDN's first label),
// the store's summary says the diagnosis rests on that server's view (or that it did not answer),
// with the roles DSAccess gave it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "exdm/ad/findings.h"
#include "exdm/ad/mailbox_audit.h"
#include "exdm/base/store_ref.h"
#include "exdm/diagnosis/dsaccess_view.h"
#include "exdm/diagnosis/store_stalls.h"
#include "exdm/events/evidence.h"
#include "exdm/tracking/local_delivery.h"

namespace exdm {

enum class DiagnosisKind {
  kSmtpMailbox,
  kGatewayUnchecked,
  kSystemMailboxMissing,
  kPermissionsOrGc,
  kPoisonMessage,
  kStoreSideExhaustion,
  kUnexplainedStall,
};
// "smtp_mailbox", "gateway_unchecked", "system_mailbox_missing", "permissions_or_gc",
// "poison_message", "store_side_exhaustion", "unexplained_stall".
std::string_view DiagnosisKindName(DiagnosisKind kind);

struct StoreDiagnosis {
  StoreRef store;
  std::string store_guid;
  DiagnosisKind kind = DiagnosisKind::kSmtpMailbox;
  std::vector<FindingKind> findings;  // AD findings on this store, report order
  uint64_t logon_failures = 0;        // 326 in the window
  std::optional<int64_t> first_logon_failure;
  std::optional<int64_t> last_logon_failure;
  std::set<std::string> error_codes;  // of those 326
  uint64_t stalled_deliveries = 0;    // mapped to this store (0 when unknown)
  int64_t oldest_stalled_age = 0;     // seconds
  uint64_t poison_calls = 0;          // 327 EcLocallyDeliverMsg naming this store
  // Hosts DSAccess lists with C or G for the store's server (or its snapshot's config DCs and
  // GCs), when known.
  std::vector<std::string> global_catalogs;
  std::string gc_view;  // the -H URI of one of those that answered: the view this rests on
  std::string summary;  // "EXCH01 / SG / Store: SMTP mailbox missing; 42 deliveries stalled …"
};

struct ServerDiagnosis {
  std::string server;
  DiagnosisKind kind = DiagnosisKind::kStoreSideExhaustion;
  uint64_t stalled_deliveries = 0;
  int64_t oldest_stalled_age = 0;
  std::string summary;
};

// 326 whose GUID matches no store the audit knows: the caller may search AD for it
// (logon_failure_lookup.h) and fill `found`.
struct UnmatchedLogonFailure {
  std::string server;
  std::string store_guid;
  std::string gateway_dn;
  uint64_t count = 0;
  std::string found;  // what AD holds for the GUID / DN, one sentence; empty: not searched
};

struct Diagnosis {
  std::vector<StoreDiagnosis> stores;    // affected stores only, sorted by StoreRef
  std::vector<ServerDiagnosis> servers;  // server-wide look-alikes
  std::vector<UnmatchedLogonFailure> unmatched;
};

struct DiagnosisInputs {
  const AuditReport* audit = nullptr;                       // null: no LDAP view
  const std::vector<LocalDeliveryReport>* queue = nullptr;  // null: no tracking logs
  const EventEvidence* events = nullptr;                    // null: no event exports
  // Recipient address (lower case) -> store, from homeMDB; stalls of unmapped recipients count
  // for their server only.
  std::map<std::string, StoreRef> recipient_store;
  // Recipients that are mail-enabled public folders (lower case): their stalls count for the
  // public store of the server whose log holds them.
  std::set<std::string> public_folder_recipients;
  // The scope of each server's stall (CorrelateStalls); null: not known.
  const std::vector<ServerStallScope>* stall_scopes = nullptr;
  // The DSAccess snapshots' view; null: none. A server's GCs there replace its 2080/2081 list.
  const DsAccessView* dsaccess = nullptr;
  int64_t now = 0;
};

Diagnosis Diagnose(const DiagnosisInputs& inputs);

// The host of an LDAP URI, lower case ("ldaps://GC1.Contoso.com:636" -> "gc1.contoso.com");
// empty for ldapi:// and URIs without a host.
std::string LdapUriHost(std::string_view uri);
// Host names naming the same machine: equal ignoring case, or a short name equal to the first
// label of an FQDN ("gc1" and "GC1.contoso.com").
bool SameHost(std::string_view a, std::string_view b);

}  // namespace exdm
