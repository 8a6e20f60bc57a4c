// The store's own view in the check (#19): the demo organization in a real slapd, the shipped
// store snapshot fixtures (tests/fixtures/store_snapshot, written from the documented WMI
// properties), message tracking logs and an NXLog export written here, the real binary.
// `mailbox` lists the store-side findings per store beside the AD ones and says which GC to add;
// a stale, cut or missing snapshot is UNKNOWN with its reason and hides nothing else; a DSAccess
// DC down is WARNING; `all` follows each broken store through KB 828938's repair to its end, one
// stage per run, as the operator fixes AD, remounts, purges and mail flows again.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "collector_script.h"
#include "org_fixture.h"
#include "paths.h"
#include "run_program.h"
#include "slapd_fixture.h"
#include "store_snapshot_fixtures.h"
#include "temp_dir.h"
#include "tracking_rows.h"

namespace exdm::testing {
namespace {

constexpr char kNow[] = "2026-11-25T17:45:00Z";  // the fixtures were taken at 17:40
constexpr char kSalesGuid[] = "BC042B31-2BD0-4BC0-B406-08B429F4E843";
constexpr char kSales[] = "EXCH01 / First Storage Group / Sales";

// The store driver's 326 for Sales at 17:02, as NXLog exports it.
std::string Event326() {
  return std::string(
             R"({"EventTime": "2026-11-25 17:02:00", "Hostname": "EXCH01", "SourceName": "MSExchangeTransport", "EventID": 326, "Category": "Exchange Store Driver", "Message": "Service Account failed to logon to the store as /o=Contoso/ou=First Administrative Group/cn=Configuration/cn=Connections/cn=SMTP (EXCH01)/cn={)") +
         kSalesGuid + R"(}. Error code : 0x80040148."})" + "\n";
}

std::string Row(const std::string& time, const std::string& rcpt, int event,
                const std::string& msgid) {
  return TrackingRow("2026-11-25", time, rcpt, event, msgid);
}

// A delivery to carol (Sales) retried every 5 minutes from 17:00 to 17:20; with `recovered`, the
// 17:25 attempt is followed by no retry and a second message reaches her at 17:30 (mail flows),
// alice's later delivery moving the log past the grace period.
void WriteTrackingLog(const std::string& dir, bool recovered) {
  std::ofstream f(dir + "/20261125.log", std::ios::trunc);
  f << kTrackingLogHeader;
  f << Row("17:00:00", "carol@contoso.com", 1036, "stuck01@EXCH01.contoso.com");
  for (const char* t : {"17:00:01", "17:05:01", "17:10:01", "17:15:01", "17:20:01"}) {
    f << Row(t, "carol@contoso.com", 1028, "stuck01@EXCH01.contoso.com");
    f << Row(t, "carol@contoso.com", 1037, "stuck01@EXCH01.contoso.com");
  }
  if (!recovered) return;
  f << Row("17:25:01", "carol@contoso.com", 1028, "stuck01@EXCH01.contoso.com");
  f << Row("17:30:00", "carol@contoso.com", 1036, "fine02@EXCH01.contoso.com");
  f << Row("17:30:01", "carol@contoso.com", 1028, "fine02@EXCH01.contoso.com");
  f << Row("17:40:00", "alice@contoso.com", 1036, "fine03@EXCH01.contoso.com");
  f << Row("17:40:01", "alice@contoso.com", 1028, "fine03@EXCH01.contoso.com");
}

class StoreView : public ::testing::Test {
 protected:
  void SetUp() override {
    auto org = GenerateOrg({SampleOrg("demo")}, tmp_.path());
    ASSERT_TRUE(org);
    slapd_ = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
    ASSERT_TRUE(slapd_);
  }

  std::vector<std::string> Ldap(const char* mode) const {
    return {CheckBinary(),
            mode,
            "-H",
            slapd_->uri(),
            "-D",
            slapd_->monitor_dn(),
            "--password-file",
            slapd_->monitor_password_file(),
            "--now",
            kNow,
            "--state-file",
            "none"};
  }

  static std::vector<std::string> With(std::vector<std::string> args,
                                       const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  TempDir tmp_{"exdm-store-view"};
  std::unique_ptr<Slapd> slapd_;
};

TEST_F(StoreView, MailboxListsTheStoresOwnFindingsBesideTheAdOnesAndTheGcToAudit) {
  const ProgramResult r =
      RunProgram(With(Ldap("mailbox"), {"-s", "EXCH01", "--mailbox-snapshot",
                                        "EXCH01=" + StoreSnapshotFixture("EXCH01-mailboxes.csv"),
                                        "--dsaccess-snapshot",
                                        "EXCH01=" + StoreSnapshotFixture("EXCH01-dsaccess.csv")}));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  // Sales: AD lacks its SMTP mailbox, and the store shows the old one disconnected since 09:12.
  EXPECT_NE(r.out.find(std::string("[CRITICAL] ") + kSales + ": missing - "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(std::string("[CRITICAL] ") + kSales + ": smtp_mailbox_disconnected - "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2026-11-25T09:12:00Z"), std::string::npos) << r.out;
  // The healthy store has no store-side line; the public store is never judged.
  EXPECT_EQ(r.out.find("Mailbox Store (EXCH01): smtp_mailbox"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Public"), std::string::npos) << r.out;
  // EXCH01's DSAccess uses two GCs, neither is the audited slapd: the -H to add for each.
  for (const char* gc : {"dc1.contoso.com", "gc2.contoso.com"}) {
    EXPECT_NE(r.out.find(std::string("note: EXCH01 uses ") + gc +
                         " (GC), which is not audited: add -H ldap://" + gc + ":3268"),
              std::string::npos)
        << r.out;
  }
  // All up and in sync: no DSAccess warning.
  EXPECT_EQ(r.out.find("dc_down"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("store_findings=1"), std::string::npos) << r.out;
}

TEST_F(StoreView, StaleCutOrMissingSnapshotIsThatSourcesUnknownAndHidesNothingElse) {
  const std::map<std::string, std::vector<std::string>> cases = {
      {"is stale: taken 2026-11-24T06:15:00Z",
       {"--mailbox-snapshot", "EXCH05=" + StoreSnapshotFixture("EXCH05-mailboxes-stale.csv")}},
      {"the file was cut while being written",
       {"--mailbox-snapshot", "EXCH04=" + StoreSnapshotFixture("EXCH04-mailboxes-cut.csv")}},
      {"DSAccess snapshot",
       {"--dsaccess-snapshot", "EXCH05=" + StoreSnapshotFixture("EXCH05-dsaccess-stale.csv")}},
  };
  for (const auto& [reason, args] : cases) {
    // Alone: UNKNOWN, the reason on the status line.
    const ProgramResult alone =
        RunProgram(With({CheckBinary(), "all", "--now", kNow, "--state-file", "none"}, args));
    EXPECT_EQ(alone.exit_code, 3) << alone.out;
    EXPECT_NE(SplitLines(alone.out).at(0).find(reason), std::string::npos) << alone.out;
    // Beside the audit: its CRITICAL findings are all still there (CRITICAL outranks UNKNOWN),
    // and so is the snapshot's reason.
    const ProgramResult r = RunProgram(With(Ldap("mailbox"), args));
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("\n[UNKNOWN] "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(reason), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(std::string("[CRITICAL] ") + kSales + ": missing - "), std::string::npos)
        << r.out;
  }
  // A snapshot that is not there at all: UNKNOWN naming the option, as for queue snapshots.
  const ProgramResult missing =
      RunProgram(With(Ldap("mailbox"), {"--mailbox-snapshot", "EXCH01=" + tmp_.File("none.csv")}));
  EXPECT_EQ(missing.exit_code, 3) << missing.out;
  EXPECT_NE(
      missing.out.find("cannot read --mailbox-snapshot '" + tmp_.File("none.csv") + "' of EXCH01"),
      std::string::npos)
      << missing.out;
}

TEST_F(StoreView, DsAccessDcDownOrOutOfSyncIsAWarningEvenWithoutLdap) {
  const ProgramResult r =
      RunProgram({CheckBinary(), "all", "--now", kNow, "--state-file", "none",
                  "--dsaccess-snapshot", "EXCH02=" + StoreSnapshotFixture("EXCH02-dsaccess.csv")});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("[WARNING] EXCH02: dc_down - DSAccess marks dc3.contoso.com (DC) down"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("[WARNING] EXCH02: dc_out_of_sync - DSAccess marks gc2.contoso.com (GC) "
                       "out of sync"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("EXCH02 uses dc1.contoso.com (configuration DC, up), dc3.contoso.com (DC, "
                       "DOWN, out of sync)"),
            std::string::npos)
      << r.out;
}

// Without -H only the name tells a recovery storage group: EXCH07's restored copy lists the live
// store's old SMTP and system mailboxes, disconnected. By the default name it is never judged;
// with the name rule turned off (--recovery-group-name "") its rows count for the live store,
// which the check then calls purge_pending: the option reaches the store side without an audit.
TEST_F(StoreView, RecoveryStorageGroupIsKnownByItsNameWithoutLdap) {
  const std::vector<std::string> base = {CheckBinary(),
                                         "all",
                                         "--now",
                                         kNow,
                                         "--state-file",
                                         "none",
                                         "--mailbox-snapshot",
                                         "EXCH07=" + StoreSnapshotFixture("EXCH07-mailboxes.csv")};
  const ProgramResult named = RunProgram(base);
  EXPECT_EQ(named.exit_code, 0) << named.out;
  EXPECT_NE(named.out.find("store_findings=0"), std::string::npos) << named.out;
  EXPECT_NE(named.out.find("store mailbox tables: 1 server, 1 store judged, 1 mounted"),
            std::string::npos)
      << named.out;
  const ProgramResult off = RunProgram(With(base, {"--recovery-group-name", ""}));
  EXPECT_EQ(off.exit_code, 1) << off.out;
  EXPECT_NE(off.out.find("[WARNING] EXCH07 / First Storage Group / Mailbox Store (EXCH07): "
                         "purge_pending - "),
            std::string::npos)
      << off.out;
}

TEST_F(StoreView, AllFollowsTheRepairToTheEndOneStagePerRun) {
  const std::string logs = tmp_.File("EXCH01.log");
  ASSERT_EQ(::mkdir(logs.c_str(), 0755), 0);
  WriteTrackingLog(logs, false);
  tmp_.Write("events.jsonl", Event326());
  const std::string fixture = ReadTextFile(StoreSnapshotFixture("EXCH01-mailboxes.csv"));
  tmp_.Write("EXCH01-mailboxes.csv", fixture);
  auto all = [&]() {
    return RunProgram(
        With(Ldap("all"), {"-s", "EXCH01", "--tracking-dir", "EXCH01=" + logs, "--event-file",
                           "EXCH01=" + tmp_.File("events.jsonl"), "--mailbox-snapshot",
                           "EXCH01=" + tmp_.File("EXCH01-mailboxes.csv"), "--dsaccess-snapshot",
                           "EXCH01=" + StoreSnapshotFixture("EXCH01-dsaccess.csv"),
                           "--remediation-ldif", tmp_.File("repair.ldif")}));
  };
  auto line = [&](const std::string& name) {
    return std::string("* ") + kSales + ": [" + name + "] ";
  };

  // 1. AD lacks the SMTP mailbox: the LDIF first.
  ProgramResult r = all();
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(line("fix_directory") + "fix its SMTP mailbox in AD (missing): apply the "
                                               "repair LDIF"),
            std::string::npos)
      << r.out;

  // 2. The LDIF applied, the store not remounted: it still shows the old mailbox disconnected.
  ASSERT_TRUE(slapd_->Modify(tmp_.File("repair.ldif")));
  r = all();
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(line("remount") + "AD is correct; dismount and mount Sales (KB 828938 "
                                         "steps 6.4-6.6)"),
            std::string::npos)
      << r.out;
  // A 326 with a clean audit: the diagnosis names the directory servers EXCH01's own DSAccess
  // uses (its snapshot, with their roles: C configuration DC, D domain DC, G GC).
  EXPECT_NE(r.out.find("the server uses dc1.contoso.com (CDG), gc2.contoso.com (G): audit "
                       "against them"),
            std::string::npos)
      << r.out;

  // 3. Remounted: the store created its new SMTP mailbox; the old one waits to be purged.
  const std::string old_row = "\"SMTP (EXCH01-{" + std::string(kSalesGuid) + "})\"";
  const size_t at = fixture.find(old_row);
  ASSERT_NE(at, std::string::npos);
  const size_t row_start = fixture.rfind("\r\n", at) + 2;
  const std::string new_row =
      "2026-11-25T17:40:00Z,\"EXCH01\",\"First Storage Group\",\"Sales\",\"SMTP (EXCH01-{" +
      std::string(kSalesGuid) +
      "})\",\"/o=Contoso/ou=First Administrative Group/cn=Configuration/cn=Connections/cn=SMTP "
      "(EXCH01)/cn={" +
      kSalesGuid + "}\",\"{4C3B2A19-0F8E-4D7C-B6A5-948372615A0F}\",\r\n";
  tmp_.Write("EXCH01-mailboxes.csv",
             fixture.substr(0, row_start) + new_row + fixture.substr(row_start));
  r = all();
  EXPECT_NE(r.out.find(line("purge") +
                       "remounted with a connected SMTP mailbox; purge the "
                       "disconnected SMTP (EXCH01-{" +
                       kSalesGuid + "}) from Sales (KB 828938 step 6.7)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(std::string("[WARNING] ") + kSales + ": purge_pending - "),
            std::string::npos)
      << r.out;

  // 4. Purged, and mail reaches Sales again after the last 326: the repair's end.
  const size_t old_end = fixture.find("\r\n", at) + 2;
  tmp_.Write("EXCH01-mailboxes.csv",
             fixture.substr(0, row_start) + new_row + fixture.substr(old_end));
  WriteTrackingLog(logs, true);
  r = all();
  EXPECT_NE(r.out.find(line("mail_flows") +
                       "2 deliveries to Sales since 2026-11-25T17:25:01Z without a retry (KB "
                       "828938 step 7: mail flows again)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("smtp_mailbox_disconnected"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("purge_pending"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace exdm::testing
