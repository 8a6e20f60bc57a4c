// A real Nagios 4 daemon runs the installed package: the plugin and the Nagios definitions
// (commands and service templates, exchange-delivery.cfg) from the .deb unpacked into a temporary
// root, hosts described as the definitions document (custom variables), the daemon started as root
// and running its checks as the nagios user, against slapd, tracking logs and an event export (the
// broken-store scenario). Nagios' own status file must then hold, for each service, the state, the
// status line, the long output and the perfdata the plugin meant: Nagios' reading of our output.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
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

// status.dat's servicestatus blocks, by service_description: key=value lines between
// "servicestatus {" and "\t}".
std::map<std::string, std::map<std::string, std::string>> ServiceStatus(const std::string& text) {
  std::map<std::string, std::map<std::string, std::string>> services;
  std::map<std::string, std::string> block;
  bool in_block = false;
  for (const std::string& line : SplitLines(text)) {
    if (line == "servicestatus {") {
      in_block = true;
      block.clear();
    } else if (in_block && line == "\t}") {
      in_block = false;
      services[block["host_name"] + "/" + block["service_description"]] = block;
    } else if (in_block) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) block[line.substr(1, eq - 1)] = line.substr(eq + 1);
    }
  }
  return services;
}

bool Matches(const std::map<std::string, std::string>& status,
             const BrokenStoreScenario::Expected& expected) {
  if (status.count("has_been_checked") == 0 || status.at("has_been_checked") != "1") return false;
  if (status.at("current_state") != std::to_string(expected.state)) return false;
  if (!expected.StatusLineMatches(status.at("plugin_output"), /*nagios=*/true)) return false;
  for (const std::string& item : expected.perfdata) {
    if ((" " + status.at("performance_data") + " ").find(" " + item + " ") == std::string::npos) {
      return false;
    }
  }
  return true;
}

TEST_F(PackageDaemonTest, Nagios4RunsTheInstalledPluginAsNagiosAndRecordsWhatItSays) {
  const BrokenStoreScenario& scenario = *scenario_;
  const std::string& d = dir_.path();
  const std::string var = d + "/nagios";  // everything the daemon writes, owned by nagios
  std::filesystem::create_directories(var + "/checkresults");
  ChownTree(var, nagios_);

  // The admin's edit of the packaged --extra-opts file for the `all` service.
  const std::string ini =
      package_->Path("/etc/exchange-delivery-monitor/check_exchange_delivery.ini");
  std::ofstream(ini) << "[check_exchange_delivery]\nldap-uri = " << scenario.slapd->uri()
                     << "\nbind-dn = " << scenario.slapd->monitor_dn()
                     << "\npassword-file = " << scenario.password_file
                     << "\ntracking-dir = EXCH01=" << scenario.tracking_dir
                     << "\nevent-file = EXCH01=" << scenario.event_file
                     << "\nserver = EXCH01\nstate-file = " << state_dir_ << "/all.state\n";

  dir_.Write("resource.cfg", "$USER1$=" + package_->Path("/usr/lib/nagios/plugins") + "\n");
  // What every Nagios installation has (a 24x7 timeperiod, a contact group), then hosts with the
  // custom variables exchange-delivery.cfg documents and one service per command, using its
  // templates. State files go through the commands' last argument (further plugin options).
  const std::string repair = state_dir_ + "/repair.ldif";
  dir_.Write("objects.cfg",
             "define timeperiod {\n timeperiod_name 24x7\n alias 24x7\n sunday 00:00-24:00\n"
             " monday 00:00-24:00\n tuesday 00:00-24:00\n wednesday 00:00-24:00\n"
             " thursday 00:00-24:00\n friday 00:00-24:00\n saturday 00:00-24:00\n}\n"
             "define command {\n command_name notify-none\n command_line /bin/true\n}\n"
             "define contact {\n contact_name admin\n service_notification_period 24x7\n"
             " host_notification_period 24x7\n service_notification_options n\n"
             " host_notification_options n\n service_notification_commands notify-none\n"
             " host_notification_commands notify-none\n}\n"
             "define contactgroup {\n contactgroup_name admins\n alias admins\n members admin\n}\n"
             "define host {\n host_name contoso-ad\n address 127.0.0.1\n max_check_attempts 1\n"
             " check_period 24x7\n notification_period 24x7\n contact_groups admins\n"
             " _EXCHANGE_LDAP_URI " +
                 scenario.slapd->uri() + "\n _EXCHANGE_BIND_DN " + scenario.slapd->monitor_dn() +
                 "\n _EXCHANGE_PASSWORD_FILE " + scenario.password_file +
                 "\n}\n"
                 "define host {\n host_name EXCH01\n address 127.0.0.1\n max_check_attempts 1\n"
                 " check_period 24x7\n notification_period 24x7\n contact_groups admins\n"
                 " _EXCHANGE_SERVER EXCH01\n _EXCHANGE_TRACKING_DIR " +
                 scenario.tracking_dir + "\n _EXCHANGE_EVENT_FILE " + scenario.event_file +
                 "\n}\n"
                 "define service {\n use exchange-delivery-mailbox\n host_name contoso-ad\n"
                 " contact_groups admins\n check_command check_exchange_delivery_mailbox!"
                 "--remediation-ldif " +
                 repair +
                 "\n}\n"
                 "define service {\n use exchange-delivery-queue\n host_name EXCH01\n"
                 " contact_groups admins\n check_command check_exchange_delivery_queue!900!1800!"
                 "--state-file " +
                 state_dir_ +
                 "/queue.state\n}\n"
                 "define service {\n use exchange-delivery-events\n host_name EXCH01\n"
                 " contact_groups admins\n check_command check_exchange_delivery_events!3600!"
                 "--state-file " +
                 state_dir_ +
                 "/events.state\n}\n"
                 "define service {\n use exchange-delivery\n host_name EXCH01\n"
                 " service_description Exchange delivery (all checks)\n contact_groups admins\n"
                 " check_command check_exchange_delivery_ini!all!@" +
                 ini + "\n}\n");

  std::string cfg = "cfg_file=" + package_->Share("nagios/exchange-delivery.cfg") + "\n" +
                    "cfg_file=" + d + "/objects.cfg\nresource_file=" + d + "/resource.cfg\n";
  for (const char* key :
       {"log_file", "status_file", "lock_file", "temp_file", "command_file", "state_retention_file",
        "object_cache_file", "precached_object_file", "debug_file"}) {
    cfg += std::string(key) + "=" + var + "/" + key + "\n";
  }
  cfg += "check_result_path=" + var + "/checkresults\ntemp_path=" + var + "\n";
  cfg += "nagios_user=nagios\nnagios_group=nagios\n";
  cfg += "illegal_macro_output_chars=`~$&|'\"<>\n";
  // Seconds as the interval unit: the templates' 5 and 15 (minutes) become seconds. First checks
  // right away, the status file rewritten every second.
  cfg +=
      "interval_length=1\nmax_service_check_spread=1\nmax_host_check_spread=1\n"
      "status_update_interval=1\nexecute_host_checks=0\ncheck_external_commands=0\n"
      "enable_notifications=0\nretain_state_information=0\nuse_syslog=0\n";
  dir_.Write("nagios.cfg", cfg);

  const ProgramResult verify = RunProgram({"/usr/sbin/nagios4", "-v", d + "/nagios.cfg"});
  ASSERT_EQ(verify.exit_code, 0) << verify.out;

  const std::map<std::string, BrokenStoreScenario::Expected> expected = {
      {"contoso-ad/Exchange SMTP mailboxes", scenario.Mailbox()},
      {"EXCH01/Exchange local delivery queue", scenario.Queue()},
      {"EXCH01/Exchange store driver events", scenario.Events()},
      {"EXCH01/Exchange delivery (all checks)", scenario.All()},
  };
  std::string error;
  auto daemon = BackgroundProcess::Start({"/usr/sbin/nagios4", d + "/nagios.cfg"},
                                         d + "/nagios.out", &error, /*own_process_group=*/true);
  ASSERT_TRUE(daemon) << error;
  std::map<std::string, std::map<std::string, std::string>> status;
  PollUntil(
      [&]() {
        status = ServiceStatus(ReadWholeFile(var + "/status_file"));
        for (const auto& [name, want] : expected) {
          if (status.count(name) == 0 || !Matches(status[name], want)) return false;
        }
        return true;
      },
      *daemon, std::chrono::seconds(60), std::chrono::milliseconds(250));
  daemon.reset();  // stops nagios

  for (const auto& [name, want] : expected) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(status.count(name))
        << ReadWholeFile(var + "/status_file") << ReadWholeFile(var + "/log_file");
    auto& s = status[name];
    EXPECT_EQ(s["has_been_checked"], "1");
    EXPECT_EQ(s["current_state"], std::to_string(want.state)) << s["plugin_output"];
    EXPECT_TRUE(want.StatusLineMatches(s["plugin_output"], /*nagios=*/true)) << s["plugin_output"];
    for (const std::string& item : want.perfdata) {
      EXPECT_NE((" " + s["performance_data"] + " ").find(" " + item + " "), std::string::npos)
          << item << " not in " << s["performance_data"];
    }
  }
  // Long output (the lines after the status line) reached Nagios apart from the perfdata.
  auto& mailbox = status["contoso-ad/Exchange SMTP mailboxes"];
  EXPECT_NE(mailbox["long_plugin_output"].find("Sales"), std::string::npos)
      << mailbox["long_plugin_output"];
  EXPECT_EQ(mailbox["plugin_output"].find('|'), std::string::npos);

  // The checks ran as nagios: what the plugin wrote belongs to it.
  struct stat st {};
  ASSERT_EQ(stat(repair.c_str(), &st), 0) << "the mailbox check wrote no remediation LDIF";
  EXPECT_EQ(static_cast<int>(st.st_uid), nagios_.uid);
  EXPECT_NE(ReadWholeFile(repair).find("mailGateway"), std::string::npos) << ReadWholeFile(repair);
  // (`all` keeps one state per source: all.state.queue, all.state.events)
  for (const char* state : {"queue.state", "events.state", "all.state.queue", "all.state.events"}) {
    ASSERT_EQ(stat((state_dir_ + "/" + state).c_str(), &st), 0) << state;
    EXPECT_EQ(static_cast<int>(st.st_uid), nagios_.uid) << state;
  }
  std::cout << "[ timing ] nagios4: services as expected after " << ElapsedMs() << " ms\n";
}

}  // namespace
}  // namespace exdm::testing
