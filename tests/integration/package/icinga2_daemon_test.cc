// A real Icinga 2 daemon runs the installed package: in the foreground with its own temporary
// configuration and state (-DDataDir=... and friends), started as root and running as the nagios
// user as Debian's icinga2 does, with the CheckCommand and the example apply rules from the .deb
// unpacked into a temporary root (only their intervals shortened), hosts described by the custom
// variables the example documents, against slapd, tracking logs and an event export (the
// broken-store scenario). The results are read back through Icinga's REST API (an ApiListener on
// a loopback port, TLS with a throwaway CA, an ApiUser): state, output and the perfdata as Icinga
// parsed it, and the command line it ran.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "background_process.h"
#include "broken_store_scenario.h"
#include "fault_support.h"
#include "installed_package.h"
#include "package_daemon_test.h"
#include "run_program.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

constexpr const char kNode[] = "exdm-icinga";

// A CA and a certificate for kNode signed by it, where Icinga 2.13 looks for them
// (DataDir/certs/<NodeName>.crt|.key, ca.crt).
::testing::AssertionResult MakeCertificates(const std::string& dir, const std::string& certs) {
  const std::string node = certs + "/" + kNode;
  const std::vector<std::vector<std::string>> steps = {
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
       dir + "/ca.key", "-out", certs + "/ca.crt", "-subj", "/CN=exdm-test-ca", "-days", "2"},
      {"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", node + ".key", "-out",
       dir + "/node.csr", "-subj", std::string("/CN=") + kNode},
      {"/usr/bin/openssl", "x509", "-req", "-in", dir + "/node.csr", "-CA", certs + "/ca.crt",
       "-CAkey", dir + "/ca.key", "-CAcreateserial", "-out", node + ".crt", "-days", "2"},
  };
  for (const auto& step : steps) {
    const ProgramResult r = RunProgram(step);
    if (r.exit_code != 0) return ::testing::AssertionFailure() << step[1] << ": " << r.err;
  }
  return ::testing::AssertionSuccess();
}

TEST_F(PackageDaemonTest, Icinga2RunsTheInstalledPluginThroughTheShippedCheckCommandAndApplyRules) {
  const BrokenStoreScenario& scenario = *scenario_;
  const std::string& d = dir_.path();

  std::vector<std::string> defines = {std::string("-DNodeName=") + kNode};
  for (const char* name : {"CacheDir", "DataDir", "LogDir", "SpoolDir", "InitRunDir"}) {
    const std::string path = d + "/var/" + name;
    std::filesystem::create_directories(path);
    defines.push_back(std::string("-D") + name + "=" + path);
  }
  std::filesystem::create_directories(d + "/var/DataDir/certs");
  ASSERT_TRUE(MakeCertificates(d, d + "/var/DataDir/certs"));
  ChownTree(d + "/var", nagios_);

  // The example apply rules as shipped, only with intervals short enough for a test.
  std::string services = ReadWholeFile(package_->Share("icinga2/services.conf.example"));
  ASSERT_FALSE(services.empty());
  services =
      std::regex_replace(services, std::regex("check_interval = [0-9]+m"), "check_interval = 2s");
  services =
      std::regex_replace(services, std::regex("retry_interval = [0-9]+m"), "retry_interval = 1s");
  dir_.Write("services.conf", services);

  // The mailbox apply rule writes its repair to /var/tmp/exchange-delivery-<host>.ldif: a host
  // name of this run's own, and the file removed afterwards.
  const std::string ad_host = "exdm-test-ad-" + std::to_string(getpid());
  const std::string repair = "/var/tmp/exchange-delivery-" + ad_host + ".ldif";
  struct RemoveAtExit {
    std::string path;
    ~RemoveAtExit() { std::filesystem::remove(path); }
  } remove_repair{repair};
  const int api_port = FreeLoopbackPort();
  const std::string api_password = "exdm-" + std::to_string(getpid());
  dir_.Write("icinga2.conf",
             "object Endpoint NodeName { }\n"
             "object Zone \"master\" { endpoints = [ NodeName ] }\n"
             "object ApiListener \"api\" { bind_host = \"127.0.0.1\"; bind_port = " +
                 std::to_string(api_port) +
                 " }\n"
                 "object ApiUser \"exdm\" { password = \"" +
                 api_password +
                 "\"; permissions = [ \"objects/query/*\" ] }\n"
                 "object CheckerComponent \"checker\" { }\n"
                 "const PluginDir = \"" +
                 package_->Path("/usr/lib/nagios/plugins") +
                 "\"\n"
                 "include \"" +
                 package_->Share("icinga2/exchange-delivery.conf") +
                 "\"\n"
                 "include \"services.conf\"\n"
                 "object CheckCommand \"alive\" { command = [ \"/bin/true\" ] }\n"
                 "object Host \"" +
                 ad_host +
                 "\" {\n  check_command = \"alive\"\n  enable_active_checks = false\n"
                 "  vars.exchange_ldap_uri = \"" +
                 scenario.slapd->uri() + "\"\n  vars.exchange_bind_dn = \"" +
                 scenario.slapd->monitor_dn() + "\"\n  vars.exchange_password_file = \"" +
                 scenario.password_file +
                 "\"\n}\n"
                 "object Host \"EXCH01\" {\n  check_command = \"alive\"\n"
                 "  enable_active_checks = false\n  vars.exchange_server = \"EXCH01\"\n"
                 "  vars.exchange_tracking_dir = \"" +
                 scenario.tracking_dir + "\"\n  vars.exchange_event_file = \"" +
                 scenario.event_file +
                 "\"\n"
                 // Macros resolve service, then host variables: one state file per service in
                 // the test's directory instead of the plugin's default under /var/tmp.
                 "  vars.exchange_delivery_state_file = \"" +
                 state_dir_ + "/$service.name$.state\"\n}\n");

  std::vector<std::string> argv = {"/usr/bin/env", "ICINGA2_USER=nagios", "ICINGA2_GROUP=nagios",
                                   "/usr/lib/x86_64-linux-gnu/icinga2/sbin/icinga2"};
  if (access(argv[3].c_str(), X_OK) != 0) argv[3] = "/usr/sbin/icinga2";
  for (const std::string& a : std::vector<std::string>{"daemon", "-c", d + "/icinga2.conf"})
    argv.push_back(a);
  argv.insert(argv.end(), defines.begin(), defines.end());
  std::string error;
  auto daemon = BackgroundProcess::Start(argv, d + "/icinga2.log", &error,
                                         /*own_process_group=*/true);
  ASSERT_TRUE(daemon) << error;

  const std::map<std::string, BrokenStoreScenario::Expected> expected = {
      {ad_host + "!exchange-smtp-mailboxes", scenario.Mailbox()},
      {"EXCH01!exchange-local-delivery", scenario.Queue()},
      {"EXCH01!exchange-store-driver-events", scenario.Events()},
  };
  auto query = [&]() {
    const ProgramResult r =
        RunProgram({"/usr/bin/curl", "-sS", "--fail", "--max-time", "5", "--cacert",
                    d + "/var/DataDir/certs/ca.crt", "--resolve",
                    std::string(kNode) + ":" + std::to_string(api_port) + ":127.0.0.1", "-u",
                    "exdm:" + api_password,
                    "https://" + std::string(kNode) + ":" + std::to_string(api_port) +
                        "/v1/objects/services?attrs=last_check_result"});
    std::map<std::string, nlohmann::json> results;
    if (r.exit_code != 0) return results;
    const auto body = nlohmann::json::parse(r.out, nullptr, false);
    if (body.is_discarded()) return results;
    for (const auto& s : body["results"]) {
      results[s["name"].get<std::string>()] = s["attrs"]["last_check_result"];
    }
    return results;
  };
  auto matches = [](const nlohmann::json& result, const BrokenStoreScenario::Expected& want) {
    if (!result.is_object()) return false;
    const std::string output = result.value("output", "");
    if (result.value("exit_status", -1) != want.state) return false;
    if (!want.StatusLineMatches(output.substr(0, output.find('\n')))) return false;
    for (const std::string& item : want.perfdata) {
      bool found = false;
      for (const auto& p : result["performance_data"])
        found = found || (p.is_string() && p == item);
      if (!found) return false;
    }
    return true;
  };
  std::map<std::string, nlohmann::json> results;
  PollUntil(
      [&]() {
        results = query();
        for (const auto& [name, want] : expected) {
          if (results.count(name) == 0 || !matches(results[name], want)) return false;
        }
        return true;
      },
      *daemon, std::chrono::seconds(60), std::chrono::milliseconds(500));
  const std::string log = ReadWholeFile(d + "/icinga2.log");
  daemon.reset();  // stops icinga2 and its workers

  for (const auto& [name, want] : expected) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(results.count(name)) << "no such service; Icinga's log:\n" << log;
    const nlohmann::json& r = results[name];
    const std::string output = r.value("output", "");
    EXPECT_EQ(r.value("exit_status", -1), want.state) << output;
    EXPECT_EQ(r.value("state", -1.0), static_cast<double>(want.state)) << output;
    EXPECT_TRUE(want.StatusLineMatches(output.substr(0, output.find('\n')))) << output;
    EXPECT_EQ(output.find('|'), std::string::npos) << "perfdata left in the output: " << output;
    for (const std::string& item : want.perfdata) {
      EXPECT_NE(std::find(r["performance_data"].begin(), r["performance_data"].end(), item),
                r["performance_data"].end())
          << item << " not among " << r["performance_data"].dump();
    }
    // The command Icinga ran: the installed plugin.
    ASSERT_TRUE(r["command"].is_array() && !r["command"].empty()) << r.dump();
    EXPECT_EQ(r["command"][0], package_->Plugin());
  }
  // Icinga merges the long output into `output`: the per-store lines follow the status line.
  EXPECT_NE(results[ad_host + "!exchange-smtp-mailboxes"].value("output", "").find("\n"),
            std::string::npos);

  // The checks ran as nagios: what the plugin wrote belongs to it.
  struct stat st {};
  const bool wrote_repair = stat(repair.c_str(), &st) == 0;
  const std::string repair_text = ReadWholeFile(repair);
  ASSERT_TRUE(wrote_repair) << "the mailbox check wrote no " << repair;
  EXPECT_EQ(static_cast<int>(st.st_uid), nagios_.uid);
  EXPECT_NE(repair_text.find("mailGateway"), std::string::npos) << repair_text;
  for (const char* state :
       {"exchange-local-delivery.state", "exchange-store-driver-events.state"}) {
    ASSERT_EQ(stat((state_dir_ + "/" + state).c_str(), &st), 0)
        << state << " missing; " << log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
    EXPECT_EQ(static_cast<int>(st.st_uid), nagios_.uid) << state;
  }
  std::cout << "[ timing ] icinga2: services as expected after " << ElapsedMs() << " ms\n";
}

}  // namespace
}  // namespace exdm::testing
