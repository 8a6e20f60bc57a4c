// One broken store, happening now, for the tests that run the plugin through a real monitoring
// daemon: the demo organization (tests/fixtures/orgs/demo.json: EXCH01's store "Sales" has lost its
// SMTP mailbox, EXCH02's store names the wrong homeMTA) in a real slapd; EXCH01's message tracking
// log with a local delivery to Sales stuck for 40 minutes (retried every 5) beside a healthy one;
// EXCH01's application log export (NXLog JSON lines) with the store driver's 326 for Sales 20
// minutes ago. Times are relative to the clock, as the daemons run the plugin without --now.
//
// The files sit in the test's directory, readable by anyone (the daemons run the plugin as
// nagios); the bind password is copied there for the user that runs the checks.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "installed_package.h"
#include "slapd_fixture.h"

namespace exdm::testing {

struct BrokenStoreScenario {
  // nullptr (and a test failure) when the organization or slapd cannot be set up.
  static std::unique_ptr<BrokenStoreScenario> Start(const std::string& dir,
                                                    const SystemUser& check_user);

  std::unique_ptr<Slapd> slapd;
  nlohmann::ordered_json manifest;  // exdm_gen_org's: stores, faults
  std::string server = "EXCH01";    // the server with the broken store and the stalled delivery
  std::string tracking_dir;         // dir/EXCH01.log
  std::string event_file;           // dir/EXCH01-application.jsonl
  std::string password_file;        // dir/ldap.secret, owned by the check user, 0600

  // What a check of each mode says about this scenario, whichever daemon ran it: the state, the
  // status line (before any '|', as a regular expression), perfdata items that must be among the
  // parsed ones.
  struct Expected {
    int state = 0;
    std::string status_line;
    std::vector<std::string> perfdata;

    // Nagios Core replaces every ';' in plugin output with ':' (its log and command files use ';'
    // as the field separator): `nagios` matches the line as Nagios records it.
    bool StatusLineMatches(const std::string& line, bool nagios = false) const;
  };
  Expected Mailbox() const;  // the LDAP audit: both broken stores
  Expected Queue() const;    // the stalled delivery on EXCH01
  Expected Events() const;   // the 326 for Sales
  Expected All() const;      // the diagnosis: Sales, with all three kinds of evidence
};

}  // namespace exdm::testing
