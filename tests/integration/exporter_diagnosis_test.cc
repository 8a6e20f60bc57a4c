// exchange_delivery_diagnosis end to end: the demo organization in a real slapd, today's message
// tracking logs of three servers and EXCH01's application log export, read by the real
// `check_exchange_delivery all` and the real exporter. Both name the same diagnoses (one cause per
// store, or per server); after the check's repair LDIF is applied, the diagnoses the repair cleared
// disappear from /metrics and the ones it changed take their new cause, again as `all` says.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "fault_support.h"
#include "org_fixture.h"
#include "paths.h"
#include "run_program.h"
#include "slapd_fixture.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

using Diagnoses = std::set<std::string>;  // "cause: display", display as `all` prints it

// `all`'s "* [cause] display: ..." lines (stores: "server / storage group / store"; servers: the
// server).
Diagnoses FromCheck(const std::string& out) {
  Diagnoses found;
  static const std::regex kLine(R"(^\* \[([a-z_]+)\] (.+?): )");
  for (const std::string& line : SplitLines(out)) {
    std::smatch m;
    if (std::regex_search(line, m, kLine)) found.insert(m[1].str() + ": " + m[2].str());
  }
  return found;
}

// The exchange_delivery_diagnosis series of a scrape, in the same words.
Diagnoses FromMetrics(const std::string& metrics) {
  Diagnoses found;
  static const std::regex kSeries(
      R"re(^exchange_delivery_diagnosis\{server="([^"]*)",storage_group="([^"]*)",store="([^"]*)",cause="([a-z_]+)"\} 1$)re");
  for (const std::string& line : SplitLines(metrics)) {
    std::smatch m;
    if (!std::regex_match(line, m, kSeries)) continue;
    const std::string display =
        m[3].str().empty() ? m[1].str() : m[1].str() + " / " + m[2].str() + " / " + m[3].str();
    found.insert(m[4].str() + ": " + display);
  }
  return found;
}

std::string Join(const Diagnoses& d) {
  std::string out;
  for (const std::string& s : d)
    out += "\n  " + s;
  return out;
}

class ExporterDiagnosis : public ::testing::Test {
 protected:
  void SetUp() override {
    auto org = GenerateOrg({SampleOrg("demo")}, tmp_.path());
    ASSERT_TRUE(org);
    for (const auto& s : org->manifest["stores"])
      guid_[s["store"].get<std::string>()] = s["guid"].get<std::string>();
    slapd_ = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
    ASSERT_TRUE(slapd_);
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    const std::string stall_start = FormatIso8601Utc(now - 5400);
    // EXCH01: carol (Sales, no SMTP mailbox) stalls; EXCH02: erin (its store's SMTP mailbox names
    // the wrong MTA) stalls; EXCH03 (not in AD) stalls for recipients no audit knows.
    for (const auto& [server, recipient] :
         std::map<std::string, std::string>{{"EXCH01", "carol@contoso.com"},
                                            {"EXCH02", "erin@contoso.com"},
                                            {"EXCH03", "user0001@contoso.com"}}) {
      const auto truth =
          GenerateTodaysLogs(tmp_.File(server + ".log"),
                             {"--server", server, "--messages", "200", "--stalled-recipient",
                              recipient, "--stall-share", "0.2", "--stall-start", stall_start});
      ASSERT_FALSE(truth.empty());
    }
    // EXCH01's store driver cannot log on to Sales (326) and one message poisons the other store
    // (327 EcLocallyDeliverMsg naming it).
    ASSERT_EQ(RunProgram({GeneratorBinary("exdm_gen_events"), "--format", "jsonl", "--server",
                          "EXCH01", "--store-guid", guid_["Sales"], "--call-failures", "1",
                          "--call-mdb", guid_["Mailbox Store (EXCH01)"], "--start", stall_start,
                          "--out", tmp_.File("EXCH01-application.jsonl")})
                  .exit_code,
              0);
  }

  ProgramResult All() {
    std::vector<std::string> args = {"all",
                                     "-H",
                                     slapd_->uri(),
                                     "-D",
                                     slapd_->monitor_dn(),
                                     "--password-file",
                                     slapd_->monitor_password_file(),
                                     "--event-file",
                                     "EXCH01=" + tmp_.File("EXCH01-application.jsonl"),
                                     "--state-file",
                                     tmp_.File("check.state")};
    for (const char* server : {"EXCH01", "EXCH02", "EXCH03"}) {
      args.push_back("--tracking-dir");
      args.push_back(std::string(server) + "=" + tmp_.File(std::string(server) + ".log"));
    }
    return RunCheck(args);
  }

  std::unique_ptr<ExporterProcess> StartExporter() {
    tmp_.Write("exporter.ini",
               "[ldap]\nuri = " + slapd_->uri() + "\nbind_dn = " + slapd_->monitor_dn() +
                   "\npassword_file = " + slapd_->monitor_password_file() +
                   "\n[tracking]\ndir = EXCH01=" + tmp_.File("EXCH01.log") + "\ndir = EXCH02=" +
                   tmp_.File("EXCH02.log") + "\ndir = EXCH03=" + tmp_.File("EXCH03.log") +
                   "\n[events]\nfile = EXCH01=" + tmp_.File("EXCH01-application.jsonl") +
                   "\n[exporter]\nstate_dir = " + tmp_.path() +
                   "\naudit_interval = 1\ntracking_interval = 1\nevents_interval = 1\n");
    return ExporterProcess::Start(tmp_.path(), {"--config.file=" + tmp_.File("exporter.ini")});
  }

  // Scrapes until the exporter names exactly `expected` (refreshes run in the background); a
  // test failure naming both sides when it does not within 30 s.
  static void ExpectExporterNames(ExporterProcess& exporter, const Diagnoses& expected) {
    Diagnoses seen;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    do {
      seen = FromMetrics(exporter.ScrapeText());
      if (seen == expected) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (std::chrono::steady_clock::now() < until);
    ADD_FAILURE() << "exporter:" << Join(seen) << "\ncheck all:" << Join(expected) << "\n"
                  << exporter.Log();
  }

  TempDir tmp_{"exdm-exporter-diagnosis"};
  std::unique_ptr<Slapd> slapd_;
  std::map<std::string, std::string> guid_;
};

TEST_F(ExporterDiagnosis, SameDiagnosesAsTheCheckAllUntilTheRepairClearsThem) {
  const ProgramResult before = All();
  ASSERT_EQ(before.exit_code, 2) << before.out;
  const Diagnoses expected = {
      "smtp_mailbox: EXCH01 / First Storage Group / Sales",
      "poison_message: EXCH01 / First Storage Group / Mailbox Store (EXCH01)",
      "smtp_mailbox: EXCH02 / First Storage Group / Mailbox Store (EXCH02)",
      "unexplained_stall: EXCH03",
  };
  ASSERT_EQ(FromCheck(before.out), expected) << before.out;

  auto exporter = StartExporter();
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"diagnosis\"} 1",
                                      std::chrono::seconds(30)))
      << exporter->Log();
  ExpectExporterNames(*exporter, expected);
  const std::string metrics = exporter->ScrapeText();
  EXPECT_NE(metrics.find("exchange_delivery_diagnosis{server=\"EXCH03\",storage_group=\"\","
                         "store=\"\",cause=\"unexplained_stall\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find('@'), std::string::npos) << "an address in a label";

  // The check's repair, applied as the directory admin: EXCH02's store and Sales get correct SMTP
  // mailboxes. Sales's 326 stays in the window (now permissions or a GC: the gateway is right),
  // EXCH02's stall is left without an AD finding and without its server's events.
  const ProgramResult repair =
      RunCheck({"mailbox", "-H", slapd_->uri(), "-D", slapd_->monitor_dn(), "--password-file",
                slapd_->monitor_password_file(), "--remediation-ldif", tmp_.File("repair.ldif")});
  ASSERT_EQ(repair.exit_code, 2) << repair.out;
  ASSERT_TRUE(slapd_->Modify(tmp_.File("repair.ldif")));
  const ProgramResult after = All();
  const Diagnoses repaired = {
      "permissions_or_gc: EXCH01 / First Storage Group / Sales",
      "poison_message: EXCH01 / First Storage Group / Mailbox Store (EXCH01)",
      "unexplained_stall: EXCH02",
      "unexplained_stall: EXCH03",
  };
  ASSERT_EQ(FromCheck(after.out), repaired) << after.out;
  ExpectExporterNames(*exporter, repaired);
  EXPECT_EQ(exporter->ScrapeText().find("cause=\"smtp_mailbox\""), std::string::npos);
}

}  // namespace
}  // namespace exdm::testing
