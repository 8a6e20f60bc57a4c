// Store-side findings (exdm/diagnosis/store_side.h) from the hand-written mailbox snapshots
// (tests/fixtures/store_snapshot/) and audits built in memory: one test per rule, and the demo
// organization read with the AD findings its manifest plants.
#include "exdm/diagnosis/store_side.h"

#include <gtest/gtest.h>

#include "exdm/base/time_util.h"
#include "store_snapshot_fixtures.h"

namespace exdm {
namespace {

MailboxSnapshot Load(const std::string& name, const std::string& server) {
  return testing::LoadMailboxSnapshotFixture(name, server);
}

StoreInfo Store(const std::string& server, const std::string& sg, const std::string& store,
                const std::string& guid, StoreType type = StoreType::kMailbox) {
  return {{server, sg, store}, type, guid, "CN=" + store};
}

// The demo organization (tests/fixtures/orgs/demo.json, seed 1) as its audit sees it.
AuditReport DemoAudit() {
  AuditReport a;
  a.servers = {"EXCH01", "EXCH02"};
  const std::string sg = "First Storage Group";
  a.stores = {
      Store("EXCH01", sg, "Mailbox Store (EXCH01)", "6e59536e-f9ac-4a07-b1a3-ee57f18e4a16"),
      Store("EXCH01", sg, "Sales", "bc042b31-2bd0-4bc0-b406-08b429f4e843"),
      Store("EXCH01", sg, "Public Folder Store (EXCH01)", "c7e6b3ff-8b30-430f-9133-bf1bf3a98091",
            StoreType::kPublic),
      Store("EXCH02", sg, "Mailbox Store (EXCH02)", "70804f07-b0b9-46c1-b4f1-482b54759ced")};
  Finding missing;
  missing.kind = FindingKind::kMissing;
  missing.store = a.stores[1].ref;
  missing.store_guid = a.stores[1].guid;
  Finding mta;
  mta.kind = FindingKind::kWrongHomeMta;
  mta.store = a.stores[3].ref;
  mta.store_guid = a.stores[3].guid;
  a.findings = {missing, mta};
  a.sources = {{"ldap://dc1.contoso.com:389", true, std::nullopt, {}}};
  return a;
}

// EXCH03's fixture stores, plus one the snapshot does not list and a public store.
AuditReport Exch03Audit() {
  AuditReport a;
  a.servers = {"EXCH03"};
  a.stores = {
      Store("EXCH03", "First Storage Group", "Sales, Legal & Finance",
            "2f6a8c0e-4b1d-4e37-9a5c-6d7e8f9a0b1c"),
      Store("EXCH03", "Second Storage Group", "Research \"R&D\"",
            "8d0f2b4a-6c1e-4a93-b7d5-0e1f2a3b4c5d"),
      Store("EXCH03", "Second Storage Group", "Archive", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5e"),
      Store("EXCH03", "Second Storage Group", "Dismounted", "0f0f0f0f-1e1e-4d2d-8c3c-4b4b4b4b4b4b"),
      Store("EXCH03", "Second Storage Group", "Public", "1a1a1a1a-2b2b-4c3c-8d4d-5e5e5e5e5e5e",
            StoreType::kPublic),
  };
  return a;
}

std::vector<std::string> Names(const StoreSideReport& r) {
  std::vector<std::string> out;
  for (const StoreFinding& f : r.findings)
    out.push_back(f.store.store + ": " + std::string(StoreFindingName(f.kind)));
  return out;
}

TEST(StoreFindingKinds, NamesAndDefaultSeveritiesAreTheContract) {
  const std::vector<std::pair<std::string, Severity>> expected = {
      {"smtp_mailbox_disconnected", Severity::kCritical},
      {"smtp_mailbox_not_created", Severity::kCritical},
      {"purge_pending", Severity::kWarning},
      {"system_mailbox_disconnected", Severity::kWarning}};
  ASSERT_EQ(std::size(kAllStoreFindingKinds), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const StoreFindingKind kind = kAllStoreFindingKinds[i];
    EXPECT_EQ(StoreFindingName(kind), expected[i].first);
    EXPECT_EQ(DefaultSeverity(kind), expected[i].second) << expected[i].first;
    EXPECT_EQ(ParseStoreFindingKind(expected[i].first), kind);
    EXPECT_FALSE(ParseFindingKind(expected[i].first)) << "clashes with an AD finding kind";
  }
  EXPECT_FALSE(ParseStoreFindingKind("missing"));
}

// Sales lost its SMTP mailbox object (AD: missing); the store found it absent. EXCH02's gateway is
// wrong in AD but the store still sees it connected: the store side cannot tell, and says nothing.
TEST(StoreSide, DemoOrganizationSalesExistsOnlyDisconnected) {
  const AuditReport audit = DemoAudit();
  const StoreSideReport r = AnalyzeStoreSide(
      {Load("EXCH01-mailboxes.csv", "EXCH01"), Load("EXCH02-mailboxes.csv", "EXCH02")}, &audit);
  EXPECT_EQ(r.servers, (std::vector<std::string>{"EXCH01", "EXCH02"}));
  ASSERT_EQ(Names(r), std::vector<std::string>{"Sales: smtp_mailbox_disconnected"});
  const StoreFinding& f = r.findings[0];
  EXPECT_EQ(f.store_guid, "bc042b31-2bd0-4bc0-b406-08b429f4e843");
  EXPECT_EQ(f.mailbox, "SMTP (EXCH01-{BC042B31-2BD0-4BC0-B406-08B429F4E843})");
  EXPECT_EQ(FormatIso8601Utc(*f.absent_since), "2026-11-25T09:12:00Z");
  EXPECT_EQ(f.ad_findings, std::vector<FindingKind>{FindingKind::kMissing});
  EXPECT_EQ(DescribeStoreFinding(f),
            "the store's SMTP mailbox SMTP (EXCH01-{BC042B31-2BD0-4BC0-B406-08B429F4E843}) is "
            "disconnected (absent from AD since 2026-11-25T09:12:00Z) and the store has no "
            "connected one: its directory object is missing or wrong (AD: missing)");
  // Every audited mailbox store is judged, the public store never.
  ASSERT_EQ(r.stores.size(), 3u);
  for (const StoreMailboxState& s : r.stores) {
    EXPECT_TRUE(s.mounted) << s.store.Display();
    EXPECT_TRUE(s.audited);
    EXPECT_NE(s.store.store, "Public Folder Store (EXCH01)");
  }
  const StoreMailboxState* exch02 = r.Find(audit.stores[3].ref);
  ASSERT_NE(exch02, nullptr);
  EXPECT_EQ(exch02->smtp_connected, 1u);
  EXPECT_EQ(exch02->system_connected, 1u);
  EXPECT_EQ(r.FindingsFor(audit.stores[1].ref).at(StoreFindingKind::kSmtpMailboxDisconnected), 1u);
  EXPECT_TRUE(r.FindingsFor(audit.stores[0].ref).empty());
}

TEST(StoreSide, PurgePendingNotCreatedAndSystemMailboxDisconnected) {
  const AuditReport audit = Exch03Audit();
  const StoreSideReport r = AnalyzeStoreSide({Load("EXCH03-mailboxes.csv", "EXCH03")}, &audit);
  // Sorted by store: storage group, then name.
  EXPECT_EQ(Names(r), (std::vector<std::string>{"Sales, Legal & Finance: purge_pending",
                                                "Archive: system_mailbox_disconnected",
                                                "Research \"R&D\": smtp_mailbox_not_created"}));
  ASSERT_EQ(r.findings.size(), 3u);
  const StoreFinding& legal = r.findings[0];
  EXPECT_EQ(legal.disconnected, 1u);
  EXPECT_EQ(FormatIso8601Utc(*legal.absent_since), "2026-11-25T11:05:00Z");
  EXPECT_NE(DescribeStoreFinding(legal).find("purge it (KB 828938 step 6.7)"), std::string::npos);
  const StoreFinding& archive = r.findings[1];
  EXPECT_EQ(archive.mailbox, "SystemMailbox{A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5E}");
  EXPECT_EQ(FormatIso8601Utc(*archive.absent_since), "2026-11-20T03:30:00Z");
  EXPECT_EQ(DescribeStoreFinding(r.findings[2]),
            "the store is mounted but lists no SMTP mailbox: it has not been dismounted and "
            "mounted since its SMTP mailbox object was (re)created");
  // The store the snapshot does not list is not mounted: judged, no finding.
  const StoreMailboxState* dismounted = r.Find(audit.stores[3].ref);
  ASSERT_NE(dismounted, nullptr);
  EXPECT_FALSE(dismounted->mounted);
  EXPECT_EQ(r.stores.size(), 4u);  // not the public one
}

// Without an audit, the stores are the snapshot's; a store with no SMTP mailbox may be a public
// store, so not_created is not judged.
TEST(StoreSide, WithoutAnAuditTheSnapshotNamesTheStores) {
  const StoreSideReport r = AnalyzeStoreSide({Load("EXCH03-mailboxes.csv", "EXCH03")}, nullptr);
  EXPECT_EQ(Names(r), (std::vector<std::string>{"Sales, Legal & Finance: purge_pending",
                                                "Archive: system_mailbox_disconnected"}));
  ASSERT_EQ(r.stores.size(), 3u);
  EXPECT_FALSE(r.stores[0].audited);
  EXPECT_EQ(r.findings[0].store_guid, "2f6a8c0e-4b1d-4e37-9a5c-6d7e8f9a0b1c");  // from the name
  // An audit of other servers (after -s) does not cover EXCH03 either.
  const AuditReport other = DemoAudit();
  EXPECT_EQ(Names(AnalyzeStoreSide({Load("EXCH03-mailboxes.csv", "EXCH03")}, &other)), Names(r));
}

// A row naming an audited store's GUID belongs to that store wherever it is listed; rows of an
// audited public store never make a finding.
TEST(StoreSide, RowsFollowTheGuidInTheirNameAndPublicStoresNeverCount) {
  AuditReport audit = Exch03Audit();
  auto snap = ParseMailboxSnapshot(
      "snapshot_utc,server,storage_group,store,display_name,legacy_dn,mailbox_guid,"
      "absent_in_ds_utc\r\n"
      // Research's SMTP mailbox, listed under Archive: still Research's.
      "2026-11-25T17:40:00Z,EXCH03,Second Storage Group,Archive,"
      "\"SMTP (EXCH03-{8D0F2B4A-6C1E-4A93-B7D5-0E1F2A3B4C5D})\",,,\r\n"
      "2026-11-25T17:40:00Z,EXCH03,Second Storage Group,Archive,"
      "\"SMTP (EXCH03-{A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5E})\",,,\r\n"
      "2026-11-25T17:40:00Z,EXCH03,Second Storage Group,\"Research \"\"R&D\"\"\",,,,\r\n"
      // The public store, mounted, with a disconnected mailbox of no known store.
      "2026-11-25T17:40:00Z,EXCH03,Second Storage Group,Public,\"SMTP (EXCH03)\",,,"
      "2026-11-25T10:00:00Z\r\n",
      "EXCH03");
  ASSERT_TRUE(snap) << snap.status().message();
  const StoreSideReport r = AnalyzeStoreSide({*snap}, &audit);
  EXPECT_TRUE(r.findings.empty()) << Names(r).front();
  const StoreMailboxState* research = r.Find(audit.stores[1].ref);
  ASSERT_NE(research, nullptr);
  EXPECT_EQ(research->smtp_connected, 1u);
  EXPECT_EQ(r.Find(audit.stores[2].ref)->smtp_connected, 1u);
}

TEST(StoreSide, AStoreThatListsNothingCannotBeJudged) {
  const AuditReport audit = DemoAudit();
  const StoreSideReport r = AnalyzeStoreSide({Load("EXCH06-mailboxes.csv", "EXCH06")}, &audit);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.stores.empty());  // EXCH06 is not audited and listed no store
  EXPECT_EQ(r.servers, std::vector<std::string>{"EXCH06"});
}

// EXCH07 restored its store into a Recovery Storage Group: the restored copy lists the store's old
// SMTP and system mailboxes (same GUIDs in their names), disconnected. A recovery store has no
// SMTP or system mailbox of its own by design, and what it lists is never the live store's.
TEST(StoreSide, RecoveryStorageGroupsAreNeverJudgedNorCountForTheLiveStore) {
  const std::string guid = "5d3c1b2a-9e8f-4a7b-8c6d-1e2f3a4b5c6d";
  const MailboxSnapshot snap = Load("EXCH07-mailboxes.csv", "EXCH07");
  AuditReport audit;
  audit.servers = {"EXCH07"};
  audit.stores = {Store("EXCH07", "First Storage Group", "Mailbox Store (EXCH07)", guid)};
  audit.sources = {{"ldap://dc1.contoso.com:389", true, std::nullopt, {}}};
  // As the audit lists it (marked by msExchRestore, named otherwise: the audit's word counts).
  RecoveryStore rsg;
  rsg.store = Store("EXCH07", "RSG 2026-11-25", "Mailbox Store (EXCH07)",
                    "0b0b0b0b-0000-4000-8000-000000000007");
  rsg.why = "msExchRestore";
  audit.recovery_stores = {rsg};
  auto renamed = snap;
  for (StoreMailboxTable& t : renamed.stores) {
    if (t.storage_group == "Recovery Storage Group") t.storage_group = "RSG 2026-11-25";
  }
  for (const auto& [what, report] : std::vector<std::pair<std::string, StoreSideReport>>{
           {"listed by the audit", AnalyzeStoreSide({renamed}, &audit, "")},
           {"by its name, without an audit", AnalyzeStoreSide({snap}, nullptr)},
           {"by its name, with an audit", AnalyzeStoreSide({snap}, &audit)}}) {
    EXPECT_TRUE(report.findings.empty()) << what << ": " << Names(report).front();
    ASSERT_EQ(report.stores.size(), 1u) << what;
    EXPECT_EQ(report.stores[0].store.storage_group, "First Storage Group") << what;
    EXPECT_EQ(report.stores[0].smtp_connected, 1u) << what;
    EXPECT_EQ(report.stores[0].smtp_disconnected, 0u) << what;
    EXPECT_EQ(report.stores[0].system_disconnected, 0u) << what;
  }
  // The rule is what keeps it out: with no name rule and no audit, the restored rows would make
  // the live store's SMTP mailbox look half purged.
  EXPECT_EQ(Names(AnalyzeStoreSide({snap}, nullptr, "")),
            std::vector<std::string>{"Mailbox Store (EXCH07): purge_pending"});
}

}  // namespace
}  // namespace exdm
