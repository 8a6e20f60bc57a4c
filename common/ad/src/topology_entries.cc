#include "exdm/ad/topology_entries.h"

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

void AddConfigurationObjects(const std::vector<LdapEntry>& entries, ExchangeTopology& t) {
  const Dn admin_groups = t.org_dn.Child("CN", "Administrative Groups");
  Classified k = Classify(entries);  // its DNs are moved into the topology, not copied
  // Link children to parents by DN (parsed, folded keys), parents first.
  std::unordered_map<std::string, size_t> ag_index, server_index, sg_index;
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
    t.storage_groups.push_back({dn, dn.LeafValue(), server->second});
  }
  std::unordered_set<std::string> store_keys;
  for (auto& [dn, e] : k.stores) {
    auto sg = sg_index.find(dn.ParentKey());
    const std::string* guid_bytes = e->First("objectGUID");
    if (sg == sg_index.end() || guid_bytes == nullptr || !store_keys.insert(dn.key()).second) {
      continue;
    }
    auto guid = Guid::FromBytes(*guid_bytes);
    if (!guid) continue;
    ExchangeStore store;
    store.name = dn.LeafValue();
    store.dn = std::move(dn);
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

void AddSystemMailbox(const LdapEntry& e, ExchangeTopology& t) {
  if (auto dn = EntryDn(e)) {
    if (auto guid = FindBracedGuid(dn->LeafValue())) t.system_mailboxes.insert(*guid);
  }
}

}  // namespace exdm
