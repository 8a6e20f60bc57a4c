#include "exdm/ad/topology_entries.h"

#include <cstdlib>
#include <initializer_list>
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

// Copies of the attributes of `from` named in `names`, appended to `to`.
void KeepAttributes(const LdapEntry& from, std::initializer_list<std::string_view> names,
                    LdapEntry& to) {
  for (const auto& attribute : from.attributes) {
    for (std::string_view name : names) {
      if (EqualsIgnoreCase(attribute.first, name)) {
        to.attributes.push_back(attribute);
        break;
      }
    }
  }
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
  Entry entry{
      std::move(*dn), Optional(e, "legacyExchangeDN"), Optional(e, "objectGUID"), is_public, {}};
  // The few attributes one kind needs beyond those, kept as the directory gave them so that the
  // rules reading them (DnsHostOf, RecoveryMark) are the same for both ways in; most entries keep
  // none. A storage group's DN is kept for RecoveryMark's name rule, a store's when it has marks.
  if (kind == &servers_) {
    KeepAttributes(e, {"networkAddress", "messageTrackingEnabled"}, entry.kept);
  } else if (kind == &storage_groups_ || kind == &stores_) {
    KeepAttributes(e, {"msExchRestore", "msExchOrigMDB"}, entry.kept);
    if (kind == &storage_groups_ || !entry.kept.attributes.empty()) entry.kept.dn = e.dn;
  }
  kind->push_back(std::move(entry));
}

void ConfigurationObjects::AddTo(ExchangeTopology& t, const std::string& recovery_group_name) {
  const Dn admin_groups = t.org_dn.Child("CN", "Administrative Groups");
  // Link children to parents by DN (parsed, folded keys), parents first. The indexes view the
  // keys of this object's own entries, which stay where they are until the end.
  std::unordered_map<std::string_view, size_t> ag_index, server_index, sg_index;
  std::vector<const LdapEntry*> sg_entries;  // same order as t.storage_groups
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
    server.dns_host = DnsHostOf(e.kept);
    if (const std::string* tracking = e.kept.First("messageTrackingEnabled")) {
      server.message_tracking = EqualsIgnoreCase(TrimAscii(*tracking), "TRUE");
    }
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
    t.storage_groups.push_back({dn, dn.LeafValue(), server->second, ""});
    sg_entries.push_back(&e.kept);
  }
  // Only stores that kept a mark can make their storage group a recovery one.
  std::vector<std::vector<const LdapEntry*>> stores_of_sg(t.storage_groups.size());
  for (const Entry& e : stores_) {
    if (e.kept.attributes.empty()) continue;
    auto sg = sg_index.find(e.dn.ParentKey());
    if (sg != sg_index.end()) stores_of_sg[sg->second].push_back(&e.kept);
  }
  for (size_t i = 0; i < t.storage_groups.size(); ++i) {
    t.storage_groups[i].recovery =
        RecoveryMark(*sg_entries[i], stores_of_sg[i], recovery_group_name);
  }
  // Views of the keys of t.stores' DNs: reserved, so the stores do not move while they grow.
  std::unordered_set<std::string_view> store_keys;
  t.stores.reserve(t.stores.size() + stores_.size());
  for (Entry& e : stores_) {
    auto sg = sg_index.find(e.dn.ParentKey());
    if (sg == sg_index.end() || !e.guid_bytes || store_keys.count(e.dn.key())) continue;
    auto guid = Guid::FromBytes(*e.guid_bytes);
    if (!guid) {
      store_keys.insert(e.dn.key());  // a second entry of this DN is skipped as before
      continue;
    }
    ExchangeStore store;
    store.name = e.dn.LeafValue();
    store.dn = std::move(e.dn);  // moved, not copied: the topology holds tens of thousands
    store.type = e.is_public ? StoreType::kPublic : StoreType::kMailbox;
    store.guid = *guid;
    store.storage_group = sg->second;
    t.stores.push_back(std::move(store));
    store_keys.insert(t.stores.back().dn.key());
  }
  *this = ConfigurationObjects();
}

void AddConfigurationObjects(const std::vector<LdapEntry>& entries, ExchangeTopology& t,
                             const std::string& recovery_group_name) {
  ConfigurationObjects objects;
  for (const LdapEntry& e : entries)
    objects.Add(e);
  objects.AddTo(t, recovery_group_name);
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
  // Only the leaf is read: no Dn is built for each of thousands of entries. (The root's leaf is
  // empty and names no GUID.)
  auto leaf = Dn::ParseLeafValue(e.dn);
  if (!leaf.ok()) return;
  if (auto guid = FindBracedGuid(*leaf)) t.system_mailboxes.insert(*guid);
}

}  // namespace exdm
