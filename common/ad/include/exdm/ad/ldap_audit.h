// The whole SMTP mailbox audit over LDAP: for every -H URI (concurrently, each bounded by the
// run's deadline) connect, bind, discover and audit; then merge the views (dc_disagree where they
// differ). The AuditReport's sources say which URIs answered and why the others did not.
#pragma once

#include <string>
#include <vector>

#include "exdm/ad/discovery.h"
#include "exdm/ad/ldap_client.h"
#include "exdm/ad/mailbox_audit.h"
#include "exdm/base/deadline.h"

namespace exdm {

struct LdapAuditRequest {
  std::vector<std::string> uris;
  LdapConnectOptions connection;  // everything but the URI
  DiscoveryOptions discovery;
  AuditOptions audit;
};

// How both front ends configure LDAP (check options, exporter INI keys).
struct LdapAccess {
  std::vector<std::string> uris;
  std::string base;  // empty: the root DSE's configurationNamingContext
  std::string bind_dn;
  std::string sasl_mech;
  std::string password_file;  // first line; or
  std::string password_env;   // an environment variable (never argv)
  bool starttls = false;
  std::string ca_file;
  bool insecure_skip_verify = false;
  std::string ca_file_option;        // how the front end names the two settings above, for the
  std::string insecure_option;       // advice when a certificate is refused (LdapConnectOptions)
  std::vector<std::string> servers;  // -s
  // A storage group of this name is a recovery storage group (the last-resort rule, not
  // confirmed; empty: off). --recovery-group-name / [ldap] recovery_group_name.
  std::string recovery_group_name = kDefaultRecoveryGroupName;
};

// The audit request for `access`: reads the password (from the file on every call, so a rotated
// password is picked up) and refuses a bind DN without one. *warning: e.g. a password file that
// others can read (the password still works).
Result<LdapAuditRequest> MakeAuditRequest(const LdapAccess& access, std::string* warning);

AuditReport AuditOverLdap(const LdapAuditRequest& request, const Deadline& deadline);

}  // namespace exdm
