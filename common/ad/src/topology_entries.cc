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
  return std::move(*dn);
}

std::optional<std::string> Optional(const LdapEntry& e, std::string_view name) {
  const std::string* v = e.First(name);
  return v ? std::optional<std::string>(*v) : std::nullopt;
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

void ConfigurationObjects::Add(const LdapEntry& e) {
  auto dn = EntryDn(e);
  if (!dn) return;
  std::vector<Entry>* kind = nullptr;
  const bool is_public = e.HasObjectClass("msExchPublicMDB");
  if (is_public || e.HasObjectClass("msExchPrivateMDB")) {
    kind = &stores_;
  } else if (e.HasObjectClass("msExchStorageGroup")) {
    kind = &storage_groups_;
  } else if (e.HasObjectClass("mTA")) {
    kind = &mtas_;
  } else if (e.HasObjectClass("msExchExchangeServer")) {
    kind = &servers_;
  } else if (e.HasObjectClass("msExchAdminGroup")) {
    kind = &admin_groups_;
  } else {
    return;
  }
  kind->push_back(
      {std::move(*dn), Optional(e, "legacyExchangeDN"), Optional(e, "objectGUID"), is_public});
}

void ConfigurationObjects::AddTo(ExchangeTopology& t) {
  const Dn admin_groups = t.org_dn.Child("CN", "Administrative Groups");
  // Link children to parents by DN (parsed, folded keys), parents first.
  std::unordered_map<std::string, size_t> ag_index, server_index, sg_index;
  // An entry the directory returned twice (same DN) counts once.
  for (const Entry& e : admin_groups_) {
    const Dn& dn = e.dn;
    if (!admin_groups.IsParentOf(dn) || ag_index.count(dn.key())) continue;
    ag_index[dn.key()] = t.admin_groups.size();
    t.admin_groups.push_back({dn, dn.LeafValue(), e.legacy_dn.value_or("")});
  }
  for (const Entry& e : servers_) {
    const Dn& dn = e.dn;
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
  for (const Entry& e : mtas_) {
    auto server = server_index.find(e.dn.ParentKey());
    if (server != server_index.end()) t.servers[server->second].mta = e.dn;
  }
  for (const Entry& e : storage_groups_) {
    const Dn& dn = e.dn;
    const Dn container = dn.Parent();
    if (!EqualsIgnoreCase(container.LeafValue(), "InformationStore")) continue;
    auto server = server_index.find(container.Parent().key());
    if (server == server_index.end() || sg_index.count(dn.key())) continue;
    sg_index[dn.key()] = t.storage_groups.size();
    t.storage_groups.push_back({dn, dn.LeafValue(), server->second});
  }
  std::unordered_set<std::string> store_keys;
  for (Entry& e : stores_) {
    auto sg = sg_index.find(e.dn.ParentKey());
    if (sg == sg_index.end() || !e.guid_bytes || !store_keys.insert(e.dn.key()).second) continue;
    auto guid = Guid::FromBytes(*e.guid_bytes);
    if (!guid) continue;
    ExchangeStore store;
    store.name = e.dn.LeafValue();
    store.dn = std::move(e.dn);  // moved, not copied: the topology holds tens of thousands
    store.type = e.is_public ? StoreType::kPublic : StoreType::kMailbox;
    store.guid = *guid;
    store.storage_group = sg->second;
    t.stores.push_back(std::move(store));
  }
  *this = ConfigurationObjects();
}

void AddConfigurationObjects(const std::vector<LdapEntry>& entries, ExchangeTopology& t) {
  ConfigurationObjects objects;
  for (const LdapEntry& e : entries)
    objects.Add(e);
  objects.AddTo(t);
}

void AddSmtpGateway(const LdapEntry& e, ExchangeTopology& t) {
  auto dn = EntryDn(e);
  if (!dn) return;
  SmtpGateway gw;
  gw.dn = std::move(*dn);
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
