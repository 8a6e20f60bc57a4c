// The exporter as the package runs it: under the sandbox of its shipped systemd unit
// (deploy/systemd/exchange-delivery-exporter.service). PID 1 here is not systemd, and a systemd
// booted inside a namespace reaches out of it (its tmpfiles clean the shared /tmp, it remounts
// the shared cgroup file system), so tests/support/unit_sandbox.py reads the unit file and
// applies it without systemd: the system call filter compiled with libseccomp from the groups
// `systemd-analyze syscall-filter` lists, the dynamic user, capabilities, read-only file system,
// private /tmp and /dev, /proc with ProtectProc=/ProcSubset=, the state and configuration
// directories, LoadCredential=, MemoryMax=; it refuses a directive it does not know. So a change
// to the unit, or to the exporter, that would kill the exporter under it fails here.
//
// One exporter runs every collector (audit against slapd with the bind password read from
// $CREDENTIALS_DIRECTORY, tracking logs, events, a queue snapshot) through several refreshes,
// is scraped, reloaded with the unit's ExecReload= and stopped as `systemctl stop` would. A shell
// script in the exporter's place shows that the harness really applies what the unit forbids.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "background_process.h"
#include "exporter_inputs.h"
#include "exporter_process.h"
#include "http_client.h"
#include "paths.h"
#include "process.h"
#include "run_program.h"
#include "slapd_fixture.h"

namespace exdm::testing {
namespace {

const char kPython[] = "/usr/bin/python3";  // Debian's, where python3-seccomp installs

std::string UnitFile() {
  return SourceDir() + "/deploy/systemd/exchange-delivery-exporter.service";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The first capture of `pattern` in `text`, or "".
std::string Find(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : "";
}

// "Name:\tvalue" from /proc/PID/status.
std::string StatusField(pid_t pid, const std::string& name) {
  return Find(ReadFile("/proc/" + std::to_string(pid) + "/status"), "\n" + name + ":\\s+([^\n]*)");
}

// The nice value of every thread of `pid` (proc(5): field 19 of /proc/PID/task/TID/stat).
std::map<pid_t, int> ThreadNiceness(pid_t pid) {
  std::map<pid_t, int> nice;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const std::string stat = ReadFile(entry.path().string() + "/stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i) {
      if (i == 19) nice[std::stoi(entry.path().filename().string())] = std::stoi(field);
    }
  }
  return nice;
}

class ExporterUnderItsUnit : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "applying a unit's sandbox needs root, as systemd does";
    ASSERT_TRUE(RunProcess({kPython, "-c", "import seccomp"}).ok())
        << "python3-seccomp is missing (scripts/bootstrap.sh installs it)";
  }

  // Waits until each collector has published `count` refreshes with distinct success time
  // stamps after `since` (unix seconds), leaving the last scrape in *text. Fails at once when the
  // service ends (a refused system call kills it only once a collector thread runs).
  static ::testing::AssertionResult WaitForRefreshes(BackgroundProcess& service, int port,
                                                     const std::set<std::string>& collectors,
                                                     int count, double since, std::string* text) {
    std::map<std::string, std::set<double>> seen;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) {
      if (!service.Running()) {
        return ::testing::AssertionFailure() << "the service ended:\n" << service.Log();
      }
      const HttpResponse r = HttpGet(port, "/metrics", {{"Accept-Encoding", "gzip"}});
      *text = r.headers.count("content-encoding") ? Gunzip(r.body) : r.body;
      bool all = true;
      for (const std::string& c : collectors) {
        const double last = SampleValue(
            *text, "exchange_collector_last_success_timestamp_seconds{collector=\"" + c + "\"}");
        if (last > since) seen[c].insert(last);
        if (seen[c].size() < static_cast<size_t>(count)) all = false;
      }
      if (all) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    auto failure = ::testing::AssertionFailure();
    for (const std::string& c : collectors) {
      failure << "collector " << c << ": " << seen[c].size() << " refreshes, want " << count
              << "\n";
    }
    return failure << service.Log();
  }
};

TEST_F(ExporterUnderItsUnit, RefreshesEveryCollectorReloadsAndStopsCleanly) {
  TempDir dir("exdm-unit-sandbox");
  for (const char* sub : {"etc", "state", "srv", "scratch"}) {
    ASSERT_TRUE(std::filesystem::create_directory(dir.File(sub)));
  }
  // The inputs, where a deployment mounts them (/srv/exchange: the README's CIFS mounts).
  ASSERT_TRUE(RunProcess({GeneratorBinary("exdm_gen_org"), "--servers", "1", "--stores-per-server",
                          "3", "--fault", "missing=1", "-o", dir.File("org.ldif")})
                  .ok());
  ASSERT_TRUE(WriteEx00001Inputs(dir.File("srv"), static_cast<int64_t>(std::time(nullptr))));
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(dir.File("org.ldif")));
  ASSERT_TRUE(slapd);

  // /etc/exchange-delivery-monitor as the README sets it up: the secret root-only (the dynamic
  // user cannot read it; systemd hands it over as a credential), the INI naming the credential.
  // No state_dir: the default must be the unit's StateDirectory=.
  dir.Write("etc/ldap.secret", ReadFile(slapd->monitor_password_file()));
  ASSERT_EQ(chmod(dir.File("etc/ldap.secret").c_str(), 0600), 0);
  auto write_config = [&](const std::string& extra) {
    dir.Write("etc/exporter.ini",
              "[ldap]\nuri = " + slapd->uri() + "\nbind_dn = " + slapd->monitor_dn() +
                  "\npassword_file = ${CREDENTIALS_DIRECTORY}/ldap.secret\n"
                  "[tracking]\ndir = EX00001=/srv/exchange/EX00001.log\n"
                  "[events]\nfile = EX00001=/srv/exchange/EX00001.csv\n"
                  "[queue_snapshot]\nfile = EX00001=/srv/exchange/EX00001-queue.csv\n"
                  "[exporter]\nlisten_address = 127.0.0.1:0\naudit_interval = 1\n"
                  "tracking_interval = 1\nevents_interval = 1\nqueue_snapshot_interval = 1\n" +
                  extra);
  };
  write_config("");
  ASSERT_EQ(chmod(dir.File("etc/exporter.ini").c_str(), 0644), 0);

  std::string error;
  const double started = static_cast<double>(std::time(nullptr));
  auto service = BackgroundProcess::Start(
      {kPython, SourceDir() + "/tests/support/unit_sandbox.py", UnitFile(), "--executable",
       ExporterBinary(), "--configuration-directory", dir.File("etc"), "--state-directory",
       dir.File("state"), "--bind", dir.File("srv") + ":/srv/exchange", "--scratch",
       dir.File("scratch")},
      dir.File("service.log"), &error);
  ASSERT_TRUE(service) << error;
  ASSERT_TRUE(service->WaitForLog(
      [](const std::string& log) { return log.find("(ports ") != std::string::npos; },
      std::chrono::seconds(20)))
      << service->Log();
  const int port = std::stoi(Find(service->Log(), R"(\(ports (\d+))"));
  const pid_t main_pid = std::stoi(Find(service->Log(), R"(unit_sandbox: MAINPID=(\d+))"));

  // The sandbox is in force (the harness did not quietly run it as root without filters).
  const std::string uid = Find(StatusField(main_pid, "Uid") + " ", R"(^(\d+)\s)");
  EXPECT_GE(std::stoi(uid), 61184) << "not a DynamicUser= uid: " << uid;
  EXPECT_LE(std::stoi(uid), 65519);
  EXPECT_EQ(StatusField(main_pid, "NoNewPrivs"), "1");
  EXPECT_EQ(StatusField(main_pid, "Seccomp"), "2");  // filter mode
  EXPECT_EQ(StatusField(main_pid, "CapBnd"), "0000000000000000");

  // Several refreshes of every collector; the audit bound with the credential.
  const std::set<std::string> collectors = {"audit", "tracking", "events", "queue_snapshot"};
  std::string metrics;
  ASSERT_TRUE(WaitForRefreshes(*service, port, collectors, 3, started - 1, &metrics));
  for (const std::string& c : collectors) {
    EXPECT_EQ(SampleValue(metrics, "exchange_collector_success{collector=\"" + c + "\"}"), 1)
        << c << "\n"
        << service->Log();
  }
  EXPECT_NE(metrics.find("exchange_ldap_up{"), std::string::npos) << metrics;
  EXPECT_TRUE(std::regex_search(metrics, std::regex(R"(\nexchange_smtp_mailbox_ok\{[^}]*\} 0\n)")))
      << "the store with the missing SMTP mailbox is not reported:\n"
      << metrics;
  EXPECT_NE(metrics.find("exchange_queue_snapshot_messages{server=\"EX00001\"} 7"),
            std::string::npos);
  EXPECT_NE(metrics.find("exchange_store_driver_logon_failures_total{"), std::string::npos);
  // Self-metrics read from /proc/self under ProtectProc=invisible and ProcSubset=pid.
  EXPECT_GT(SampleValue(metrics, "process_open_fds"), 3);
  EXPECT_GT(SampleValue(metrics, "process_max_fds"), 0);
  EXPECT_GT(SampleValue(metrics, "process_resident_memory_bytes"), 1e6);
  EXPECT_LT(SampleValue(metrics, "process_resident_memory_bytes"), 256.0 * 1024 * 1024);
  EXPECT_GT(SampleValue(metrics, "process_virtual_memory_bytes"), 1e6);
  EXPECT_GE(SampleValue(metrics, "process_cpu_seconds_total"), 0);
  EXPECT_NEAR(SampleValue(metrics, "process_start_time_seconds"), started, 5);

  // Collector threads run niced (the unit lets setpriority through), scrapes' threads do not.
  const std::map<pid_t, int> nice = ThreadNiceness(main_pid);
  int niced = 0;
  for (const auto& [tid, value] : nice)
    niced += value == 10 ? 1 : 0;
  EXPECT_GE(niced, 4) << "collector threads are not niced";
  EXPECT_EQ(nice.count(main_pid) ? nice.at(main_pid) : -1, 0);
  // Read offsets land in the unit's StateDirectory=, owned by the dynamic user.
  bool state_written = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir.File("state"))) {
    struct stat st;
    ASSERT_EQ(stat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(std::to_string(st.st_uid), uid) << entry.path();
    state_written = true;
  }
  EXPECT_TRUE(state_written) << "nothing written to the StateDirectory=";

  // systemctl reload: ExecReload= (kill -HUP $MAINPID) in the sandbox; collectors start over.
  write_config("[log]\nlevel = debug\n");
  const double reloaded = static_cast<double>(std::time(nullptr));
  service->Signal(SIGHUP);
  ASSERT_TRUE(service->WaitForLog(
      [](const std::string& log) {
        return log.find("configuration reloaded") != std::string::npos;
      },
      std::chrono::seconds(20)))
      << service->Log();
  EXPECT_TRUE(service->WaitForLog(
      [](const std::string& log) {
        return log.find("ExecReload= finished: code=exited, status=0/SUCCESS") != std::string::npos;
      },
      std::chrono::seconds(10)))
      << service->Log();
  ASSERT_TRUE(WaitForRefreshes(*service, port, collectors, 2, reloaded, &metrics));
  EXPECT_NE(service->Log().find("level=debug msg=\"collector audit refreshed"), std::string::npos)
      << "the reload did not apply [log] level";

  // systemctl stop: SIGTERM, a clean exit well within TimeoutStopSec=.
  EXPECT_EQ(service->Stop(std::chrono::seconds(70)), 0) << service->Log();
  const std::string log = service->Log();
  EXPECT_NE(log.find("main process exited, code=exited, status=0/SUCCESS"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("/SYS"), std::string::npos) << "killed for a refused system call:\n" << log;
  // Nothing failed softly either (SystemCallErrorNumber=EPERM turns a refused call into an error
  // the exporter would log).
  EXPECT_EQ(log.find("level=warn"), std::string::npos) << log;
  EXPECT_EQ(log.find("level=error"), std::string::npos) << log;
}

// The harness is no stand-in that runs the program as root: a shell script in the exporter's
// place reports what the unit lets it do.
TEST_F(ExporterUnderItsUnit, SandboxRefusesWhatTheUnitForbids) {
  TempDir dir("exdm-unit-sandbox-probe");
  for (const char* sub : {"etc", "state", "scratch"}) {
    ASSERT_TRUE(std::filesystem::create_directory(dir.File(sub)));
  }
  dir.Write("etc/ldap.secret", "s3cret\n");
  ASSERT_EQ(chmod(dir.File("etc/ldap.secret").c_str(), 0600), 0);
  dir.Write("probe.sh",
            "#!/bin/sh\n"
            "echo \"uid $(id -u)\"\n"
            "cat /etc/exchange-delivery-monitor/ldap.secret 2>/dev/null || echo 'secret: denied'\n"
            "echo \"credential: $(cat \"$CREDENTIALS_DIRECTORY/ldap.secret\")\"\n"
            "touch /etc/probe 2>/dev/null || echo '/etc: read-only'\n"
            "touch /var/lib/exchange-delivery-monitor/probe && echo 'state: writable'\n"
            "echo \"tmp entries: $(ls -A /tmp | wc -l)\"\n"
            "test -e /proc/stat || echo '/proc/stat: hidden'\n"
            "test -e /proc/1 || echo 'pid 1: invisible'\n"
            "renice -n 5 -p $$ >/dev/null && echo 'setpriority: allowed'\n"
            "unshare -n true 2>/dev/null || echo 'namespaces: refused'\n"
            "/usr/bin/python3 -c 'import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)' "
            "2>&1 | grep -o 'Address family not supported'\n"
            "/usr/bin/python3 -c 'import os; os.sched_setaffinity(0, {0})' 2>&1 "
            "| grep -o 'Operation not permitted'\n"
            "echo \"umask $(umask)\"\n");
  ASSERT_EQ(chmod(dir.File("probe.sh").c_str(), 0755), 0);
  const ProgramResult r = RunProgram(
      {kPython, SourceDir() + "/tests/support/unit_sandbox.py", UnitFile(), "--executable",
       dir.File("probe.sh"), "--configuration-directory", dir.File("etc"), "--state-directory",
       dir.File("state"), "--scratch", dir.File("scratch")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const int uid = std::stoi(Find(r.out, R"(uid (\d+))"));
  EXPECT_GE(uid, 61184);
  EXPECT_LE(uid, 65519);
  for (const char* line :
       {"secret: denied", "credential: s3cret", "/etc: read-only", "state: writable",
        "tmp entries: 0", "/proc/stat: hidden", "pid 1: invisible", "setpriority: allowed",
        "namespaces: refused", "Address family not supported", "Operation not permitted",
        "umask 0027"}) {
    EXPECT_NE(r.out.find(std::string(line) + "\n"), std::string::npos) << line << "\n"
                                                                       << r.out << r.err;
  }
}

}  // namespace
}  // namespace exdm::testing
