// The DSAccess snapshot reader (exdm/store/dsaccess_snapshot.h) against the shipped script's
// documented format and the hand-written fixtures (tests/fixtures/store_snapshot/).
#include "exdm/store/dsaccess_snapshot.h"

#include <gtest/gtest.h>

#include <chrono>

#include "collector_script.h"
#include "store_snapshot_fixtures.h"

namespace exdm::testing {
namespace {

constexpr int64_t kTaken = 1795628400;  // 2026-11-25T17:40:00Z

const std::string kScript = "exchange-store-snapshot.vbs";

std::string Header() {
  return ScriptConstant(CollectScript(kScript), "DSACCESS_COLUMNS");
}

std::string Fixture(const std::string& name) {
  return StoreSnapshotFixture(name);
}

TEST(DsAccessSnapshotFormat, ScriptDocumentsExactlyTheColumnsItWritesAndTheReaderKnows) {
  ExpectScriptWritesColumns(
      CollectScript(kScript), "DSAccess columns:", "DSACCESS_COLUMNS",
      {kDsAccessSnapshotColumns.begin(), kDsAccessSnapshotColumns.end()},
      {kDsAccessSnapshotRequiredColumns.begin(), kDsAccessSnapshotRequiredColumns.end()});
  // The type words are the script's RoleWord values, in Type's order 0, 1, 2.
  const std::string script = CollectScript(kScript);
  for (DsAccessRole role :
       {DsAccessRole::kConfig, DsAccessRole::kDomain, DsAccessRole::kGlobalCatalog}) {
    const std::string word = "RoleWord = \"" + std::string(DsAccessRoleName(role)) + "\"";
    EXPECT_NE(script.find(word), std::string::npos) << word;
  }
  EXPECT_LT(script.find("Case 0: RoleWord = \"config\""), script.find("Case 2: RoleWord = \"gc\""));
}

TEST(DsAccessSnapshotReader, EveryRoleOfEveryDc) {
  const std::string text = ReadTextFile(Fixture("EXCH01-dsaccess.csv"));
  EXPECT_EQ(text.substr(0, text.find("\r\n")), Header());
  auto snap = ParseDsAccessSnapshot(text, "EXCH01");
  ASSERT_TRUE(snap) << snap.status().message();
  EXPECT_EQ(snap->taken_at, kTaken);
  ASSERT_EQ(snap->dcs.size(), 4u);
  EXPECT_EQ(snap->dcs[0].name, "dc1.contoso.com");
  EXPECT_EQ(snap->dcs[0].role, DsAccessRole::kConfig);
  EXPECT_EQ(snap->dcs[2].role, DsAccessRole::kGlobalCatalog);
  EXPECT_EQ(snap->dcs[3].name, "gc2.contoso.com");
  EXPECT_EQ(snap->dcs[3].ldap_port, 3268);
  for (const DsAccessDc& dc : snap->dcs) {
    EXPECT_TRUE(dc.up) << dc.name;
    EXPECT_TRUE(dc.in_sync) << dc.name;
  }
}

TEST(DsAccessSnapshotReader, DownAndOutOfSync) {
  auto snap = ParseDsAccessSnapshot(ReadTextFile(Fixture("EXCH02-dsaccess.csv")), "");
  ASSERT_TRUE(snap) << snap.status().message();
  EXPECT_EQ(snap->server, "EXCH02");
  ASSERT_EQ(snap->dcs.size(), 4u);
  EXPECT_EQ(snap->dcs[1].name, "dc3.contoso.com");
  EXPECT_FALSE(snap->dcs[1].up);
  EXPECT_FALSE(snap->dcs[1].in_sync);
  EXPECT_TRUE(snap->dcs[3].up);
  EXPECT_FALSE(snap->dcs[3].in_sync);
}

TEST(DsAccessSnapshotReader, NoDcListedIsASnapshotWithNoDcs) {
  auto snap = ParseDsAccessSnapshot(ReadTextFile(Fixture("EXCH06-dsaccess.csv")), "EXCH06");
  ASSERT_TRUE(snap) << snap.status().message();
  EXPECT_TRUE(snap->dcs.empty());
}

TEST(DsAccessSnapshotReader, OptionalPortAndLenientSpelling) {
  auto snap = ParseDsAccessSnapshot(
      "Is_Up,Type,DC_Name,Server,Is_In_Sync,Snapshot_UTC\n"
      "true,GC,\"gc1\",EXCH01,False,2026-11-25T17:40:00Z\n",
      "EXCH01");
  ASSERT_TRUE(snap) << snap.status().message();
  ASSERT_EQ(snap->dcs.size(), 1u);
  EXPECT_EQ(snap->dcs[0].role, DsAccessRole::kGlobalCatalog);
  EXPECT_TRUE(snap->dcs[0].up);
  EXPECT_FALSE(snap->dcs[0].in_sync);
  EXPECT_FALSE(snap->dcs[0].ldap_port);
}

TEST(DsAccessSnapshotReader, RefusesGarbageWithTheLine) {
  struct Case {
    std::string text;
    std::string expect;
  };
  const std::string h = Header() + "\r\n";
  const std::string t = "2026-11-25T17:40:00Z,EXCH01,";
  const std::vector<Case> cases = {
      {"", "empty DSAccess snapshot"},
      {"snapshot_utc,server,dc_name,type\r\n" + t + "dc1,gc\r\n", "no column is_up, is_in_sync"},
      {h, "no data line"},
      {h + t + "dc1,pdc,1,1,389\r\n", "line 2: type 'pdc' is not config, domain or gc"},
      {h + t + "dc1,gc,yes,1,389\r\n", "is_up 'yes' is not 0 or 1"},
      {h + t + "dc1,gc,1,,389\r\n", "is_in_sync '' is not 0 or 1"},
      {h + t + "dc1,gc,1,1,70000\r\n", "ldap_port '70000' is not a number up to 65535"},
      {h + t + "dc1,gc,1,1,389", "the last line has no line end"},
      {h + "2026-11-25T17:40:00Z,EXCH02,dc1,gc,1,1,\r\n", "of server EXCH02, not EXCH01"},
  };
  for (const Case& c : cases) {
    auto snap = ParseDsAccessSnapshot(c.text, "EXCH01");
    ASSERT_FALSE(snap) << c.expect;
    EXPECT_EQ(snap.status().code(), ErrorCode::kBadInput);
    EXPECT_NE(snap.status().message().find(c.expect), std::string::npos)
        << "expected '" << c.expect << "' in: " << snap.status().message();
  }
}

TEST(DsAccessSnapshotRead, FreshAndStale) {
  StoreSnapshotOptions o;
  o.files = {{"EXCH02", Fixture("EXCH02-dsaccess.csv")},
             {"EXCH05", Fixture("EXCH05-dsaccess-stale.csv")}};
  o.now = kTaken + 60;
  auto reads = ReadDsAccessSnapshots(o, Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(reads) << reads.status().message();
  ASSERT_EQ(reads->size(), 2u);
  ASSERT_TRUE((*reads)[0].snapshot) << (*reads)[0].error.message();
  EXPECT_EQ((*reads)[0].snapshot->dcs.size(), 4u);
  EXPECT_FALSE((*reads)[1].snapshot);
  EXPECT_NE(
      (*reads)[1].error.message().find("DSAccess snapshot " + Fixture("EXCH05-dsaccess-stale.csv") +
                                       " of EXCH05 is stale"),
      std::string::npos)
      << (*reads)[1].error.message();
}

}  // namespace
}  // namespace exdm::testing
