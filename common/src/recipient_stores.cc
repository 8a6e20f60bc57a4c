#include "exdm/recipient_stores.h"

#include <set>

#include "exdm/dn.h"
#include "exdm/ldap_filter.h"
#include "exdm/smtp_mailbox_audit.h"
#include "text_util.h"

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

Result<std::string> DefaultUserBase(LdapConnection& conn, const Deadline& deadline) {
  auto dse = conn.ReadRootDse({"defaultNamingContext"}, deadline);
  if (!dse) return dse.status();
  const std::string* nc = dse->First("defaultNamingContext");
  if (!nc || nc->empty()) {
    return Status(ErrorCode::kLdapError,
                  conn.uri() + ": root DSE has no defaultNamingContext to search users in");
  }
  return *nc;
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

  auto conn = LdapConnection::Open(lookup.connection, deadline);
  if (!conn) return conn.status();
  std::string base = lookup.base;
  if (base.empty()) {
    auto b = DefaultUserBase(**conn, deadline);
    if (!b) return b.status();
    base = *b;
  }

  const std::set<std::string> wanted_set(wanted.begin(), wanted.end());
  const size_t batch = lookup.batch == 0 ? 1 : lookup.batch;
  for (size_t i = 0; i < wanted.size(); i += batch) {
    const std::vector<std::string> part(
        wanted.begin() + static_cast<std::ptrdiff_t>(i),
        wanted.begin() + static_cast<std::ptrdiff_t>(std::min(wanted.size(), i + batch)));
    Status s = (*conn)->Search(base, LdapScope::kSubtree, RecipientFilter(part),
                               {"mail", "proxyAddresses", "homeMDB"}, deadline,
                               [&](const LdapEntry& entry) {
                                 const std::string* home = entry.First("homeMDB");
                                 if (!home) return Status::Ok();
                                 auto home_dn = Dn::Parse(*home);
                                 if (!home_dn) return Status::Ok();
                                 auto store = store_by_dn.find(home_dn->key());
                                 if (store == store_by_dn.end()) return Status::Ok();
                                 for (const std::string& a : AddressesOf(entry)) {
                                   if (wanted_set.count(a)) result.store_of[a] = store->second->ref;
                                 }
                                 return Status::Ok();
                               });
    if (!s.ok()) return s;
  }
  result.looked_up = wanted.size();
  result.not_found = wanted.size() - result.store_of.size();
  return result;
}

}  // namespace exdm
