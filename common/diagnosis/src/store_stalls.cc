#include "exdm/diagnosis/store_stalls.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "exdm/base/text_util.h"

namespace exdm {

std::string_view StallScopeName(StallScope scope) {
  switch (scope) {
    case StallScope::kWholeServer:
      return "whole_server";
    case StallScope::kSpecificMessages:
      return "specific_messages";
    case StallScope::kOneStore:
      return "one_store";
    case StallScope::kSomeStores:
      return "some_stores";
    case StallScope::kUnmapped:
      return "unmapped";
  }
  return "unmapped";
}

namespace {

std::string StoresPhrase(size_t n) {
  return std::to_string(n) + (n == 1 ? " store" : " stores");
}

ServerStallScope ScopeOf(const LocalDeliveryReport& r, const std::vector<const StoreStall*>& mine,
                         size_t stores) {
  ServerStallScope s;
  s.server = r.server;
  s.stalled_stores = mine.size();
  s.stores = stores;
  if (mine.empty()) {
    s.scope = StallScope::kUnmapped;
    s.description = "no stalled recipient tied to a store of " + r.server;
    return s;
  }
  const bool few = std::all_of(mine.begin(), mine.end(), [](const StoreStall* st) {
    return st->deliveries <= kFewDeliveries && st->received_other_mail;
  });
  if (mine.size() == stores && stores >= 2) {
    s.scope = StallScope::kWholeServer;
    s.description = "every mailbox store of " + r.server + " (" + StoresPhrase(stores) + ")";
  } else if (few) {
    uint64_t deliveries = 0;
    for (const StoreStall* st : mine)
      deliveries += st->deliveries;
    s.scope = StallScope::kSpecificMessages;
    s.description = "specific messages: " + std::to_string(deliveries) + " stalled on " +
                    mine.front()->store.Display() +
                    (mine.size() > 1 ? " and " + StoresPhrase(mine.size() - 1) + " more" : "") +
                    " while other mail is delivered there";
  } else if (mine.size() == 1 && stores <= 1) {
    // The store is the whole server: what stops every store and what stops one look the same.
    s.scope = StallScope::kOneStore;
    s.description = "the only mailbox store of " + r.server + " (" + mine.front()->store.Display() +
                    "): from the queue, store-side exhaustion and a broken SMTP mailbox cannot "
                    "be told apart";
  } else if (mine.size() == 1) {
    s.scope = StallScope::kOneStore;
    s.description = "one of " + StoresPhrase(stores) + " (" + mine.front()->store.Display() + ")";
  } else {
    s.scope = StallScope::kSomeStores;
    s.description = std::to_string(mine.size()) + " of " + StoresPhrase(stores) + " (worst " +
                    mine.front()->store.Display() + ")";
  }
  return s;
}

}  // namespace

std::optional<StoreRef> PublicStoreOf(const std::vector<StoreInfo>& stores,
                                      std::string_view server) {
  for (const StoreInfo& s : stores) {
    if (s.type == StoreType::kPublic && EqualsIgnoreCase(s.ref.server, server)) return s.ref;
  }
  return std::nullopt;
}

StallCorrelation AggregateStalls(const std::vector<LocalDeliveryReport>& servers,
                                 std::map<std::string, StoreRef> store_of,
                                 const std::vector<StoreInfo>& stores,
                                 std::set<std::string> public_folders) {
  StallCorrelation out;
  std::map<StoreRef, StoreStall> by_store;
  std::set<StoreRef> receiving;
  for (const LocalDeliveryReport& r : servers) {
    // A public folder's mail goes to the public store of the server delivering it.
    const std::optional<StoreRef> public_store = PublicStoreOf(stores, r.server);
    auto store_for = [&](const std::string& address) -> std::optional<StoreRef> {
      auto m = store_of.find(address);
      if (m != store_of.end()) return m->second;
      if (public_folders.count(address)) return public_store;
      return std::nullopt;
    };
    for (const DeliveredRecipient& d : r.delivered_recipients) {
      const std::optional<StoreRef> store = store_for(d.address);
      if (!store) continue;
      receiving.insert(*store);
      StoreDeliveries& to = out.delivered[*store];
      to.since = to.deliveries ? std::min(to.since, d.first_delivered) : d.first_delivered;
      to.last = std::max(to.last, d.last_delivered);
      to.deliveries += d.deliveries;
    }
    out.not_looked_up += r.stalled_recipients_omitted;
    for (const StalledRecipient& rec : r.stalled_recipients) {
      const std::optional<StoreRef> store = store_for(ToLowerAscii(rec.address));
      if (!store) {
        ++out.unmapped_recipients;
        out.unmapped_deliveries += rec.deliveries;
        continue;
      }
      StoreStall& s = by_store[*store];
      if (s.recipients == 0 || rec.oldest_first_seen < s.oldest_first_seen) {
        s.oldest_first_seen = rec.oldest_first_seen;
        s.example_message_id = rec.example_message_id;
      }
      s.store = *store;
      s.deliveries += rec.deliveries;
      ++s.recipients;
    }
  }
  for (auto& [ref, stall] : by_store) {
    stall.received_other_mail = receiving.count(ref) > 0;
    out.stores.push_back(std::move(stall));
  }
  std::sort(out.stores.begin(), out.stores.end(), [](const StoreStall& a, const StoreStall& b) {
    if (a.deliveries != b.deliveries) return a.deliveries > b.deliveries;
    if (a.oldest_first_seen != b.oldest_first_seen)
      return a.oldest_first_seen < b.oldest_first_seen;
    return a.store < b.store;
  });

  // Only mailbox stores hold recipients (homeMDB), so only they count towards "every store".
  std::map<std::string, size_t> stores_per_server;  // lower-case server -> mailbox stores
  for (const StoreInfo& s : stores) {
    if (s.type == StoreType::kMailbox) ++stores_per_server[ToLowerAscii(s.ref.server)];
  }
  for (const LocalDeliveryReport& r : servers) {
    if (r.stalled_deliveries == 0) continue;
    const std::string key = ToLowerAscii(r.server);
    std::vector<const StoreStall*> mine;  // worst first, as out.stores
    for (const StoreStall& s : out.stores) {
      if (ToLowerAscii(s.store.server) == key) mine.push_back(&s);
    }
    auto n = stores_per_server.find(key);
    out.scopes.push_back(ScopeOf(r, mine, n == stores_per_server.end() ? 0 : n->second));
  }
  out.store_of = std::move(store_of);
  out.public_folders = std::move(public_folders);
  return out;
}

std::vector<RecipientSearch> RecipientSearches(const AuditReport& audit,
                                               std::vector<std::string>* not_searched) {
  std::vector<const LdapSourceStatus*> up;
  for (const LdapSourceStatus& s : audit.sources) {
    if (s.up) up.push_back(&s);
  }
  if (up.empty()) return {};
  for (const LdapSourceStatus* s : up) {
    if (s->view.global_catalog) return {{s->uri, {""}}};  // the whole forest, configuration too
  }
  std::vector<RecipientSearch> searches;
  auto bases_of = [&searches](const std::string& uri) -> std::vector<std::string>& {
    for (RecipientSearch& s : searches) {
      if (s.uri == uri) return s.bases;
    }
    searches.push_back({uri, {}});
    return searches.back().bases;
  };
  std::set<std::string> seen;  // domain Dn keys
  for (const LdapSourceStatus* view : up) {
    for (const DirectoryDomain& d : view->view.domains) {
      if (!seen.insert(d.nc.key()).second) continue;
      const LdapSourceStatus* reader = nullptr;
      for (const LdapSourceStatus* s : up) {
        for (const DirectoryDomain& other : s->view.domains) {
          if (other.nc == d.nc && other.readable && !reader) reader = s;
        }
      }
      if (reader) {
        bases_of(reader->uri).push_back(d.nc.ToString());
      } else if (not_searched) {
        not_searched->push_back(d.dns_root.empty() ? d.nc.ToString() : d.dns_root);
      }
    }
  }
  // Public stores are recipients too; they live in the organization's configuration.
  if (!up.front()->view.config_nc.empty()) {
    bases_of(up.front()->uri)
        .push_back("CN=Microsoft Exchange,CN=Services," + up.front()->view.config_nc);
  }
  if (searches.size() == 1 && searches.front().bases.size() == 1 && seen.empty()) {
    searches.front().bases.clear();  // no domain known: the server's default naming context
  }
  return searches;
}

Result<StallCorrelation> CorrelateStalls(const std::vector<LocalDeliveryReport>& servers,
                                         const AuditReport& audit,
                                         const LdapConnectOptions& connection,
                                         const Deadline& deadline, RecipientStoreCache* cache,
                                         bool map_deliveries) {
  // Stalled recipients first: when the lookup bound cuts, it cuts the scope hints, not stalls.
  std::vector<std::string> addresses;
  for (const LocalDeliveryReport& r : servers) {
    for (const StalledRecipient& s : r.stalled_recipients)
      addresses.push_back(s.address);
  }
  bool delivered = false;
  for (const LocalDeliveryReport& r : servers)
    delivered = delivered || (map_deliveries && !r.delivered_recipients.empty());
  if (addresses.empty() && !delivered) return AggregateStalls(servers, {}, audit.stores);
  const LdapSourceStatus* up = nullptr;
  for (const LdapSourceStatus& s : audit.sources) {
    if (s.up) {
      up = &s;
      break;
    }
  }
  if (!up) {
    // The first failure's code decides the state (unreachable, bind refused, own deadline).
    std::string why;
    ErrorCode code = ErrorCode::kUnreachable;
    for (const LdapSourceStatus& s : audit.sources) {
      if (!s.error) continue;
      if (why.empty()) code = s.error->code();
      why += (why.empty() ? "" : "; ") + s.error->message();
    }
    return Status(code, why.empty() ? "no LDAP server answered" : why);
  }
  for (const LocalDeliveryReport& r : servers) {
    if (r.stalled_deliveries == 0 && !map_deliveries) continue;
    for (const DeliveredRecipient& d : r.delivered_recipients)
      addresses.push_back(d.address);
  }

  RecipientLookup lookup;
  lookup.connection = connection;
  lookup.connection.uri = up->uri;
  std::vector<std::string> not_searched;
  lookup.searches = RecipientSearches(audit, &not_searched);
  Result<RecipientStores> found = [&]() -> Result<RecipientStores> {
    if (!cache) return ResolveRecipientStores(lookup, addresses, audit.stores, deadline);
    const auto since_boot = std::chrono::steady_clock::now().time_since_epoch();
    return cache->Resolve(lookup, addresses, audit.stores,
                          std::chrono::duration_cast<std::chrono::seconds>(since_boot).count(),
                          deadline);
  }();
  if (!found) return found.status();
  StallCorrelation out = AggregateStalls(servers, std::move(found->store_of), audit.stores,
                                         std::move(found->public_folders));
  out.not_looked_up += found->skipped;
  out.not_searched = std::move(not_searched);
  return out;
}

}  // namespace exdm
