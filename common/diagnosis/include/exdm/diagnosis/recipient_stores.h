// Which store holds a recipient's mailbox: stalled deliveries are logged per recipient address,
// the fault is per store. Addresses are looked up in bulk over LDAP (mail or an SMTP
// proxyAddresses value -> homeMDB), and homeMDB is matched to the audited stores by parsed DN.
// Recipients anywhere in the forest (docs/DOMAIN.md "Recipients in a forest"): the searches name
// their servers and bases, e.g. the empty base of a global catalog, or each domain through a DC
// that holds it. A public store is a recipient itself (its own DN is the store); a mail-enabled
// public folder is delivered to the public store of the server whose queue holds the message.
// Addresses never leave this mapping: they are not labels and not shown beyond examples.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "exdm/ad/ldap_client.h"
#include "exdm/base/deadline.h"
#include "exdm/base/status.h"
#include "exdm/base/store_ref.h"

namespace exdm {

struct StoreInfo;

// One server and where on it to look: subtree searches of each base ("" is the whole forest on
// a global catalog); no bases: the server's defaultNamingContext.
struct RecipientSearch {
  std::string uri;  // empty: the lookup's connection.uri
  std::vector<std::string> bases;
};

struct RecipientLookup {
  LdapConnectOptions connection;  // credentials (and the URI when a search names none)
  // In turn, each for the addresses the earlier ones did not find; none: one search of
  // connection.uri's defaultNamingContext.
  std::vector<RecipientSearch> searches;
  size_t batch = 50;              // addresses per filter (keeps filters well under AD's limits)
  size_t max_addresses = 10'000;  // more are not looked up (the report says how many)
};

struct RecipientStores {
  std::map<std::string, StoreRef> store_of;  // lower-case address -> store
  std::set<std::string> public_folders;      // lower-case addresses of mail-enabled public folders
  size_t looked_up = 0;
  size_t not_found = 0;  // no user, no homeMDB, or a homeMDB naming no audited store
  size_t skipped = 0;    // beyond max_addresses
};

// One connection, paged searches of `batch` addresses each, all within the deadline.
Result<RecipientStores> ResolveRecipientStores(const RecipientLookup& lookup,
                                               const std::vector<std::string>& addresses,
                                               const std::vector<StoreInfo>& stores,
                                               const Deadline& deadline);

// Remembers recent answers, negative ones included, so a long-running exporter does not look up
// the same stalled recipients on every refresh. Bounded: at most max_entries answers, each valid
// for ttl_seconds; everything is dropped when the store list changes (answers name its stores).
// Not thread-safe: one per collector.
class RecipientStoreCache {
 public:
  explicit RecipientStoreCache(size_t max_entries = 50'000, int64_t ttl_seconds = 600)
      : max_entries_(max_entries), ttl_(ttl_seconds) {}

  // Answers cached addresses and looks up the others (one ResolveRecipientStores call, none
  // when everything is cached). `now`: seconds on any clock that does not go back. A failed
  // lookup caches nothing.
  Result<RecipientStores> Resolve(const RecipientLookup& lookup,
                                  const std::vector<std::string>& addresses,
                                  const std::vector<StoreInfo>& stores, int64_t now,
                                  const Deadline& deadline);

  size_t size() const { return entries_.size(); }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

 private:
  struct Entry {
    bool found = false;
    bool public_folder = false;
    StoreRef store;
    int64_t at = 0;
  };
  const size_t max_entries_;
  const int64_t ttl_;
  std::map<std::string, Entry> entries_;
  uint64_t stores_fingerprint_ = 0;
  uint64_t hits_ = 0, misses_ = 0;
};

// The filter for one batch: (|(mail=a)(proxyAddresses=smtp:a)…), every value escaped (RFC 4515).
// Exposed for tests.
std::string RecipientFilter(const std::vector<std::string>& addresses);

}  // namespace exdm
