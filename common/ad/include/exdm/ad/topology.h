// The Exchange configuration as the audit needs it: organization, administrative groups, servers
// with their MTA, storage groups, stores with objectGUIDs, the SMTP mailboxes (mailGateway objects
// one level under the organization's CN=Connections) and the system mailboxes found in the domain
// naming context. Plain data: filled by LDAP discovery (ldap_discovery.h) or built in memory by
// tests.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "exdm/ad/dn.h"
#include "exdm/base/guid.h"
#include "exdm/base/store_ref.h"

namespace exdm {

struct ExchangeAdminGroup {
  Dn dn;
  std::string name;       // cn
  std::string legacy_dn;  // legacyExchangeDN; empty when AD has none (then derived from names)
};

struct ExchangeServer {
  Dn dn;
  std::string name;        // cn, e.g. "EXCH01"
  size_t admin_group = 0;  // index into ExchangeTopology::admin_groups
  std::optional<Dn> mta;   // CN=Microsoft MTA under the server, when it exists
};

struct ExchangeStorageGroup {
  Dn dn;
  std::string name;
  size_t server = 0;  // index into ExchangeTopology::servers
};

struct ExchangeStore {
  Dn dn;
  std::string name;
  StoreType type = StoreType::kMailbox;
  Guid guid;
  size_t storage_group = 0;  // index into ExchangeTopology::storage_groups
};

// A mailGateway as read from AD. Attribute values are kept as read (absent = nullopt) so the audit
// can report exactly what is there, including values that do not parse.
struct SmtpGateway {
  Dn dn;
  std::optional<std::string> home_mdb;
  std::optional<std::string> home_mta;
  std::optional<std::string> delivery_mechanism;
  std::optional<std::string> legacy_dn;
};

struct ExchangeTopology {
  Dn config_nc;
  Dn domain_nc;  // where CN=Microsoft Exchange System Objects lives; empty if unknown
  Dn org_dn;
  std::string org_name;
  std::string org_legacy_dn;  // "/o=<Org>"; empty when AD has none
  std::vector<ExchangeAdminGroup> admin_groups;
  std::vector<ExchangeServer> servers;
  std::vector<ExchangeStorageGroup> storage_groups;
  std::vector<ExchangeStore> stores;
  std::vector<SmtpGateway> gateways;
  // SystemMailbox{GUID} objects found; only meaningful when system_mailboxes_known (the domain
  // naming context was searched), otherwise system_mailbox_missing is not evaluated.
  bool system_mailboxes_known = false;
  std::set<Guid> system_mailboxes;

  Dn ConnectionsDn() const { return org_dn.Child("CN", "Connections"); }
  const ExchangeServer& ServerOf(const ExchangeStore& store) const {
    return servers[storage_groups[store.storage_group].server];
  }
  StoreRef RefOf(const ExchangeStore& store) const;
  // "/o=Org/ou=AG": the attribute value when present, else derived from the names.
  std::string AdminGroupLegacyDn(const ExchangeServer& server) const;
};

}  // namespace exdm
