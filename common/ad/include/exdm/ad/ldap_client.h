// A read-only LDAP connection over libldap, with the safety defaults of docs/ARCHITECTURE.md "LDAP
// access": protocol v3, referrals never followed (a search may collect them instead), TLS
// certificate verification on unless explicitly skipped, network and operation timeouts taken from
// the run's Deadline, and the paged results control (RFC 2696, 1000 per page like AD's MaxPageSize)
// on every search. Failures are Status values naming the URI, libldap's own text with the result
// code ("Invalid credentials (49)") and what failed; a refused TLS certificate is named as such
// (libldap says "Can't contact LDAP server"), with the certificate's subject and issuer and the
// fix. Codes: kUnreachable (connect, TLS), kBindFailed (credentials refused), kLdapError (an
// operation the server refused, e.g. no such base), kTimeout (the deadline expired).
#pragma once

#include <functional>
#include <memory>
#include <optional>
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

// Where a server pointed instead of answering; never followed (a referral would send the bind
// elsewhere). AD answers a search of a naming context it does not hold with a referral (result
// 10), and a subtree search that reaches into one with a continuation reference per subordinate
// naming context.
struct LdapReferrals {
  std::vector<std::string> continuations;  // search result references (parts held elsewhere)
  std::vector<std::string> referral;       // URLs of a referral result: the base is not held here
  bool referred() const { return !referral.empty(); }
};

// The window of values in an attribute description of a ranged answer ("homeMDBBL;range=0-1499";
// last is nullopt for "*": no values follow). nullopt when `description` is not `attribute` with
// a range option.
struct ValueRange {
  size_t first = 0;
  std::optional<size_t> last;
};
std::optional<ValueRange> ParseValueRange(std::string_view description, std::string_view attribute);

class LdapConnection {
 public:
  // Connects (StartTLS when asked) and binds, all within the deadline.
  static Result<std::unique_ptr<LdapConnection>> Open(const LdapConnectOptions& options,
                                                      const Deadline& deadline);
  ~LdapConnection();  // unbinds
  LdapConnection(const LdapConnection&) = delete;
  LdapConnection& operator=(const LdapConnection&) = delete;

  // Paged search; on_entry sees every entry in server order (a non-OK Status stops the search and
  // is returned). Filter values must already be escaped (ldap_filter.h). Without `referrals`,
  // continuation references are ignored and a referral result is an error (kLdapError,
  // "Referral (10)"); with it, both are collected there and a referral result is Status::Ok().
  using EntryHandler = std::function<Status(const LdapEntry&)>;
  Status Search(const std::string& base, LdapScope scope, const std::string& filter,
                const std::vector<std::string>& attributes, const Deadline& deadline,
                const EntryHandler& on_entry, LdapReferrals* referrals = nullptr);

  // Every value of one attribute of the entry `dn`, through ranged retrieval: AD hands out at
  // most MaxValRange values (1500) per read of a multi-valued attribute and names the window it
  // returned ("homeMDBBL;range=0-1499"); the next read asks for "homeMDBBL;range=1500-*", until
  // a window ends in "*". A server that answers with the plain attribute has sent everything.
  // `window` > 0 asks for that many values per read instead of leaving it to the server. An
  // entry without the attribute gives no values; a missing entry is kLdapError.
  Result<std::vector<std::string>> ReadAllValues(const std::string& dn,
                                                 const std::string& attribute,
                                                 const Deadline& deadline, size_t window = 0);

  // Several tasks side by side, so the server serves their searches at once and their entries
  // are taken in on several cores (a 10,000-store audit reads three large containers): the first
  // on this connection, each other one on a connection of its own, opened and bound as this one
  // was, in a thread of its own. So each task runs on its own thread: tasks must not share
  // unguarded state. (One connection cannot carry them: slapd keeps one paged-results state per
  // connection.) A task whose connection cannot be opened runs on this one after the others. One
  // status per task, in order; a failed task does not stop the others.
  using Task = std::function<Status(LdapConnection&)>;
  std::vector<Status> InParallel(const std::vector<Task>& tasks, const Deadline& deadline);

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
  LdapConnectOptions options_;  // how this connection was opened, for InParallel's others
};

// The bind password from the first line of a file (trailing CR/LF dropped), read as every small
// file is (exdm/base/small_file.h: a regular file, at most 64 KiB, within the deadline). When the
// file can be read by other users, *warning says so (the password still works: monitoring keeps
// running).
Result<std::string> ReadPasswordFile(const std::string& path, std::string* warning,
                                     const Deadline& deadline);
// A CA file libldap can use: a regular file of at most 8 MiB, read within the deadline, holding at
// least one PEM certificate, each of them a readable X.509 certificate. kBadInput otherwise,
// naming the file as `option` does ("--ca-file", "ldap.ca_file"): an empty or garbled CA file is
// a local mistake, not a server whose certificate cannot be verified.
Status CheckCaFile(const std::string& path, const std::string& option, const Deadline& deadline);
// The bind password from an environment variable (Icinga's `env`); an unset variable is an error.
// Once read, the value is overwritten in the process's initial environment, which is what
// /proc/<pid>/environ shows to other processes of the same user; a copy stays in this process's
// environment (setenv), so a second read in the same run finds it.
Result<std::string> ReadPasswordEnv(const std::string& variable);

}  // namespace exdm
