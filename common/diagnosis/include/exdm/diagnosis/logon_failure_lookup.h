// Event 326 whose store GUID names no audited store: what the directory holds for it
// (docs/DOMAIN.md "Application events"). Over one connection, in the configuration naming context:
//   1. (objectGUID=<the GUID's 16 bytes, each escaped>): a store outside the audit (another
//      server, or one -s left out), or some other object;
//   2. when nothing has that GUID: (legacyExchangeDN=<the event's DN, escaped>), the gateway the
//      store driver tried to log on as (a leftover SMTP mailbox of a deleted store, ...);
//   3. nothing: "GUID names no store in AD".
// Every value is escaped (RFC 4515) before it lands in a filter.
#pragma once

#include <string>
#include <vector>

#include "exdm/ad/ldap_client.h"
#include "exdm/base/deadline.h"
#include "exdm/base/status.h"
#include "exdm/diagnosis/diagnosis.h"

namespace exdm {

struct LogonFailureLookup {
  LdapConnectOptions connection;             // a -H URI that answered, and its credentials
  std::string base;                          // configuration NC (-b); empty: from the root DSE
  std::vector<std::string> audited_servers;  // to say why a store found was not audited
};

// Fills `found` of every entry (one sentence, unsanitized). On an LDAP failure the entries not
// yet searched keep `found` empty and the Status says what failed.
Status ExplainUnmatchedLogonFailures(const LogonFailureLookup& lookup,
                                     std::vector<UnmatchedLogonFailure>& unmatched,
                                     const Deadline& deadline);

// The two filters, exposed for tests: "(objectGUID=\bb\85…)" from a GUID in any spelling (empty
// when it does not parse) and "(legacyExchangeDN=…)" with the DN escaped.
std::string GuidFilter(const std::string& guid_text);
std::string LegacyDnFilter(const std::string& legacy_dn);

}  // namespace exdm
