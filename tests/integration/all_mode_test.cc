// `check_exchange_delivery all` end to end: the demo organization in a real slapd, tracking logs
// and an NXLog export written here, the real binary. Each scenario plants one cause and checks
// that the diagnosis names it on the right store (docs/DOMAIN.md "Look-alikes").
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "exdm/base/guid.h"
#include "org_fixture.h"
#include "paths.h"
#include "run_program.h"
#include "slapd_fixture.h"
#include "temp_dir.h"
#include "tracking_rows.h"

namespace exdm::testing {
namespace {

std::string Row(const std::string& time, const std::string& rcpt, int event,
                const std::string& msgid) {
  return TrackingRow("2026-11-25", time, rcpt, event, msgid);
}

// One delivery to `rcpt` stuck since 09:00 (KB pattern: attempt + retry every 5 minutes), and one
// healthy delivery to `healthy_rcpt`.
void WriteTrackingLog(const std::string& dir, const std::string& rcpt,
                      const std::string& healthy_rcpt) {
  std::ofstream f(dir + "/20261125.log");
  f << kTrackingLogHeader;
  f << Row("9:00:00", rcpt, 1036, "stuck01@EXCH01.contoso.com");
  for (const char* t : {"9:00:01", "9:05:01", "9:10:01", "9:15:01", "9:20:01"}) {
    f << Row(t, rcpt, 1028, "stuck01@EXCH01.contoso.com");
    f << Row(t, rcpt, 1037, "stuck01@EXCH01.contoso.com");
  }
  f << Row("9:01:00", healthy_rcpt, 1036, "fine01@EXCH01.contoso.com");
  f << Row("9:01:01", healthy_rcpt, 1028, "fine01@EXCH01.contoso.com");
}

std::string Event326(const std::string& guid_upper) {
  return R"({"EventTime": "2026-11-25 09:02:00", "Hostname": "EXCH01", "SourceName": "MSExchangeTransport", "EventID": 326, "Category": "Exchange Store Driver", "Message": "Service Account failed to logon to the store as /o=Contoso/ou=First Administrative Group/cn=Configuration/cn=Connections/cn=SMTP (EXCH01)/cn={)" +
         guid_upper + R"(}. Error code : 0x80040148."})" + "\n";
}

// DSAccess 2080 naming `host` as the server's config DC, DC and GC.
std::string Event2080(const std::string& host) {
  return R"({"EventTime": "2026-11-25 09:01:00", "Hostname": "EXCH01", "SourceName": "MSExchangeDSAccess", "EventID": 2080, "Category": "Topology", "Message": "Process MAD.EXE (PID=1884). DSAccess has discovered the following servers with the following characteristics: \r\n (Server name | Roles | Reachability | Synchronized | GC capable | PDC | SACL right | Critical Data | Netlogon | OS Version) \r\nIn-site:\r\n )" +
         host + R"(\tCDG 1 7 7 1 0 1 1 7 1\r\nOut-of-Site:\r\n"})" + "\n";
}

std::string Event327(const std::string& guid) {
  return R"({"EventTime": "2026-11-25 09:03:00", "Hostname": "EXCH01", "SourceName": "MSExchangeTransport", "EventID": 327, "Category": "Exchange Store Driver", "Message": "The following call : EcLocallyDeliverMsg to the store failed. Error code : -2147221233. MDB : )" +
         guid + R"(."})" + "\n";
}

std::string Upper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

class AllMode : public ::testing::Test {
 protected:
  void SetUp() override {
    auto org = GenerateOrg({SampleOrg("demo")}, tmp_.path());
    ASSERT_TRUE(org);
    for (const auto& s : org->manifest["stores"]) {
      guid_[s["store"].get<std::string>()] = s["guid"].get<std::string>();
    }
    slapd_ = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
    ASSERT_TRUE(slapd_);
  }

  ProgramResult Run(const std::string& events, const std::string& state = "all.state") {
    const std::string logs = tmp_.File("EXCH01.log");
    std::ofstream(tmp_.File("events.jsonl")) << events;
    return RunProgram({CheckBinary(), "all", "-H", slapd_->uri(), "-D", slapd_->monitor_dn(),
                       "--password-file", slapd_->monitor_password_file(), "--tracking-dir",
                       "EXCH01=" + logs, "--event-file", "EXCH01=" + tmp_.File("events.jsonl"),
                       "--state-file", tmp_.File(state), "--now", "2026-11-25T09:30:00Z", "-s",
                       "EXCH01"});
  }
  void Logs(const std::string& rcpt, const std::string& healthy) {
    const std::string dir = tmp_.File("EXCH01.log");
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
    WriteTrackingLog(dir, rcpt, healthy);
  }

  TempDir tmp_;
  std::unique_ptr<Slapd> slapd_;
  std::map<std::string, std::string> guid_;
};

TEST_F(AllMode, MissingSmtpMailboxIsDiagnosedOnItsStoreWithTheRepair) {
  Logs("carol@contoso.com", "alice@contoso.com");  // carol lives on "Sales", whose gateway is gone
  const ProgramResult r = Run(Event326(Upper(guid_["Sales"])));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  const std::vector<std::string> lines = SplitLines(r.out);
  ASSERT_FALSE(lines.empty());
  // The status line names the affected store first, with all three kinds of evidence.
  EXPECT_EQ(lines[0].rfind("EXCHANGE DELIVERY CRITICAL - EXCH01 / First Storage Group / Sales: "
                           "SMTP mailbox missing; 1 deliveries stalled up to 30m; "
                           "1 store-driver logon failures (326, 0x80040148) since "
                           "2026-11-25T09:02:00Z",
                           0),
            0u)
      << lines[0];
  EXPECT_NE(r.out.find("* [smtp_mailbox] EXCH01 / First Storage Group / Sales: "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("repair: add mailGateway CN=SMTP (EXCH01-{" + Upper(guid_["Sales"]) + "})"),
            std::string::npos)
      << r.out;
  // Each source's own results follow under its heading; perfdata of all three.
  for (const char* s : {"[mailbox]", "[queue]", "[events]", "failing_stores=1",
                        "stalled_deliveries=1", "logon_failures_326=1"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
  EXPECT_EQ(std::count(lines[0].begin(), lines[0].end(), '|'), 1);
}

TEST_F(AllMode, PoisonMessageOnAHealthyStoreIsNamedAsTheLookAlike) {
  Logs("alice@contoso.com", "bob@contoso.com");  // both on the healthy "Mailbox Store (EXCH01)"
  const ProgramResult r = Run(Event327(guid_["Mailbox Store (EXCH01)"]));
  EXPECT_NE(r.out.find("* [poison_message] EXCH01 / First Storage Group / Mailbox Store (EXCH01): "
                       "look-alike: poison message (327 EcLocallyDeliverMsg), not the SMTP "
                       "mailbox; 1 deliveries stalled up to 30m"),
            std::string::npos)
      << r.out;
  // Sales is still broken in AD, but with no stall or event it is an AD-only finding.
  EXPECT_NE(r.out.find("* [smtp_mailbox] EXCH01 / First Storage Group / Sales: SMTP mailbox "
                       "missing\n"),
            std::string::npos)
      << r.out;
}

TEST_F(AllMode, LogonFailuresWithACorrectSmtpMailboxPointAtPermissionsOrGc) {
  Logs("bob@contoso.com", "alice@contoso.com");
  const ProgramResult r = Run(Event326(Upper(guid_["Mailbox Store (EXCH01)"])));
  EXPECT_NE(r.out.find("* [permissions_or_gc] EXCH01 / First Storage Group / Mailbox Store "
                       "(EXCH01): store driver cannot log on although the SMTP mailbox is correct"),
            std::string::npos)
      << r.out;
}

TEST_F(AllMode, AFailingSourceDoesNotHideTheOthers) {
  Logs("carol@contoso.com", "alice@contoso.com");
  slapd_->Stop();
  const ProgramResult r = Run(Event326(Upper(guid_["Sales"])));
  // LDAP down: --unreachable-state (CRITICAL); the queue and the 326 still show.
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("[mailbox]\n  failed: " + slapd_->uri()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stalled_deliveries=1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("logon_failures_326=1"), std::string::npos) << r.out;
}

TEST_F(AllMode, LogonFailuresWithoutLdapSayTheGatewayWasNotChecked) {
  Logs("carol@contoso.com", "alice@contoso.com");
  slapd_->Stop();
  const ProgramResult r = Run(Event326(Upper(guid_["Sales"])));
  EXPECT_NE(r.out.find("* [gateway_unchecked] EXCH01 / store " + guid_["Sales"] +
                       ": store driver cannot log on; its SMTP mailbox could not be checked (no "
                       "LDAP view answered)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("permissions_or_gc"), std::string::npos) << r.out;
}

TEST_F(AllMode, LogonFailureForAStoreOutsideTheAuditNamesIt) {
  // -s EXCH01 leaves EXCH02 out of the audit; AD still knows its store by objectGUID.
  Logs("carol@contoso.com", "alice@contoso.com");
  const ProgramResult r = Run(Event326(Upper(guid_["Mailbox Store (EXCH02)"])));
  EXPECT_NE(
      r.out.find("a store no audited view knows: gateway /o=Contoso/ou=First Administrative "
                 "Group/cn=Configuration/cn=Connections/cn=SMTP (EXCH01)/cn={" +
                 Upper(guid_["Mailbox Store (EXCH02)"]) +
                 "}\n  in AD: the GUID is the store EXCH02 / First Storage Group / Mailbox Store "
                 "(EXCH02), on a server outside the audit (-s); the event came from EXCH01\n"),
      std::string::npos)
      << r.out;
}

TEST_F(AllMode, LogonFailureForAGuidNoStoreHasSearchesGatewaysByLegacyDn) {
  Logs("carol@contoso.com", "alice@contoso.com");
  // A leftover SMTP mailbox of a deleted store: its legacyExchangeDN names a GUID nothing has.
  const std::string gone = "0F1E2D3C-4B5A-4968-8776-655443322110";
  const std::string legacy =
      "/o=Contoso/ou=First Administrative Group/cn=Configuration/"
      "cn=Connections/cn=SMTP (EXCH01)/cn={" +
      gone + "}";
  const std::string dn = "CN=SMTP (EXCH01-{" + gone +
                         "}),CN=Connections,CN=Contoso,CN=Microsoft Exchange,CN=Services," +
                         slapd_->configuration_dn();
  std::ofstream(tmp_.File("leftover.ldif"))
      << "dn: " << dn << "\nchangetype: add\nobjectClass: top\nobjectClass: mailGateway\ncn: SMTP "
      << "(EXCH01-{" << gone << "})\ndeliveryMechanism: 2\nlegacyExchangeDN: " << legacy << "\n";
  ASSERT_TRUE(slapd_->Modify(tmp_.File("leftover.ldif")));
  ProgramResult r = Run(Event326(gone));
  EXPECT_NE(r.out.find("{" + Guid::Parse(gone)->ToString() +
                       "}, a store no audited view knows: gateway " + legacy +
                       "\n  in AD: no object has that objectGUID; " + dn +
                       " (mailGateway) has the event's DN as legacyExchangeDN, no homeMDB: its "
                       "store was deleted\n"),
            std::string::npos)
      << r.out;
  // A GUID and DN nothing in AD has.
  const std::string nothing = "ABCDEF01-2345-4678-9ABC-DEF012345678";
  r = Run(Event326(nothing), "nothing.state");
  EXPECT_NE(
      r.out.find("{" + Guid::Parse(nothing)->ToString() +
                 "}, a store no audited view knows: gateway /o=Contoso/ou=First "
                 "Administrative Group/cn=Configuration/cn=Connections/cn=SMTP (EXCH01)/cn={" +
                 nothing + "}\n  in AD: GUID names no store in AD"),
      std::string::npos)
      << r.out;
}

TEST_F(AllMode, DiagnosisSaysWhichOfTheServersGcsItRestsOn) {
  Logs("carol@contoso.com", "alice@contoso.com");
  // DSAccess names the fixture's host as EXCH01's GC, and it is the -H URI.
  const std::string host = slapd_->uri().substr(7, slapd_->uri().rfind(':') - 7);
  const ProgramResult r = Run(Event2080(host) + Event326(Upper(guid_["Sales"])));
  EXPECT_NE(r.out.find("* [smtp_mailbox] EXCH01 / First Storage Group / Sales: SMTP mailbox "
                       "missing; 1 deliveries stalled up to 30m; 1 store-driver logon failures "
                       "(326, 0x80040148) since 2026-11-25T09:02:00Z; rests on the view of " +
                       host + " (CDG) at " + slapd_->uri() +
                       ", which EXCH01 uses (DSAccess 2080: C can be its configuration DC, G a "
                       "global catalog)"),
            std::string::npos)
      << r.out;
}

// A healthy organization (every SMTP mailbox correct) whose EXCH01 stalls without a 326 in its
// read application log: the scope of the stall decides which look-alike, if any, it is.
class AllModeHealthyOrg : public ::testing::Test {
 protected:
  void SetUp() override {
    auto org = GenerateOrg({SampleOrg("healthy")}, tmp_.path());
    ASSERT_TRUE(org);
    std::map<std::string, std::string> store_of_guid;  // EXCH01's mailbox stores
    for (const auto& s : org->manifest["stores"]) {
      if (s["server"] == "EXCH01" && s["type"] == "mailbox") {
        store_of_guid[s["guid"].get<std::string>()] = s["store"].get<std::string>();
      }
    }
    for (const auto& u : org->manifest["users"]) {
      auto it = store_of_guid.find(u["store_guid"].get<std::string>());
      if (it != store_of_guid.end() && !user_.count(it->second)) {
        user_[it->second] = u["mail"].get<std::string>();
      }
    }
    ASSERT_EQ(user_.size(), 3u);
    slapd_ = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
    ASSERT_TRUE(slapd_);
  }
  // Stuck deliveries to `stuck` (one message each) since 09:00; an unrelated event read from
  // EXCH01's export, so "no 326" is a fact.
  ProgramResult Run(const std::vector<std::string>& stuck) {
    const std::string dir = tmp_.File("EXCH01.log");
    ::mkdir(dir.c_str(), 0755);
    std::ofstream f(dir + "/20261125.log");
    f << kTrackingLogHeader;
    for (size_t i = 0; i < stuck.size(); ++i) {
      const std::string id = "stuck" + std::to_string(i) + "@EXCH01.contoso.com";
      f << Row("9:00:00", stuck[i], 1036, id);
      for (const char* t : {"9:00:01", "9:05:01", "9:10:01", "9:15:01", "9:20:01"}) {
        f << Row(t, stuck[i], 1028, id) << Row(t, stuck[i], 1037, id);
      }
    }
    f.close();
    std::ofstream(tmp_.File("events.jsonl"))
        << R"({"EventTime": "2026-11-25 09:01:00", "Hostname": "EXCH01", "SourceName": "MSExchangeIS", "EventID": 9523, "Message": "unrelated"})"
        << "\n";
    return RunProgram({CheckBinary(), "all", "-H", slapd_->uri(), "-D", slapd_->monitor_dn(),
                       "--password-file", slapd_->monitor_password_file(), "--tracking-dir",
                       "EXCH01=" + dir, "--event-file", "EXCH01=" + tmp_.File("events.jsonl"),
                       "--state-file", tmp_.File("s" + std::to_string(runs_++)), "--now",
                       "2026-11-25T09:30:00Z", "-s", "EXCH01"});
  }

  TempDir tmp_;
  std::unique_ptr<Slapd> slapd_;
  std::map<std::string, std::string> user_;  // store -> one of its users' address
  int runs_ = 0;
};

TEST_F(AllModeHealthyOrg, EveryStoreStalledWithout326IsStoreSideExhaustion) {
  const ProgramResult r =
      Run({user_["Mailbox Store (EXCH01)"], user_["Executives"], user_["Sales"]});
  EXPECT_NE(r.out.find("* [store_side_exhaustion] EXCH01: 3 deliveries stalled up to 30m without "
                       "store-driver logon failures (326): look-alike, store-side exhaustion "
                       "(information store resources), not the SMTP mailbox; every mailbox store "
                       "of EXCH01 (3 stores)"),
            std::string::npos)
      << r.out;
}

TEST_F(AllModeHealthyOrg, OneStoreStalledWithout326IsNotCalledExhaustion) {
  const ProgramResult r = Run({user_["Sales"]});
  EXPECT_NE(r.out.find("* [unexplained_stall] EXCH01: 1 deliveries stalled up to 30m on one of 3 "
                       "stores (EXCH01 / Second Storage Group / Sales) without store-driver logon "
                       "failures (326) or an AD finding"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("store_side_exhaustion"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace exdm::testing
