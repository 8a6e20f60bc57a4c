// Reads the Exchange topology the audit needs from AD with a handful of paged searches (never one
// search per store); the Administrative Groups subtree, CN=Connections and the domains with their
// system mailboxes are read side by side, each on a connection of its own opened as the first was
// (LdapConnection::InParallel), the rest on the connection given:
//   root DSE                     configurationNamingContext (unless -b), defaultNamingContext,
//                                isGlobalCatalogReady
//   CN=Microsoft Exchange,CN=Services,<config NC>   one level: the organization
//   CN=Administrative Groups,<org>   subtree: admin groups, servers, MTAs, storage groups, stores
//   CN=Connections,<org>             one level, (objectClass=mailGateway): the SMTP mailboxes only,
//                                    never the connectors under routing groups
//   CN=Partitions,<config NC>        one level, (objectClass=crossRef): the forest's domains
//   system mailboxes (cn=SystemMailbox*), wherever they live (docs/DOMAIN.md "System mailboxes"):
//     as a global catalog   one subtree search from the empty base: every domain
//     as a domain controller one level under CN=Microsoft Exchange System Objects of each domain;
//                           a domain the server refers elsewhere (a referral) is not readable
//   homeMDBBL of a mailbox store whose system mailbox was not found by name, where the view holds
//   every object that could link to it (a global catalog, or a forest of one domain): its back
//   links, read in ranges past AD's 1500 values, may name it elsewhere.
// The server is a global catalog view when its URI names port 3268/3269, or, on a port other than
// 389/636 (a proxy, a test server), when its root DSE says isGlobalCatalogReady TRUE: a GC answers
// on 389/636 as a plain domain controller of its own domain.
#pragma once

#include <string>

#include "exdm/ad/ldap_client.h"
#include "exdm/ad/topology.h"
#include "exdm/base/deadline.h"
#include "exdm/base/status.h"

namespace exdm {

struct DiscoveryOptions {
  std::string base;  // -b: the configuration naming context; empty: from the root DSE
  // A storage group of this name is a recovery storage group even when AD marks it by no
  // attribute (the last-resort rule; empty: off). --recovery-group-name / [ldap].
  std::string recovery_group_name = kDefaultRecoveryGroupName;
  size_t back_link_window = 0;  // homeMDBBL values per read; 0: as many as the server gives
};

Result<ExchangeTopology> DiscoverTopology(LdapConnection& connection,
                                          const DiscoveryOptions& options,
                                          const Deadline& deadline);

}  // namespace exdm
