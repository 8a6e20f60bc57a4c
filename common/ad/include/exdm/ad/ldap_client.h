// A read-only LDAP connection over libldap, with the safety defaults of docs/ARCHITECTURE.md "LDAP
// access": protocol v3, referrals off (continuation references are ignored), TLS certificate
// verification on unless explicitly skipped, network and operation timeouts taken from the run's
// Deadline, and the paged results control (RFC 2696, 1000 per page like AD's MaxPageSize) on every
// search.
// Failures are Status values naming the URI, libldap's own text with the result code ("Invalid
// credentials (49)") and what failed; a refused TLS certificate is named as such (libldap says
// "Can't contact LDAP server"), with the certificate's subject and issuer and the fix. Codes:
// kUnreachable (connect, TLS), kBindFailed (credentials refused), kLdapError (an operation the
// server refused, e.g. no such base), kTimeout (the deadline expired).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/deadline.h"
#include "exdm/base/status.h"

namespace exdm {

// How to reach and bind to a directory server, whichever URI: declared once, part of both what an
// operator configures (LdapSettings, ldap_settings.h) and one connection (LdapConnectOptions).
struct LdapConnectionSettings {
  bool starttls = false;
  std::string ca_file;
  bool insecure_skip_verify = false;
  std::string bind_dn;    // empty: anonymous (or the SASL identity)
  std::string sasl_mech;  // "GSSAPI": SASL bind with the caller's Kerberos credentials
  // The front end's names for ca_file and insecure_skip_verify ("--ca-file", "ldap.ca_file"): a
  // refused certificate's message says which setting fixes it.
  std::string ca_file_option;
  std::string insecure_option;
};

struct LdapConnectOptions : LdapConnectionSettings {
  std::string uri;       // ldap://host[:port], ldaps://host[:port] or ldapi://
  std::string password;  // simple bind; read with ReadPasswordFile / ReadPasswordEnv, never argv
};

// One search result entry. Attribute names are lower-cased; values are raw bytes.
struct LdapEntry {
  std::string dn;
  std::vector<std::pair<std::string, std::vector<std::string>>> attributes;

  // The values of one attribute (name compared case-insensitively), or nullptr.
  const std::vector<std::string>* Values(std::string_view name) const;
  // The first value, or nullptr.
  const std::string* First(std::string_view name) const;
  // Whether objectClass lists `cls` (case-insensitively).
  bool HasObjectClass(std::string_view cls) const;
};

enum class LdapScope { kBase, kOneLevel, kSubtree };

struct LdapSearchRequest {
  std::string base;
  LdapScope scope = LdapScope::kSubtree;
  std::string filter;
  std::vector<std::string> attributes;
  std::function<Status(const LdapEntry&)> on_entry;
};

class LdapConnection {
 public:
  // Connects (StartTLS when asked) and binds, all within the deadline.
  static Result<std::unique_ptr<LdapConnection>> Open(const LdapConnectOptions& options,
                                                      const Deadline& deadline);
  ~LdapConnection();  // unbinds
  LdapConnection(const LdapConnection&) = delete;
  LdapConnection& operator=(const LdapConnection&) = delete;

  // Paged search; on_entry sees every entry in server order (a non-OK Status stops the search and
  // is returned). Filter values must already be escaped (ldap_filter.h).
  using EntryHandler = std::function<Status(const LdapEntry&)>;
  Status Search(const std::string& base, LdapScope scope, const std::string& filter,
                const std::vector<std::string>& attributes, const Deadline& deadline,
                const EntryHandler& on_entry);

  // Several searches side by side, so the server serves them at once and their entries are taken
  // in on several cores (a 10,000-store audit reads three large containers): the first on this
  // connection, each other one on a connection of its own, opened and bound as this one was, in
  // a thread of its own. So each request's handler runs on its own thread: handlers must not
  // share unguarded state. (One connection cannot carry them: slapd keeps one paged-results
  // state per connection.) A search whose connection cannot be opened runs on this one after the
  // others. One status per request, in order; a failed search does not stop the others.
  std::vector<Status> SearchInParallel(const std::vector<LdapSearchRequest>& requests,
                                       const Deadline& deadline);

  // The root DSE (base "", scope base) with the given attributes.
  Result<LdapEntry> ReadRootDse(const std::vector<std::string>& attributes,
                                const Deadline& deadline);
  // One naming context the root DSE names ("configurationNamingContext", "defaultNamingContext");
  // kLdapError naming the URI and the attribute when it names none.
  Result<std::string> ReadNamingContext(const std::string& attribute, const Deadline& deadline);

  const std::string& uri() const { return uri_; }

 private:
  struct Handle;
  LdapConnection(std::string uri, std::unique_ptr<Handle> handle);
  std::string uri_;
  std::unique_ptr<Handle> handle_;
  LdapConnectOptions options_;  // how this connection was opened, for SearchInParallel's others
};

// The bind password from the first line of a file (trailing CR/LF dropped). When the file can be
// read by other users, *warning says so (the password still works: monitoring keeps running).
Result<std::string> ReadPasswordFile(const std::string& path, std::string* warning);
// The bind password from an environment variable (Icinga's `env`); an unset variable is an error.
Result<std::string> ReadPasswordEnv(const std::string& variable);

}  // namespace exdm
