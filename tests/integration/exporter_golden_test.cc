// End to end, node_exporter style: the real exporter against the slapd fixture (generated org
// with two broken stores), generated tracking logs and a generated event export; /metrics is
// compared with tests/fixtures/exporter/golden.metrics after blanking what changes from run to
// run (timestamps, durations, process_* values, build info, the fixture's port), checked by
// `promtool check metrics`, and its families must be exactly the ones the deploy tests allow.
// Regenerate after an intended change: EXDM_UPDATE_GOLDEN=1 ctest -R ExporterGolden, then review
// the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "background_process.h"
#include "collector_script.h"
#include "exdm/base/time_util.h"
#include "exporter_inputs.h"
#include "exporter_metric_names.h"
#include "exporter_process.h"
#include "fixture_times.h"
#include "paths.h"
#include "process.h"
#include "slapd_fixture.h"
#include "store_snapshot_fixtures.h"

namespace exdm::testing {
namespace {

std::string Normalize(const std::string& text, const std::string& ldap_uri) {
  std::istringstream in(text);
  std::ostringstream out;
  std::string line;
  static const std::regex kVolatile(
      R"(^(exchange_[a-z_]*_timestamp_seconds|exchange_collector_duration_seconds|process_[a-z_]+)(\{[^}]*\})? .*$)");
  static const std::regex kBuild(R"(^exchange_delivery_exporter_build_info\{.*\} 1$)");
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') {
      std::smatch m;
      if (std::regex_match(line, m, kVolatile)) {
        line = m[1].str() + m[2].str() + " <varies>";
      } else if (std::regex_match(line, kBuild)) {
        line = "exchange_delivery_exporter_build_info{version=\"<v>\",revision=\"<r>\"} 1";
      }
    }
    for (size_t at = line.find(ldap_uri); at != std::string::npos; at = line.find(ldap_uri)) {
      line.replace(at, ldap_uri.size(), "ldap://127.0.0.1:PORT");
    }
    out << line << "\n";
  }
  return out.str();
}

TEST(ExporterGolden, MetricsMatchTheGoldenFile) {
  TempDir dir("exdm-exporter-golden");
  ASSERT_TRUE(RunProcess({GeneratorBinary("exdm_gen_org"), "--servers", "2", "--stores-per-server",
                          "3", "--fault", "missing=1", "--fault", "wrong_home_mta=1", "-o",
                          dir.File("org.ldif")})
                  .ok());
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  ASSERT_TRUE(WriteEx00001Inputs(dir.path(), now));
  ASSERT_TRUE(RunProcess({GeneratorBinary("exdm_gen_tracking"), "--out", dir.File("EX00002.log"),
                          "--server", "EX00002", "--start", TwoDaysAgo(now), "--days", "2",
                          "--messages", "100", "--stall-share", "0", "--seed", "2"})
                  .ok());
  // EX00001's store snapshots: the EXCH01 fixtures (Sales' SMTP mailbox disconnected; two GCs),
  // taken a minute ago, as EX00001's.
  for (const char* kind : {"mailboxes", "dsaccess"}) {
    const std::string text =
        MoveFixtureTimes(ReadTextFile(StoreSnapshotFixture(std::string("EXCH01-") + kind + ".csv")),
                         *ParseIso8601("2026-11-25T17:40:00Z"), now - 60);
    dir.Write(std::string("EX00001-") + kind + ".csv",
              std::regex_replace(text, std::regex("EXCH01"), "EX00001"));
  }
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(dir.File("org.ldif")));
  ASSERT_TRUE(slapd);
  dir.Write("exporter.ini",
            "[ldap]\nuri = " + slapd->uri() + "\nbind_dn = " + slapd->monitor_dn() +
                "\npassword_file = " + slapd->monitor_password_file() +
                "\n[tracking]\ndir = EX00001=" + dir.File("EX00001.log") + "\ndir = EX00002=" +
                dir.File("EX00002.log") + "\n[events]\nfile = EX00001=" + dir.File("EX00001.csv") +
                "\ntz = UTC\n[queue_snapshot]\nfile = EX00001=" + dir.File("EX00001-queue.csv") +
                "\n[mailbox_snapshot]\nfile = EX00001=" + dir.File("EX00001-mailboxes.csv") +
                "\n[dsaccess_snapshot]\nfile = EX00001=" + dir.File("EX00001-dsaccess.csv") +
                "\n[exporter]\nstate_dir = " + dir.path() +
                "\naudit_interval = 300\ntracking_interval = 300\nevents_interval = 300\n");
  auto exporter = ExporterProcess::Start(dir.path(), {"--config.file=" + dir.File("exporter.ini")});
  ASSERT_TRUE(exporter);
  for (const char* c : {"audit", "tracking", "events", "queue_snapshot", "mailbox_snapshot",
                        "dsaccess_snapshot", "diagnosis"}) {
    ASSERT_TRUE(exporter->WaitForMetric(
        std::string("exchange_collector_success{collector=\"") + c + "\"} 1",
        std::chrono::seconds(30)))
        << exporter->Log();
  }
  const std::string metrics = exporter->ScrapeText();

  dir.Write("scrape.prom", metrics);
  const ProcessResult promtool =
      RunProcess({"sh", "-c", "promtool check metrics < '" + dir.File("scrape.prom") + "'"});
  EXPECT_TRUE(promtool.ok()) << promtool.output;

  std::set<std::string> families;
  static const std::regex kType(R"(^# TYPE (\S+) )");
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, kType)) families.insert(m[1]);
  }
  EXPECT_EQ(families, ExportedMetricNames());

  const std::string golden_path = SourceDir() + "/tests/fixtures/exporter/golden.metrics";
  const std::string normalized = Normalize(metrics, slapd->uri());
  if (std::getenv("EXDM_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden_path) << normalized;
  }
  std::ifstream in(golden_path);
  std::ostringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(normalized, golden.str()) << "actual /metrics (normalized):\n" << normalized;
}

}  // namespace
}  // namespace exdm::testing
