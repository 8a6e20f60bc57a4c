#include "exdm/ad/topology_entries.h"

#include <cstdlib>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "exdm/base/text_util.h"

namespace exdm {
namespace {

std::optional<Dn> EntryDn(const LdapEntry& e) {
  auto dn = Dn::Parse(e.dn);
  if (!dn.ok() || dn->empty()) return std::nullopt;
  return *dn;
}

std::optional<std::string> Optional(const LdapEntry& e, std::string_view name) {
  const std::string* v = e.First(name);
  return v ? std::optional<std::string>(*v) : std::nullopt;
}

bool IsTrue(const LdapEntry& e, std::string_view name) {
  const std::string* v = e.First(name);
  return v != nullptr && EqualsIgnoreCase(TrimAscii(*v), "TRUE");
}

// "ncacn_ip_tcp:exch01.child.contoso.com" among a server's networkAddress values.
std::string DnsHostOf(const LdapEntry& e) {
  const std::string_view prefix = "ncacn_ip_tcp:";
  if (const auto* values = e.Values("networkAddress")) {
    for (const std::string& v : *values) {
      if (v.size() > prefix.size() &&
          EqualsIgnoreCase(std::string_view(v).substr(0, prefix.size()), prefix)) {
        return std::string(TrimAscii(std::string_view(v).substr(prefix.size())));
      }
    }
  }
  return "";
}

struct Classified {
  std::vector<std::pair<Dn, const LdapEntry*>> admin_groups, servers, mtas, storage_groups, stores;
};

Classified Classify(const std::vector<LdapEntry>& entries) {
  Classified k;
  for (const LdapEntry& e : entries) {
    auto dn = EntryDn(e);
    if (!dn) continue;
    if (e.HasObjectClass("msExchPrivateMDB") || e.HasObjectClass("msExchPublicMDB")) {
      k.stores.emplace_back(*dn, &e);
    } else if (e.HasObjectClass("msExchStorageGroup")) {
      k.storage_groups.emplace_back(*dn, &e);
    } else if (e.HasObjectClass("mTA")) {
      k.mtas.emplace_back(*dn, &e);
    } else if (e.HasObjectClass("msExchExchangeServer")) {
      k.servers.emplace_back(*dn, &e);
    } else if (e.HasObjectClass("msExchAdminGroup")) {
      k.admin_groups.emplace_back(*dn, &e);
    }
  }
  return k;
}

}  // namespace

Status AddOrganization(const std::vector<LdapEntry>& organizations, const std::string& uri,
                       ExchangeTopology& t) {
  if (organizations.empty()) {
    const Dn exchange = t.config_nc.Child("CN", "Services").Child("CN", "Microsoft Exchange");
    return Status(ErrorCode::kLdapError,
                  uri + ": no Exchange organization under " + exchange.ToString());
  }
  auto org_dn = EntryDn(organizations.front());
  if (!org_dn) {
    return Status(ErrorCode::kLdapError, uri + ": bad DN " + organizations.front().dn);
  }
  t.org_dn = *org_dn;
  t.org_name = org_dn->LeafValue();
  t.org_legacy_dn = Optional(organizations.front(), "legacyExchangeDN").value_or("");
  return Status::Ok();
}

std::string RecoveryMark(const LdapEntry& storage_group,
                         const std::vector<const LdapEntry*>& stores,
                         const std::string& recovery_group_name) {
  if (IsTrue(storage_group, "msExchRestore")) return "msExchRestore on the storage group";
  for (const LdapEntry* store : stores) {
    auto store_dn = Dn::Parse(store->dn);
    const std::string name = store_dn.ok() ? store_dn->LeafValue() : store->dn;
    if (store->First("msExchOrigMDB")) return "msExchOrigMDB on " + name;
    if (IsTrue(*store, "msExchRestore")) return "msExchRestore on " + name;
  }
  auto dn = Dn::Parse(storage_group.dn);
  if (!recovery_group_name.empty() && dn.ok() &&
      FoldDirectoryString(dn->LeafValue()) == FoldDirectoryString(recovery_group_name)) {
    return "named \"" + recovery_group_name + "\" (not confirmed)";
  }
  return "";
}

void AddConfigurationObjects(const std::vector<LdapEntry>& entries, ExchangeTopology& t,
                             const std::string& recovery_group_name) {
  const Dn admin_groups = t.org_dn.Child("CN", "Administrative Groups");
  const Classified k = Classify(entries);
  // Link children to parents by DN (parsed, folded keys), parents first.
  std::unordered_map<std::string, size_t> ag_index, server_index, sg_index;
  std::vector<const LdapEntry*> sg_entries;  // same order as t.storage_groups
  // An entry the directory returned twice (same DN) counts once.
  for (const auto& [dn, e] : k.admin_groups) {
    if (!admin_groups.IsParentOf(dn) || ag_index.count(dn.key())) continue;
    ag_index[dn.key()] = t.admin_groups.size();
    t.admin_groups.push_back({dn, dn.LeafValue(), Optional(*e, "legacyExchangeDN").value_or("")});
  }
  for (const auto& [dn, e] : k.servers) {
    const Dn container = dn.Parent();
    if (!EqualsIgnoreCase(container.LeafValue(), "Servers")) continue;
    auto ag = ag_index.find(container.Parent().key());
    if (ag == ag_index.end() || server_index.count(dn.key())) continue;
    server_index[dn.key()] = t.servers.size();
    ExchangeServer server;
    server.dn = dn;
    server.name = dn.LeafValue();
    server.admin_group = ag->second;
    server.dns_host = DnsHostOf(*e);
    if (const std::string* tracking = e->First("messageTrackingEnabled")) {
      server.message_tracking = EqualsIgnoreCase(TrimAscii(*tracking), "TRUE");
    }
    t.servers.push_back(std::move(server));
  }
  for (const auto& [dn, e] : k.mtas) {
    auto server = server_index.find(dn.Parent().key());
    if (server != server_index.end()) t.servers[server->second].mta = dn;
  }
  for (const auto& [dn, e] : k.storage_groups) {
    const Dn container = dn.Parent();
    if (!EqualsIgnoreCase(container.LeafValue(), "InformationStore")) continue;
    auto server = server_index.find(container.Parent().key());
    if (server == server_index.end() || sg_index.count(dn.key())) continue;
    sg_index[dn.key()] = t.storage_groups.size();
    t.storage_groups.push_back({dn, dn.LeafValue(), server->second, ""});
    sg_entries.push_back(e);
  }
  std::vector<std::vector<const LdapEntry*>> stores_of_sg(t.storage_groups.size());
  for (const auto& [dn, e] : k.stores) {
    auto sg = sg_index.find(dn.Parent().key());
    if (sg != sg_index.end()) stores_of_sg[sg->second].push_back(e);
  }
  for (size_t i = 0; i < t.storage_groups.size(); ++i) {
    t.storage_groups[i].recovery =
        RecoveryMark(*sg_entries[i], stores_of_sg[i], recovery_group_name);
  }
  std::unordered_set<std::string> store_keys;
  for (const auto& [dn, e] : k.stores) {
    auto sg = sg_index.find(dn.Parent().key());
    const std::string* guid_bytes = e->First("objectGUID");
    if (sg == sg_index.end() || guid_bytes == nullptr || !store_keys.insert(dn.key()).second) {
      continue;
    }
    auto guid = Guid::FromBytes(*guid_bytes);
    if (!guid) continue;
    ExchangeStore store;
    store.dn = dn;
    store.name = dn.LeafValue();
    store.type = e->HasObjectClass("msExchPublicMDB") ? StoreType::kPublic : StoreType::kMailbox;
    store.guid = *guid;
    store.storage_group = sg->second;
    t.stores.push_back(std::move(store));
  }
}

void AddSmtpGateway(const LdapEntry& e, ExchangeTopology& t) {
  auto dn = EntryDn(e);
  if (!dn) return;
  SmtpGateway gw;
  gw.dn = *dn;
  gw.home_mdb = Optional(e, "homeMDB");
  gw.home_mta = Optional(e, "homeMTA");
  gw.delivery_mechanism = Optional(e, "deliveryMechanism");
  gw.legacy_dn = Optional(e, "legacyExchangeDN");
  t.gateways.push_back(std::move(gw));
}

void AddDomain(const LdapEntry& e, ExchangeTopology& t) {
  constexpr long kDomainFlag = 2;  // FLAG_CR_NTDS_DOMAIN
  const std::string* flags = e.First("systemFlags");
  const std::string* nc = e.First("nCName");
  if (flags == nullptr || nc == nullptr) return;
  char* end = nullptr;
  const std::string text(TrimAscii(*flags));
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || (value & kDomainFlag) == 0) return;
  auto dn = Dn::Parse(*nc);
  if (!dn.ok() || dn->empty()) return;
  for (const DirectoryDomain& d : t.view.domains) {
    if (d.nc == *dn) return;
  }
  DirectoryDomain d;
  d.nc = *dn;
  if (const std::string* root = e.First("dnsRoot")) d.dns_root = std::string(TrimAscii(*root));
  d.why_not = "not searched";
  t.view.domains.push_back(std::move(d));
}

void AddSystemMailbox(const LdapEntry& e, ExchangeTopology& t) {
  if (auto dn = EntryDn(e)) {
    if (auto guid = FindBracedGuid(dn->LeafValue())) t.system_mailboxes.insert(*guid);
  }
}

}  // namespace exdm
