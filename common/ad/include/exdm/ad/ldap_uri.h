// What an LDAP URI says about the server behind it: AD serves its global catalog (every domain
// of the forest, read-only, a partial set of attributes) on ports 3268 (plain) and 3269 (TLS),
// and the domain controller itself (its own domain, the configuration, writable) on 389 and 636.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace exdm {

// The TCP port: the one written, else 389 for ldap:// and 636 for ldaps://; nullopt for ldapi://
// and anything that is no ldap:// or ldaps:// URI.
std::optional<int> LdapUriPort(std::string_view uri);

// Port 3268 or 3269.
bool IsGlobalCatalogPort(std::string_view uri);
// Port 389 or 636.
bool IsDomainControllerPort(std::string_view uri);

// The same server's domain controller port, where writes go: 389 for ldap://, 636 for ldaps://
// (a global catalog's 3268 and 3269, or any other port), path dropped; ldapi:// and what does not
// parse as given.
std::string DomainControllerUri(std::string_view uri);

}  // namespace exdm
