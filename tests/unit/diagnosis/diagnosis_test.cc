// One diagnosis per store from audit findings, stalls and events; one test per look-alike.
#include "exdm/diagnosis/diagnosis.h"

#include <gtest/gtest.h>

#include "exdm/base/time_util.h"
#include "exdm/diagnosis/dsaccess_view.h"
#include "store_snapshot_fixtures.h"

namespace exdm {
namespace {

int64_t T(const char* iso) {
  return *ParseIso8601(iso);
}

const char* kGuidA = "3e4385bb-7c43-4feb-8ea2-97c65cc06abf";
const char* kGuidB = "cccf3be6-1a2b-4c3d-8e9f-0123456789ab";

class DiagnosisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = {"EXCH01", "First Storage Group", "Mailbox Store (EXCH01)"};
    b_ = {"EXCH01", "First Storage Group", "Public Folder Store (EXCH01)"};
    audit_.servers = {"EXCH01"};
    audit_.stores = {{a_, StoreType::kMailbox, kGuidA, "CN=a"},
                     {b_, StoreType::kPublic, kGuidB, "CN=b"}};
    events_.now = T("2026-11-25T12:00:00Z");
    events_.window_start = events_.now - 86400;
    events_.servers.emplace_back();
    events_.servers[0].server = "EXCH01";
    queue_.emplace_back();
    queue_[0].server = "EXCH01";
    inputs_.audit = &audit_;
    inputs_.events = &events_;
    inputs_.queue = &queue_;
    inputs_.now = events_.now;
  }
  void Add326(const std::string& guid, const char* time, const char* code = "0x80040148") {
    events_.servers[0].logon_failures.push_back(
        {T(time), guid,
         "/o=Contoso/ou=AG/cn=Configuration/cn=Connections/cn=SMTP (EXCH01)/cn={" + guid + "}",
         "EXCH01", code});
  }
  void Stall(const char* address, uint64_t n, const char* first_seen) {
    queue_[0].stalled_deliveries += n;
    queue_[0].oldest_stalled_age_seconds = inputs_.now - T(first_seen);
    queue_[0].stalled_recipients.push_back({address, n, T(first_seen), "m@EXCH01"});
  }

  StoreRef a_, b_;
  AuditReport audit_;
  EventEvidence events_;
  std::vector<LocalDeliveryReport> queue_;
  DiagnosisInputs inputs_;
};

TEST_F(DiagnosisTest, ThisFaultCombinesAllThreeViews) {
  Finding f;
  f.kind = FindingKind::kMissing;
  f.store = a_;
  f.store_guid = kGuidA;
  audit_.findings.push_back(f);
  for (int i = 0; i < 12; ++i)
    Add326(kGuidA, "2026-11-25T09:14:00Z");
  Stall("alice@contoso.com", 42, "2026-11-25T08:50:00Z");
  inputs_.recipient_store["alice@contoso.com"] = a_;
  const Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].kind, DiagnosisKind::kSmtpMailbox);
  EXPECT_EQ(d.stores[0].summary,
            "EXCH01 / First Storage Group / Mailbox Store (EXCH01): SMTP mailbox missing; 42 "
            "deliveries stalled up to 3h10m; 12 store-driver logon failures (326, 0x80040148) "
            "since 2026-11-25T09:14:00Z");
  EXPECT_TRUE(d.servers.empty());
  EXPECT_TRUE(d.unmatched.empty());
}

// KB 828938's public-store case: mail to a mail-enabled public folder stalls, the public store's
// SMTP mailbox is missing. The folder has no homeMDB; its stalls count for the public store of the
// server whose queue holds them, so the diagnosis names that store with them.
TEST_F(DiagnosisTest, PublicFolderStallsCountForTheirServersPublicStore) {
  Finding f;
  f.kind = FindingKind::kMissing;
  f.store = b_;
  f.store_guid = kGuidB;
  audit_.findings.push_back(f);
  Stall("announce@contoso.com", 5, "2026-11-25T11:00:00Z");
  Stall("nobody@contoso.com", 2, "2026-11-25T11:30:00Z");  // neither mapped nor a folder
  inputs_.public_folder_recipients = {"announce@contoso.com"};
  Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].store, b_);
  EXPECT_EQ(d.stores[0].stalled_deliveries, 5u);
  EXPECT_EQ(d.stores[0].summary,
            "EXCH01 / First Storage Group / Public Folder Store (EXCH01): SMTP mailbox missing; "
            "5 deliveries stalled up to 1h");
  // Not a public folder: the same stall is tied to no store.
  inputs_.public_folder_recipients.clear();
  d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].stalled_deliveries, 0u);
}

TEST_F(DiagnosisTest, LogonFailuresWithACorrectGatewayArePermissionsOrGc) {
  Add326(kGuidB, "2026-11-25T10:00:00Z", "0x80040158");
  events_.servers[0].directory_servers.push_back({"gc1.contoso.com", true, true, true, 0});
  events_.servers[0].directory_servers.push_back({"dc1.contoso.com", false, true, false, 0});
  Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].store, b_);
  EXPECT_EQ(d.stores[0].kind, DiagnosisKind::kPermissionsOrGc);
  EXPECT_NE(d.stores[0].summary.find(
                "store driver cannot log on although the SMTP mailbox is correct: permissions "
                "(re-run domain preparation), a directory server that disagrees, or the store has "
                "not been remounted since the object was recreated"),
            std::string::npos)
      << d.stores[0].summary;
  EXPECT_EQ(d.stores[0].summary.find("KB 840469"), std::string::npos) << d.stores[0].summary;
  // A D-only server is not where Exchange reads its configuration: not named.
  EXPECT_NE(d.stores[0].summary.find("; the server uses gc1.contoso.com (CDG): audit against them"),
            std::string::npos)
      << d.stores[0].summary;
  EXPECT_EQ(d.stores[0].summary.find("dc1"), std::string::npos);
  // 0x80040148 also names the Exchange 2000 SP2 case of a damaged SMTP installation.
  Add326(kGuidB, "2026-11-25T10:05:00Z", "0x80040148");
  d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_NE(d.stores[0].summary.find("; on Exchange 2000 SP2 or later 0x80040148 can also mean a "
                                     "damaged SMTP installation: reinstall the SMTP service, then "
                                     "the MTA Stacks start again (KB 840469)"),
            std::string::npos)
      << d.stores[0].summary;
}

TEST_F(DiagnosisTest, PoisonMessageIsALookAlike) {
  events_.servers[0].call_failures.push_back(
      {T("2026-11-25T10:00:00Z"), "EcLocallyDeliverMsg", "-2147221233", kGuidA});
  Stall("bob@contoso.com", 1, "2026-11-25T10:00:00Z");
  const Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].kind, DiagnosisKind::kPoisonMessage);
  EXPECT_EQ(d.stores[0].poison_calls, 1u);
  ASSERT_EQ(d.servers.size(), 1u);
  EXPECT_EQ(d.servers[0].kind, DiagnosisKind::kPoisonMessage);
}

TEST_F(DiagnosisTest, ServerWideStallWithout326IsStoreSideExhaustion) {
  Stall("alice@contoso.com", 30, "2026-11-25T11:00:00Z");
  Stall("carol@contoso.com", 20, "2026-11-25T11:30:00Z");
  queue_[0].oldest_stalled_age_seconds = 3600;
  const Diagnosis d = Diagnose(inputs_);
  EXPECT_TRUE(d.stores.empty());
  ASSERT_EQ(d.servers.size(), 1u);
  EXPECT_EQ(d.servers[0].kind, DiagnosisKind::kStoreSideExhaustion);
  EXPECT_EQ(d.servers[0].stalled_deliveries, 50u);
  EXPECT_NE(d.servers[0].summary.find("store-side exhaustion"), std::string::npos);
  // The same stall with a 326 on the server is not exhaustion.
  Add326(kGuidA, "2026-11-25T11:00:00Z");
  EXPECT_TRUE(Diagnose(inputs_).servers.empty());
}

TEST_F(DiagnosisTest, MissingSystemMailboxIsItsOwnKind) {
  events_.servers[0].system_mailbox_missing.push_back({T("2026-11-25T10:00:00Z"), kGuidA});
  Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].kind, DiagnosisKind::kSystemMailboxMissing);
  events_.servers[0].system_mailbox_missing.clear();
  Finding f;
  f.kind = FindingKind::kSystemMailboxMissing;
  f.store = a_;
  f.store_guid = kGuidA;
  audit_.findings.push_back(f);
  d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].kind, DiagnosisKind::kSystemMailboxMissing);
}

TEST_F(DiagnosisTest, LogonFailureForAnUnknownGuidIsReportedForAGatewaySearch) {
  Add326("0f1e2d3c-4b5a-4968-8776-655443322110", "2026-11-25T10:00:00Z");
  Add326("0f1e2d3c-4b5a-4968-8776-655443322110", "2026-11-25T10:05:00Z");
  const Diagnosis d = Diagnose(inputs_);
  EXPECT_TRUE(d.stores.empty());
  ASSERT_EQ(d.unmatched.size(), 1u);
  EXPECT_EQ(d.unmatched[0].count, 2u);
  EXPECT_EQ(d.unmatched[0].server, "EXCH01");
  EXPECT_NE(d.unmatched[0].gateway_dn.find("cn=SMTP (EXCH01)"), std::string::npos);
}

TEST_F(DiagnosisTest, EventsAloneStillNameTheStoreByGuid) {
  inputs_.audit = nullptr;
  Add326(kGuidA, "2026-11-25T10:00:00Z");
  const Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].store_guid, kGuidA);
  EXPECT_EQ(d.stores[0].summary.rfind(std::string("EXCH01 / store ") + kGuidA, 0), 0u)
      << d.stores[0].summary;
}

TEST_F(DiagnosisTest, LogonFailuresWithoutAnAuditDoNotNameALookAlike) {
  inputs_.audit = nullptr;
  Add326(kGuidA, "2026-11-25T10:00:00Z");
  const Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].kind, DiagnosisKind::kGatewayUnchecked);
  EXPECT_NE(d.stores[0].summary.find("SMTP mailbox could not be checked (no LDAP source "
                                     "configured)"),
            std::string::npos)
      << d.stores[0].summary;
  EXPECT_EQ(d.stores[0].summary.find("permissions"), std::string::npos) << d.stores[0].summary;
}

TEST_F(DiagnosisTest, AnAuditWhoseViewsAllFailedCheckedNothing) {
  AuditReport failed;  // what CombineViews returns when no -H URI answered
  failed.sources = {{"ldap://dc1.contoso.com", false, Status(ErrorCode::kUnreachable, "down"), {}},
                    {"ldap://dc2.contoso.com", false, Status(ErrorCode::kTimeout, "slow"), {}}};
  inputs_.audit = &failed;
  Add326(kGuidA, "2026-11-25T10:00:00Z");
  Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].kind, DiagnosisKind::kGatewayUnchecked);
  EXPECT_NE(d.stores[0].summary.find("(no LDAP view answered)"), std::string::npos)
      << d.stores[0].summary;
  EXPECT_TRUE(d.unmatched.empty());  // nothing was audited, so nothing is "unknown to the audit"
  // One view answering is an audit: the same 326 on a store it knows is the look-alike.
  audit_.sources = {{"ldap://dc1.contoso.com", false, Status(ErrorCode::kUnreachable, "down"), {}},
                    {"ldap://dc2.contoso.com", true, std::nullopt, {}}};
  inputs_.audit = &audit_;
  d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].kind, DiagnosisKind::kPermissionsOrGc);
}

TEST_F(DiagnosisTest, StallWithoutTheServersEventsIsNotCalledExhaustion) {
  Stall("alice@contoso.com", 30, "2026-11-25T11:00:00Z");
  inputs_.events = nullptr;
  Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.servers.size(), 1u);
  EXPECT_EQ(d.servers[0].kind, DiagnosisKind::kUnexplainedStall);
  EXPECT_NE(d.servers[0].summary.find("cause unknown"), std::string::npos);
  EXPECT_EQ(d.servers[0].summary.find("exhaustion,"), std::string::npos);
  // The server's export was configured but could not be read this run: no better.
  inputs_.events = &events_;
  events_.file_errors.push_back({{"EXCH01", "/srv/EXCH01.csv"}, Status(ErrorCode::kIoError, "x")});
  d = Diagnose(inputs_);
  ASSERT_EQ(d.servers.size(), 1u);
  EXPECT_EQ(d.servers[0].kind, DiagnosisKind::kUnexplainedStall);
  events_.file_errors.clear();
  d = Diagnose(inputs_);
  ASSERT_EQ(d.servers.size(), 1u);
  EXPECT_EQ(d.servers[0].kind, DiagnosisKind::kStoreSideExhaustion);
}

TEST_F(DiagnosisTest, AStallWithout326IsNamedByItsScope) {
  Stall("alice@contoso.com", 30, "2026-11-25T11:00:00Z");
  std::vector<ServerStallScope> scopes(1);
  scopes[0].server = "exch01";  // names compare case-insensitively
  inputs_.stall_scopes = &scopes;
  auto kind_for = [&](StallScope scope, size_t stalled, size_t stores) {
    scopes[0].scope = scope;
    scopes[0].stalled_stores = stalled;
    scopes[0].stores = stores;
    scopes[0].description = "SCOPE";
    const Diagnosis d = Diagnose(inputs_);
    EXPECT_EQ(d.servers.size(), 1u);
    if (d.servers.empty()) return DiagnosisKind::kSmtpMailbox;
    EXPECT_NE(d.servers[0].summary.find("SCOPE"), std::string::npos) << d.servers[0].summary;
    return d.servers[0].kind;
  };
  // docs/DOMAIN.md "Scope of a stall": exhaustion stops the whole server; a poison message is
  // specific messages.
  EXPECT_EQ(kind_for(StallScope::kWholeServer, 3, 3), DiagnosisKind::kStoreSideExhaustion);
  EXPECT_EQ(kind_for(StallScope::kOneStore, 1, 1), DiagnosisKind::kStoreSideExhaustion);
  EXPECT_EQ(kind_for(StallScope::kSpecificMessages, 1, 3), DiagnosisKind::kPoisonMessage);
  EXPECT_EQ(kind_for(StallScope::kOneStore, 1, 3), DiagnosisKind::kUnexplainedStall);
  EXPECT_EQ(kind_for(StallScope::kSomeStores, 2, 3), DiagnosisKind::kUnexplainedStall);
  // Unmapped: the scope is unknown, the old reading stays (and says the scope is unknown).
  scopes[0].scope = StallScope::kUnmapped;
  const Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.servers.size(), 1u);
  EXPECT_EQ(d.servers[0].kind, DiagnosisKind::kStoreSideExhaustion);
  EXPECT_NE(d.servers[0].summary.find("scope not known"), std::string::npos);
}

class GcViewTest : public DiagnosisTest {
 protected:
  void SetUp() override {
    DiagnosisTest::SetUp();
    Finding f;
    f.kind = FindingKind::kMissing;
    f.store = a_;
    f.store_guid = kGuidA;
    audit_.findings.push_back(f);
    Add326(kGuidA, "2026-11-25T09:14:00Z");
    // DSAccess: DC1 is a DC only, GC1 the global catalog EXCH01 reads.
    events_.servers[0].directory_servers.push_back({"dc1.contoso.com", false, true, false, 0});
    events_.servers[0].directory_servers.push_back({"GC1.contoso.com", true, true, true, 0});
  }
};

TEST_F(GcViewTest, SaysWhichGcsViewTheDiagnosisRestsOn) {
  audit_.sources = {{"ldap://dc1.contoso.com:389", true, std::nullopt, {}},
                    {"ldaps://gc1:636", true, std::nullopt, {}}};
  const Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].gc_view, "ldaps://gc1:636");
  EXPECT_NE(d.stores[0].summary.find("; rests on the view of GC1.contoso.com (CDG) at "
                                     "ldaps://gc1:636, which EXCH01 uses (DSAccess 2080: C can "
                                     "be its configuration DC, G a global catalog)"),
            std::string::npos)
      << d.stores[0].summary;
}

// C marks a server that can be the configuration DC, where Exchange reads the SMTP mailbox: its
// view counts as much as a GC's.
TEST_F(GcViewTest, AConfigurationDcCountsLikeAGc) {
  events_.servers[0].directory_servers[0].config_dc = true;
  audit_.sources = {{"ldap://dc1.contoso.com", true, std::nullopt, {}}};
  const Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].gc_view, "ldap://dc1.contoso.com");
  EXPECT_EQ(d.stores[0].global_catalogs,
            (std::vector<std::string>{"dc1.contoso.com", "GC1.contoso.com"}));
  EXPECT_NE(d.stores[0].summary.find("; rests on the view of dc1.contoso.com (CD) at"),
            std::string::npos)
      << d.stores[0].summary;
}

TEST_F(GcViewTest, TheServersGcDidNotAnswer) {
  audit_.sources = {{"ldap://dc1.contoso.com", true, std::nullopt, {}},
                    {"ldap://GC1.CONTOSO.COM", false, Status(ErrorCode::kUnreachable, "down"), {}}};
  const Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_TRUE(d.stores[0].gc_view.empty());
  EXPECT_NE(d.stores[0].summary.find("; GC1.contoso.com (CDG), which EXCH01 uses, did not "
                                     "answer at ldap://GC1.CONTOSO.COM: this rests on other "
                                     "views"),
            std::string::npos)
      << d.stores[0].summary;
}

TEST_F(GcViewTest, TheServersGcIsNotAudited) {
  // dc1 is audited but DSAccess names it as a DC, not a GC; gc1.fabrikam is another machine.
  audit_.sources = {{"ldap://dc1.contoso.com", true, std::nullopt, {}},
                    {"ldap://gc1.fabrikam.example", true, std::nullopt, {}}};
  const Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_TRUE(d.stores[0].gc_view.empty());
  EXPECT_NE(d.stores[0].summary.find("; EXCH01 uses GC1.contoso.com (CDG), not among the "
                                     "audited views"),
            std::string::npos)
      << d.stores[0].summary;
}

// The server's DSAccess snapshot is its own list, newer than the last 2080 in its log: it replaces
// the events' directory servers (GC1 here), a role it is down in does not count, and the sentence
// says where the list came from.
TEST_F(GcViewTest, TheServersDsAccessSnapshotReplacesItsEvents) {
  const std::vector<DsAccessSnapshot> snapshots = {
      testing::LoadDsAccessSnapshotFixture("EXCH01-dsaccess.csv", "EXCH01")};
  audit_.sources = {{"ldap://gc2.contoso.com:3268", true, std::nullopt, {}}};
  const DsAccessView view = AnalyzeDsAccess(snapshots, &audit_);
  inputs_.dsaccess = &view;
  const Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].global_catalogs,
            (std::vector<std::string>{"dc1.contoso.com", "gc2.contoso.com"}));
  EXPECT_EQ(d.stores[0].gc_view, "ldap://gc2.contoso.com:3268");
  EXPECT_NE(d.stores[0].summary.find("; rests on the view of gc2.contoso.com (G) at "
                                     "ldap://gc2.contoso.com:3268, which EXCH01 uses (its "
                                     "DSAccess snapshot: C its configuration DC, G a global "
                                     "catalog)"),
            std::string::npos)
      << d.stores[0].summary;
  // No -H names them: the clean-audit 326 says which to audit.
  audit_.sources = {{"ldap://dc9.contoso.com", true, std::nullopt, {}}};
  audit_.findings.clear();
  const Diagnosis clean = Diagnose(inputs_);
  ASSERT_EQ(clean.stores.size(), 1u);
  EXPECT_EQ(clean.stores[0].kind, DiagnosisKind::kPermissionsOrGc);
  EXPECT_NE(clean.stores[0].summary.find("; the server uses dc1.contoso.com (CDG), "
                                         "gc2.contoso.com (G): audit against them"),
            std::string::npos)
      << clean.stores[0].summary;
}

TEST(HostMatchTest, UriHostsAndShortNames) {
  EXPECT_EQ(LdapUriHost("ldaps://GC1.Contoso.com:636"), "gc1.contoso.com");
  EXPECT_EQ(LdapUriHost("ldap://dc1"), "dc1");
  EXPECT_EQ(LdapUriHost("LDAP://dc1.contoso.com/"), "dc1.contoso.com");
  EXPECT_EQ(LdapUriHost("ldap://[2001:db8::1]:389"), "2001:db8::1");
  EXPECT_EQ(LdapUriHost("ldapi://%2Fvar%2Frun%2Fslapd.sock"), "");
  EXPECT_EQ(LdapUriHost("dc1.contoso.com"), "");
  EXPECT_TRUE(SameHost("gc1.contoso.com", "GC1.CONTOSO.COM"));
  EXPECT_TRUE(SameHost("GC1", "gc1.contoso.com"));
  EXPECT_TRUE(SameHost("gc1.contoso.com", "gc1"));
  EXPECT_FALSE(SameHost("gc1.contoso.com", "gc1.fabrikam.example"));
  EXPECT_FALSE(SameHost("gc1", "gc10.contoso.com"));
  EXPECT_FALSE(SameHost("gc1", "gc2"));
  EXPECT_FALSE(SameHost("", "gc1"));
  EXPECT_TRUE(SameHost("127.0.0.1", "127.0.0.1"));
  EXPECT_FALSE(SameHost("127", "127.0.0.1"));
}

}  // namespace
}  // namespace exdm
