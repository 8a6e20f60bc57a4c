// check_exchange_delivery as Nagios/Icinga run it: the real binary, its exit codes
// (docs/ARCHITECTURE.md "Exit codes", one by one), --help/--version, --extra-opts, the -t alarm on
// a run that hangs.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "paths.h"
#include "run_program.h"
#include "slapd_fixture.h"

namespace exdm::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class PluginCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "plugin_cli_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ProgramResult Check(std::vector<std::string> args, ProgramOptions options = {}) {
    args.insert(args.begin(), CheckBinary());
    if (options.limit == ProgramOptions().limit) options.limit = seconds(20);
    return RunProgram(args, options);
  }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  std::string Fifo(const std::string& name) {
    const std::string path = dir_ + "/" + name;
    EXPECT_EQ(mkfifo(path.c_str(), 0600), 0);
    return path;
  }

  // Bad options, unreadable inputs and internal errors are UNKNOWN with one line
  // (docs/ARCHITECTURE.md "Exit codes").
  static void ExpectOneLineUnknown(const ProgramResult& r, const std::string& reason_part) {
    EXPECT_EQ(r.exit_code, 3) << r.out;
    const std::vector<std::string> lines = SplitLines(r.out);
    ASSERT_EQ(lines.size(), 1u) << r.out;
    EXPECT_EQ(lines[0].rfind("EXCHANGE DELIVERY UNKNOWN - ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(reason_part), std::string::npos) << lines[0];
    EXPECT_EQ(lines[0].find('|'), std::string::npos) << lines[0];
    EXPECT_EQ(r.err, "") << "Icinga 2 would show this before the status line";
  }

  std::string dir_;
};

// --help and --version exit UNKNOWN (3): the Monitoring Plugins guidelines ("The exit code for
// version information or help should be UNKNOWN (3)") and their C plugins since 2.2.
TEST_F(PluginCliTest, VersionPrintsNameVersionAndRevision) {
  const ProgramResult r = Check({"--version"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.rfind("check_exchange_delivery 0.", 0), 0u) << r.out;
  EXPECT_EQ(SplitLines(r.out).size(), 1u);
  EXPECT_EQ(Check({"-V"}).out, r.out);
}

TEST_F(PluginCliTest, HelpDocumentsOptionsDefaultsExamplesAndExitCodes) {
  const ProgramResult r = Check({"--help"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(Check({"-h"}).out, r.out);
  EXPECT_EQ(Check({"-h"}).exit_code, 3);
  for (const char* expected :
       {"Usage: check_exchange_delivery MODE [options]", "mailbox | queue | events | all",
        "--ldap-uri", "--password-env", "--tracking-dir", "--event-file", "--warning-age", "(=900)",
        "(=1800)", "(=~:0)", "(=86400)", "(=CRITICAL)", "(=30)", "(=UTC)", "--extra-opts",
        "--timeout", "-vvv", "Examples:", "Exit codes:"}) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << "--help lacks " << expected;
  }
  // The guidelines: "Help text should fit on an 80-character width display". Bytes are columns
  // here: the help is ASCII.
  for (const std::string& line : SplitLines(r.out)) {
    EXPECT_LE(line.size(), 80u) << "help line wider than 80 columns: " << line;
    for (char c : line)
      ASSERT_TRUE(c >= 0x20 && c < 0x7f) << "not printable ASCII: " << line;
  }
}

TEST_F(PluginCliTest, BadOptionIsUnknownWithOneLine) {
  // The diagnostic and the usage, on the one line a monitoring core shows.
  ExpectOneLineUnknown(Check({"queue", "--no-such-option"}),
                       "unrecognised option '--no-such-option'; usage: check_exchange_delivery "
                       "MODE [options], see --help");
  ExpectOneLineUnknown(Check({"-x"}), "usage: check_exchange_delivery MODE [options]");
}

TEST_F(PluginCliTest, MissingOptionValueIsUnknownWithOneLine) {
  ExpectOneLineUnknown(Check({"queue", "--warning-age"}), "--warning-age");
}

TEST_F(PluginCliTest, BadRangeIsUnknownWithOneLine) {
  ExpectOneLineUnknown(Check({"queue", "--critical-age", "20:10"}), "invalid range '20:10'");
}

TEST_F(PluginCliTest, UnknownModeIsUnknownWithOneLine) {
  ExpectOneLineUnknown(Check({"mailboxes"}), "unknown MODE 'mailboxes'");
}

TEST_F(PluginCliTest, MissingModeIsUnknownWithOneLine) {
  ExpectOneLineUnknown(Check({}), "missing MODE");
}

TEST_F(PluginCliTest, ControlCharactersInArgumentsDoNotBreakTheLine) {
  const ProgramResult r = Check({"queue\nEXCHANGE DELIVERY OK | fake=1"});
  ExpectOneLineUnknown(r, "unknown MODE");
}

TEST_F(PluginCliTest, UnreadableTrackingDirIsUnknownNamingIt) {
  ExpectOneLineUnknown(Check({"queue", "--tracking-dir", "EXCH01=" + dir_ + "/absent"}),
                       "--tracking-dir '" + dir_ + "/absent'");
}

TEST_F(PluginCliTest, UnreadableEventFileIsUnknownNamingIt) {
  ExpectOneLineUnknown(Check({"events", "--event-file", "EXCH01=" + dir_ + "/absent.jsonl"}),
                       "--event-file '" + dir_ + "/absent.jsonl'");
}

TEST_F(PluginCliTest, UnreadablePasswordFileIsUnknownNamingIt) {
  ExpectOneLineUnknown(
      Check({"mailbox", "-H", "ldap://127.0.0.1:1", "--password-file", dir_ + "/absent.secret"}),
      "--password-file");
}

TEST_F(PluginCliTest, UnsetPasswordEnvIsUnknownNamingIt) {
  ProgramOptions options;
  options.unset_env = {"EXDM_TEST_UNSET_PASSWORD"};
  ExpectOneLineUnknown(
      Check({"mailbox", "-H", "ldap://127.0.0.1:1", "--password-env", "EXDM_TEST_UNSET_PASSWORD"},
            options),
      "EXDM_TEST_UNSET_PASSWORD");
}

TEST_F(PluginCliTest, ExtraOptsFileErrorsAreUnknownWithOneLine) {
  ExpectOneLineUnknown(Check({"queue", "--extra-opts=@" + dir_ + "/absent.ini"}), "cannot read");
  const std::string ini = Write("exdm.ini", "[check_exchange_delivery]\nwarning-age = 60\n");
  ExpectOneLineUnknown(Check({"queue", "--extra-opts=lab@" + ini}), "no section [lab]");
}

TEST_F(PluginCliTest, ExtraOptsValuesReachTheRun) {
  // The file names an absent tracking directory: the run reports it, proving the value arrived.
  const std::string ini = Write(
      "exdm.ini", "[check_exchange_delivery]\ntracking-dir = EXCH01=" + dir_ + "/from-file\n");
  ExpectOneLineUnknown(Check({"queue", "--extra-opts=@" + ini}), dir_ + "/from-file");
}

// -t: a run that blocks in the kernel (opening a FIFO nobody writes to stands in for a hung CIFS
// share) ends at the deadline with the -t state, naming the input that hung and its server.
TEST_F(PluginCliTest, TimeoutEndsAHungRunWithTheConfiguredState) {
  const std::string fifo = Fifo("events.fifo");
  struct Case {
    std::string timeout;
    int exit_code;
    const char* state;
  };
  for (const Case& c : {Case{"1", 3, "UNKNOWN"}, Case{"1:CRITICAL", 2, "CRITICAL"},
                        Case{"1:warning", 1, "WARNING"}, Case{"1:0", 0, "OK"}}) {
    const ProgramResult r = Check({"events", "--event-file", "EXCH01=" + fifo, "-t", c.timeout});
    EXPECT_FALSE(r.killed_by_limit) << "-t " << c.timeout << " did not end the run";
    EXPECT_EQ(r.exit_code, c.exit_code) << "-t " << c.timeout << ": " << r.out;
    EXPECT_EQ(r.out, std::string("EXCHANGE DELIVERY ") + c.state +
                         " - deadline expired while opening --event-file '" + fifo +
                         "' of EXCH01\n");
    EXPECT_GE(r.elapsed, milliseconds(1000));
    EXPECT_LT(r.elapsed, milliseconds(4000));
  }
}

// A password file is read whole (small_file.h): a FIFO is refused at once, before anything waits
// on it, whatever -t says (a password file on a hung share ends at -t: FaultInput).
TEST_F(PluginCliTest, PasswordFileThatIsAFifoIsRefusedAtOnce) {
  const std::string fifo = Fifo("secret.fifo");
  const ProgramResult r = Check(
      {"mailbox", "-H", "ldap://127.0.0.1:1", "--password-file", fifo, "--timeout=2:CRITICAL"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_EQ(r.out, "EXCHANGE DELIVERY UNKNOWN - --password-file '" + fifo +
                       "' is a FIFO (named pipe), not a regular file\n");
  EXPECT_LT(r.elapsed, milliseconds(1000));
}

// Findings decide the state by their severity (--finding-severity), and CRITICAL findings go
// through the failing-stores thresholds (docs/ARCHITECTURE.md "Exit codes"). One store of two
// lacks its SMTP mailbox.
TEST_F(PluginCliTest, FindingSeverityAndThresholdsDecideTheExitCode) {
  auto slapd = Slapd::Start();
  ASSERT_TRUE(slapd);
  ASSERT_TRUE(
      slapd->Load(SourceDir() + "/tests/fixtures/plugin/one-store-missing-smtp-mailbox.ldif"));
  const std::vector<std::string> base = {"mailbox",
                                         "-H",
                                         slapd->uri(),
                                         "-D",
                                         slapd->monitor_dn(),
                                         "--password-file",
                                         slapd->monitor_password_file()};
  struct Case {
    std::vector<std::string> extra;
    int exit_code;
    const char* state;
  };
  for (const Case& c : {
           Case{{}, 2, "CRITICAL"},  // missing: CRITICAL
           Case{{"--finding-severity", "missing=WARNING"}, 1, "WARNING"},
           Case{{"--finding-severity", "missing=OK"}, 0, "OK"},
           Case{{"-c", "2"}, 0, "OK"},                  // up to 2 failing stores tolerated
           Case{{"-w", "0", "-c", "2"}, 1, "WARNING"},  // but more than none warns
       }) {
    std::vector<std::string> args = base;
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    const ProgramResult r = Check(args);
    std::string extra;
    for (const std::string& e : c.extra)
      extra += " " + e;
    EXPECT_EQ(r.exit_code, c.exit_code) << extra << ": " << r.out;
    EXPECT_EQ(r.out.rfind(std::string("EXCHANGE DELIVERY ") + c.state + " - ", 0), 0u)
        << extra << ": " << r.out;
  }
}

// LDAP unreachable: --unreachable-state (CRITICAL by default, as check_ldap).
TEST_F(PluginCliTest, UnreachableLdapUsesTheUnreachableState) {
  const ProgramResult r = Check({"mailbox", "-H", "ldap://127.0.0.1:1", "-t", "10"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  const ProgramResult w =
      Check({"mailbox", "-H", "ldap://127.0.0.1:1", "-t", "10", "--unreachable-state", "WARNING"});
  EXPECT_EQ(w.exit_code, 1) << w.out;
  EXPECT_EQ(w.out.rfind("EXCHANGE DELIVERY WARNING - ", 0), 0u) << w.out;
}

}  // namespace
}  // namespace exdm::testing
