// The whole SMTP mailbox audit over LDAP: for every -H URI (concurrently, each bounded by the
// run's deadline) connect, bind, discover and audit; then merge the views (dc_disagree where they
// differ). The AuditReport's sources say which URIs answered and why the others did not.
#pragma once

#include <string>
#include <vector>

#include "exdm/deadline.h"
#include "exdm/ldap_client.h"
#include "exdm/ldap_discovery.h"
#include "exdm/smtp_mailbox_audit.h"

namespace exdm {

struct LdapAuditRequest {
  std::vector<std::string> uris;
  LdapConnectOptions connection;  // everything but the URI
  DiscoveryOptions discovery;
  AuditOptions audit;
};

AuditReport AuditOverLdap(const LdapAuditRequest& request, const Deadline& deadline);

}  // namespace exdm
