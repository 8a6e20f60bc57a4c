// The LDAP source as an operator configures it, declared once for both front ends: the check's
// -H/-b/-D/--sasl-mech/--password-file/--password-env/--starttls/--ca-file/--insecure-skip-verify/-s/
// --recovery-group-name and the exporter's [ldap] keys map onto this struct (docs/ARCHITECTURE.md
// "LDAP access"); MakeAuditRequest (ldap_audit.h) turns it into a request, reading the password.
#pragma once

#include <string>
#include <vector>

#include "exdm/ad/ldap_client.h"
#include "exdm/ad/topology.h"

namespace exdm {

struct LdapSettings : LdapConnectionSettings {
  std::vector<std::string> uris;     // every view to audit; empty: no LDAP source
  std::string base;                  // empty: the root DSE's configurationNamingContext
  std::string password_file;         // first line; or
  std::string password_env;          // an environment variable (never argv)
  std::vector<std::string> servers;  // restrict the audit to these Exchange servers (-s)
  // A storage group of this name is a recovery storage group (the last-resort rule, not
  // confirmed; empty: off). --recovery-group-name / [ldap] recovery_group_name.
  std::string recovery_group_name = kDefaultRecoveryGroupName;
};

}  // namespace exdm
