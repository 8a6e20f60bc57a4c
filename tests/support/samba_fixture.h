// A throwaway Samba Active Directory domain controller for one test: real AD behaviour
// (server-assigned objectGUIDs, linked attributes and back links, tombstones, MaxPageSize, AD's
// schema rules and TLS) with the Exchange schema subset of
// tests/fixtures/samba/exchange-schema.ldif.
//
//   auto dc = SambaDc::Start();
//   ASSERT_TRUE(dc);                 // failures are reported with the Samba log
//   dc->uri(); dc->monitor_dn(); dc->monitor_password_file(); dc->ca_file();
//
// Provisioning takes tens of seconds, so it happens once per build tree: `samba-fixture.sh
// template` caches a provisioned, schema-extended DC under <build>/samba-cache (keyed by the
// schema file and the script; CTest runs it first as the `samba.template` fixture test). Start()
// copies that template into a fresh temporary directory (about a second including the start).
// Each DC listens on its own loopback address 127.A.B.C derived from the test process's pid
// (ports 389 and 636 cannot be changed), so DCs of concurrent processes never collide; CTest still
// runs Samba tests one at a time (RESOURCE_LOCK samba) to keep the load down. Samba runs as this
// process's child with a parent-death signal and is stopped by that pid only.
//
// Samba serves LDAP and Kerberos (its KDC, port 88 of address(): kinit svc-monitor with a
// krb5.conf naming it; samba_kerberos_test.cc shows the setup for a GSSAPI bind).
// Domain: CONTOSO.COM, DC=contoso,DC=com (the slapd fixture's default, so organization LDIF fits
// both). Accounts: the domain Administrator, and svc-monitor, an ordinary domain user (what the
// product should bind as). Samba runs as root only: Available() says why not.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "process.h"

// First line of a Samba test: skips it (with the reason) where no DC can run, i.e. not as root.
#define REQUIRE_SAMBA()                                                          \
  do {                                                                           \
    std::string why_not;                                                         \
    if (!::exdm::testing::SambaDc::Available(&why_not)) GTEST_SKIP() << why_not; \
  } while (0)

namespace exdm::testing {

class SambaDc {
 public:
  // False (with the reason) where a DC cannot run at all: not root. A missing samba package is
  // not a reason to skip: scripts/bootstrap.sh installs it, so that is a failure.
  static bool Available(std::string* why);

  // Copies the template (provisioning it first if needed), starts Samba and waits until LDAP
  // answers. On failure records a non-fatal GoogleTest failure and returns nullptr.
  // `index` (0 or 1) selects the address, so one test can run two DCs.
  static std::unique_ptr<SambaDc> Start(int index = 0);

  ~SambaDc();  // stops Samba (SIGTERM, then SIGKILL) and removes the directory
  SambaDc(const SambaDc&) = delete;
  SambaDc& operator=(const SambaDc&) = delete;

  const std::string& address() const { return address_; }  // 127.A.B.C
  std::string uri() const { return "ldap://" + address_; }
  std::string ldaps_uri() const { return "ldaps://" + address_; }
  // Samba's CA (the certificate for address() is signed by it), where Samba keeps it.
  std::string ca_file() const { return dir_ + "/private/tls/ca.pem"; }
  static std::string domain_dn() { return "DC=contoso,DC=com"; }
  static std::string configuration_dn() { return "CN=Configuration,DC=contoso,DC=com"; }
  static std::string schema_dn() { return "CN=Schema,CN=Configuration,DC=contoso,DC=com"; }
  static std::string admin_dn() { return "CN=Administrator,CN=Users,DC=contoso,DC=com"; }
  static std::string monitor_dn() { return "CN=svc-monitor,CN=Users,DC=contoso,DC=com"; }
  std::string admin_password_file() const { return dir_ + "/admin.secret"; }
  std::string monitor_password_file() const { return dir_ + "/monitor.secret"; }
  const std::string& dir() const { return dir_; }
  std::string log_file() const { return dir_ + "/samba.log"; }
  pid_t pid() const { return pid_; }  // -1 once stopped
  // Seconds spent in `samba-fixture.sh template` (0 when cached) and from exec to LDAP answering.
  double template_seconds() const { return template_seconds_; }
  double start_seconds() const { return start_seconds_; }

  // As the Administrator: ldapmodify -f FILE (records carry their changetype; `add` defaults).
  ::testing::AssertionResult Modify(const std::string& ldif_path) const;
  ::testing::AssertionResult Add(const std::string& ldif_path) const;  // ldapadd -f FILE
  ::testing::AssertionResult Delete(const std::string& dn) const;
  // Runs an LDAP tool (ldapsearch, ldapmodify, ...) bound as the Administrator over ldap://.
  ProcessResult AsAdmin(const std::string& tool, const std::vector<std::string>& args) const;
  // ldapsearch as the Administrator, paged (AD's 1000 per page), LDIF without line wrapping;
  // extra arguments (e.g. "-e", "!1.2.840.113556.1.4.417" to see deleted objects) go first.
  ProcessResult Search(const std::string& base, const std::string& scope, const std::string& filter,
                       const std::vector<std::string>& attributes = {},
                       const std::vector<std::string>& extra = {}) const;

  void Stop();  // SIGTERM (SIGKILL after 10 s) and reap; the directory stays until ~SambaDc

  static std::string ScriptPath();                      // tests/fixtures/samba/samba-fixture.sh
  static std::string CacheDir();                        // <build>/samba-cache
  static std::string AddressFor(pid_t pid, int index);  // samba-fixture.sh's address rule

 private:
  SambaDc() = default;
  bool Launch(std::string* error);

  std::string dir_;
  std::string address_;
  pid_t pid_ = -1;
  double template_seconds_ = 0;
  double start_seconds_ = 0;
};

}  // namespace exdm::testing
