// Fault matrix, LDAP (issue 9): slapd not running, killed in the middle of a paged audit, a size
// limit smaller than the organization, TLS, wrong password and a missing base as the exporter
// sees them; slapd hung while `all` also reads local sources (issue 22). Each: what the check
// prints and exits, what the exporter reports, and that after recovery the numbers equal a clean
// audit (nothing lost, nothing partial reported as whole).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
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

std::vector<std::string> Mailbox(const Slapd& s, const std::string& uri) {
  return {"mailbox", "-H", uri, "-D", s.monitor_dn(), "--password-file", s.monitor_password_file(),
          "-t",      "20"};
}

std::vector<std::string> ExporterLdap(const Slapd& s, const std::string& uri,
                                      const std::string& state_dir) {
  return {"--ldap.uri=" + uri,
          "--ldap.bind_dn=" + s.monitor_dn(),
          "--ldap.password_file=" + s.monitor_password_file(),
          "--ldap.timeout=10",
          "--exporter.audit_interval=1",
          "--exporter.state_dir=" + state_dir};
}

size_t CountSeries(const std::string& metrics, const std::string& family) {
  size_t n = 0;
  for (const std::string& line : SplitLines(metrics))
    n += line.rfind(family + "{", 0) == 0;
  return n;
}

size_t CountInLog(const std::string& log, const std::string& needle) {
  size_t n = 0;
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1))
    ++n;
  return n;
}

std::string Up(const std::string& uri, int value) {
  return "exchange_ldap_up{uri=\"" + uri + "\"} " + std::to_string(value);
}

TEST(FaultLdap, SlapdNotRunning) {
  TempDir tmp("exdm-fault-ldap");
  auto org = GenerateOrg({"--servers", "2", "--stores-per-server", "3", "--fault", "missing=1"},
                         tmp.path());
  ASSERT_TRUE(org);
  const size_t stores = org->manifest["stores"].size();
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);
  slapd->Stop();

  const ProgramResult down = RunCheck(Mailbox(*slapd, slapd->uri()));
  EXPECT_EQ(down.exit_code, 2) << down.out;  // --unreachable-state, CRITICAL by default
  EXPECT_EQ(StatusLine(down.out).rfind("EXCHANGE DELIVERY CRITICAL - ", 0), 0u) << down.out;
  EXPECT_NE(StatusLine(down.out).find(slapd->uri()), std::string::npos) << down.out;
  EXPECT_LT(down.elapsed, std::chrono::seconds(5));

  auto exporter =
      ExporterProcess::Start(tmp.path(), ExporterLdap(*slapd, slapd->uri(), tmp.path()));
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric(Up(slapd->uri(), 0), std::chrono::seconds(20)))
      << exporter->Log();
  std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(SampleValue(metrics, "exchange_collector_success{collector=\"audit\"}"), 0);
  EXPECT_EQ(CountSeries(metrics, "exchange_smtp_mailbox_ok"), 0u);  // nothing invented

  // slapd comes back: the exporter and the check both see the whole organization.
  ASSERT_TRUE(slapd->Restart());
  ASSERT_TRUE(exporter->WaitForMetric(Up(slapd->uri(), 1), std::chrono::seconds(20)))
      << exporter->Log();
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"audit\"} 1",
                                      std::chrono::seconds(20)));
  metrics = exporter->ScrapeText();
  EXPECT_EQ(CountSeries(metrics, "exchange_smtp_mailbox_ok"), stores);
  const ProgramResult up = RunCheck(Mailbox(*slapd, slapd->uri()));
  EXPECT_EQ(up.exit_code, 2) << up.out;  // the planted missing SMTP mailbox
  EXPECT_EQ(Perf(up.out, "stores"), static_cast<double>(stores)) << up.out;
  EXPECT_EQ(Perf(up.out, "failing_stores"), 1) << up.out;
}

// A few thousand stores: the audit pages through several 1000-entry pages, so slapd can be
// killed between two of them.
TEST(FaultLdap, SlapdKilledInTheMiddleOfAPagedAudit) {
  TempDir tmp("exdm-fault-ldap");
  auto org = GenerateOrg({"--servers", "6", "--stores-per-server", "500"}, tmp.path());
  ASSERT_TRUE(org);
  const size_t stores = org->manifest["stores"].size();
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);

  const ProgramResult clean = RunCheck(Mailbox(*slapd, slapd->uri()));
  ASSERT_EQ(clean.exit_code, 0) << clean.out;
  ASSERT_EQ(Perf(clean.out, "stores"), static_cast<double>(stores)) << clean.out;

  auto exporter =
      ExporterProcess::Start(tmp.path(), ExporterLdap(*slapd, slapd->uri(), tmp.path()));
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"audit\"} 1",
                                      std::chrono::seconds(60)))
      << exporter->Log();
  ASSERT_EQ(CountSeries(exporter->ScrapeText(), "exchange_smtp_mailbox_ok"), stores);

  // Kill slapd once the check's paged search has received its first full page.
  const size_t pages_before = CountInLog(ReadWholeFile(slapd->log_file()), "nentries=1000");
  bool killed_mid_search = false;
  ProgramOptions options;
  options.while_running = [&](pid_t pid) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!Exited(pid) && std::chrono::steady_clock::now() < until) {
      if (CountInLog(ReadWholeFile(slapd->log_file()), "nentries=1000") > pages_before) {
        slapd->Suspend();  // freeze it where it is, then make sure the search was not finished
        killed_mid_search = !Exited(pid);
        slapd->Kill();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  std::vector<std::string> argv = {CheckBinary()};
  for (const std::string& a : Mailbox(*slapd, slapd->uri()))
    argv.push_back(a);
  const ProgramResult killed = RunProgram(argv, options);
  ASSERT_TRUE(killed_mid_search) << "slapd was not killed during the audit: " << killed.out;
  EXPECT_EQ(killed.exit_code, 2) << killed.out;  // unreachable state, not a partial OK
  EXPECT_EQ(StatusLine(killed.out).rfind("EXCHANGE DELIVERY CRITICAL - ", 0), 0u) << killed.out;
  EXPECT_TRUE(std::isnan(Perf(killed.out, "stores")))
      << "a partial audit was reported: " << killed.out;

  // The exporter keeps its last complete audit while slapd is gone.
  ASSERT_TRUE(exporter->WaitForMetric(Up(slapd->uri(), 0), std::chrono::seconds(30)))
      << exporter->Log();
  std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(SampleValue(metrics, "exchange_collector_success{collector=\"audit\"}"), 0);
  EXPECT_EQ(CountSeries(metrics, "exchange_smtp_mailbox_ok"), stores);

  // Back again: the same numbers as the clean run, through both doors.
  ASSERT_TRUE(slapd->Restart());
  const ProgramResult again = RunCheck(Mailbox(*slapd, slapd->uri()));
  EXPECT_EQ(again.exit_code, 0) << again.out;
  auto without_duration = [](std::map<std::string, double> perf) {
    perf.erase("audit_duration");
    return perf;
  };
  EXPECT_EQ(without_duration(PerfValues(again.out)), without_duration(PerfValues(clean.out)))
      << again.out;
  ASSERT_TRUE(exporter->WaitForMetric(Up(slapd->uri(), 1), std::chrono::seconds(30)))
      << exporter->Log();
  EXPECT_EQ(CountSeries(exporter->ScrapeText(), "exchange_smtp_mailbox_ok"), stores);
}

// slapd's own limit below the size of the organization (an AD MaxResultSetSize, or a GC with a
// per-user limit): the audit must fail visibly, never report the part it got as the whole.
TEST(FaultLdap, SizeLimitSmallerThanTheOrganization) {
  TempDir tmp("exdm-fault-ldap");
  auto org = GenerateOrg({"--servers", "2", "--stores-per-server", "40"}, tmp.path());
  ASSERT_TRUE(org);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);
  slapd->Stop();
  const std::string conf = slapd->dir() + "/slapd.conf";
  std::string text = ReadWholeFile(conf);
  const size_t at = text.find("size.prtotal=unlimited");
  ASSERT_NE(at, std::string::npos) << "slapd.conf has no paged-results limit to lower";
  text.replace(at, std::string("size.prtotal=unlimited").size(), "size.prtotal=25");
  WriteWholeFile(conf, text);
  ASSERT_TRUE(slapd->Restart());

  const ProgramResult r = RunCheck(Mailbox(*slapd, slapd->uri()));
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(StatusLine(r.out).find("Size limit exceeded"), std::string::npos) << r.out;
  EXPECT_TRUE(std::isnan(Perf(r.out, "stores"))) << "a partial audit was reported: " << r.out;

  auto exporter =
      ExporterProcess::Start(tmp.path(), ExporterLdap(*slapd, slapd->uri(), tmp.path()));
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(WaitForExporterLog(*exporter, "level=error msg=\"collector audit failed",
                                 std::chrono::seconds(20)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(CountSeries(metrics, "exchange_smtp_mailbox_ok"), 0u) << "partial audit exported";
  EXPECT_NE(exporter->Log().find("Size limit exceeded"), std::string::npos) << exporter->Log();
}

// The exporter's side of the LDAP rows the check's tests (mailbox_errors_test.cc) cover: TLS
// verified by default, --insecure-skip-verify warned about, wrong password, missing base.
TEST(FaultLdap, ExporterTlsPasswordAndBaseFaults) {
  TempDir tmp("exdm-fault-ldap");
  auto org = GenerateOrg({"--servers", "1", "--stores-per-server", "2"}, tmp.path());
  ASSERT_TRUE(org);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path).WithTls());
  ASSERT_TRUE(slapd);
  const std::string ldaps = slapd->ldaps_uri();
  struct Case {
    std::string name;
    std::vector<std::string> extra;
    std::map<std::string, std::string> env;
    int up;
    int success;
    std::vector<std::string> log;  // expected in the log
  };
  const std::string wrong = tmp.File("wrong.secret");
  WriteWholeFile(wrong, "not-the-password\n");
  ::chmod(wrong.c_str(), 0600);
  const std::vector<Case> cases = {
      // libldap says "Can't contact LDAP server": the log says what it was and which setting
      // fixes it, in the exporter's own names.
      {"self-signed, no CA",
       {},
       {{"LDAPTLS_CACERT", "/nonexistent"}},
       0,
       0,
       {ldaps + ": TLS certificate verification failed during connect: CN=localhost issued by "
                "CN=exdm test CA; give the issuing CA's certificate (PEM) with ldap.ca_file",
        "; ldap.insecure_skip_verify only as a last resort"}},
      {"with --ca-file", {"--ldap.ca_file=" + slapd->ca_file()}, {}, 1, 1, {}},
      {"insecure", {"--ldap.insecure_skip_verify"}, {}, 1, 1, {"insecure_skip_verify"}},
      {"wrong password",
       {"--ldap.ca_file=" + slapd->ca_file(), "--ldap.password_file=" + wrong},
       {},
       0,
       0,
       {"Invalid credentials (49)"}},
      {"missing base",
       {"--ldap.ca_file=" + slapd->ca_file(), "--ldap.base=CN=Nope,DC=contoso,DC=com"},
       {},
       0,  // any failed audit of a URI reads as down, a bind that works included
       0,
       {"No such object (32)"}},
  };
  // All exporters at once (each refreshes every second), then each one's verdict.
  std::vector<std::unique_ptr<ExporterProcess>> exporters;
  for (const Case& c : cases) {
    const std::string dir = tmp.File("exp-" + std::to_string(&c - cases.data()));
    ::mkdir(dir.c_str(), 0700);
    std::vector<std::string> args = ExporterLdap(*slapd, ldaps, dir);
    for (const std::string& extra : c.extra) {
      // An extra setting replaces the default one of the same name.
      const std::string name = extra.substr(0, extra.find('='));
      args.erase(std::remove_if(args.begin(), args.end(),
                                [&](const std::string& a) { return a.rfind(name + "=", 0) == 0; }),
                 args.end());
      args.push_back(extra);
    }
    for (const auto& [k, v] : c.env)
      ::setenv(k.c_str(), v.c_str(), 1);
    exporters.push_back(ExporterProcess::Start(dir, args));
    for (const auto& [k, v] : c.env)
      ::unsetenv(k.c_str());
    ASSERT_TRUE(exporters.back()) << c.name;
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExporterProcess& exporter = *exporters[static_cast<size_t>(&c - cases.data())];
    const std::string success =
        "exchange_collector_success{collector=\"audit\"} " + std::to_string(c.success);
    if (c.success) {
      ASSERT_TRUE(exporter.WaitForMetric(success, std::chrono::seconds(20))) << exporter.Log();
    } else {
      ASSERT_TRUE(WaitForExporterLog(exporter, "level=error msg=\"collector audit failed"))
          << exporter.Log();
      EXPECT_TRUE(exporter.WaitForMetric(success, std::chrono::seconds(5)));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));  // more refreshes
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExporterProcess& exporter = *exporters[static_cast<size_t>(&c - cases.data())];
    const std::string metrics = exporter.ScrapeText();
    EXPECT_EQ(SampleValue(metrics, "exchange_ldap_up{uri=\"" + ldaps + "\"}"), c.up) << metrics;
    EXPECT_EQ(CountSeries(metrics, "exchange_smtp_mailbox_ok"), c.success ? 2u : 0u);
    const std::string log = exporter.Log();
    for (const std::string& expected : c.log) {
      EXPECT_NE(log.find(expected), std::string::npos) << expected << "\n" << log;
    }
    EXPECT_EQ(log.find("Can't contact"), std::string::npos) << log;
    if (!c.success) {
      EXPECT_EQ(CountInLog(log, "level=error msg=\"collector audit failed"), 1u)
          << "logged once: " << log;
    }
  }
}

// slapd accepts connections and never answers (SIGSTOP), while the tracking logs and the event
// export are local: `all` reads its sources at once, so the stalls, the 326s and all their
// perfdata are reported as with slapd up, LDAP fails with the -t reason (its own state), the
// stall-to-store correlation is skipped with a note, and the answer is complete before -t.
// Before, LDAP took the whole deadline first: UNKNOWN "queue: deadline expired, events: deadline
// expired", no perfdata, 5.0 s with -t 5. The exporter, whose collectors never wait for each
// other, diagnoses from the local sources meanwhile and names the gateway once slapd answers.
TEST(FaultLdap, AllModeKeepsWhatTheLocalSourcesFoundWhileLdapHangs) {
  TempDir tmp("exdm-fault-ldap");
  auto org = GenerateOrg({SampleOrg("demo")}, tmp.path());
  ASSERT_TRUE(org);
  std::string sales;
  for (const auto& store : org->manifest["stores"])
    if (store["store"] == "Sales") sales = store["guid"].get<std::string>();
  ASSERT_FALSE(sales.empty());
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);

  // Today's logs (the exporter evaluates at the wall clock too): Sales's users stalled for 90 min,
  // and its store driver failing to log on (326) since then.
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const std::string logs = tmp.File("EXCH01.log");
  auto truth = GenerateTodaysLogs(
      logs, {"--server", "EXCH01", "--messages", "300", "--stalled-recipient", "carol@contoso.com",
             "--stall-share", "0.2", "--stall-start", FormatIso8601Utc(now - 5400)});
  ASSERT_GT(std::stod(truth["stalled_deliveries"]), 0);
  const std::string events = tmp.File("EXCH01-application.jsonl");
  ASSERT_EQ(
      RunProgram({GeneratorBinary("exdm_gen_events"), "--format", "jsonl", "--server", "EXCH01",
                  "--store-guid", sales, "--start", FormatIso8601Utc(now - 5400), "--out", events})
          .exit_code,
      0);
  auto all = [&](const char* timeout) {
    return RunCheck({"all", "-H", slapd->uri(), "-D", slapd->monitor_dn(), "--password-file",
                     slapd->monitor_password_file(), "--tracking-dir", "EXCH01=" + logs,
                     "--event-file", "EXCH01=" + events, "--state-file", "none", "-t", timeout});
  };
  const ProgramResult clean = all("20");
  ASSERT_EQ(clean.exit_code, 2) << clean.out;
  ASSERT_NE(clean.out.find("* [smtp_mailbox] EXCH01 / First Storage Group / Sales: "),
            std::string::npos)
      << clean.out;

  slapd->Suspend();
  const ProgramResult hung = all("5");
  slapd->Resume();
  EXPECT_EQ(hung.exit_code, 2) << hung.out;  // the stalls and the 326s, not the LDAP timeout
  EXPECT_LT(hung.elapsed.count(), 5000) << "ms, with -t 5\n" << hung.out;
  EXPECT_EQ(Perf(hung.out, "stalled_deliveries"), std::stod(truth["stalled_deliveries"]))
      << hung.out;
  for (const char* label : {"stalled_deliveries", "retries", "lines_read", "bad_lines",
                            "logon_failures_326", "smtp_interface_failures_1194", "bad_rows"}) {
    EXPECT_EQ(Perf(hung.out, label), Perf(clean.out, label)) << label << "\n" << hung.out;
  }
  EXPECT_GT(Perf(hung.out, "oldest_stalled_age"), 1800) << hung.out;
  EXPECT_TRUE(std::isnan(Perf(hung.out, "stores"))) << "an audit was reported: " << hung.out;
  EXPECT_NE(hung.out.find("[mailbox]\n  failed: " + slapd->uri() + ": "), std::string::npos)
      << hung.out;
  EXPECT_NE(hung.out.find("deadline"), std::string::npos) << hung.out;
  EXPECT_NE(hung.out.find("\nstalled recipients not tied to stores: " + slapd->uri()),
            std::string::npos)
      << hung.out;
  EXPECT_NE(hung.out.find("* [gateway_unchecked] EXCH01 / store " + sales +
                          ": store driver cannot log on; its SMTP mailbox could not be checked "
                          "(no LDAP view answered)"),
            std::string::npos)
      << hung.out;
  EXPECT_EQ(hung.out.find("queue: deadline expired"), std::string::npos) << hung.out;

  // The exporter with the same inputs and slapd hung from the start.
  slapd->Suspend();
  auto exporter = ExporterProcess::Start(
      tmp.path(), {"--ldap.uri=" + slapd->uri(), "--ldap.bind_dn=" + slapd->monitor_dn(),
                   "--ldap.password_file=" + slapd->monitor_password_file(), "--ldap.timeout=2",
                   "--tracking.dir=EXCH01=" + logs, "--events.file=EXCH01=" + events,
                   "--exporter.audit_interval=1", "--exporter.tracking_interval=1",
                   "--exporter.events_interval=1", "--exporter.state_dir=" + tmp.path()});
  ASSERT_TRUE(exporter);
  const std::string unchecked =
      "exchange_delivery_diagnosis{server=\"EXCH01\",storage_group=\"\","
      "store=\"" +
      sales + "\",cause=\"gateway_unchecked\"} 1";
  EXPECT_TRUE(exporter->WaitForMetric(unchecked, std::chrono::seconds(30))) << exporter->Log();
  std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(SampleValue(metrics, "exchange_ldap_up{uri=\"" + slapd->uri() + "\"}"), 0) << metrics;
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_stalled_deliveries{server=\"EXCH01\"}"),
            std::stod(truth["stalled_deliveries"]));
  slapd->Resume();
  const std::string named =
      "exchange_delivery_diagnosis{server=\"EXCH01\",storage_group=\"First "
      "Storage Group\",store=\"Sales\",cause=\"smtp_mailbox\"} 1";
  EXPECT_TRUE(exporter->WaitForMetric(named, std::chrono::seconds(30))) << exporter->Log();
  metrics = exporter->ScrapeText();
  EXPECT_EQ(metrics.find("cause=\"gateway_unchecked\""), std::string::npos) << metrics;
}

}  // namespace
}  // namespace exdm::testing
