// The Exchange configuration as the audit needs it: organization, administrative groups, servers
// with their MTA, storage groups (recovery storage groups marked), stores with objectGUIDs, the
// SMTP mailboxes (mailGateway objects one level under the organization's CN=Connections), the
// forest's domains and which of them the server asked could read, and the system mailboxes found
// in them. Plain data: filled by LDAP discovery (discovery.h) or built in memory by tests.
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
  // The DNS name from networkAddress "ncacn_ip_tcp:<name>"; empty when AD has none.
  std::string dns_host;
  // messageTrackingEnabled as AD holds it; nullopt when the attribute is not set.
  std::optional<bool> message_tracking;
};

struct ExchangeStorageGroup {
  Dn dn;
  std::string name;
  size_t server = 0;  // index into ExchangeTopology::servers
  // A Recovery Storage Group (Exchange 2003): why it was recognised as one ("msExchRestore",
  // "msExchOrigMDB on <store>", "named <name>"); empty for an ordinary storage group.
  std::string recovery;
};

// The name Exchange 2003 gives the recovery storage group, recognised as one when AD marks it by
// no attribute (docs/DOMAIN.md "Recovery storage groups": not confirmed; a setting).
inline constexpr const char kDefaultRecoveryGroupName[] = "Recovery Storage Group";

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

// A domain of the forest (a crossRef under CN=Partitions with the domain flag), and whether the
// server asked could search it.
struct DirectoryDomain {
  Dn nc;                 // DC=child,DC=contoso,DC=com
  std::string dns_root;  // child.contoso.com; empty when unknown
  bool readable = false;
  std::string why_not;  // when not readable: "refers to ldap://dc2.child.contoso.com/..."
};

// What one LDAP server could see.
struct DirectoryView {
  // Searched as a global catalog: the whole forest from the empty base (a GC port, or a server on
  // another port whose root DSE says isGlobalCatalogReady; see discovery.h).
  bool global_catalog = false;
  std::string config_nc;
  // The forest's domains; a single readable entry when AD names no crossRef (then the default
  // naming context). Empty when no domain naming context is known at all.
  std::vector<DirectoryDomain> domains;
};

struct ExchangeTopology {
  Dn config_nc;
  Dn domain_nc;  // the default naming context of the server asked; empty if unknown
  Dn org_dn;
  std::string org_name;
  std::string org_legacy_dn;  // "/o=<Org>"; empty when AD has none
  std::vector<ExchangeAdminGroup> admin_groups;
  std::vector<ExchangeServer> servers;
  std::vector<ExchangeStorageGroup> storage_groups;
  std::vector<ExchangeStore> stores;
  std::vector<SmtpGateway> gateways;
  DirectoryView view;
  // SystemMailbox{GUID} objects found in the domains that could be read; only meaningful when
  // system_mailboxes_known (a domain was searched), otherwise system_mailbox_missing is not
  // evaluated. A store whose system mailbox was not found is judged by the domain it would live in
  // (SystemMailboxDomain): readable there means missing, unreadable means not checked.
  bool system_mailboxes_known = false;
  std::set<Guid> system_mailboxes;

  Dn ConnectionsDn() const { return org_dn.Child("CN", "Connections"); }
  const ExchangeServer& ServerOf(const ExchangeStore& store) const {
    return servers[storage_groups[store.storage_group].server];
  }
  StoreRef RefOf(const ExchangeStore& store) const;
  // "/o=Org/ou=AG": the attribute value when present, else derived from the names.
  std::string AdminGroupLegacyDn(const ExchangeServer& server) const;
  bool IsRecovery(const ExchangeStore& store) const {
    return !storage_groups[store.storage_group].recovery.empty();
  }
  // The domain a server's system mailboxes live in (docs/DOMAIN.md "System mailboxes"): the one
  // whose DNS name is the longest suffix of the server's DNS name; the only domain of a forest
  // with one; nullptr when that is not known.
  const DirectoryDomain* DomainOf(const ExchangeServer& server) const;
};

}  // namespace exdm
