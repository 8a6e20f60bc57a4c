// Security (issue 9): the bind password never in a process's command line or in any output;
// a password file readable by others is warned about; hostile values from AD and from the logs
// cannot break plugin output, perfdata or the metric exposition; --insecure-skip-verify warns on
// every run; the exporter listens only where it is told to.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "exdm/base/time_util.h"
#include "exporter_metric_names.h"
#include "exporter_process.h"
#include "fault_support.h"
#include "org_fixture.h"
#include "paths.h"
#include "process.h"
#include "slapd_fixture.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

namespace fs = std::filesystem;

std::string ProcFile(pid_t pid, const char* name) {
  return ReadWholeFile("/proc/" + std::to_string(pid) + "/" + name);
}

// Every file under `dir`, concatenated (state files, logs, LDIF).
std::string AllFilesUnder(const std::string& dir) {
  std::string all;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) all += ReadWholeFile(e.path().string());
  }
  return all;
}

std::string Password(const Slapd& slapd) {
  return ReadWholeFile(slapd.monitor_password_file());
}

TEST(Security, BindPasswordNeverInCommandLineOrAnyOutput) {
  TempDir tmp("exdm-security");
  auto org = GenerateOrg({"--servers", "1", "--stores-per-server", "2", "--fault", "missing=1"},
                         tmp.path());
  ASSERT_TRUE(org);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);
  const std::string password = Password(*slapd);
  ASSERT_GE(password.size(), 16u) << "the fixture's password is too short to search for";
  const std::string logs = tmp.File("EXCH01.log");
  ASSERT_FALSE(GenerateTodaysLogs(logs, {"--messages", "50"}).empty());

  // The check, in every mode that binds, while it runs (slapd suspended so it waits) and after.
  const std::vector<std::string> args = {"all",
                                         "-H",
                                         slapd->uri(),
                                         "-D",
                                         slapd->monitor_dn(),
                                         "--password-file",
                                         slapd->monitor_password_file(),
                                         "--tracking-dir",
                                         "EXCH01=" + logs,
                                         "--state-file",
                                         tmp.File("state/all.state"),
                                         "--remediation-ldif",
                                         tmp.File("state/repair.ldif"),
                                         "-t",
                                         "3"};
  std::string cmdline, environ;
  ProgramOptions options;
  options.while_running = [&](pid_t pid) {
    while (!Exited(pid)) {
      cmdline = ProcFile(pid, "cmdline");
      if (cmdline.find("--password-file") != std::string::npos) break;  // exec'd
    }
    environ = ProcFile(pid, "environ");
  };
  std::vector<std::string> argv = {CheckBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  slapd->Suspend();
  const ProgramResult hung = RunProgram(argv, options);
  slapd->Resume();
  ASSERT_NE(cmdline.find("--password-file"), std::string::npos) << "never saw the check running";
  EXPECT_EQ(cmdline.find(password), std::string::npos) << "password in /proc/<pid>/cmdline";
  EXPECT_EQ(environ.find(password), std::string::npos) << "password in /proc/<pid>/environ";
  const ProgramResult ok = RunProgram(argv);
  EXPECT_EQ(ok.exit_code, 2) << ok.out;  // the planted missing SMTP mailbox
  ASSERT_TRUE(fs::exists(tmp.File("state/repair.ldif")));
  const std::string bad = tmp.File("wrong.secret");
  WriteWholeFile(bad, password.substr(1) + "\n");  // close to the real one: must not be echoed
  ::chmod(bad.c_str(), 0600);
  ASSERT_EQ(argv[6], "--password-file");
  argv[7] = bad;
  const ProgramResult refused = RunProgram(argv);
  EXPECT_NE(refused.out.find("Invalid credentials (49)"), std::string::npos) << refused.out;
  for (const ProgramResult* r : {&hung, &ok, &refused}) {
    EXPECT_EQ(r->out.find(password), std::string::npos) << "password on stdout";
    EXPECT_EQ(r->err.find(password), std::string::npos) << "password on stderr";
    EXPECT_EQ(r->out.find(password.substr(1)), std::string::npos) << "wrong password echoed";
  }
  EXPECT_EQ(AllFilesUnder(tmp.File("state")).find(password), std::string::npos)
      << "password in the state file or the remediation LDIF";

  // The exporter: command line, metrics, log, state directory.
  const std::string ini = tmp.File("exporter.ini");
  WriteWholeFile(ini, "[ldap]\nuri = " + slapd->uri() + "\nbind_dn = " + slapd->monitor_dn() +
                          "\npassword_file = " + slapd->monitor_password_file() +
                          "\n[tracking]\ndir = EXCH01=" + logs + "\n[exporter]\nstate_dir = " +
                          tmp.File("exporter-state") + "\naudit_interval = 1\n");
  auto exporter = ExporterProcess::Start(tmp.path(), {"--config.file=" + ini});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"audit\"} 1",
                                      std::chrono::seconds(20)))
      << exporter->Log();
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 1",
                                      std::chrono::seconds(20)));
  const pid_t pid = exporter->process().pid();
  EXPECT_EQ(ProcFile(pid, "cmdline").find(password), std::string::npos);
  EXPECT_EQ(ProcFile(pid, "environ").find(password), std::string::npos);
  EXPECT_EQ(exporter->ScrapeText().find(password), std::string::npos);
  slapd->Stop();  // failures get logged: with the password?
  ASSERT_TRUE(WaitForExporterLog(*exporter, "level=error msg=\"collector audit failed",
                                 std::chrono::seconds(20)));
  EXPECT_EQ(exporter->Log().find(password), std::string::npos);
  EXPECT_EQ(AllFilesUnder(tmp.File("exporter-state")).find(password), std::string::npos);
}

// Sockets the process has open (links "socket:[...]" in /proc/<pid>/fd).
int OpenSockets(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    const fs::path target = fs::read_symlink(e.path(), link_ec);
    if (!link_ec && target.string().rfind("socket:", 0) == 0) ++n;
  }
  return n;
}

// --password-env: Icinga passes the password in the environment, which same-user processes can
// read in /proc/<pid>/environ for the whole run. Once read, the value is overwritten there
// (the check then talks to LDAP; here a suspended slapd holds it while we look).
TEST(Security, PasswordEnvIsScrubbedFromProcEnvironOnceRead) {
  TempDir tmp("exdm-security");
  auto org = GenerateOrg({"--servers", "1", "--stores-per-server", "1"}, tmp.path());
  ASSERT_TRUE(org);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);
  const std::string password = Password(*slapd);
  ASSERT_GE(password.size(), 16u);
  ProgramOptions options;
  options.env["EXDM_BIND_PASSWORD"] = password;
  std::string before, after;
  options.while_running = [&](pid_t pid) {
    // Right after exec the variable is there (the test would prove nothing otherwise) ...
    while (!Exited(pid) && before.find("EXDM_BIND_PASSWORD") == std::string::npos)
      before = ProcFile(pid, "environ");
    // ... and once the check talks to LDAP it has read it: it is gone.
    while (!Exited(pid) && OpenSockets(pid) == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    after = ProcFile(pid, "environ");
  };
  slapd->Suspend();
  const ProgramResult r =
      RunProgram({CheckBinary(), "mailbox", "-H", slapd->uri(), "-D", slapd->monitor_dn(),
                  "--password-env", "EXDM_BIND_PASSWORD", "-t", "3"},
                 options);
  slapd->Resume();
  EXPECT_EQ(r.exit_code, 3) << r.out;  // the deadline, with slapd suspended
  ASSERT_NE(before.find("EXDM_BIND_PASSWORD=" + password), std::string::npos)
      << "never saw the variable set";
  ASSERT_FALSE(after.empty()) << "never saw the check connected";
  EXPECT_EQ(after.find(password), std::string::npos) << "password in /proc/<pid>/environ";
  EXPECT_NE(after.find("EXDM_BIND_PASSWORD="), std::string::npos) << "the name stays, emptied";
  // And it still binds with it (read once, used by every search of the run).
  ProgramOptions plain;
  plain.env = options.env;
  const ProgramResult ok = RunProgram({CheckBinary(), "mailbox", "-H", slapd->uri(), "-D",
                                       slapd->monitor_dn(), "--password-env", "EXDM_BIND_PASSWORD"},
                                      plain);
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
}

// ldapsearch habits and typos: a value given to an unknown option, or a password typed where a
// threshold goes (-w is ldapsearch's bind password), is never echoed in the UNKNOWN line.
TEST(Security, MisusedOptionsNeverEchoTheirValues) {
  const std::string secret = "S3cret-Pw!9";
  const std::vector<std::vector<std::string>> misuses = {
      {"mailbox", "-H", "ldap://127.0.0.1:1", "-D", "cn=monitor", "-w", secret},
      {"mailbox", "-w" + secret},
      {"mailbox", "--passwd=" + secret},
      {"mailbox", "--bindpw", secret},
      {"mailbox", "-x" + secret},
      {"mailbox", "--max-in-flight=" + secret},
      {"queue", "--snapshot-max-age", secret},
  };
  for (const auto& args : misuses) {
    const ProgramResult r = RunCheck(args);
    EXPECT_EQ(r.exit_code, 3) << r.out;
    EXPECT_EQ(r.out.find("S3cret"), std::string::npos) << "echoed: " << r.out;
    EXPECT_EQ(r.err, "");
  }
  const ProgramResult w = RunCheck(misuses[0]);
  EXPECT_NE(w.out.find("not ldapsearch's bind password: use --password-file or --password-env"),
            std::string::npos)
      << w.out;
}

// A bad tracking line's excerpt shows where and why, never whom a message was for: addresses
// are redacted to their domain (the README promises no address in the output).
TEST(Security, BadLineExcerptsNeverShowAnAddress) {
  TempDir tmp("exdm-security");
  const std::string dir = tmp.File("EXCH01.log");
  fs::create_directories(dir);
  const std::string day =
      FormatIso8601Utc(static_cast<int64_t>(std::time(nullptr)) / 86400 * 86400).substr(0, 10);
  WriteWholeFile(dir + "/" + TodayLogName(),
                 "# Message Tracking Log File\n# Date\tTime\tRecipient-Address\tEvent-ID\tMSGID\n" +
                     day + "\t0:10:00 GMT\tjane.doe@contoso.com\tnot-an-id\t<m1@EXCH01>\n" + day +
                     "\t0:10:01 GMT\tjohn.roe@fabrikam.com\n");
  const ProgramResult r = RunCheck({"queue", "--tracking-dir", "EXCH01=" + dir, "--state-file",
                                    "none", "--now", day + "T01:00:00Z", "-v"});
  EXPECT_EQ(Perf(r.out, "bad_lines"), 2) << r.out;
  EXPECT_NE(r.out.find("Event-ID is not a number"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("*@contoso.com"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("*@fabrikam.com"), std::string::npos) << r.out;
  for (const char* who : {"jane.doe", "john.roe", "m1@"})
    EXPECT_EQ(r.out.find(who), std::string::npos) << who << " in: " << r.out;
  // Event exports count unreadable rows and show none of them.
  const std::string events = tmp.File("EXCH01-application.jsonl");
  WriteWholeFile(events, "{\"EventTime\":\"" + day +
                             "T00:10:00Z\",\"Message\":\"for jane.doe@"
                             "contoso.com\",\"EventID\":\n");
  const ProgramResult e = RunCheck({"events", "--event-file", "EXCH01=" + events, "--state-file",
                                    "none", "--now", day + "T01:00:00Z", "-vvv"});
  EXPECT_EQ(Perf(e.out, "bad_rows"), 1) << e.out;
  EXPECT_EQ(e.out.find("jane.doe"), std::string::npos) << e.out;
}

TEST(Security, PasswordFileReadableByOthersIsWarnedAbout) {
  TempDir tmp("exdm-security");
  auto org = GenerateOrg({"--servers", "1", "--stores-per-server", "1"}, tmp.path());
  ASSERT_TRUE(org);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);
  const std::string open_file = tmp.File("open.secret");
  WriteWholeFile(open_file, Password(*slapd));
  ASSERT_EQ(::chmod(open_file.c_str(), 0644), 0);
  const std::vector<std::string> args = {
      "mailbox", "-H", slapd->uri(), "-D", slapd->monitor_dn(), "--password-file", open_file};
  const ProgramResult r = RunCheck(args);
  EXPECT_EQ(r.exit_code, 0) << r.out;  // it still works: monitoring keeps running
  EXPECT_NE(r.out.find("warning: password file " + open_file + " is readable by every user"),
            std::string::npos)
      << r.out;
  ASSERT_EQ(::chmod(open_file.c_str(), 0600), 0);
  EXPECT_EQ(RunCheck(args).out.find("readable by every user"), std::string::npos);
  ASSERT_EQ(::chmod(open_file.c_str(), 0644), 0);

  auto exporter = ExporterProcess::Start(
      tmp.path(), {"--ldap.uri=" + slapd->uri(), "--ldap.bind_dn=" + slapd->monitor_dn(),
                   "--ldap.password_file=" + open_file, "--exporter.audit_interval=1",
                   "--exporter.state_dir=" + tmp.path()});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"audit\"} 1",
                                      std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // more refreshes: logged once
  const std::string log = exporter->Log();
  size_t warnings = 0;
  for (size_t at = log.find("is readable by every user"); at != std::string::npos;
       at = log.find("is readable by every user", at + 1))
    ++warnings;
  EXPECT_EQ(warnings, 1u) << log;
}

// The repair LDIF often goes to /var/tmp, where others can plant names: a symlink planted at
// FILE.tmp (the name written before the rename) or at FILE never leads the write to its target.
TEST(Security, RemediationLdifNeverFollowsAPlantedLink) {
  TempDir tmp("exdm-security");
  auto org = GenerateOrg({"--servers", "1", "--stores-per-server", "1"}, tmp.path());
  ASSERT_TRUE(org);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);
  const std::string victim = tmp.File("victim");
  WriteWholeFile(victim, "precious\n");
  const std::string ldif = tmp.File("repair.ldif");
  const std::vector<std::string> args = {"mailbox",
                                         "-H",
                                         slapd->uri(),
                                         "-D",
                                         slapd->monitor_dn(),
                                         "--password-file",
                                         slapd->monitor_password_file(),
                                         "--remediation-ldif",
                                         ldif};
  ASSERT_EQ(::symlink(victim.c_str(), (ldif + ".tmp").c_str()), 0);
  ProgramResult r = RunCheck(args);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(ReadWholeFile(victim), "precious\n");
  EXPECT_NE(ReadWholeFile(ldif).find("Nothing to repair"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::lstat(ldif.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_NE(::lstat((ldif + ".tmp").c_str(), &st), 0) << "the planted link is still there";

  ASSERT_EQ(::unlink(ldif.c_str()), 0);
  ASSERT_EQ(::symlink(victim.c_str(), ldif.c_str()), 0);
  r = RunCheck(args);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(ReadWholeFile(victim), "precious\n");
  ASSERT_EQ(::lstat(ldif.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode)) << "the link at FILE is replaced, not written through";
}

TEST(Security, InsecureSkipVerifyIsExplicitAndWarnsOnEveryRun) {
  TempDir tmp("exdm-security");
  auto org = GenerateOrg({"--servers", "1", "--stores-per-server", "1"}, tmp.path());
  ASSERT_TRUE(org);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path).WithTls());
  ASSERT_TRUE(slapd);
  const std::vector<std::string> base = {"mailbox",
                                         "-H",
                                         slapd->ldaps_uri(),
                                         "-D",
                                         slapd->monitor_dn(),
                                         "--password-file",
                                         slapd->monitor_password_file()};
  // Off by default: the self-signed certificate is refused.
  ProgramOptions no_ca;
  no_ca.env["LDAPTLS_CACERT"] = "/nonexistent";
  std::vector<std::string> argv = {CheckBinary()};
  argv.insert(argv.end(), base.begin(), base.end());
  const ProgramResult refused = RunProgram(argv, no_ca);
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  EXPECT_NE(refused.out.find("TLS certificate verification failed"), std::string::npos)
      << refused.out;
  // Named as the last resort in the advice, never as in force.
  EXPECT_NE(refused.out.find("; --insecure-skip-verify only as a last resort"), std::string::npos)
      << refused.out;
  EXPECT_EQ(refused.out.find("TLS certificates are not verified"), std::string::npos)
      << refused.out;
  EXPECT_EQ(refused.err.find("insecure"), std::string::npos) << refused.err;
  argv.push_back("--insecure-skip-verify");
  // On every run, first under the status line; never on stderr, which Icinga 2 merges in front
  // of the status line.
  for (int run = 0; run < 2; ++run) {
    const ProgramResult r = RunProgram(argv, no_ca);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    const std::vector<std::string> lines = SplitLines(r.out);
    ASSERT_GE(lines.size(), 2u) << r.out;
    EXPECT_EQ(lines[0].rfind("EXCHANGE DELIVERY OK - ", 0), 0u) << r.out;
    EXPECT_EQ(lines[1], "warning: --insecure-skip-verify: TLS certificates are not verified")
        << "run " << run << ": " << r.out;
    EXPECT_EQ(r.err, "");
  }

  // The exporter says so when it starts and again on every reload.
  auto exporter = ExporterProcess::Start(
      tmp.path(), {"--ldap.uri=" + slapd->ldaps_uri(), "--ldap.bind_dn=" + slapd->monitor_dn(),
                   "--ldap.password_file=" + slapd->monitor_password_file(),
                   "--ldap.insecure_skip_verify", "--exporter.state_dir=" + tmp.path()});
  ASSERT_TRUE(exporter);
  const std::string warning = "ldap.insecure_skip_verify is set";
  EXPECT_TRUE(exporter->process().WaitForLog(
      [&](const std::string& log) { return log.find(warning) != std::string::npos; },
      std::chrono::seconds(10)))
      << exporter->Log();
  exporter->process().Signal(SIGHUP);
  EXPECT_TRUE(exporter->process().WaitForLog(
      [&](const std::string& log) {
        const size_t first = log.find(warning);
        return first != std::string::npos && log.find(warning, first + 1) != std::string::npos;
      },
      std::chrono::seconds(10)))
      << exporter->Log();
}

// Hostile names from AD (RFC 4514/4515 specials, quotes, non-ASCII; see the sample org) through the
// exporter: every exposition line is a comment or one well-formed sample of a known family, the
// store count is right, promtool accepts it. (The check's side: MailboxAudit.HostileNames...)
TEST(Security, HostileNamesFromAdCannotInjectMetricLines) {
  TempDir tmp("exdm-security");
  auto org = GenerateOrg({SampleOrg("hostile-names")}, tmp.path());
  ASSERT_TRUE(org);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);
  auto exporter = ExporterProcess::Start(
      tmp.path(), {"--ldap.uri=" + slapd->uri(), "--ldap.bind_dn=" + slapd->monitor_dn(),
                   "--ldap.password_file=" + slapd->monitor_password_file(),
                   "--exporter.audit_interval=1", "--exporter.state_dir=" + tmp.path()});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"audit\"} 1",
                                      std::chrono::seconds(20)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  // name{label="value",...} number: label values may hold anything but raw newlines, and quotes
  // and backslashes only escaped.
  const std::regex sample(
      R"re(([a-z_]+)(\{([a-z_]+="([^"\\\n]|\\["\\n])*",?)*\})? -?[0-9.e+]+|[-+]Inf|NaN)re");
  const std::set<std::string> known = ExportedMetricNames();
  size_t store_info = 0;
  for (const std::string& line : SplitLines(metrics)) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, sample)) << "not one sample: " << line;
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (!known.count(family) && family.size() > s.size() &&
          family.compare(family.size() - s.size(), s.size(), s) == 0) {
        family.resize(family.size() - s.size());
      }
    }
    EXPECT_TRUE(known.count(family)) << "unknown family (injected?): " << line;
    store_info += family == "exchange_store_info";
  }
  EXPECT_EQ(store_info, org->manifest["stores"].size());
  EXPECT_NE(metrics.find("store=\"Mailbox Store (EXCH-ÜBER) *()\\\\ \\\"quoted\\\", ünïcødé"),
            std::string::npos)
      << "the hostile store name, escaped as the exposition format says";
  if (RunProcess({"sh", "-c", "command -v promtool"}).ok()) {
    WriteWholeFile(tmp.File("scrape.prom"), metrics);
    const ProcessResult promtool =
        RunProcess({"sh", "-c", "promtool check metrics < '" + tmp.File("scrape.prom") + "'"});
    EXPECT_TRUE(promtool.ok()) << promtool.output;
  }
}

// Hostile values in tracking logs: '|' and '=' in addresses (perfdata separators), escape
// sequences, a 5,000-character address. The status line keeps exactly one '|', the output no
// control character, and no address reaches a metric label.
TEST(Security, HostileLogValuesCannotBreakOutputOrMetrics) {
  TempDir tmp("exdm-security");
  const std::string dir = tmp.File("EXCH01.log");
  fs::create_directories(dir);
  const std::string day =
      FormatIso8601Utc(static_cast<int64_t>(std::time(nullptr)) / 86400 * 86400).substr(0, 10);
  std::string log =
      "# Message Tracking Log File\n# Date\tTime\tRecipient-Address\tEvent-ID\tMSGID\n";
  const std::vector<std::string> hostile = {
      "evil|stalled_deliveries=0;;;@contoso.com", "a'b=\"c\"@contoso.com",
      "esc\x1b[31mred\x07@contoso.com", std::string(5000, 'L') + "@contoso.com"};
  int n = 0;
  for (const std::string& rcpt : hostile) {
    const std::string msgid = "<m|" + std::to_string(++n) + "\x1b]0;title\x07@EXCH01>";
    log += day + "\t0:10:00 GMT\t" + rcpt + "\t1036\t" + msgid + "\n";
    log += day + "\t0:10:01 GMT\t" + rcpt + "\t1028\t" + msgid + "\n";
    log += day + "\t0:10:01 GMT\t" + rcpt + "\t1037\t" + msgid + "\n";
  }
  WriteWholeFile(dir + "/" + TodayLogName(), log);
  const ProgramResult r = RunCheck({"queue", "--tracking-dir", "EXCH01=" + dir, "--state-file",
                                    "none", "--now", day + "T01:00:00Z", "-vvv"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(Perf(r.out, "stalled_deliveries"), 4) << StatusLine(r.out);
  size_t bars = 0;
  for (char c : r.out) {
    bars += c == '|';
    ASSERT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << "control byte in output";
  }
  EXPECT_EQ(bars, 1u) << "only the perfdata separator: " << r.out;
  for (const auto& [label, value] : PerfValues(r.out)) {
    EXPECT_TRUE(std::regex_match(label, std::regex("[a-z_0-9]+"))) << label;
  }

  auto exporter = ExporterProcess::Start(
      tmp.path(), {"--tracking.dir=EXCH01=" + dir, "--exporter.state_dir=" + tmp.File("st"),
                   "--exporter.tracking_interval=1"});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 1",
                                      std::chrono::seconds(20)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(metrics.find("contoso.com"), std::string::npos) << "an address reached a label";
  EXPECT_EQ(metrics.find("evil"), std::string::npos);
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_stalled_deliveries{server=\"EXCH01\"}"),
            4);
}

// Recipients from the tracking log go into LDAP filters (queue -H ties stalls to stores through
// mail/proxyAddresses). A recipient written as a filter ("*@...", "x)(mail=*@...") must match
// nobody rather than every user: the stalls stay "not tied", and slapd saw the escaped value.
TEST(Security, HostileRecipientsCannotWidenTheLdapFilter) {
  TempDir tmp("exdm-security");
  auto org = GenerateOrg({SampleOrg("demo")}, tmp.path());
  ASSERT_TRUE(org);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);
  const std::string dir = tmp.File("EXCH01.log");
  fs::create_directories(dir);
  std::string log =
      "# Message Tracking Log File\n# Date\tTime\tRecipient-Address\tEvent-ID\tMSGID\n";
  int n = 0;
  for (const std::string rcpt : {"*@contoso.com", "x)(mail=*@contoso.com", "carol@contoso.com"}) {
    const std::string id = "m" + std::to_string(++n) + "@EXCH01.contoso.com";
    log += "2026-11-25\t9:00:00 GMT\t" + rcpt + "\t1036\t" + id + "\n";
    for (int minute = 0; minute <= 20; minute += 5) {
      for (const char* event : {"1028", "1037"}) {
        log += "2026-11-25\t9:" + std::string(minute < 10 ? "0" : "") + std::to_string(minute) +
               ":01 GMT\t" + rcpt + "\t" + event + "\t" + id + "\n";
      }
    }
  }
  WriteWholeFile(dir + "/20261125.log", log);
  const ProgramResult r =
      RunCheck({"queue", "-H", slapd->uri(), "-D", slapd->monitor_dn(), "--password-file",
                slapd->monitor_password_file(), "--tracking-dir", "EXCH01=" + dir, "--state-file",
                "none", "--now", "2026-11-25T09:31:00Z"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(Perf(r.out, "stalled_deliveries"), 3) << r.out;
  // carol is on Sales; the two filter-shaped recipients match no one.
  EXPECT_NE(r.out.find("EXCH01 / First Storage Group / Sales: 1 stalled"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2 stalled deliveries to 2 recipients not tied to an audited store"),
            std::string::npos)
      << r.out;
  slapd->Stop();  // flushes its log
  const std::string slapd_log = ReadWholeFile(slapd->log_file());
  // slapd logs the filter normalized: "(mail=\2A@contoso.com)", "(mail=x\29\28mail=\2A@...)".
  EXPECT_NE(slapd_log.find("(mail=\\2A@contoso.com)"), std::string::npos) << slapd_log;
  EXPECT_NE(slapd_log.find("(mail=x\\29\\28mail=\\2A@contoso.com)"), std::string::npos);
  EXPECT_EQ(slapd_log.find("(mail=x)(mail="), std::string::npos)
      << "an unescaped value reached slapd";
}

// Connects to addr:port; true when something accepts.
bool Reachable(const std::string& addr, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

// A local IPv4 address that is not loopback (the host's own), or empty.
std::string HostAddress() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* i = list; i && found.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN];
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    if (std::string(text).rfind("127.", 0) != 0) found = text;
  }
  ::freeifaddrs(list);
  return found;
}

TEST(Security, ExporterListensOnlyOnTheConfiguredAddress) {
  TempDir tmp("exdm-security");
  const int port = FreeLoopbackPort();
  auto exporter =
      ExporterProcess::Start(tmp.path(), {"--web.listen-address=127.0.0.1:" + std::to_string(port),
                                          "--exporter.state_dir=" + tmp.path()});
  ASSERT_TRUE(exporter);
  EXPECT_TRUE(Reachable("127.0.0.1", port));
  EXPECT_FALSE(Reachable("127.0.0.2", port)) << "another loopback address answers";
  const std::string host = HostAddress();
  if (!host.empty()) {
    EXPECT_FALSE(Reachable(host, port)) << "the host address " << host << " answers";
  }
  exporter.reset();
  // The control: an exporter on all addresses is reachable through the same probes, so the
  // probes above can fail.
  const int any_port = FreeLoopbackPort();
  auto any = ExporterProcess::Start(
      tmp.path(),
      {"--web.listen-address=:" + std::to_string(any_port), "--exporter.state_dir=" + tmp.path()});
  ASSERT_TRUE(any);
  EXPECT_TRUE(Reachable("127.0.0.2", any_port));
  if (!host.empty()) {
    EXPECT_TRUE(Reachable(host, any_port));
  }
}

}  // namespace
}  // namespace exdm::testing
