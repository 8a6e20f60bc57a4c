// Prometheus scrapes the installed exporter and evaluates the installed alert rules; a real
// Alertmanager (Debian's prometheus-alertmanager) receives what fires. The demo organization in
// slapd has two broken SMTP mailboxes: ExchangeSmtpMailboxBroken must reach Alertmanager for
// exactly those two stores, with its labels and annotations, and nothing about the exporter itself
// may fire. Then the repair the installed plugin writes (--remediation-ldif) is applied to slapd
// with ldapmodify, and the alerts must leave Alertmanager: resolved by Prometheus, well before
// they would have expired on their own.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "alertmanager_server.h"
#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "fault_support.h"
#include "installed_package.h"
#include "org_fixture.h"
#include "prometheus_server.h"
#include "run_program.h"
#include "slapd_fixture.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

// "server/store" of the alerts named `name`.
std::set<std::string> AlertedStores(const nlohmann::json& alerts, const std::string& name) {
  std::set<std::string> stores;
  if (!alerts.is_array()) return stores;
  for (const auto& a : alerts) {
    const auto& labels = a["labels"];
    if (labels.value("alertname", "") == name) {
      stores.insert(labels.value("server", "") + "/" + labels.value("store", ""));
    }
  }
  return stores;
}

TEST(PrometheusAlertmanager, BrokenStoreAlertReachesAlertmanagerAndResolvesAfterTheRepair) {
  ASSERT_TRUE(PrometheusServer::Available()) << "prometheus is not installed (bootstrap.sh)";
  ASSERT_EQ(access(AlertmanagerServer::kBinary, X_OK), 0)
      << "prometheus-alertmanager is not installed (bootstrap.sh)";
  const auto started = std::chrono::steady_clock::now();
  TempDir dir("exdm-alertmanager");
  auto package = UnpackedPackage::Unpack(dir.path());
  ASSERT_TRUE(package);
  auto org = GenerateOrg({SampleOrg("demo")}, dir.path());
  ASSERT_TRUE(org);
  std::set<std::string> broken;
  for (const auto& fault : org->manifest["faults"]) {
    broken.insert(fault["server"].get<std::string>() + "/" + fault["store"].get<std::string>());
  }
  ASSERT_EQ(broken.size(), 2u) << org->manifest.dump();
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);

  auto exporter = ExporterProcess::Start(
      dir.path(),
      {"--ldap.uri=" + slapd->uri(), "--ldap.bind_dn=" + slapd->monitor_dn(),
       "--ldap.password_file=" + slapd->monitor_password_file(), "--ldap.timeout=5",
       "--exporter.audit_interval=1", "--exporter.state_dir=" + dir.path()},
      package->Exporter());
  ASSERT_TRUE(exporter);

  // The shipped rules with one change: their `for:` durations (5m to 1h, so that a blip pages
  // nobody) cut to seconds, or the test would wait that long. Everything else as installed.
  const std::string shipped =
      ReadWholeFile(package->Share("prometheus/exchange-delivery.rules.yml"));
  ASSERT_NE(shipped.find("alert: ExchangeSmtpMailboxBroken"), std::string::npos);
  dir.Write("rules.yml",
            std::regex_replace(shipped, std::regex(R"(\n(\s+)for: \S+)"), "\n$1for: 2s"));

  auto alertmanager = AlertmanagerServer::Start(dir.path());
  ASSERT_TRUE(alertmanager);
  PrometheusServer::Options options;
  options.target_port = exporter->port();
  options.rule_files = {dir.File("rules.yml")};
  options.alertmanager_port = alertmanager->port();
  auto prometheus = PrometheusServer::Start(dir.path(), options);
  ASSERT_TRUE(prometheus);

  // Firing: both broken stores, nothing else of this rule.
  nlohmann::json alerts;
  const auto fire_until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < fire_until) {
    alerts = alertmanager->Alerts();
    if (AlertedStores(alerts, "ExchangeSmtpMailboxBroken") == broken) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_EQ(AlertedStores(alerts, "ExchangeSmtpMailboxBroken"), broken)
      << alerts.dump(1) << "\nprometheus alerts: " << prometheus->Query("ALERTS").dump() << "\n"
      << exporter->Log() << prometheus->Log() << alertmanager->Log();
  const auto fired = std::chrono::steady_clock::now();
  int64_t earliest_expiry = INT64_MAX;
  for (const auto& a : alerts) {
    const std::string name = a["labels"].value("alertname", "");
    // The exporter itself is fine: no collector, LDAP or target alert.
    EXPECT_TRUE(name.rfind("ExchangeDelivery", 0) != 0 && name != "ExchangeLdapDown")
        << name << " fires: " << a.dump();
    if (name != "ExchangeSmtpMailboxBroken") continue;
    EXPECT_EQ(a["labels"].value("severity", ""), "critical");
    EXPECT_EQ(a["labels"].value("job", ""), "exchange-delivery");
    EXPECT_EQ(a["status"].value("state", ""), "active") << a.dump();
    const std::string store = a["labels"].value("store", "");
    EXPECT_NE(a["annotations"].value("summary", "").find(store), std::string::npos) << a.dump();
    EXPECT_NE(a["annotations"].value("description", "").find("--remediation-ldif"),
              std::string::npos);
    const auto ends = ParseIso8601(a.value("endsAt", "").substr(0, 19) + "Z");
    ASSERT_TRUE(ends) << a.dump();
    earliest_expiry = std::min(earliest_expiry, *ends);
  }

  // The repair: the installed plugin's LDIF, applied as the directory admin (ldapmodify).
  const ProgramResult check =
      RunProgram({package->Plugin(), "mailbox", "-H", slapd->uri(), "-D", slapd->monitor_dn(),
                  "--password-file", slapd->monitor_password_file(), "--remediation-ldif",
                  dir.File("repair.ldif")});
  ASSERT_EQ(check.exit_code, 2) << check.out << check.err;
  ASSERT_TRUE(slapd->Modify(dir.File("repair.ldif"))) << ReadWholeFile(dir.File("repair.ldif"));

  const auto resolve_until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < resolve_until) {
    alerts = alertmanager->Alerts();
    if (alerts.is_array() && AlertedStores(alerts, "ExchangeSmtpMailboxBroken").empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_TRUE(alerts.is_array() && AlertedStores(alerts, "ExchangeSmtpMailboxBroken").empty())
      << alerts.dump(1) << exporter->Log();
  // Gone before the end Prometheus announced for them: a resolution, not an expiry.
  EXPECT_LT(static_cast<int64_t>(std::time(nullptr)), earliest_expiry);
  EXPECT_EQ(prometheus->Query("ALERTS{alertname=\"ExchangeSmtpMailboxBroken\"}").size(), 0u);
  const auto now = std::chrono::steady_clock::now();
  std::cout << "[ timing ] alertmanager: firing after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(fired - started).count()
            << " ms, resolved "
            << std::chrono::duration_cast<std::chrono::milliseconds>(now - fired).count()
            << " ms later\n";
}

}  // namespace
}  // namespace exdm::testing
