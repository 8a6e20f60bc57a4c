// A forest of two domains played by three slapd servers, from one generated organization whose
// description has "domains" (tests/fixtures/orgs/forest.json):
//   gc        a global catalog: every naming context on the empty suffix, isGlobalCatalogReady
//   root_dc   a domain controller of the root domain (configuration inside); searches into the
//             child domain answer with a referral (a subordinate reference entry)
//   child_dc  a domain controller of the child domain: its domain, a replica of the configuration,
//             the root domain referred elsewhere
// One monitoring account (CN=svc-monitor,OU=Service,<root>) and password for all three, as in a
// real forest. Starting takes well under a second per server: start it once per test binary.
//
//   static std::unique_ptr<Forest> forest = Forest::Start(SampleOrg("forest"));
//   forest->gc->uri(); forest->root_dc->uri(); forest->child_dc->uri(); forest->org->manifest
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "org_fixture.h"
#include "slapd_fixture.h"
#include "temp_dir.h"

namespace exdm::testing {

struct Forest {
  // Where each DC refers what it does not hold (never followed by the product).
  static constexpr const char* kChildDcUrl = "ldap://dc2.child.contoso.com";
  static constexpr const char* kRootDcUrl = "ldap://dc1.contoso.com";

  // Generates the organization (exdm_gen_org --partition-dir) and starts the three servers. On
  // failure records a non-fatal test failure and returns nullptr.
  static std::unique_ptr<Forest> Start(const std::string& description);

  std::unique_ptr<TempDir> dir;
  std::optional<GeneratedOrg> org;
  std::string root_dn;   // DC=contoso,DC=com
  std::string child_dn;  // DC=child,DC=contoso,DC=com
  std::unique_ptr<Slapd> gc, root_dc, child_dc;

  std::string monitor_dn() const { return gc->monitor_dn(); }
  std::string monitor_password_file() const { return gc->monitor_password_file(); }
  std::string partition(const std::string& name) const;  // "config", "contoso.com", ...
};

}  // namespace exdm::testing
