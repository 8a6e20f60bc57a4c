// The exporter's store snapshot collectors ([mailbox_snapshot], [dsaccess_snapshot]) against the
// demo organization in a real slapd and the shipped fixtures with their times moved to now: the
// same findings, store_findings perfdata, DC states and snapshot times as the check's `mailbox` on
// the same files (one core, two doors),
// scraped by a real Prometheus; a snapshot that goes stale fails its collector and keeps the last
// good values, whose timestamp shows their age.
#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "collector_script.h"
#include "exdm/ad/topology.h"
#include "exdm/base/time_util.h"
#include "exdm/diagnosis/store_side.h"
#include "exporter_process.h"
#include "fixture_times.h"
#include "org_fixture.h"
#include "paths.h"
#include "prometheus_server.h"
#include "run_program.h"
#include "slapd_fixture.h"
#include "store_snapshot_fixtures.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

// What the fixtures' snapshot_utc says.
constexpr int64_t kFixtureTaken = 1795628400;  // 2026-11-25T17:40:00Z

using Counts = std::map<std::string, double>;  // "display|finding" or "server|dc|type" -> value

// The check's "[STATE] server / storage group / store: finding - ..." lines (orphans, which have
// no store, are not a per-store finding).
Counts FindingsFromCheck(const std::string& out) {
  Counts found;
  static const std::regex kLine(R"(^\[(CRITICAL|WARNING|OK)\] (.+ / .+ / .+?): ([a-z_]+) - )");
  for (const std::string& line : SplitLines(out)) {
    std::smatch m;
    if (std::regex_search(line, m, kLine)) found[m[2].str() + "|" + m[3].str()] += 1;
  }
  return found;
}

Counts FindingsFromMetrics(const std::string& metrics) {
  Counts found;
  static const std::regex kSeries(
      R"re(^exchange_smtp_mailbox_findings\{server="((?:[^"\\]|\\.)*)",storage_group="((?:[^"\\]|\\.)*)",store="((?:[^"\\]|\\.)*)",finding="([a-z_]+)"\} ([0-9]+)$)re");
  // Label values as the exposition format escapes them: \" and \\.
  auto unescape = [](const std::string& v) {
    return std::regex_replace(v, std::regex(R"(\\(.))"), "$1");
  };
  for (const std::string& line : SplitLines(metrics)) {
    std::smatch m;
    if (std::regex_match(line, m, kSeries)) {
      found[unescape(m[1].str()) + " / " + unescape(m[2].str()) + " / " + unescape(m[3].str()) +
            "|" + m[4].str()] = std::stod(m[5]);
    }
  }
  return found;
}

// The check's "EXCH02 uses dc1.contoso.com (configuration DC, up), dc3.contoso.com (DC, DOWN, out
// of sync) ... (DSAccess, <time>)" lines: per server|dc|type, up (1/0) and in sync (1/0); per
// server, when the snapshot was taken.
struct DcStates {
  Counts up, in_sync, taken;
};

DcStates DcStatesFromCheck(const std::string& out) {
  DcStates states;
  static const std::regex kDc(
      R"(([A-Za-z0-9.-]+) \((configuration DC|DC|GC), (up|DOWN)(, out of sync)?\))");
  static const std::regex kTaken(R"(\(DSAccess, ([0-9TZ:-]+)\)$)");
  static const std::map<std::string, std::string> kType = {
      {"configuration DC", "config"}, {"DC", "domain"}, {"GC", "gc"}};
  for (const std::string& line : SplitLines(out)) {
    const size_t uses = line.find(" uses ");
    std::smatch taken;
    if (uses == std::string::npos || !std::regex_search(line, taken, kTaken)) continue;
    std::string server = line.substr(0, uses);
    server.erase(0, server.find_first_not_of(' '));
    states.taken[server] = static_cast<double>(*ParseIso8601(taken[1].str()));
    const std::string rest = line.substr(uses);
    for (auto it = std::sregex_iterator(rest.begin(), rest.end(), kDc);
         it != std::sregex_iterator(); ++it) {
      const std::string key = server + "|" + (*it)[1].str() + "|" + kType.at((*it)[2].str());
      states.up[key] = (*it)[3].str() == "up" ? 1 : 0;
      states.in_sync[key] = (*it)[4].matched ? 0 : 1;
    }
  }
  return states;
}

// exchange_dsaccess_dc_up or exchange_dsaccess_dc_in_sync: server|dc|type -> value.
Counts DcSeries(const std::string& metrics, const std::string& family) {
  Counts values;
  const std::regex series("^" + family +
                          R"re(\{server="([^"]*)",dc="([^"]*)",type="([a-z]+)"\} ([01])$)re");
  for (const std::string& line : SplitLines(metrics)) {
    std::smatch m;
    if (std::regex_match(line, m, series))
      values[m[1].str() + "|" + m[2].str() + "|" + m[3].str()] = std::stod(m[4]);
  }
  return values;
}

// exchange_<what>_snapshot_timestamp_seconds: server -> value.
Counts SnapshotTimes(const std::string& metrics, const std::string& what) {
  Counts values;
  const std::regex series("^exchange_" + what +
                          R"re(_snapshot_timestamp_seconds\{server="([^"]*)"\} ([0-9.e+]+)$)re");
  for (const std::string& line : SplitLines(metrics)) {
    std::smatch m;
    if (std::regex_match(line, m, series)) values[m[1].str()] = std::stod(m[2]);
  }
  return values;
}

std::string Dump(const Counts& c) {
  std::string out;
  for (const auto& [k, v] : c)
    out += "\n  " + k + " = " + std::to_string(v);
  return out;
}

class ExporterStoreSnapshot : public ::testing::Test {
 protected:
  void SetUp() override {
    auto org = GenerateOrg({SampleOrg("demo")}, tmp_.path());
    ASSERT_TRUE(org);
    slapd_ = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
    ASSERT_TRUE(slapd_);
    taken_ = static_cast<int64_t>(std::time(nullptr)) - 60;
    for (const char* name : {"EXCH01-mailboxes.csv", "EXCH03-mailboxes.csv", "EXCH01-dsaccess.csv",
                             "EXCH02-dsaccess.csv"}) {
      WriteMoved(name, name, taken_);
    }
  }

  void WriteMoved(const std::string& fixture, const std::string& as, int64_t taken) {
    tmp_.Write(as,
               MoveFixtureTimes(ReadTextFile(StoreSnapshotFixture(fixture)), kFixtureTaken, taken));
  }

  std::vector<std::string> Snapshots(const std::string& mailbox_flag,
                                     const std::string& dsaccess_flag) const {
    return {mailbox_flag,  "EXCH01=" + tmp_.File("EXCH01-mailboxes.csv"),
            mailbox_flag,  "EXCH03=" + tmp_.File("EXCH03-mailboxes.csv"),
            dsaccess_flag, "EXCH01=" + tmp_.File("EXCH01-dsaccess.csv"),
            dsaccess_flag, "EXCH02=" + tmp_.File("EXCH02-dsaccess.csv")};
  }

  std::unique_ptr<ExporterProcess> StartExporter() {
    std::vector<std::string> args = {"--ldap.uri=" + slapd_->uri(),
                                     "--ldap.bind_dn=" + slapd_->monitor_dn(),
                                     "--ldap.password_file=" + slapd_->monitor_password_file(),
                                     "--exporter.audit_interval=1",
                                     "--mailbox_snapshot.interval=1",
                                     "--dsaccess_snapshot.interval=1",
                                     "--exporter.state_dir=" + tmp_.path()};
    const std::vector<std::string> files =
        Snapshots("--mailbox_snapshot.file", "--dsaccess_snapshot.file");
    for (size_t i = 0; i < files.size(); i += 2)
      args.push_back(files[i] + "=" + files[i + 1]);
    return ExporterProcess::Start(tmp_.path(), args);
  }

  TempDir tmp_{"exdm-exporter-store"};
  std::unique_ptr<Slapd> slapd_;
  int64_t taken_ = 0;
};

TEST_F(ExporterStoreSnapshot, SameNumbersAsTheCheckForEveryStoreFamilyScrapedByPrometheus) {
  if (!PrometheusServer::Available()) GTEST_SKIP() << "prometheus not installed";
  auto exporter = StartExporter();
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric(
      "exchange_smtp_mailbox_findings{server=\"EXCH01\",storage_group=\"First Storage "
      "Group\",store=\"Sales\",finding=\"smtp_mailbox_disconnected\"} 1",
      std::chrono::seconds(30)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  std::vector<std::string> check_args = {CheckBinary(),
                                         "mailbox",
                                         "-H",
                                         slapd_->uri(),
                                         "-D",
                                         slapd_->monitor_dn(),
                                         "--password-file",
                                         slapd_->monitor_password_file()};
  for (const std::string& a : Snapshots("--mailbox-snapshot", "--dsaccess-snapshot"))
    check_args.push_back(a);
  const ProgramResult check = RunProgram(check_args);
  ASSERT_EQ(check.exit_code, 2) << check.out;

  // Every finding, the audit's and the store's, under the same names with the same counts.
  const Counts from_check = FindingsFromCheck(check.out);
  EXPECT_EQ(FindingsFromMetrics(metrics), from_check)
      << "exporter:" << Dump(FindingsFromMetrics(metrics)) << "\ncheck:" << Dump(from_check) << "\n"
      << check.out;
  for (const char* expected :
       {"EXCH01 / First Storage Group / Sales|missing",
        "EXCH01 / First Storage Group / Sales|smtp_mailbox_disconnected",
        "EXCH03 / First Storage Group / Sales, Legal & Finance|purge_pending",
        "EXCH03 / Second Storage Group / Archive|system_mailbox_disconnected"}) {
    EXPECT_EQ(from_check.count(expected), 1u) << expected << Dump(from_check);
  }
  // The store-side findings the check counts in its perfdata are the store-side series.
  double store_side = 0;
  for (const auto& [key, value] : FindingsFromMetrics(metrics)) {
    if (ParseStoreFindingKind(key.substr(key.rfind('|') + 1))) store_side += value;
  }
  std::smatch perf;
  ASSERT_TRUE(std::regex_search(check.out, perf, std::regex(R"(\bstore_findings=([0-9]+))")))
      << check.out;
  EXPECT_EQ(store_side, std::stod(perf[1])) << check.out;
  EXPECT_EQ(store_side, 3);  // EXCH01's Sales; EXCH03's "Sales, Legal & Finance" and Archive

  // Every DC DSAccess lists, up or down and in sync or not as the check says, and every
  // snapshot taken when the check says.
  const DcStates dcs = DcStatesFromCheck(check.out);
  EXPECT_EQ(DcSeries(metrics, "exchange_dsaccess_dc_up"), dcs.up)
      << Dump(DcSeries(metrics, "exchange_dsaccess_dc_up")) << Dump(dcs.up);
  EXPECT_EQ(DcSeries(metrics, "exchange_dsaccess_dc_in_sync"), dcs.in_sync)
      << Dump(DcSeries(metrics, "exchange_dsaccess_dc_in_sync")) << Dump(dcs.in_sync);
  EXPECT_EQ(SnapshotTimes(metrics, "dsaccess"), dcs.taken)
      << Dump(SnapshotTimes(metrics, "dsaccess")) << Dump(dcs.taken);
  EXPECT_EQ(dcs.up.at("EXCH02|dc3.contoso.com|domain"), 0);
  EXPECT_EQ(dcs.in_sync.at("EXCH02|gc2.contoso.com|gc"), 0);
  EXPECT_EQ(dcs.in_sync.at("EXCH01|gc2.contoso.com|gc"), 1);
  EXPECT_EQ(SnapshotTimes(metrics, "mailbox"), (Counts{{"EXCH01", static_cast<double>(taken_)},
                                                       {"EXCH03", static_cast<double>(taken_)}}));

  // A real Prometheus scrapes the same.
  PrometheusServer::Options options;
  options.target_port = exporter->port();
  auto prometheus = PrometheusServer::Start(tmp_.path(), options);
  ASSERT_TRUE(prometheus);
  ASSERT_TRUE(prometheus->WaitFor(
      "exchange_dsaccess_dc_up == 0", [](const nlohmann::json& r) { return r.size() == 1; },
      std::chrono::seconds(30)))
      << prometheus->Log();
  const nlohmann::json down = prometheus->Query("exchange_dsaccess_dc_up == 0");
  EXPECT_EQ(down[0]["metric"]["dc"], "dc3.contoso.com") << down.dump();
  EXPECT_EQ(prometheus->Query("exchange_smtp_mailbox_findings{finding=\"purge_pending\"}").size(),
            1u);
}

// [ldap] recovery_group_name reaches the store side as in the check: EXCH07 (no server of the
// audited organization) has a restored copy of its store in the "Recovery Storage Group", never
// judged by the default rule; with the rule off its rows make the live store purge_pending.
TEST_F(ExporterStoreSnapshot, RecoveryStorageGroupNameRuleAsInTheCheck) {
  WriteMoved("EXCH07-mailboxes.csv", "EXCH07-mailboxes.csv", taken_);
  const std::string live =
      "exchange_smtp_mailbox_findings{server=\"EXCH07\",storage_group=\"First "
      "Storage Group\",store=\"Mailbox Store (EXCH07)\",finding=\"purge_pending\"}";
  for (const std::string& name : {std::string(kDefaultRecoveryGroupName), std::string()}) {
    // In the INI file: an empty value cannot be given on the command line.
    tmp_.Write("exporter.ini", "[ldap]\nrecovery_group_name = " + name + "\n");
    auto exporter = ExporterProcess::Start(
        tmp_.path(), {"--ldap.uri=" + slapd_->uri(), "--ldap.bind_dn=" + slapd_->monitor_dn(),
                      "--ldap.password_file=" + slapd_->monitor_password_file(),
                      "--config.file=" + tmp_.File("exporter.ini"), "--exporter.audit_interval=1",
                      "--mailbox_snapshot.interval=1",
                      "--mailbox_snapshot.file=EXCH07=" + tmp_.File("EXCH07-mailboxes.csv"),
                      "--exporter.state_dir=" + tmp_.path()});
    ASSERT_TRUE(exporter);
    ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"diagnosis\"} 1",
                                        std::chrono::seconds(30)))
        << exporter->Log();
    const std::string metrics = exporter->ScrapeText();
    EXPECT_EQ(metrics.find(live + " 1") != std::string::npos, name.empty())
        << "recovery_group_name '" << name << "':\n"
        << metrics;
    EXPECT_EQ(metrics.find("storage_group=\"Recovery Storage Group\",store=\"Mailbox Store "
                           "(EXCH07)\",finding="),
              std::string::npos)
        << metrics;
  }
}

TEST_F(ExporterStoreSnapshot, StaleSnapshotFailsItsCollectorAndKeepsTheLastGoodValues) {
  auto exporter = StartExporter();
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric(
      "exchange_collector_success{collector=\"mailbox_snapshot\"} 1", std::chrono::seconds(30)))
      << exporter->Log();
  // The scheduled task stopped a day ago: EXCH03's file now holds a day-old snapshot.
  WriteMoved("EXCH03-mailboxes.csv", "EXCH03-mailboxes.csv", taken_ - 86400);
  WriteMoved("EXCH02-dsaccess.csv", "EXCH02-dsaccess.csv", taken_ - 86400);
  ASSERT_TRUE(exporter->WaitForMetric(
      "exchange_collector_success{collector=\"mailbox_snapshot\"} 0", std::chrono::seconds(30)))
      << exporter->Log();
  ASSERT_TRUE(exporter->WaitForMetric(
      "exchange_collector_success{collector=\"dsaccess_snapshot\"} 0", std::chrono::seconds(30)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(SampleValue(metrics, "exchange_mailbox_snapshot_timestamp_seconds{server=\"EXCH03\"}"),
            static_cast<double>(taken_));
  EXPECT_EQ(SampleValue(metrics,
                        "exchange_smtp_mailbox_findings{server=\"EXCH03\",storage_group="
                        "\"First Storage Group\",store=\"Sales, Legal & "
                        "Finance\",finding=\"purge_pending\"}"),
            1);
  EXPECT_EQ(SampleValue(metrics,
                        "exchange_dsaccess_dc_up{server=\"EXCH02\",dc=\"dc3.contoso."
                        "com\",type=\"domain\"}"),
            0);
  EXPECT_NE(exporter->Log().find("is stale"), std::string::npos) << exporter->Log();
}

}  // namespace
}  // namespace exdm::testing
