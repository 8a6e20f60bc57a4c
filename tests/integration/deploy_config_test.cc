// deploy/icinga2 and deploy/nagios as the real daemons read them: `icinga2 daemon -C` and
// `nagios4 -v` validate them on a throwaway configuration in a temp dir (nothing under /etc or
// /var is touched), and a short real run with a stand-in plugin shows the exact argv (and, for
// Icinga, environment) each command hands to check_exchange_delivery.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "paths.h"
#include "run_program.h"
#include "spawn.h"

namespace exdm::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A daemon in its own process group, stopped (group and all) when the test ends, even on failure.
class Daemon {
 public:
  Daemon(const std::vector<std::string>& argv, const std::vector<std::string>& env,
         const std::string& log) {
    const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ChildSetup setup;
    setup.own_process_group = true;
    setup.stdout_fd = log_fd;
    setup.stderr_fd = log_fd;
    for (const std::string& e : env)
      setup.env[e.substr(0, e.find('='))] = e.substr(e.find('=') + 1);
    if (log_fd >= 0) pid_ = SpawnChild(argv, setup, nullptr);
    if (log_fd >= 0) close(log_fd);
  }
  ~Daemon() {
    if (pid_ <= 0) return;
    kill(-pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        kill(-pid_, SIGKILL);  // stragglers in the group
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

 private:
  pid_t pid_ = -1;
};

// Waits until `path` holds at least `count` distinct lines (a stand-in plugin appends one per run).
std::set<std::string> WaitForDistinctLines(const std::string& path, size_t count,
                                           std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  std::set<std::string> lines;
  while (std::chrono::steady_clock::now() < until) {
    const std::vector<std::string> all = SplitLines(ReadFile(path));
    lines = std::set<std::string>(all.begin(), all.end());
    if (lines.size() >= count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return lines;
}

// Long options of the real plugin's --help: the option column of lines that start with "  -"
// (Boost prints "  -H [ --ldap-uri ] arg   description"; descriptions may mention options too).
std::set<std::string> PluginLongOptions() {
  const ProgramResult help = RunProgram({CheckBinary(), "--help"});
  std::set<std::string> options;
  const std::regex option(R"(--[a-z][a-z-]+)");
  for (const std::string& line : SplitLines(help.out)) {
    if (line.rfind("  -", 0) != 0) continue;
    const std::string column = line.substr(0, line.find("  ", 2));
    for (auto it = std::sregex_iterator(column.begin(), column.end(), option);
         it != std::sregex_iterator(); ++it) {
      options.insert(it->str());
    }
  }
  return options;
}

class DeployConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "deploy_config_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    chmod(dir_.c_str(), 0755);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content, mode_t mode = 0644) {
    const std::string path = dir_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << content;
    chmod(path.c_str(), mode);
    return path;
  }

  // A plugin stand-in that appends its argv (and the password variable) to dir_/calls.
  std::string FakePluginDir() {
    Write("plugins/check_exchange_delivery",
          "#!/bin/sh\n"
          // One write per run: the daemons start several checks at once, and separate writes
          // of concurrent runs would interleave within a line.
          "line=ARGS; for a in \"$@\"; do line=\"$line [$a]\"; done\n"
          "printf '%s ENV[%s]\\n' \"$line\" \"$EXCHANGE_DELIVERY_PASSWORD\" >> '" +
              dir_ +
              "/calls'\n"
              "echo 'EXCHANGE DELIVERY OK - stand-in'\n",
          0755);
    return dir_ + "/plugins";
  }

  std::string dir_;
};

// --- Icinga 2 ---------------------------------------------------------------------------------

class Icinga2Test : public DeployConfigTest {
 protected:
  // Every path Icinga 2 writes to, inside the temp dir; run as ourselves, not the icinga user.
  std::vector<std::string> Defines() {
    std::vector<std::string> d;
    for (const char* name : {"CacheDir", "DataDir", "LogDir", "SpoolDir", "InitRunDir"}) {
      const std::string path = dir_ + "/var/" + name;
      std::filesystem::create_directories(path);
      d.push_back(std::string("-D") + name + "=" + path);
    }
    return d;
  }
  std::vector<std::string> UserEnv() {
    const passwd* pw = getpwuid(geteuid());
    const group* gr = getgrgid(getegid());
    return {std::string("ICINGA2_USER=") + (pw ? pw->pw_name : "root"),
            std::string("ICINGA2_GROUP=") + (gr ? gr->gr_name : "root")};
  }
  ProgramResult Validate(const std::string& config,
                         const std::vector<std::string>& extra_defines = {}) {
    std::vector<std::string> argv = {"/usr/sbin/icinga2", "daemon", "-C", "-c", config};
    for (const std::string& d : Defines())
      argv.push_back(d);
    for (const std::string& d : extra_defines)
      argv.push_back(d);
    ProgramOptions options;
    for (const std::string& e : UserEnv()) {
      options.env[e.substr(0, e.find('='))] = e.substr(e.find('=') + 1);
    }
    return RunProgram(argv, options);
  }
  static std::string Command() { return SourceDir() + "/deploy/icinga2/exchange-delivery.conf"; }
  static std::string Services() { return SourceDir() + "/deploy/icinga2/services.conf.example"; }
  static constexpr const char* kHosts = R"(
object CheckCommand "nothing" { command = [ "/bin/true" ] }
object Host "EXCH01" {
  check_command = "nothing"
  vars.exchange_server = "EXCH01"
  vars.exchange_tracking_dir = "/srv/exchange/EXCH01.log"
  vars.exchange_event_file = "/srv/exchange/EXCH01-application.jsonl"
  vars.exchange_queue_snapshot = "/srv/exchange/EXCH01.log/EXCH01-queue.csv"
}
object Host "EXCH02" {
  check_command = "nothing"
  vars.exchange_server = "EXCH02"
  vars.exchange_tracking_dir = "/srv/exchange/EXCH02.log"
  vars.exchange_mailbox_snapshot = "/srv/exchange/EXCH02.log/EXCH02-mailboxes.csv"
  vars.exchange_dsaccess_snapshot = "/srv/exchange/EXCH02.log/EXCH02-dsaccess.csv"
}
object Host "EXCH03" {
  check_command = "nothing"
  vars.exchange_server = "EXCH03"
  vars.exchange_queue_snapshot = "/srv/exchange/EXCH03-queue.csv"
}
object Host "contoso-ad" {
  check_command = "nothing"
  vars.exchange_ldap_uri = [ "ldaps://gc1.contoso.com:3269", "ldaps://gc2.contoso.com:3269" ]
  vars.exchange_bind_dn = "CN=svc-monitor,OU=Service,DC=contoso,DC=com"
  vars.exchange_password_file = "/etc/exchange-delivery-monitor/ldap.secret"
}
)";
};

TEST_F(Icinga2Test, ValidatesTheCheckCommandAndTheExampleApplyRules) {
  const std::string config =
      Write("icinga2.conf", "include <itl>\nconst PluginDir = \"" + dir_ + "\"\ninclude \"" +
                                Command() + "\"\ninclude \"" + Services() + "\"\n" + kHosts);
  const ProgramResult r = Validate(config);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Apply rules matched: mailbox on contoso-ad, queue on EXCH01 (tracking logs and WMI snapshot),
  // EXCH02 (tracking logs) and EXCH03 (WMI snapshot only), events on EXCH01, the store view on
  // EXCH02 (its mailbox and DSAccess snapshots).
  EXPECT_NE(r.out.find("Instantiated 6 Services."), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("warning/"), std::string::npos) << r.out;
}

TEST_F(Icinga2Test, TheValidatorRejectsABrokenConfiguration) {
  // Proves the harness can fail: the same setup with a service naming a missing template.
  const std::string config =
      Write("icinga2.conf", "include <itl>\nconst PluginDir = \"" + dir_ + "\"\ninclude \"" +
                                Command() + "\"\n" + kHosts +
                                "object Service \"x\" { host_name = \"EXCH01\"; import \"absent\"; "
                                "check_command = \"exchange-delivery\" }\n");
  const ProgramResult r = Validate(config);
  EXPECT_NE(r.exit_code, 0) << r.out;
}

TEST_F(Icinga2Test, RendersTheExampleServicesAndPassesThePasswordInTheEnvironment) {
  const std::string plugins = FakePluginDir();
  // The example apply rules as shipped, only with intervals short enough for a test run.
  std::string services = ReadFile(Services());
  for (const char* interval : {"check_interval = 5m", "check_interval = 15m"}) {
    const size_t at = services.find(interval);
    ASSERT_NE(at, std::string::npos) << interval;
    services.replace(at, std::string(interval).size(), "check_interval = 1s");
  }
  Write("services.conf", services);
  const std::string config = Write("icinga2.conf",
                                   "object CheckerComponent \"checker\" { }\n"
                                   "const PluginDir = \"" +
                                       plugins +
                                       "\"\n"
                                       "include \"" +
                                       Command() +
                                       "\"\n"
                                       "include \"services.conf\"\n" +
                                       kHosts + R"(
object Host "lab-ad" { check_command = "nothing" }
object Service "audit-with-password" {
  host_name = "lab-ad"
  check_command = "exchange-delivery"
  check_interval = 1s
  vars.exchange_delivery_mode = "mailbox"
  vars.exchange_delivery_ldap_uri = "ldap://dc1.lab"
  vars.exchange_delivery_bind_dn = "CN=svc,DC=lab"
  vars.exchange_delivery_password = "s3cret with spaces"
  vars.exchange_delivery_starttls = true
  vars.exchange_delivery_server = [ "EXCH01", "EXCH02" ]
  vars.exchange_delivery_finding_severity = [ "orphan=CRITICAL" ]
  vars.exchange_delivery_timeout = "20:CRITICAL"
  vars.exchange_delivery_verbose = false
}
)");
  std::vector<std::string> argv = {"/usr/lib/x86_64-linux-gnu/icinga2/sbin/icinga2", "daemon", "-c",
                                   config};
  if (access(argv[0].c_str(), X_OK) != 0) argv[0] = "/usr/sbin/icinga2";
  for (const std::string& d : Defines())
    argv.push_back(d);
  const std::set<std::string> expected = {
      "ARGS [mailbox] [--bind-dn] [CN=svc-monitor,OU=Service,DC=contoso,DC=com] [--ldap-uri] "
      "[ldaps://gc1.contoso.com:3269] [--ldap-uri] [ldaps://gc2.contoso.com:3269] "
      "[--password-file] [/etc/exchange-delivery-monitor/ldap.secret] [--remediation-ldif] "
      "[/var/tmp/exchange-delivery-contoso-ad.ldif] [--timeout] [30] ENV[]",
      // Both queue sources: each checked against the other.
      "ARGS [queue] [--critical] [1800] [--queue-snapshot] "
      "[EXCH01=/srv/exchange/EXCH01.log/EXCH01-queue.csv] [--snapshot-max-age] [900] "
      "[--snapshot-tolerance] [600] [--timeout] [30] [--tracking-dir] "
      "[EXCH01=/srv/exchange/EXCH01.log] [--warning] [900] ENV[]",
      "ARGS [queue] [--critical] [1800] [--timeout] [30] [--tracking-dir] "
      "[EXCH02=/srv/exchange/EXCH02.log] [--warning] [900] ENV[]",
      // Message tracking off: the WMI snapshot alone.
      "ARGS [queue] [--critical] [1800] [--queue-snapshot] [EXCH03=/srv/exchange/EXCH03-queue.csv] "
      "[--snapshot-max-age] [900] [--snapshot-tolerance] [600] [--timeout] [30] [--warning] [900] "
      "ENV[]",
      "ARGS [events] [--event-file] [EXCH01=/srv/exchange/EXCH01-application.jsonl] [--timeout] "
      "[30] [--window] [3600] ENV[]",
      // The store's own view from its two snapshots.
      "ARGS [all] [--dsaccess-snapshot] [EXCH02=/srv/exchange/EXCH02.log/EXCH02-dsaccess.csv] "
      "[--mailbox-snapshot] [EXCH02=/srv/exchange/EXCH02.log/EXCH02-mailboxes.csv] "
      "[--snapshot-max-age] [900] [--timeout] [30] ENV[]",
      // The password only in the environment, never in argv.
      "ARGS [mailbox] [--bind-dn] [CN=svc,DC=lab] [--finding-severity] [orphan=CRITICAL] "
      "[--ldap-uri] [ldap://dc1.lab] [--password-env] [EXCHANGE_DELIVERY_PASSWORD] [--server] "
      "[EXCH01] [--server] [EXCH02] [--starttls] [--timeout] [20:CRITICAL] "
      "ENV[s3cret with spaces]",
  };
  std::set<std::string> calls;
  {
    Daemon icinga(argv, UserEnv(), dir_ + "/icinga2.log");
    calls = WaitForDistinctLines(dir_ + "/calls", expected.size(), std::chrono::seconds(60));
  }
  EXPECT_EQ(calls, expected) << ReadFile(dir_ + "/icinga2.log");
}

// deploy/icinga2/distributed: a master whose zones.d holds the CheckCommand and the apply rules in
// the global zone and each site's hosts in that site's zone, as zones.conf.master.example says.
// The master validates everything it syncs; every service lands in its host's site zone (where
// that site's satellite runs it, next to the shares).
TEST_F(Icinga2Test, SatelliteZonesValidateOnTheMasterWithEachServiceInItsSiteZone) {
  const std::string dist = SourceDir() + "/deploy/icinga2/distributed";
  Write("master/zones.conf", ReadFile(dist + "/zones.conf.master.example"));
  Write("master/zones.d/global-templates/exchange-delivery.conf", ReadFile(Command()));
  Write("master/zones.d/global-templates/exchange-delivery-services.conf", ReadFile(Services()));
  const std::string hosts = ReadFile(dist + "/zones.d/site/hosts.conf.example");
  Write("master/zones.d/berlin/hosts.conf", hosts);
  // The second site: the same file with its own names.
  std::string madrid = std::regex_replace(hosts, std::regex("berlin"), "madrid");
  madrid = std::regex_replace(madrid, std::regex("BER"), "MAD");
  madrid = std::regex_replace(madrid, std::regex("ber"), "mad");
  Write("master/zones.d/madrid/hosts.conf", madrid);
  const std::string config =
      Write("master/icinga2.conf",
            "const NodeName = \"icinga-master.contoso.com\"\n"
            "const ZoneName = \"master\"\nconst PluginDir = \"" +
                dir_ + "\"\ninclude <itl>\ninclude <plugins>\ninclude \"zones.conf\"\n");
  const std::vector<std::string> zones_dir = {"-DZonesDir=" + dir_ + "/master/zones.d"};
  const ProgramResult r = Validate(config, zones_dir);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Per site: queue and events on both Exchange servers, the store's own view on the first, the
  // mailbox audit on the AD host.
  EXPECT_NE(r.out.find("Instantiated 12 Services."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Instantiated 4 Zones."), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("warning/"), std::string::npos) << r.out;

  // Which zone each service is in, from the objects the validation wrote.
  std::vector<std::string> argv = {"/usr/sbin/icinga2", "object", "list", "--type", "Service"};
  for (const std::string& d : Defines())
    argv.push_back(d);
  ProgramOptions options;
  for (const std::string& e : UserEnv())
    options.env[e.substr(0, e.find('='))] = e.substr(e.find('=') + 1);
  const ProgramResult list = RunProgram(argv, options);
  ASSERT_EQ(list.exit_code, 0) << list.out << list.err;
  std::map<std::string, std::string> zone_of;  // "HOST!service" -> zone
  std::string current;
  const std::regex object(R"re(^Object '([^']+)' of type 'Service')re");
  const std::regex zone(R"re(^\s+\* zone = "([^"]+)")re");
  for (const std::string& line : SplitLines(list.out)) {
    std::smatch m;
    if (std::regex_search(line, m, object)) current = m[1];
    if (std::regex_search(line, m, zone) && !current.empty()) zone_of[current] = m[1];
  }
  ASSERT_EQ(zone_of.size(), 12u) << list.out;
  for (const auto& [service, z] : zone_of) {
    const bool berlin =
        service.find("BER") != std::string::npos || service.find("berlin") != std::string::npos;
    EXPECT_EQ(z, berlin ? "berlin" : "madrid") << service;
  }
  EXPECT_EQ(zone_of.count("EXCH-BER01!exchange-local-delivery"), 1u);
  EXPECT_EQ(zone_of.count("EXCH-MAD01!exchange-store-view"), 1u);
  EXPECT_EQ(zone_of.count("contoso-ad-madrid!exchange-smtp-mailboxes"), 1u);
}

// The satellite's side: its zones.conf (the master dialled, its own zone, the global zone) is a
// valid configuration on its own, before anything arrived from the master.
TEST_F(Icinga2Test, SatelliteZonesConfValidatesOnTheSatellite) {
  Write("satellite/zones.conf",
        ReadFile(SourceDir() + "/deploy/icinga2/distributed/zones.conf.satellite.example"));
  const std::string config =
      Write("satellite/icinga2.conf",
            "const NodeName = \"icinga-berlin.contoso.com\"\nconst ZoneName = \"berlin\"\n"
            "include <itl>\ninclude \"zones.conf\"\n");
  const ProgramResult r = Validate(config, {"-DZonesDir=" + dir_ + "/satellite/zones.d"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Instantiated 3 Zones."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Instantiated 2 Endpoints."), std::string::npos) << r.out;
}

TEST_F(Icinga2Test, CheckCommandCoversEveryPluginOptionAndNoOther) {
  const std::string conf = ReadFile(Command());
  std::set<std::string> keys;
  const std::regex key(R"re("(--[a-z-]+)" = \{)re");
  for (auto it = std::sregex_iterator(conf.begin(), conf.end(), key); it != std::sregex_iterator();
       ++it) {
    keys.insert((*it)[1]);
  }
  std::set<std::string> options = PluginLongOptions();
  ASSERT_GT(options.size(), 30u);
  for (const char* not_for_checks : {"--help", "--version", "--now"})
    options.erase(not_for_checks);
  EXPECT_EQ(keys, options);
  // Command timeout above the plugin's default -t plus its one-second alarm grace.
  EXPECT_NE(conf.find("vars.exchange_delivery_timeout = 30"), std::string::npos);
  EXPECT_NE(conf.find("timeout = 45s"), std::string::npos);
}

// A misspelt custom variable (exchange_delivery_snapshot_maxage) is no error for Icinga: the
// option would silently keep its default. Every one the example sets is one the command reads.
TEST_F(Icinga2Test, ExampleServicesSetOnlyVariablesTheCheckCommandReads) {
  const std::string conf = ReadFile(Command());
  const std::string services = ReadFile(Services());
  const std::regex var(R"(vars\.(exchange_delivery_[a-z_]+))");
  std::set<std::string> set_by_example;
  for (auto it = std::sregex_iterator(services.begin(), services.end(), var);
       it != std::sregex_iterator(); ++it) {
    set_by_example.insert((*it)[1]);
  }
  EXPECT_TRUE(set_by_example.count("exchange_delivery_queue_snapshot"));
  EXPECT_TRUE(set_by_example.count("exchange_delivery_snapshot_max_age"));
  EXPECT_TRUE(set_by_example.count("exchange_delivery_snapshot_tolerance"));
  for (const std::string& name : set_by_example) {
    EXPECT_NE(conf.find("\"$" + name + "$\""), std::string::npos)
        << name << " is set by the example but read by no argument";
  }
}

// --- Nagios 4 ---------------------------------------------------------------------------------

class NagiosTest : public DeployConfigTest {
 protected:
  std::string MainConfig(const std::string& user1, const std::string& extra_objects = "") {
    Write("resource.cfg", "$USER1$=" + user1 + "\n");
    Write("base.cfg",
          "define timeperiod {\n timeperiod_name 24x7\n alias 24x7\n"
          " sunday 00:00-24:00\n monday 00:00-24:00\n tuesday 00:00-24:00\n"
          " wednesday 00:00-24:00\n thursday 00:00-24:00\n friday 00:00-24:00\n"
          " saturday 00:00-24:00\n}\n"
          "define command {\n command_name notify-none\n command_line /bin/true\n}\n"
          "define contact {\n contact_name admin\n service_notification_period 24x7\n"
          " host_notification_period 24x7\n service_notification_options n\n"
          " host_notification_options n\n service_notification_commands notify-none\n"
          " host_notification_commands notify-none\n}\n"
          "define contactgroup {\n contactgroup_name admins\n alias admins\n members admin\n}\n" +
              extra_objects);
    const passwd* pw = getpwuid(geteuid());
    const group* gr = getgrgid(getegid());
    std::string cfg;
    for (const std::string& f :
         {dir_ + "/base.cfg", SourceDir() + "/deploy/nagios/exchange-delivery.cfg",
          SourceDir() + "/deploy/nagios/services.cfg.example"}) {
      cfg += "cfg_file=" + f + "\n";
    }
    cfg += "resource_file=" + dir_ + "/resource.cfg\n";
    for (const char* key :
         {"log_file", "status_file", "lock_file", "temp_file", "command_file",
          "state_retention_file", "object_cache_file", "precached_object_file", "debug_file"}) {
      cfg += std::string(key) + "=" + dir_ + "/" + key + "\n";
    }
    cfg += "check_result_path=" + dir_ + "\ntemp_path=" + dir_ + "\n";
    cfg += std::string("nagios_user=") + (pw ? pw->pw_name : "root") + "\n";
    cfg += std::string("nagios_group=") + (gr ? gr->gr_name : "root") + "\n";
    // The Debian default set; without it nagios -v warns.
    cfg += "illegal_macro_output_chars=`~$&|'\"<>\n";
    // For the short real run: seconds as the interval unit, first checks right away.
    cfg +=
        "interval_length=1\nmax_service_check_spread=1\nmax_host_check_spread=1\n"
        "execute_host_checks=0\ncheck_external_commands=0\nenable_notifications=0\n"
        "use_syslog=0\n";
    return Write("nagios.cfg", cfg);
  }
};

TEST_F(NagiosTest, ValidatesCommandsTemplatesAndTheExample) {
  const ProgramResult r = RunProgram({"/usr/sbin/nagios4", "-v", MainConfig(dir_)});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Checked 6 services."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Checked 8 commands."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total Warnings: 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Total Errors:   0"), std::string::npos) << r.out;
}

// nagios -v does not run the plugin: an option misspelt in a command_line would only show as an
// UNKNOWN in production. Every long option the commands use is one the real plugin has.
TEST_F(NagiosTest, CommandLinesUseOnlyRealPluginOptions) {
  const std::string cfg = ReadFile(SourceDir() + "/deploy/nagios/exchange-delivery.cfg");
  const std::set<std::string> options = PluginLongOptions();
  const std::regex option(R"(--[a-z][a-z-]+)");
  std::set<std::string> used;
  for (const std::string& line : SplitLines(cfg)) {
    if (line.find("command_line") == std::string::npos) continue;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), option);
         it != std::sregex_iterator(); ++it) {
      used.insert(it->str());
    }
  }
  for (const char* expected : {"--tracking-dir", "--event-file", "--queue-snapshot",
                               "--snapshot-max-age", "--snapshot-tolerance", "--extra-opts"}) {
    EXPECT_TRUE(used.count(expected)) << expected;
  }
  for (const std::string& o : used) {
    EXPECT_TRUE(options.count(o)) << o << " is not an option of check_exchange_delivery";
  }
}

TEST_F(NagiosTest, TheValidatorRejectsABrokenConfiguration) {
  const ProgramResult r = RunProgram(
      {"/usr/sbin/nagios4", "-v",
       MainConfig(dir_, "define service {\n use exchange-delivery-queue\n host_name NOHOST\n}\n")});
  EXPECT_NE(r.exit_code, 0) << r.out;
}

TEST_F(NagiosTest, CommandLinesHandTheRightArgumentsToThePlugin) {
  const std::string config = MainConfig(FakePluginDir());
  std::set<std::string> calls;
  {
    Daemon nagios({"/usr/sbin/nagios4", config}, {}, dir_ + "/nagios.out");
    calls = WaitForDistinctLines(dir_ + "/calls", 6, std::chrono::seconds(60));
  }
  const std::set<std::string> expected = {
      "ARGS [mailbox] [-H] [ldaps://gc1.contoso.com:3269] [-D] "
      "[CN=svc-monitor,OU=Service,DC=contoso,DC=com] [--password-file] "
      "[/etc/exchange-delivery-monitor/ldap.secret] [--remediation-ldif] "
      "[/var/tmp/exchange-delivery.ldif] ENV[]",
      "ARGS [queue] [--tracking-dir] [EXCH01=/srv/exchange/EXCH01.log] [--queue-snapshot] "
      "[EXCH01=/srv/exchange/EXCH01.log/EXCH01-queue.csv] [--snapshot-max-age] [900] "
      "[--snapshot-tolerance] [600] [-w] [900] [-c] [1800] ENV[]",
      "ARGS [queue] [--queue-snapshot] [EXCH02=/srv/exchange/EXCH02-queue.csv] "
      "[--snapshot-max-age] [1200] [-w] [900] [-c] [1800] ENV[]",
      "ARGS [events] [--event-file] [EXCH01=/srv/exchange/EXCH01-application.jsonl] [--window] "
      "[86400] [-t] [20:CRITICAL] ENV[]",
      "ARGS [all] [--extra-opts=@/etc/exchange-delivery-monitor/check_exchange_delivery.ini] ENV[]",
      "ARGS [all] [--mailbox-snapshot] [EXCH01=/srv/exchange/EXCH01.log/EXCH01-mailboxes.csv] "
      "[--dsaccess-snapshot] [EXCH01=/srv/exchange/EXCH01.log/EXCH01-dsaccess.csv] "
      "[--snapshot-max-age] [900] ENV[]",
  };
  EXPECT_EQ(calls, expected) << ReadFile(dir_ + "/log_file");
}

}  // namespace
}  // namespace exdm::testing
