// One diagnosis per store from audit findings, stalls and events; one test per look-alike.
#include "exdm/diagnosis.h"

#include <gtest/gtest.h>

#include "exdm/time_util.h"

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

TEST_F(DiagnosisTest, LogonFailuresWithACorrectGatewayArePermissionsOrGc) {
  Add326(kGuidB, "2026-11-25T10:00:00Z", "0x80040158");
  events_.servers[0].directory_servers.push_back({"gc1.contoso.com", true, true, true, 0});
  events_.servers[0].directory_servers.push_back({"dc1.contoso.com", true, true, false, 0});
  const Diagnosis d = Diagnose(inputs_);
  ASSERT_EQ(d.stores.size(), 1u);
  EXPECT_EQ(d.stores[0].store, b_);
  EXPECT_EQ(d.stores[0].kind, DiagnosisKind::kPermissionsOrGc);
  EXPECT_NE(d.stores[0].summary.find("permissions"), std::string::npos);
  EXPECT_NE(d.stores[0].summary.find("the server uses GC gc1.contoso.com"), std::string::npos);
  EXPECT_EQ(d.stores[0].summary.find("dc1"), std::string::npos);
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

}  // namespace
}  // namespace exdm
