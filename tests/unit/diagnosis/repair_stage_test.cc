// KB 828938's repair followed to its end for one store (exdm/diagnosis/repair_stage.h): the same
// store through every stage, as the directory, the store's own view and the tracking logs change.
#include "exdm/diagnosis/repair_stage.h"

#include <gtest/gtest.h>

#include "exdm/base/time_util.h"

namespace exdm {
namespace {

int64_t T(const char* iso) {
  return *ParseIso8601(iso);
}

const char* kSalesGuid = "bc042b31-2bd0-4bc0-b406-08b429f4e843";

class RepairStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sales_ = {"EXCH01", "First Storage Group", "Sales"};
    audit_.servers = {"EXCH01"};
    audit_.stores = {{sales_, StoreType::kMailbox, kSalesGuid, "CN=Sales"}};
    audit_.sources = {{"ldap://dc1.contoso.com", true, std::nullopt, {}}};
    in_.audit = &audit_;
    in_.store_side = &side_;
    in_.fault_seen[sales_] = T("2026-11-25T09:14:00Z");  // the last 326
  }
  void AdFinding(FindingKind kind) {
    Finding f;
    f.kind = kind;
    f.store = sales_;
    f.store_guid = kSalesGuid;
    audit_.findings.push_back(f);
  }
  // The audit's plan for Sales's SMTP mailbox (mailbox_audit.h): a new object, or values
  // corrected on the existing one.
  void Repair(bool add) {
    GatewayRepair g;
    g.store = sales_;
    g.store_guid = kSalesGuid;
    if (add) {
      g.add = GatewaySpec();
    } else {
      g.modify_dn = "CN=SMTP (EXCH01-{BC042B31-2BD0-4BC0-B406-08B429F4E843}),CN=Connections";
      g.replace = {{"homeMTA", "CN=Microsoft MTA,CN=EXCH01"}};
    }
    audit_.repairs = {g};
  }
  // The store's own view: C connected and D disconnected SMTP mailboxes, mounted.
  void StoreShows(size_t connected, size_t disconnected) {
    side_ = StoreSideReport();
    StoreMailboxState s;
    s.store = sales_;
    s.store_guid = kSalesGuid;
    s.audited = s.mounted = true;
    s.smtp_connected = connected;
    s.smtp_disconnected = disconnected;
    side_.stores = {s};
    auto finding = [&](StoreFindingKind kind) {
      StoreFinding f;
      f.kind = kind;
      f.store = sales_;
      f.store_guid = kSalesGuid;
      f.mailbox = "SMTP (EXCH01-{BC042B31-2BD0-4BC0-B406-08B429F4E843})";
      f.disconnected = disconnected;
      side_.findings.push_back(f);
    };
    if (disconnected > 0 && connected == 0) finding(StoreFindingKind::kSmtpMailboxDisconnected);
    if (disconnected > 0 && connected > 0) finding(StoreFindingKind::kPurgePending);
    if (disconnected == 0 && connected == 0) finding(StoreFindingKind::kSmtpMailboxNotCreated);
  }
  StoreRepair Only() {
    const std::vector<StoreRepair> r = RepairStages(in_);
    EXPECT_EQ(r.size(), 1u);
    return r.empty() ? StoreRepair() : r[0];
  }

  StoreRef sales_;
  AuditReport audit_;
  StoreSideReport side_;
  RepairStageInputs in_;
};

TEST_F(RepairStageTest, EveryStageOfTheKbInTurn) {
  // 1. The SMTP mailbox object is gone: AD first.
  AdFinding(FindingKind::kMissing);
  Repair(true);
  StoreShows(0, 1);
  StoreRepair r = Only();
  EXPECT_EQ(r.stage, RepairStage::kFixDirectory);
  EXPECT_EQ(r.text,
            "fix its SMTP mailbox in AD (missing): apply the repair LDIF (--remediation-ldif), "
            "then dismount and mount Sales (KB 828938 steps 1-6): the LDIF adds a new object, so "
            "the store builds a new SMTP mailbox at that mount and an old one turns disconnected "
            "(purge it, step 6.7)");
  EXPECT_EQ(r.store_guid, kSalesGuid);

  // 2. The LDIF is applied; the store still has only the old, disconnected mailbox.
  audit_.findings.clear();
  audit_.repairs.clear();
  r = Only();
  EXPECT_EQ(r.stage, RepairStage::kRemount);
  EXPECT_EQ(r.text,
            "AD is correct; dismount and mount Sales (KB 828938 steps 6.4-6.6): the store has no "
            "connected SMTP mailbox yet (smtp_mailbox_disconnected)");

  // 3. Remounted: the new SMTP mailbox is connected, the old one still there.
  StoreShows(1, 1);
  r = Only();
  EXPECT_EQ(r.stage, RepairStage::kPurge);
  EXPECT_EQ(r.text,
            "remounted with a connected SMTP mailbox; purge the disconnected SMTP "
            "(EXCH01-{BC042B31-2BD0-4BC0-B406-08B429F4E843}) from Sales (KB 828938 step 6.7)");

  // 4. Purged; no delivery since.
  StoreShows(1, 0);
  r = Only();
  EXPECT_EQ(r.stage, RepairStage::kVerifyFlow);
  EXPECT_EQ(r.text,
            "AD is correct and the store has its connected SMTP mailbox; no delivery to Sales "
            "since the fault was last seen (2026-11-25T09:14:00Z) yet: send a test message (KB "
            "828938 step 7)");

  // 5. Mail flows.
  in_.deliveries[sales_] = {3, T("2026-11-25T10:02:00Z")};
  r = Only();
  EXPECT_EQ(r.stage, RepairStage::kMailFlows);
  EXPECT_EQ(r.text,
            "3 deliveries to Sales since 2026-11-25T10:02:00Z without a retry (KB 828938 step 7: "
            "mail flows again)");
}

// Wrong values are corrected on the existing object (changetype: modify): it keeps its objectGUID,
// so the store keeps its connected SMTP mailbox and there is neither a new one to wait for nor an
// old one to purge; once AD is clean the repair waits for mail only.
TEST_F(RepairStageTest, AnInPlaceRepairLeavesNothingToPurge) {
  AdFinding(FindingKind::kWrongHomeMta);
  Repair(false);
  StoreShows(1, 0);
  StoreRepair r = Only();
  EXPECT_EQ(r.stage, RepairStage::kFixDirectory);
  EXPECT_EQ(r.text,
            "fix its SMTP mailbox in AD (wrong_home_mta): apply the repair LDIF "
            "(--remediation-ldif), then dismount and mount Sales (KB 828938 steps 1-6): the LDIF "
            "corrects the values in place, so the object keeps its objectGUID and the store its "
            "SMTP mailbox (nothing to purge)");
  audit_.findings.clear();
  audit_.repairs.clear();
  r = Only();
  EXPECT_EQ(r.stage, RepairStage::kVerifyFlow);
  EXPECT_EQ(r.text.rfind("AD is correct and the store has its connected SMTP mailbox", 0), 0u)
      << r.text;
}

// With message tracking off on the server no log can show mail flowing again: the line does not
// wait for a delivery it could never see.
TEST_F(RepairStageTest, WithMessageTrackingOffOnlyATestMessageCanTell) {
  StoreShows(1, 0);
  audit_.tracking_disabled = {"exch01"};
  const StoreRepair r = Only();
  EXPECT_EQ(r.stage, RepairStage::kVerifyFlow);
  EXPECT_EQ(r.text,
            "AD is correct and the store has its connected SMTP mailbox; message tracking is off "
            "on EXCH01, so no log shows whether mail reaches Sales: send a test message (KB "
            "828938 step 7)");
}

TEST_F(RepairStageTest, ANewObjectTheStoreHasNotPickedUpIsARemount) {
  StoreShows(0, 0);  // mounted, lists no SMTP mailbox at all
  const StoreRepair r = Only();
  EXPECT_EQ(r.stage, RepairStage::kRemount);
  EXPECT_NE(r.text.find("(smtp_mailbox_not_created)"), std::string::npos) << r.text;
}

TEST_F(RepairStageTest, WithoutTheStoresViewTheRemountCannotBeTold) {
  in_.store_side = nullptr;
  const StoreRepair r = Only();
  EXPECT_EQ(r.stage, RepairStage::kVerifyFlow);
  EXPECT_EQ(r.text,
            "AD is correct; no mailbox snapshot shows Sales mounted with its SMTP mailbox: "
            "dismount and mount it unless done, then send a test message (KB 828938 steps 6.4-7)");
}

TEST_F(RepairStageTest, AnAuditWithNoViewUpCheckedNothing) {
  AdFinding(FindingKind::kMissing);  // from no view that answered: not believed
  audit_.sources[0].up = false;
  StoreShows(0, 1);
  const StoreRepair r = Only();
  EXPECT_EQ(r.stage, RepairStage::kRemount);
  EXPECT_EQ(r.text.rfind("AD was not checked; dismount and mount Sales", 0), 0u) << r.text;
}

TEST_F(RepairStageTest, OnlyStoresInTheRepairAreListed) {
  in_.fault_seen.clear();
  EXPECT_TRUE(RepairStages(in_).empty());
  // A system mailbox or a disagreement between DCs is not this repair.
  AdFinding(FindingKind::kSystemMailboxMissing);
  AdFinding(FindingKind::kDcDisagree);
  StoreFinding system;
  system.kind = StoreFindingKind::kSystemMailboxDisconnected;
  system.store = sales_;
  side_.findings = {system};
  EXPECT_TRUE(RepairStages(in_).empty());
  AdFinding(FindingKind::kWrongHomeMta);
  AdFinding(FindingKind::kMtaMissing);
  const StoreRepair r = Only();
  EXPECT_EQ(r.stage, RepairStage::kFixDirectory);
  EXPECT_NE(r.text.find("(wrong_home_mta, mta_missing)"), std::string::npos) << r.text;
  EXPECT_EQ(RepairStageName(r.stage), "fix_directory");
}

}  // namespace
}  // namespace exdm
