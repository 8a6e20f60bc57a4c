// A throwaway slapd for one test: an Active Directory look-alike (Exchange schema subset, AD-style
// root DSE, a read-only monitoring account, AD's 1000-entry page limit) on a free loopback port in
// its own temporary directory. The configuration is tests/fixtures/slapd/slapd-fixture.sh's
// `prepare` (the same one the demo and `slapd-fixture.sh start` use); this class runs slapd as its
// own child with a parent-death signal, so even an aborted test binary leaves no slapd behind.
//
//   auto slapd = Slapd::Start(Slapd::Options().WithLdif(org_ldif));
//   ASSERT_TRUE(slapd);                       // failures are reported with the slapd log
//   slapd->uri(); slapd->monitor_dn(); slapd->monitor_password_file();
//
// Directory layout: see slapd-fixture.sh. DNs read back from slapd as `cn=...,dc=...` (slapd
// normalizes attribute type names; AD spells them `CN=`): compare DNs case-insensitively.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "process.h"

namespace exdm::testing {

class Slapd {
 public:
  struct Options {
    std::string suffix = "DC=contoso,DC=com";
    std::vector<std::string> ldif_files;  // loaded with slapadd before the first start
    bool tls = false;                     // also listen on ldaps:// with a throwaway CA
    // A forest (slapd-fixture.sh's prepare options of the same names): the root domain when
    // `suffix` is another domain; a global catalog holding `domains` too; subordinate domains
    // held by other DCs ("DN=URL"); where naming contexts not held here are referred; the
    // monitor's password shared by every server of the forest.
    std::string forest_root;
    bool global_catalog = false;
    std::vector<std::string> domains;
    std::vector<std::string> subordinates;
    std::string referral;
    std::string monitor_secret_file;

    Options& WithSuffix(std::string dn) {
      suffix = std::move(dn);
      return *this;
    }
    Options& WithLdif(std::string path) {
      ldif_files.push_back(std::move(path));
      return *this;
    }
    Options& WithTls() {
      tls = true;
      return *this;
    }
  };

  // Prepares, starts and waits until the monitor account can bind. On failure records a
  // non-fatal GoogleTest failure (with the reason and the log) and returns nullptr.
  static std::unique_ptr<Slapd> Start(const Options& options);
  static std::unique_ptr<Slapd> Start() { return Start(Options{}); }

  // Stops slapd (SIGTERM, then SIGKILL) and removes the directory (kept when EXDM_KEEP_SLAPD_DIR
  // is set); after a failed test it prints the tail of slapd.log first.
  ~Slapd();
  Slapd(const Slapd&) = delete;
  Slapd& operator=(const Slapd&) = delete;

  const std::string& uri() const { return uri_; }              // ldap://127.0.0.1:PORT
  const std::string& ldaps_uri() const { return ldaps_uri_; }  // empty without TLS
  std::string ca_file() const { return dir_ + "/ca.pem"; }     // CA of the server certificate
  const std::string& suffix() const { return suffix_; }        // domain naming context
  std::string configuration_dn() const { return "CN=Configuration," + forest_root_; }
  std::string manager_dn() const { return "CN=Manager," + suffix_; }
  std::string manager_password_file() const { return dir_ + "/manager.secret"; }
  std::string monitor_dn() const { return "CN=svc-monitor,OU=Service," + forest_root_; }
  std::string monitor_password_file() const { return dir_ + "/monitor.secret"; }
  const std::string& dir() const { return dir_; }
  std::string log_file() const { return dir_ + "/slapd.log"; }  // `stats` log of every operation
  pid_t pid() const { return pid_; }                            // -1 once stopped or killed

  // Adds / modifies entries through the running server as the manager (ldapadd / ldapmodify).
  ::testing::AssertionResult Load(const std::string& ldif_path) const;
  ::testing::AssertionResult Modify(const std::string& ldif_path) const;
  // ldapsearch as the monitor account (paged, 1000 per page like AD); output in LDIF (-LLL).
  ProcessResult Search(const std::string& base, const std::string& scope, const std::string& filter,
                       const std::vector<std::string>& attributes = {}) const;

  void Suspend() const;  // SIGSTOP: connections hang, as with an unresponsive DC
  void Resume() const;   // SIGCONT
  void Kill();           // SIGKILL and reap: the server vanishes without a goodbye
  void Stop();           // SIGTERM (SIGKILL after 5 s) and reap; the directory stays until ~Slapd
  // Starts slapd again (after Stop or Kill, or stops it first) on the same port(s) and data, so
  // clients see the same URI come back.
  ::testing::AssertionResult Restart();

  static std::string ScriptPath();  // tests/fixtures/slapd/slapd-fixture.sh

 private:
  Slapd() = default;
  bool Launch(bool same_port, std::string* error);
  ::testing::AssertionResult RunAsManager(const char* tool, const std::string& ldif_path) const;

  std::string dir_;
  std::string suffix_;
  std::string forest_root_;
  std::string uri_;
  std::string ldaps_uri_;
  pid_t pid_ = -1;
};

}  // namespace exdm::testing
