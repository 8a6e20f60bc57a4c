// What the monitoring daemon sees first (issue 16 part 7): Icinga 2 merges a plugin's stderr into
// its output, so a byte on stderr would come before the status line. Every mode, on success and
// on each kind of failure (LDAP refused, unreachable, bad credentials, unverified or refused TLS,
// a refused state directory, memory running out), writes nothing to stderr and starts stdout with
// the status line.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fault_support.h"
#include "org_fixture.h"
#include "paths.h"
#include "run_program.h"
#include "slapd_fixture.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

namespace fs = std::filesystem;

void ExpectStatusLineFirstAndNoStderr(const std::string& what, const ProgramResult& r,
                                      int exit_code) {
  SCOPED_TRACE(what);
  EXPECT_EQ(r.exit_code, exit_code) << r.out;
  EXPECT_EQ(r.out.rfind("EXCHANGE DELIVERY ", 0), 0u) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(PluginStderr, NothingPrecedesTheStatusLineInAnyModeOrFailure) {
  TempDir tmp("exdm-plugin-stderr");
  auto org = GenerateOrg({SampleOrg("demo")}, tmp.path());
  ASSERT_TRUE(org);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path).WithTls());
  ASSERT_TRUE(slapd);
  const std::string wrong = tmp.File("wrong.secret");
  WriteWholeFile(wrong, "not-the-password\n");
  const std::string tracking = SourceDir() + "/tests/fixtures/tracking/kb_1028";
  const std::string events = SourceDir() + "/tests/fixtures/events/mixed.jsonl";
  auto check = [](std::vector<std::string> args, ProgramOptions options = {}) {
    args.insert(args.begin(), CheckBinary());
    options.limit = std::chrono::seconds(30);
    return RunProgram(args, options);
  };
  auto mailbox = [&](const std::string& uri, const std::string& password_file) {
    return std::vector<std::string>{"mailbox",         "-H",         uri, "-D", slapd->monitor_dn(),
                                    "--password-file", password_file};
  };
  const std::string password = slapd->monitor_password_file();
  ProgramOptions no_ca;
  no_ca.env["LDAPTLS_CACERT"] = "/nonexistent";

  ExpectStatusLineFirstAndNoStderr("mailbox", check(mailbox(slapd->uri(), password)), 2);
  ExpectStatusLineFirstAndNoStderr("bind refused", check(mailbox(slapd->uri(), wrong)), 2);
  ExpectStatusLineFirstAndNoStderr("unreachable", check(mailbox("ldap://127.0.0.1:1", password)),
                                   2);
  ExpectStatusLineFirstAndNoStderr("certificate refused",
                                   check(mailbox(slapd->ldaps_uri(), password), no_ca), 2);
  std::vector<std::string> insecure = mailbox(slapd->ldaps_uri(), password);
  insecure.push_back("--insecure-skip-verify");
  ExpectStatusLineFirstAndNoStderr("--insecure-skip-verify", check(insecure, no_ca), 2);
  const std::vector<std::string> queue = {"queue", "--tracking-dir",       "EXCH01=" + tracking,
                                          "--now", "2026-11-24T10:36:00Z", "--state-file",
                                          "none"};
  ExpectStatusLineFirstAndNoStderr("queue", check(queue), 2);
  // --insecure-skip-verify in a mode that may not contact LDAP at all: still said, on stdout.
  std::vector<std::string> queue_insecure = queue;
  queue_insecure.push_back("--insecure-skip-verify");
  const ProgramResult said = check(queue_insecure);
  ExpectStatusLineFirstAndNoStderr("queue --insecure-skip-verify", said, 2);
  EXPECT_EQ(SplitLines(said.out).at(1),
            "warning: --insecure-skip-verify: TLS certificates are not verified");
  ExpectStatusLineFirstAndNoStderr("events",
                                   check({"events", "--event-file", "EXCH03=" + events, "--now",
                                          "2026-11-25T12:00:00Z", "--state-file", "none"}),
                                   2);
  ExpectStatusLineFirstAndNoStderr(
      "all",
      check({"all", "-H", slapd->uri(), "-D", slapd->monitor_dn(), "--password-file", password,
             "--tracking-dir", "EXCH01=" + tracking, "--event-file", "EXCH03=" + events, "--now",
             "2026-11-25T12:00:00Z", "--state-file", tmp.File("all.state")}),
      2);
  const std::string open = tmp.File("open");
  fs::create_directory(open);
  ASSERT_EQ(::chmod(open.c_str(), 0777), 0);
  ExpectStatusLineFirstAndNoStderr(
      "state directory refused",
      check({"queue", "--tracking-dir", "EXCH01=" + tracking, "--state-file", open + "/q.state"}),
      3);
}

// An exception nobody catches (here: memory running out while a password "line" from /dev/zero
// grows, under an address-space limit) still ends in one UNKNOWN status line, not the runtime's
// "terminate called..." on stderr and an abort (exit 134) no monitoring core understands.
TEST(PluginStderr, RunningOutOfMemoryIsAnUnknownStatusLine) {
  const ProgramResult r =
      RunProgram({"/usr/bin/prlimit", "--as=1073741824", "--", CheckBinary(), "mailbox", "-H",
                  "ldap://127.0.0.1:1", "--password-file", "/dev/zero", "-t", "20"},
                 [] {
                   ProgramOptions o;
                   o.limit = std::chrono::seconds(40);
                   return o;
                 }());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const std::vector<std::string> lines = SplitLines(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  EXPECT_EQ(lines[0].rfind("EXCHANGE DELIVERY UNKNOWN - ", 0), 0u) << r.out;
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace exdm::testing
