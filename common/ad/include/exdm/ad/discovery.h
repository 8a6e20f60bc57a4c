// Reads the Exchange topology the audit needs from AD over one LDAP connection, with a handful
// of paged searches (never one search per store, never homeMDBBL):
//   root DSE                     configurationNamingContext (unless -b), defaultNamingContext
//   CN=Microsoft Exchange,CN=Services,<config NC>   one level: the organization
//   CN=Administrative Groups,<org>   subtree: admin groups, servers, MTAs, storage groups, stores
//   CN=Connections,<org>             one level, (objectClass=mailGateway): the SMTP mailboxes only,
//                                    never the connectors under routing groups
//   CN=Microsoft Exchange System Objects,<domain NC>   one level: SystemMailbox{GUID} by name
#pragma once

#include <string>

#include "exdm/ad/ldap_client.h"
#include "exdm/ad/topology.h"
#include "exdm/base/deadline.h"
#include "exdm/base/status.h"

namespace exdm {

struct DiscoveryOptions {
  std::string base;  // -b: the configuration naming context; empty: from the root DSE
};

Result<ExchangeTopology> DiscoverTopology(LdapConnection& connection,
                                          const DiscoveryOptions& options,
                                          const Deadline& deadline);

}  // namespace exdm
