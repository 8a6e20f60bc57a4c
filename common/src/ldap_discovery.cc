#include "exdm/ldap_discovery.h"

#include <unordered_map>

#include "text_util.h"

namespace exdm {
namespace {

bool HasClass(const LdapEntry& e, std::string_view cls) {
  if (const auto* classes = e.Values("objectClass")) {
    for (const std::string& c : *classes) {
      if (EqualsIgnoreCase(c, cls)) return true;
    }
  }
  return false;
}

std::optional<Dn> EntryDn(const LdapEntry& e) {
  auto dn = Dn::Parse(e.dn);
  if (!dn.ok() || dn->empty()) return std::nullopt;
  return *dn;
}

std::optional<std::string> Optional(const LdapEntry& e, std::string_view name) {
  const std::string* v = e.First(name);
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

Result<Dn> NamingContext(const LdapEntry& root, const char* attribute) {
  const std::string* value = root.First(attribute);
  if (value == nullptr) return Status(ErrorCode::kLdapError, "");
  return Dn::Parse(*value);
}

bool IsNoSuchObject(const Status& s) {
  return !s.ok() && s.code() == ErrorCode::kLdapError &&
         s.message().find("No such object") != std::string::npos;
}

struct Classified {
  std::vector<std::pair<Dn, const LdapEntry*>> admin_groups, servers, mtas, storage_groups, stores;
};

}  // namespace

Result<ExchangeTopology> DiscoverTopology(LdapConnection& c, const DiscoveryOptions& options,
                                          const Deadline& deadline) {
  ExchangeTopology t;
  auto root = c.ReadRootDse(
      {"configurationNamingContext", "defaultNamingContext", "rootDomainNamingContext"}, deadline);
  if (!root.ok() && root.status().code() == ErrorCode::kTimeout) return root.status();
  if (!options.base.empty()) {
    auto base = Dn::Parse(options.base);
    if (!base.ok()) return base.status();
    t.config_nc = *base;
  } else {
    if (!root.ok()) return root.status();
    auto config = NamingContext(*root, "configurationNamingContext");
    if (!config.ok()) {
      return Status(ErrorCode::kLdapError,
                    c.uri() + ": the root DSE names no configurationNamingContext; give -b");
    }
    t.config_nc = *config;
  }
  if (root.ok()) {
    for (const char* attribute : {"defaultNamingContext", "rootDomainNamingContext"}) {
      if (auto dn = NamingContext(*root, attribute); dn.ok() && !dn->empty()) {
        t.domain_nc = *dn;
        break;
      }
    }
  }
  if (t.domain_nc.empty() && t.config_nc.size() > 1 &&
      EqualsIgnoreCase(t.config_nc.LeafValue(), "Configuration")) {
    t.domain_nc = t.config_nc.Parent();  // CN=Configuration,<forest root domain>
  }

  // The organization.
  const Dn exchange = t.config_nc.Child("CN", "Services").Child("CN", "Microsoft Exchange");
  std::vector<LdapEntry> orgs;
  Status s = c.Search(exchange.ToString(), LdapScope::kOneLevel,
                      "(objectClass=msExchOrganizationContainer)", {"cn", "legacyExchangeDN"},
                      deadline, [&](const LdapEntry& e) {
                        orgs.push_back(e);
                        return Status::Ok();
                      });
  if (!s.ok()) return s;
  if (orgs.empty()) {
    return Status(ErrorCode::kLdapError,
                  c.uri() + ": no Exchange organization under " + exchange.ToString());
  }
  auto org_dn = EntryDn(orgs.front());
  if (!org_dn) return Status(ErrorCode::kLdapError, c.uri() + ": bad DN " + orgs.front().dn);
  t.org_dn = *org_dn;
  t.org_name = org_dn->LeafValue();
  t.org_legacy_dn = Optional(orgs.front(), "legacyExchangeDN").value_or("");

  // Admin groups, servers, MTAs, storage groups and stores in one paged subtree search.
  const Dn admin_groups = t.org_dn.Child("CN", "Administrative Groups");
  std::vector<LdapEntry> entries;
  s = c.Search(admin_groups.ToString(), LdapScope::kSubtree,
               "(|(objectClass=msExchAdminGroup)(objectClass=msExchExchangeServer)"
               "(objectClass=mTA)(objectClass=msExchStorageGroup)(objectClass=msExchPrivateMDB)"
               "(objectClass=msExchPublicMDB))",
               {"objectClass", "legacyExchangeDN", "objectGUID"}, deadline,
               [&](const LdapEntry& e) {
                 entries.push_back(e);
                 return Status::Ok();
               });
  if (!s.ok() && !IsNoSuchObject(s)) return s;
  Classified k;
  for (const LdapEntry& e : entries) {
    auto dn = EntryDn(e);
    if (!dn) continue;
    if (HasClass(e, "msExchPrivateMDB") || HasClass(e, "msExchPublicMDB")) {
      k.stores.emplace_back(*dn, &e);
    } else if (HasClass(e, "msExchStorageGroup")) {
      k.storage_groups.emplace_back(*dn, &e);
    } else if (HasClass(e, "mTA")) {
      k.mtas.emplace_back(*dn, &e);
    } else if (HasClass(e, "msExchExchangeServer")) {
      k.servers.emplace_back(*dn, &e);
    } else if (HasClass(e, "msExchAdminGroup")) {
      k.admin_groups.emplace_back(*dn, &e);
    }
  }
  // Link children to parents by DN (parsed, folded keys).
  std::unordered_map<std::string, size_t> ag_index, server_index, sg_index;
  for (auto& [dn, e] : k.admin_groups) {
    if (!admin_groups.IsParentOf(dn)) continue;
    ag_index[dn.key()] = t.admin_groups.size();
    t.admin_groups.push_back({dn, dn.LeafValue(), Optional(*e, "legacyExchangeDN").value_or("")});
  }
  for (auto& [dn, e] : k.servers) {
    const Dn container = dn.Parent();
    if (!EqualsIgnoreCase(container.LeafValue(), "Servers")) continue;
    auto ag = ag_index.find(container.Parent().key());
    if (ag == ag_index.end()) continue;
    server_index[dn.key()] = t.servers.size();
    ExchangeServer server;
    server.dn = dn;
    server.name = dn.LeafValue();
    server.admin_group = ag->second;
    t.servers.push_back(std::move(server));
  }
  for (auto& [dn, e] : k.mtas) {
    auto server = server_index.find(dn.Parent().key());
    if (server != server_index.end()) t.servers[server->second].mta = dn;
  }
  for (auto& [dn, e] : k.storage_groups) {
    const Dn container = dn.Parent();
    if (!EqualsIgnoreCase(container.LeafValue(), "InformationStore")) continue;
    auto server = server_index.find(container.Parent().key());
    if (server == server_index.end()) continue;
    sg_index[dn.key()] = t.storage_groups.size();
    t.storage_groups.push_back({dn, dn.LeafValue(), server->second});
  }
  for (auto& [dn, e] : k.stores) {
    auto sg = sg_index.find(dn.Parent().key());
    const std::string* guid_bytes = e->First("objectGUID");
    if (sg == sg_index.end() || guid_bytes == nullptr) continue;
    auto guid = Guid::FromBytes(*guid_bytes);
    if (!guid) continue;
    ExchangeStore store;
    store.dn = dn;
    store.name = dn.LeafValue();
    store.type = HasClass(*e, "msExchPublicMDB") ? StoreType::kPublic : StoreType::kMailbox;
    store.guid = *guid;
    store.storage_group = sg->second;
    t.stores.push_back(std::move(store));
  }
  entries.clear();

  // The SMTP mailboxes: one level under the organization's own CN=Connections.
  s = c.Search(t.ConnectionsDn().ToString(), LdapScope::kOneLevel, "(objectClass=mailGateway)",
               {"homeMDB", "homeMTA", "deliveryMechanism", "legacyExchangeDN"}, deadline,
               [&](const LdapEntry& e) {
                 auto dn = EntryDn(e);
                 if (!dn) return Status::Ok();
                 SmtpGateway gw;
                 gw.dn = *dn;
                 gw.home_mdb = Optional(e, "homeMDB");
                 gw.home_mta = Optional(e, "homeMTA");
                 gw.delivery_mechanism = Optional(e, "deliveryMechanism");
                 gw.legacy_dn = Optional(e, "legacyExchangeDN");
                 t.gateways.push_back(std::move(gw));
                 return Status::Ok();
               });
  if (!s.ok() && !IsNoSuchObject(s)) return s;

  // System mailboxes, found by name (their class is not certain).
  if (!t.domain_nc.empty()) {
    const Dn system_objects = t.domain_nc.Child("CN", "Microsoft Exchange System Objects");
    s = c.Search(system_objects.ToString(), LdapScope::kOneLevel, "(cn=SystemMailbox*)", {"cn"},
                 deadline, [&](const LdapEntry& e) {
                   if (auto dn = EntryDn(e)) {
                     if (auto guid = FindBracedGuid(dn->LeafValue()))
                       t.system_mailboxes.insert(*guid);
                   }
                   return Status::Ok();
                 });
    if (s.ok() || IsNoSuchObject(s)) {
      t.system_mailboxes_known = true;
    } else if (s.code() == ErrorCode::kTimeout || s.code() == ErrorCode::kUnreachable) {
      return s;
    }
    // Other failures (a referral to another domain, no access) leave system mailboxes unknown.
  }
  return t;
}

}  // namespace exdm
