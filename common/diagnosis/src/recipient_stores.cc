#include "exdm/diagnosis/recipient_stores.h"

#include <functional>
#include <set>

#include "exdm/ad/dn.h"
#include "exdm/ad/ldap_filter.h"
#include "exdm/ad/mailbox_audit.h"
#include "exdm/base/text_util.h"

namespace exdm {

std::string RecipientFilter(const std::vector<std::string>& addresses) {
  std::string filter = "(|";
  for (const std::string& a : addresses) {
    const std::string v = EscapeFilterValue(a);
    // proxyAddresses matching is case-insensitive in AD, so "smtp:" also finds the primary
    // "SMTP:" address.
    filter += "(mail=" + v + ")(proxyAddresses=smtp:" + v + ")";
  }
  return filter + ")";
}

namespace {

// The addresses an entry answers to, lower-cased: mail and every smtp: proxy address.
std::set<std::string> AddressesOf(const LdapEntry& entry) {
  std::set<std::string> out;
  if (const auto* mail = entry.Values("mail")) {
    for (const std::string& m : *mail)
      out.insert(ToLowerAscii(m));
  }
  if (const auto* proxies = entry.Values("proxyAddresses")) {
    for (const std::string& p : *proxies) {
      if (p.size() > 5 && EqualsIgnoreCase(std::string_view(p).substr(0, 5), "smtp:")) {
        out.insert(ToLowerAscii(std::string_view(p).substr(5)));
      }
    }
  }
  return out;
}

}  // namespace

Result<RecipientStores> ResolveRecipientStores(const RecipientLookup& lookup,
                                               const std::vector<std::string>& addresses,
                                               const std::vector<StoreInfo>& stores,
                                               const Deadline& deadline) {
  RecipientStores result;
  std::vector<std::string> wanted;
  {
    std::set<std::string> seen;
    for (const std::string& a : addresses) {
      std::string lower = ToLowerAscii(TrimAscii(a));
      if (lower.empty() || !seen.insert(lower).second) continue;
      if (wanted.size() == lookup.max_addresses) {
        ++result.skipped;
        continue;
      }
      wanted.push_back(std::move(lower));
    }
  }
  if (wanted.empty()) return result;

  std::map<std::string, const StoreInfo*> store_by_dn;  // Dn::key() -> store
  for (const StoreInfo& s : stores) {
    if (auto dn = Dn::Parse(s.dn)) store_by_dn[dn->key()] = &s;
  }

  // What one entry says about the addresses it answers to: homed on a store (users, system
  // mailboxes), a store itself (a public store's own address), or a public folder.
  std::set<std::string> remaining(wanted.begin(), wanted.end());
  auto take = [&](const LdapEntry& entry) {
    const StoreInfo* store = nullptr;
    bool public_folder = false;
    if (const std::string* home = entry.First("homeMDB")) {
      if (auto home_dn = Dn::Parse(*home)) {
        if (auto it = store_by_dn.find(home_dn->key()); it != store_by_dn.end()) {
          store = it->second;
        }
      }
    } else if (entry.HasObjectClass("publicFolder")) {
      public_folder = true;
    } else if (auto dn = Dn::Parse(entry.dn)) {
      if (auto it = store_by_dn.find(dn->key()); it != store_by_dn.end()) store = it->second;
    }
    if (!store && !public_folder) return Status::Ok();
    for (const std::string& a : AddressesOf(entry)) {
      if (!remaining.erase(a)) continue;
      if (store) {
        result.store_of[a] = store->ref;
      } else {
        result.public_folders.insert(a);
      }
    }
    return Status::Ok();
  };

  std::vector<RecipientSearch> searches = lookup.searches;
  if (searches.empty()) searches.push_back({});
  const size_t batch = lookup.batch == 0 ? 1 : lookup.batch;
  for (const RecipientSearch& search : searches) {
    if (remaining.empty()) break;
    LdapConnectOptions options = lookup.connection;
    if (!search.uri.empty()) options.uri = search.uri;
    auto conn = LdapConnection::Open(options, deadline);
    if (!conn) return conn.status();
    std::vector<std::string> bases = search.bases;
    if (bases.empty()) {
      auto b = (*conn)->ReadNamingContext("defaultNamingContext", deadline);
      if (!b) return b.status();
      bases.push_back(*b);
    }
    for (const std::string& base : bases) {
      const std::vector<std::string> todo(remaining.begin(), remaining.end());
      for (size_t i = 0; i < todo.size(); i += batch) {
        const std::vector<std::string> part(
            todo.begin() + static_cast<std::ptrdiff_t>(i),
            todo.begin() + static_cast<std::ptrdiff_t>(std::min(todo.size(), i + batch)));
        // Parts of the tree held elsewhere are skipped, never followed: another search (or a
        // global catalog) covers them, or their recipients stay unmapped.
        LdapReferrals elsewhere;
        Status s = (*conn)->Search(base, LdapScope::kSubtree, RecipientFilter(part),
                                   {"mail", "proxyAddresses", "homeMDB", "objectClass"}, deadline,
                                   take, &elsewhere);
        if (!s.ok()) return s;
      }
    }
  }
  result.looked_up = wanted.size();
  result.not_found = remaining.size();
  return result;
}

namespace {

uint64_t StoresFingerprint(const std::vector<StoreInfo>& stores) {
  uint64_t h = stores.size();
  for (const StoreInfo& s : stores) {
    h = h * 1099511628211ULL ^ std::hash<std::string>()(s.dn);
    h = h * 1099511628211ULL ^ std::hash<std::string>()(s.ref.Display());
  }
  return h;
}

}  // namespace

Result<RecipientStores> RecipientStoreCache::Resolve(const RecipientLookup& lookup,
                                                     const std::vector<std::string>& addresses,
                                                     const std::vector<StoreInfo>& stores,
                                                     int64_t now, const Deadline& deadline) {
  // Answers name stores, and "not found" depends on where it was looked for.
  uint64_t fingerprint = StoresFingerprint(stores);
  for (const RecipientSearch& search : lookup.searches) {
    fingerprint = fingerprint * 1099511628211ULL ^ std::hash<std::string>()(search.uri);
    for (const std::string& base : search.bases)
      fingerprint = fingerprint * 1099511628211ULL ^ std::hash<std::string>()(base);
  }
  if (fingerprint != stores_fingerprint_) {
    entries_.clear();
    stores_fingerprint_ = fingerprint;
  }
  RecipientStores result;
  std::vector<std::string> missing;
  std::set<std::string> seen;
  for (const std::string& a : addresses) {
    std::string lower = ToLowerAscii(TrimAscii(a));
    if (lower.empty() || !seen.insert(lower).second) continue;
    auto it = entries_.find(lower);
    if (it != entries_.end() && now - it->second.at <= ttl_ && now >= it->second.at) {
      ++hits_;
      ++result.looked_up;
      if (it->second.found) {
        result.store_of[lower] = it->second.store;
      } else if (it->second.public_folder) {
        result.public_folders.insert(lower);
      } else {
        ++result.not_found;
      }
      continue;
    }
    ++misses_;
    missing.push_back(std::move(lower));
  }
  if (missing.empty()) return result;

  auto fresh = ResolveRecipientStores(lookup, missing, stores, deadline);
  if (!fresh) return fresh.status();
  result.looked_up += fresh->looked_up;
  result.not_found += fresh->not_found;
  result.skipped += fresh->skipped;

  // Only what was actually looked up is an answer (ResolveRecipientStores keeps the first
  // max_addresses of its input, in order).
  const size_t answered = std::min(missing.size(), lookup.max_addresses);
  if (entries_.size() + answered > max_entries_) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = now - it->second.at > ttl_ ? entries_.erase(it) : std::next(it);
    }
    if (entries_.size() + answered > max_entries_) entries_.clear();
  }
  for (size_t i = 0; i < answered; ++i) {
    Entry e;
    e.at = now;
    auto found = fresh->store_of.find(missing[i]);
    if (found != fresh->store_of.end()) {
      e.found = true;
      e.store = found->second;
      result.store_of[missing[i]] = found->second;
    } else if (fresh->public_folders.count(missing[i])) {
      e.public_folder = true;
      result.public_folders.insert(missing[i]);
    }
    if (entries_.size() < max_entries_) entries_[missing[i]] = std::move(e);
  }
  return result;
}

}  // namespace exdm
