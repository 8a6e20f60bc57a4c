// The whole SMTP mailbox audit over LDAP: for every -H URI (concurrently, each bounded by the
// run's deadline) connect, bind, discover and audit; then merge the views (dc_disagree where they
// differ). The AuditReport's sources say which URIs answered and why the others did not.
#pragma once

#include <string>
#include <vector>

#include "exdm/ad/discovery.h"
#include "exdm/ad/ldap_client.h"
#include "exdm/ad/ldap_settings.h"
#include "exdm/ad/mailbox_audit.h"
#include "exdm/base/deadline.h"

namespace exdm {

struct LdapAuditRequest {
  std::vector<std::string> uris;
  LdapConnectOptions connection;  // everything but the URI
  DiscoveryOptions discovery;
  AuditOptions audit;
  // The caller's process ends right after this audit (the check): each view's topology is then
  // never freed but kept reachable until exit, when the system takes the memory back at once.
  // Freeing 10,000 stores' topology, DN by DN, was 5 to 8 % of the check's CPU, on its critical
  // path. A long-running caller (the exporter) leaves this false.
  bool process_exits_after = false;
};

// The audit request for `settings`: reads the password (from the file on every call, so a rotated
// password is picked up) and refuses a bind DN without one; checks that the CA file holds
// certificates (CheckCaFile). Local files are read within `deadline`. *warning: e.g. a password
// file that others can read (the password still works).
Result<LdapAuditRequest> MakeAuditRequest(const LdapSettings& settings, std::string* warning,
                                          const Deadline& deadline);

AuditReport AuditOverLdap(const LdapAuditRequest& request, const Deadline& deadline);

}  // namespace exdm
