// Stalled local deliveries tied to stores (docs/DOMAIN.md "Scope of a stall"), shared by the
// check's queue and all modes and the exporter's diagnosis collector.
//
// The tracking logs name recipients, the fault is per store: the recipients of stalled deliveries
// (and, for the scope, those delivered this run) are looked up over LDAP in bulk through the
// first audit view that answered (recipient_stores.h, optionally through a RecipientStoreCache),
// then the stalls are aggregated per store. Addresses stay inside: StoreStall carries a store, a
// count and one example message id, never an address.
//
// Scope per server with stalled deliveries, first match wins:
//   kWholeServer       every mailbox store of the server (two or more) has stalled deliveries
//   kSpecificMessages  each stalled store holds at most kFewDeliveries stalled deliveries and
//                      received other mail during this run (a poison message, not a store)
//   kOneStore          exactly one store
//   kSomeStores        several, but not all, stores
//   kUnmapped          no stalled recipient could be tied to an audited store
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/ad/ldap_client.h"
#include "exdm/ad/mailbox_audit.h"
#include "exdm/base/deadline.h"
#include "exdm/base/status.h"
#include "exdm/base/store_ref.h"
#include "exdm/diagnosis/recipient_stores.h"
#include "exdm/tracking/local_delivery.h"

namespace exdm {

struct StoreStall {
  StoreRef store;
  uint64_t deliveries = 0;
  uint64_t recipients = 0;
  int64_t oldest_first_seen = 0;
  std::string example_message_id;    // of the oldest stalled delivery
  bool received_other_mail = false;  // a recipient on this store was delivered mail this run
};

// Deliveries to one store this run that no retry followed (the tracking logs' delivered
// recipients tied to stores), for the repair's last step: mail flows again.
struct StoreDeliveries {
  uint64_t deliveries = 0;
  int64_t since = 0;  // the first of them
  int64_t last = 0;   // the latest of them
};

enum class StallScope { kWholeServer, kSpecificMessages, kOneStore, kSomeStores, kUnmapped };
// "whole_server", "specific_messages", "one_store", "some_stores", "unmapped".
std::string_view StallScopeName(StallScope scope);

struct ServerStallScope {
  std::string server;  // as named by --tracking-dir
  StallScope scope = StallScope::kUnmapped;
  size_t stalled_stores = 0;  // stores of this server with stalled deliveries
  size_t stores = 0;          // audited mailbox stores of this server
  std::string description;    // "one store of 3 (EXCH01 / First Storage Group / Sales)"
};

struct StallCorrelation {
  std::map<std::string, StoreRef> store_of;  // lower-case recipient -> store (for Diagnose)
  // Mail-enabled public folders (lower case): each server delivers them to its own public store.
  std::set<std::string> public_folders;
  // Domains no answering -H server could search (DNS names): their recipients stay unmapped.
  std::vector<std::string> not_searched;
  std::vector<StoreStall> stores;                 // worst first: most deliveries, then oldest
  std::vector<ServerStallScope> scopes;           // one per server with stalled deliveries
  std::map<StoreRef, StoreDeliveries> delivered;  // per store, of the recipients looked up
  uint64_t unmapped_recipients = 0;               // stalled recipients tied to no audited store
  uint64_t unmapped_deliveries = 0;
  uint64_t not_looked_up = 0;  // recipients beyond the lookup bound or the analyzer's list
};

inline constexpr uint64_t kFewDeliveries = 3;

// Pure: stalls of `servers` per store through `store_of` (and, for `public_folders`, the public
// store of the server whose log holds the stall); `stores` is the audited store list (for the
// scope: how many stores each server has).
StallCorrelation AggregateStalls(const std::vector<LocalDeliveryReport>& servers,
                                 std::map<std::string, StoreRef> store_of,
                                 const std::vector<StoreInfo>& stores,
                                 std::set<std::string> public_folders = {});

// The public store a server delivers mail for public folders to: its first audited public store.
std::optional<StoreRef> PublicStoreOf(const std::vector<StoreInfo>& stores,
                                      std::string_view server);

// Where to look recipients up, from the views of `audit` that answered: the whole forest from
// the empty base of a global catalog; else each domain through the first view that could read it,
// and the organization in the configuration (public stores are recipients). Domains no view could
// read go to *not_searched (DNS names).
std::vector<RecipientSearch> RecipientSearches(const AuditReport& audit,
                                               std::vector<std::string>* not_searched);

// Looks up the stalled recipients of `servers` where RecipientSearches says, with `connection`
// (credentials; its uri is replaced), then aggregates. The delivered recipients are looked up too
// on a server with stalls (for the scope), and on every server with `map_deliveries` (a store in
// the repair: does mail flow to it again?). `cache` (optional) answers repeated recipients without
// LDAP. Errors: no source up (kUnreachable), or the lookup's own LDAP error.
Result<StallCorrelation> CorrelateStalls(const std::vector<LocalDeliveryReport>& servers,
                                         const AuditReport& audit,
                                         const LdapConnectOptions& connection,
                                         const Deadline& deadline,
                                         RecipientStoreCache* cache = nullptr,
                                         bool map_deliveries = false);

}  // namespace exdm
