// The exporter's event collector over a generated application log export: the same numbers as
// the check's events mode, counters kept across restarts, appended events counted once.
#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
#include <fstream>
#include <regex>

#include "background_process.h"
#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "paths.h"
#include "process.h"

namespace exdm::testing {
namespace {

const char kGuid[] = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

void GenerateEvents(const TempDir& dir, const std::string& name, int logon, int interface,
                    int calls, const std::string& seed) {
  const int64_t start = static_cast<int64_t>(std::time(nullptr)) - 7200;
  const ProcessResult r = RunProcess(
      {"sh", "-c",
       "'" + GeneratorBinary("exdm_gen_events") + "' --store-guid " + kGuid + " --logon-failures " +
           std::to_string(logon) + " --interface-failures " + std::to_string(interface) +
           " --call-failures " + std::to_string(calls) + " --seed " + seed + " --start " +
           FormatIso8601Utc(start) + " > '" + dir.File(name) + "'"});
  ASSERT_TRUE(r.ok()) << r.output;
}

double Perfdata(const std::string& output, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex("\\b" + label + "=([0-9.]+)"))) return NAN;
  return std::stod(m[1]);
}

TEST(ExporterEvents, SameNumbersAsTheCheck) {
  TempDir dir("exdm-exporter-events");
  GenerateEvents(dir, "EXCH01.csv", 4, 2, 1, "1");
  auto exporter = ExporterProcess::Start(
      dir.path(), {"--events.file=EXCH01=" + dir.File("EXCH01.csv"),
                   "--exporter.state_dir=" + dir.path(), "--exporter.events_interval=1"});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"events\"} 1",
                                      std::chrono::seconds(20)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  const ProcessResult check =
      RunProcess({CheckBinary(), "events", "--event-file", "EXCH01=" + dir.File("EXCH01.csv"),
                  "--state-file", dir.File("check.state")});
  ASSERT_FALSE(std::isnan(Perfdata(check.output, "logon_failures_326"))) << check.output;
  EXPECT_EQ(SampleValue(metrics, std::string("exchange_store_driver_logon_failures_total{server="
                                             "\"EXCH01\",store_guid=\"") +
                                     kGuid + "\"}"),
            Perfdata(check.output, "logon_failures_326"))
      << metrics;
  EXPECT_EQ(SampleValue(metrics, "exchange_smtp_interface_failures_total{server=\"EXCH01\"}"),
            Perfdata(check.output, "smtp_interface_failures_1194"));
  EXPECT_EQ(SampleValue(metrics,
                        "exchange_store_driver_call_failures_total{server=\"EXCH01\","
                        "call=\"EcLocallyDeliverMsg\"}"),
            Perfdata(check.output, "store_call_failures_327"));
  EXPECT_EQ(metrics.find('@'), std::string::npos);
}

TEST(ExporterEvents, AppendedEventsCountOnceAndCountersSurviveRestart) {
  TempDir dir("exdm-exporter-events");
  GenerateEvents(dir, "EXCH01.csv", 3, 1, 0, "1");
  const std::vector<std::string> args = {"--events.file=EXCH01=" + dir.File("EXCH01.csv"),
                                         "--exporter.state_dir=" + dir.path(),
                                         "--exporter.events_interval=1"};
  const std::string series = "exchange_smtp_interface_failures_total{server=\"EXCH01\"}";
  {
    auto exporter = ExporterProcess::Start(dir.path(), args);
    ASSERT_TRUE(exporter);
    ASSERT_TRUE(exporter->WaitForMetric(series + " 1", std::chrono::seconds(20)))
        << exporter->Log();
    EXPECT_EQ(exporter->process().Stop(), 0);
  }
  // Append another export's rows (without its CSV header) while the exporter is down.
  GenerateEvents(dir, "more.csv", 0, 2, 0, "7");
  {
    std::ifstream more(dir.File("more.csv"));
    std::string line;
    std::getline(more, line);  // header
    std::ofstream out(dir.File("EXCH01.csv"), std::ios::app);
    while (std::getline(more, line))
      out << line << "\n";
  }
  auto exporter = ExporterProcess::Start(dir.path(), args);
  ASSERT_TRUE(exporter);
  EXPECT_TRUE(exporter->WaitForMetric(series + " 3", std::chrono::seconds(20)))
      << exporter->ScrapeText() << exporter->Log();
}

}  // namespace
}  // namespace exdm::testing
