// `check_exchange_delivery events` end to end: the real plugin over generated and hand-written
// exports in both formats, with its own state file per test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "paths.h"
#include "process.h"
#include "run_program.h"

namespace exdm::testing {
namespace {

class EventsModeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/exdm-events-it-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs the generator; returns the output path.
  std::string Generate(const std::string& name, std::vector<std::string> args) {
    const std::string out = dir_ + "/" + name;
    args.insert(args.begin(), GeneratorBinary("exdm_gen_events"));
    args.push_back("--out");
    args.push_back(out);
    const ProcessResult r = RunProcess(args);
    EXPECT_EQ(r.exit_code, 0) << ShellQuote(args) << "\n" << r.output;
    return out;
  }
  ProcessResult Check(std::vector<std::string> args) {
    args.insert(args.begin(), {CheckBinary(), "events"});
    if (std::find(args.begin(), args.end(), "--state-file") == args.end()) {
      args.push_back("--state-file");
      args.push_back(dir_ + "/check.state");
    }
    last_args_ = ShellQuote(args);
    return RunProcess(args);
  }
  static std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }
  static std::string Fixture(const std::string& name) {
    return SourceDir() + "/tests/fixtures/events/" + name;
  }

  std::string dir_;
  std::string last_args_;
};

TEST_F(EventsModeTest, GeneratedCsvInALocalZoneCountsWhatWasGenerated) {
  const std::string guid_a = "3e4385bb-7c43-4feb-8ea2-97c65cc06abf";
  const std::string guid_b = "cccf3be6-1a2b-4c3d-8e9f-0123456789ab";
  const std::string csv = Generate("EXCH01-application.csv", {"--seed",
                                                              "7",
                                                              "--tz",
                                                              "Europe/Berlin",
                                                              "--store-guid",
                                                              guid_a,
                                                              "--store-guid",
                                                              guid_b,
                                                              "--logon-failures",
                                                              "5",
                                                              "--interface-failures",
                                                              "2",
                                                              "--call-failures",
                                                              "3",
                                                              "--unrelated",
                                                              "40",
                                                              "--lookalike-326",
                                                              "4",
                                                              "--malformed",
                                                              "2",
                                                              "--dsaccess",
                                                              "--start",
                                                              "2026-11-25T08:00:00Z",
                                                              "--duration",
                                                              "7200"});
  const ProcessResult r = Check({"--event-file", "EXCH01=" + csv, "--event-tz", "Europe/Berlin",
                                 "--now", "2026-11-25T12:00:00Z"});
  EXPECT_EQ(r.exit_code, 2) << last_args_ << "\n" << r.output;
  const std::string line = FirstLine(r.output);
  EXPECT_NE(line.find("EXCHANGE DELIVERY CRITICAL - 5 store driver logon failures (326) for 2 "
                      "stores on EXCH01"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("logon_failures_326=5;;~:0;0"), std::string::npos) << line;
  EXPECT_NE(line.find("smtp_interface_failures_1194=2;;;0"), std::string::npos) << line;
  EXPECT_NE(line.find("store_call_failures_327=3;;;0"), std::string::npos) << line;
  EXPECT_NE(line.find("bad_rows=2;;;0"), std::string::npos) << line;
  EXPECT_NE(r.output.find("EXCH01: store " + guid_a + ": 3 store driver logon failures"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("EXCH01: store " + guid_b + ": 2 store driver logon failures"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("327 EcLocallyDeliverMsg"), std::string::npos);
  EXPECT_NE(r.output.find("poison message"), std::string::npos);
  EXPECT_NE(r.output.find("gc1.contoso.com (GC"), std::string::npos);
  // Every line of the output is one line: no control characters leaked from messages.
  for (char c : r.output)
    EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20);
}

TEST_F(EventsModeTest, GeneratedNxlogJsonLinesBothTimeFormats) {
  for (const std::string time_format : {"iso", "plain"}) {
    const std::string jsonl =
        Generate("EXCH02-" + time_format + ".jsonl",
                 {"--format", "jsonl", "--server", "EXCH02", "--seed", "11", "--tz",
                  "America/New_York", "--json-time", time_format, "--logon-failures", "4",
                  "--interface-failures", "1", "--malformed", "3"});
    const ProcessResult r =
        Check({"--event-file", "EXCH02=" + jsonl, "--event-tz", "America/New_York", "--now",
               "2026-11-25T12:00:00Z", "--state-file", dir_ + "/" + time_format + ".state"});
    EXPECT_EQ(r.exit_code, 2) << last_args_ << "\n" << r.output;
    EXPECT_NE(r.output.find("logon_failures_326=4;"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("smtp_interface_failures_1194=1;"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("bad_rows=3;"), std::string::npos) << r.output;
  }
}

TEST_F(EventsModeTest, WindowExpiryTurnsTheAlertOff) {
  const std::string csv = Generate("EXCH01.csv", {"--logon-failures", "2", "--start",
                                                  "2026-11-25T08:00:00Z", "--duration", "600"});
  const std::string state = dir_ + "/window.state";
  ProcessResult r = Check(
      {"--event-file", "EXCH01=" + csv, "--now", "2026-11-25T09:00:00Z", "--state-file", state});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  // Next run: nothing new was read, but the evidence is carried in the state.
  r = Check(
      {"--event-file", "EXCH01=" + csv, "--now", "2026-11-26T07:00:00Z", "--state-file", state});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("logon_failures_326=2;"), std::string::npos) << r.output;
  r = Check(
      {"--event-file", "EXCH01=" + csv, "--now", "2026-11-26T09:00:00Z", "--state-file", state});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(FirstLine(r.output).find("EXCHANGE DELIVERY OK - no store driver logon failures (326) "
                                     "in the last 1d"),
            std::string::npos)
      << r.output;
  // --window and --since narrow what counts.
  r = Check({"--event-file", "EXCH01=" + csv, "--now", "2026-11-25T09:00:00Z", "--window", "60",
             "--state-file", dir_ + "/narrow.state"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = Check({"--event-file", "EXCH01=" + csv, "--now", "2026-11-25T09:00:00Z", "--since",
             "2026-11-25T07:59:00Z", "--state-file", dir_ + "/since.state"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("logon_failures_326=2;"), std::string::npos) << r.output;
}

TEST_F(EventsModeTest, DaylightSavingChangeDecidesWhatIsInTheWindow) {
  // berlin-dst.csv: 01:59:59 CET and 03:00:00 CEST on 2026-03-29 are one second apart.
  const std::string csv = Fixture("berlin-dst.csv");
  ProcessResult r = Check({"--event-file", "EXCH01=" + csv, "--event-tz", "Europe/Berlin", "--now",
                           "2026-03-29T01:00:30Z", "--window", "60"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("logon_failures_326=2;"), std::string::npos) << r.output;
  // Read as UTC, the same rows lie an hour or two away and the window is empty.
  r = Check({"--event-file", "EXCH01=" + csv, "--now", "2026-03-29T01:00:30Z", "--window", "60",
             "--state-file", dir_ + "/utc.state"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // The repeated hour on 2026-10-25: 02:30 is its first occurrence, 00:30 UTC.
  r = Check({"--event-file", "EXCH01=" + csv, "--event-tz", "Europe/Berlin", "--now",
             "2026-10-25T00:31:00Z", "--window", "120", "--state-file", dir_ + "/fall.state"});
  EXPECT_NE(r.output.find("smtp_interface_failures_1194=1;"), std::string::npos) << r.output;
}

TEST_F(EventsModeTest, HandWrittenExportsInBothFormats) {
  ProcessResult r = Check({"--event-file", "EXCH-02=" + Fixture("mixed.csv"), "--event-file",
                           "EXCH03=" + Fixture("mixed.jsonl"), "--event-tz", "Europe/Berlin",
                           "--now", "2026-11-25T12:00:00Z"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const std::string line = FirstLine(r.output);
  EXPECT_NE(line.find("5 store driver logon failures (326) for 3 stores on EXCH-02, EXCH03"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("bad_rows=6;"), std::string::npos) << line;
  EXPECT_NE(r.output.find("EXCH-02: store a1b2c3d4-e5f6-4711-8899-aabbccddeeff: system mailbox "
                          "missing (EXOLEDB 116)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("327 EcGetMessageStatus"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("SMTP mailbox /o=Contoso/ou=Second AG/cn=Configuration/cn=Connections/"
                          "cn=SMTP (EXCH-02-{0F1E2D3C-4B5A-4968-8776-655443322110})"),
            std::string::npos)
      << r.output;
}

// `--state-file none` keeps no state in every mode (queue, events, all): no file of that name
// appears, and each run reads the export whole (the same numbers twice).
TEST_F(EventsModeTest, StateFileNoneKeepsNoState) {
  ProgramOptions in_dir;
  in_dir.cwd = dir_;
  const std::vector<std::string> args = {
      CheckBinary(),  "events",        "--event-file", "EXCH-02=" + Fixture("mixed.csv"),
      "--event-tz",   "Europe/Berlin", "--now",        "2026-11-25T12:00:00Z",
      "--state-file", "none"};
  const ProgramResult first = RunProgram(args, in_dir);
  const ProgramResult second = RunProgram(args, in_dir);
  EXPECT_EQ(first.exit_code, 2) << first.out << first.err;
  EXPECT_EQ(FirstLine(first.out), FirstLine(second.out));
  EXPECT_NE(first.out.find("logon failures (326)"), std::string::npos) << first.out;
  std::ifstream none(dir_ + "/none");
  EXPECT_FALSE(none.good()) << "--state-file none created a file named none";
}

TEST_F(EventsModeTest, ThresholdsAndAliases) {
  const std::string csv = Generate("EXCH01.csv", {"--logon-failures", "3"});
  const std::vector<std::string> base = {"--event-file", "EXCH01=" + csv, "--now",
                                         "2026-11-25T12:00:00Z"};
  auto with = [&](std::vector<std::string> extra, const std::string& state) {
    std::vector<std::string> a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    a.push_back("--state-file");
    a.push_back(dir_ + "/" + state);
    return Check(a);
  };
  EXPECT_EQ(with({"-w", "~:2", "-c", "~:5"}, "a").exit_code, 1);
  EXPECT_EQ(
      with({"--warning-logon-failures", "~:0", "--critical-logon-failures", "~:3"}, "b").exit_code,
      1);
  EXPECT_EQ(with({"-c", "~:3"}, "c").exit_code, 0);
  const ProcessResult r = with({"-w", "~:1", "-c", "~:9"}, "d");
  EXPECT_NE(r.output.find("logon_failures_326=3;~:1;~:9;0"), std::string::npos) << r.output;
}

TEST_F(EventsModeTest, UnreadableFileIsUnknownButOthersStillReport) {
  const std::string csv = Generate("EXCH01.csv", {"--logon-failures", "1"});
  // A missing file: one UNKNOWN line naming the option and the path.
  ProcessResult r =
      Check({"--event-file", "EXCH09=" + dir_ + "/missing.csv", "--now", "2026-11-25T12:00:00Z"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(FirstLine(r.output).find("missing.csv"), std::string::npos) << r.output;
  // A readable file that is not an export: UNKNOWN on its own, and beside a file with 326 the
  // CRITICAL wins while the failing source is still named.
  std::ofstream(dir_ + "/tracking.log") << "# Message Tracking Log File\n";
  r = Check(
      {"--event-file", "EXCH09=" + dir_ + "/tracking.log", "--state-file", dir_ + "/t.state"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("cannot read EXCH09 events"), std::string::npos) << r.output;
  r = Check({"--event-file", "EXCH09=" + dir_ + "/tracking.log", "--event-file", "EXCH01=" + csv,
             "--now", "2026-11-25T12:00:00Z", "--state-file", dir_ + "/two.state"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cannot read EXCH09 events"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("logon_failures_326=1;"), std::string::npos) << r.output;
  // Unknown zone, no files given.
  EXPECT_EQ(Check({"--event-file", csv, "--event-tz", "Nowhere/Nothing"}).exit_code, 3);
  EXPECT_EQ(Check({}).exit_code, 3);
}

TEST_F(EventsModeTest, IncrementalAppendAndRotation) {
  const std::string path = dir_ + "/EXCH01-application.jsonl";
  const std::string state = dir_ + "/inc.state";
  auto gen = [&](const char* seed, const char* start, const char* count) {
    const std::string part =
        Generate(std::string("part-") + seed + ".jsonl",
                 {"--format", "jsonl", "--seed", seed, "--start", start, "--duration", "600",
                  "--logon-failures", count, "--interface-failures", "0", "--unrelated", "5"});
    std::ifstream in(part);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  std::ofstream(path) << gen("1", "2026-11-25T08:00:00Z", "2");
  auto run = [&](const char* now) {
    return Check({"--event-file", "EXCH01=" + path, "--now", now, "--state-file", state});
  };
  ProcessResult r = run("2026-11-25T09:00:00Z");
  EXPECT_NE(r.output.find("logon_failures_326=2;"), std::string::npos) << r.output;
  std::ofstream(path, std::ios::app) << gen("2", "2026-11-25T09:00:00Z", "3");
  r = run("2026-11-25T10:00:00Z");
  EXPECT_NE(r.output.find("logon_failures_326=5;"), std::string::npos) << r.output;
  // 3 logon failures + 5 unrelated + 1 look-alike 326: only the appended part is read.
  EXPECT_NE(r.output.find("EXCH01: 9 events read"), std::string::npos) << r.output;
  // Rotation: the old file moves away, a new one starts.
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
  std::ofstream(path) << gen("3", "2026-11-25T10:00:00Z", "1");
  r = run("2026-11-25T11:00:00Z");
  EXPECT_NE(r.output.find("logon_failures_326=6;"), std::string::npos) << r.output;
  // A state written for other inputs is reported and rebuilt, never trusted.
  r = Check(
      {"--event-file", "EXCH02=" + path, "--now", "2026-11-25T11:00:00Z", "--state-file", state});
  EXPECT_NE(r.output.find("state file:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("logon_failures_326=1;"), std::string::npos) << r.output;
}

TEST_F(EventsModeTest, GeneratorIsDeterministicAndDocumented) {
  const std::string a = Generate("a.csv", {"--seed", "5", "--call-failures", "2", "--dsaccess"});
  const std::string b = Generate("b.csv", {"--seed", "5", "--call-failures", "2", "--dsaccess"});
  const std::string c = Generate("c.csv", {"--seed", "6", "--call-failures", "2", "--dsaccess"});
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  EXPECT_EQ(slurp(a), slurp(b));
  EXPECT_NE(slurp(a), slurp(c));
  // The header is Log Parser 2.2's `SELECT * FROM Application` field list.
  EXPECT_EQ(slurp(a).substr(0, slurp(a).find("\r\n")),
            "EventLog,RecordNumber,TimeGenerated,TimeWritten,EventID,EventType,EventTypeName,"
            "EventCategory,EventCategoryName,SourceName,Strings,ComputerName,SID,Message,Data");
  const ProcessResult help = RunProcess({GeneratorBinary("exdm_gen_events"), "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--logon-failures"), std::string::npos);
  EXPECT_NE(help.output.find("Log Parser"), std::string::npos);
  EXPECT_NE(RunProcess({GeneratorBinary("exdm_gen_events"), "--bogus"}).exit_code, 0);
}

}  // namespace
}  // namespace exdm::testing
