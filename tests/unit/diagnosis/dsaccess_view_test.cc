// The DCs each server uses (exdm/diagnosis/dsaccess_view.h) against the audited -H views, from
// the hand-written DSAccess snapshots (tests/fixtures/store_snapshot/).
#include "exdm/diagnosis/dsaccess_view.h"

#include <gtest/gtest.h>

#include "store_snapshot_fixtures.h"

namespace exdm {
namespace {

DsAccessSnapshot Load(const std::string& name, const std::string& server) {
  return testing::LoadDsAccessSnapshotFixture(name, server);
}

AuditReport AuditOf(const std::vector<std::string>& uris) {
  AuditReport a;
  for (const std::string& uri : uris)
    a.sources.push_back({uri, true, std::nullopt, {}});
  return a;
}

std::vector<std::string> Texts(const DsAccessView& v) {
  std::vector<std::string> out;
  for (const DsAccessFinding& f : v.findings)
    out.push_back(std::string(DsAccessFindingName(f.kind)) + ": " + f.text);
  return out;
}

TEST(DsAccessView, NamesTheGcTheServerUsesThatNoViewAudits) {
  const AuditReport audit = AuditOf({"ldaps://DC1.contoso.com:636"});
  const DsAccessView v = AnalyzeDsAccess({Load("EXCH01-dsaccess.csv", "EXCH01")}, &audit);
  ASSERT_EQ(Texts(v), std::vector<std::string>{
                          "gc_not_audited: EXCH01 uses gc2.contoso.com (GC), which is not "
                          "audited: add -H ldap://gc2.contoso.com:3268"});
  EXPECT_EQ(v.findings[0].add_uri, "ldap://gc2.contoso.com:3268");
  EXPECT_EQ(DefaultSeverity(v.findings[0].kind), Severity::kOk);
  EXPECT_EQ(v.GlobalCatalogsOf("exch01"),
            (std::vector<std::string>{"dc1.contoso.com", "gc2.contoso.com"}));
  // A short name in -H is the same host as DSAccess's FQDN.
  const AuditReport both = AuditOf({"ldap://dc1:3268", "ldap://gc2:3268"});
  EXPECT_TRUE(AnalyzeDsAccess({Load("EXCH01-dsaccess.csv", "EXCH01")}, &both).findings.empty());
  // Without -H nothing is audited, so nothing is said about it.
  EXPECT_TRUE(AnalyzeDsAccess({Load("EXCH01-dsaccess.csv", "EXCH01")}, nullptr).findings.empty());
}

TEST(DsAccessView, DownAndOutOfSyncArePerHostWithTheirRoles) {
  const AuditReport audit = AuditOf({"ldap://gc2.contoso.com:3268"});
  const DsAccessView v = AnalyzeDsAccess({Load("EXCH02-dsaccess.csv", "EXCH02")}, &audit);
  EXPECT_EQ(Texts(v),
            (std::vector<std::string>{
                "dc_down: EXCH02: DSAccess marks dc3.contoso.com (DC) down: it did not answer the "
                "last time Exchange tried it",
                "dc_out_of_sync: EXCH02: DSAccess marks dc3.contoso.com (DC) out of sync with the "
                "GC and the configuration DC",
                "dc_out_of_sync: EXCH02: DSAccess marks gc2.contoso.com (GC) out of sync with the "
                "GC and the configuration DC"}));
  for (const DsAccessFinding& f : v.findings)
    EXPECT_EQ(DefaultSeverity(f.kind), Severity::kWarning);
  EXPECT_EQ(v.GlobalCatalogsOf("EXCH02"), std::vector<std::string>{"gc2.contoso.com"});
  EXPECT_TRUE(v.GlobalCatalogsOf("EXCH09").empty());
}

TEST(DsAccessView, ServersWithoutDcsAreListedWithNothingToSay) {
  const AuditReport audit = AuditOf({"ldap://dc1.contoso.com"});
  const DsAccessView v = AnalyzeDsAccess(
      {Load("EXCH06-dsaccess.csv", "EXCH06"), Load("EXCH01-dsaccess.csv", "EXCH01")}, &audit);
  EXPECT_EQ(v.servers, (std::vector<std::string>{"EXCH06", "EXCH01"}));
  ASSERT_EQ(v.findings.size(), 1u);
  EXPECT_EQ(v.findings[0].server, "EXCH01");
  EXPECT_TRUE(v.GlobalCatalogsOf("EXCH06").empty());
}

}  // namespace
}  // namespace exdm
