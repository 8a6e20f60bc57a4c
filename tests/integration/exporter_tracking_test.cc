// The exporter's tracking collector over generated tracking logs: the same numbers as the check's
// queue mode (same core code), every configured server present, counters that survive a restart
// and only go up, and no message id or address in any label.
#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
#include <regex>
#include <string>
#include <thread>

#include "background_process.h"
#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "paths.h"
#include "process.h"

namespace exdm::testing {
namespace {

// Two days of logs that end at the last full hour: all of it lies in the past (rows in the future
// are bad lines until their time comes, so a log running to tonight would read differently from
// one moment to the next, and the exporter and the check, evaluating a few seconds apart, could
// disagree), and the stalls' last retries are recent enough not to count as vanished.
struct LogSpan {
  std::string start;  // first day, YYYY-MM-DD
  std::string end_hour;
};

LogSpan RecentTwoDays() {
  const int64_t hour = static_cast<int64_t>(std::time(nullptr)) / 3600;
  const int64_t end_day = (hour - 1) / 24;  // at 00:xx the last full hour ended yesterday
  const int64_t end_hour = hour - end_day * 24;
  return {FormatIso8601Utc((end_day - 1) * 86400).substr(0, 10), std::to_string(end_hour)};
}

// Mail to stuck@ stalls when `stalls`.
void GenerateLogs(const TempDir& dir, const std::string& server, bool stalls) {
  std::vector<std::string> argv = {GeneratorBinary("exdm_gen_tracking"),
                                   "--out",
                                   dir.File(server + ".log"),
                                   "--server",
                                   server,
                                   "--start",
                                   RecentTwoDays().start,
                                   "--end-hour",
                                   RecentTwoDays().end_hour,
                                   "--days",
                                   "2",
                                   "--messages",
                                   "200",
                                   "--seed",
                                   server == "EXCH01" ? "1" : "2"};
  if (stalls) {
    for (const char* a : {"--stalled-recipient", "stuck@contoso.com", "--stall-share", "0.05"}) {
      argv.push_back(a);
    }
  } else {
    argv.push_back("--stall-share");
    argv.push_back("0");
  }
  const ProcessResult r = RunProcess(argv);
  ASSERT_TRUE(r.ok()) << r.output;
}

double Perfdata(const std::string& output, const std::string& label) {
  const std::regex re("\\b" + label + "=([0-9.]+)");
  std::smatch m;
  if (!std::regex_search(output, m, re)) return NAN;
  return std::stod(m[1]);
}

std::unique_ptr<ExporterProcess> StartOnLogs(const TempDir& dir) {
  return ExporterProcess::Start(
      dir.path(), {"--tracking.dir=EXCH01=" + dir.File("EXCH01.log"),
                   "--tracking.dir=EXCH02=" + dir.File("EXCH02.log"),
                   "--exporter.state_dir=" + dir.path(), "--exporter.tracking_interval=1"});
}

TEST(ExporterTracking, SameNumbersAsTheCheckAndEveryServerPresent) {
  TempDir dir("exdm-exporter-tracking");
  GenerateLogs(dir, "EXCH01", true);
  GenerateLogs(dir, "EXCH02", false);
  auto exporter = StartOnLogs(dir);
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 1",
                                      std::chrono::seconds(30)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();

  const ProcessResult check =
      RunProcess({CheckBinary(), "queue", "--tracking-dir", "EXCH01=" + dir.File("EXCH01.log"),
                  "--state-file", dir.File("check.state")});
  const double stalled = Perfdata(check.output, "stalled_deliveries");
  const double retries = Perfdata(check.output, "retries");
  ASSERT_FALSE(std::isnan(stalled)) << check.output;
  EXPECT_GT(stalled, 0);
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_stalled_deliveries{server=\"EXCH01\"}"),
            stalled)
      << metrics;
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_retries_total{server=\"EXCH01\"}"),
            retries);
  // EXCH02 is healthy but present, at 0, in every per-server family.
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_stalled_deliveries{server=\"EXCH02\"}"),
            0);
  EXPECT_EQ(
      SampleValue(metrics,
                  "exchange_local_delivery_oldest_stalled_timestamp_seconds{server=\"EXCH02\"}"),
      0);
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_vanished_total{server=\"EXCH02\"}"), 0);
  EXPECT_GT(
      SampleValue(metrics, "exchange_tracking_log_events_total{server=\"EXCH02\",event=\"1028\"}") +
          SampleValue(metrics,
                      "exchange_tracking_log_events_total{server=\"EXCH02\",event=\"1023\"}"),
      0);
  EXPECT_EQ(
      SampleValue(metrics, "exchange_tracking_log_events_total{server=\"EXCH02\",event=\"1037\"}"),
      0);
  EXPECT_GT(
      SampleValue(metrics, "exchange_tracking_log_last_event_timestamp_seconds{server=\"EXCH01\"}"),
      1.7e9);
  // Labels never carry addresses or message ids.
  EXPECT_EQ(metrics.find('@'), std::string::npos);
}

TEST(ExporterTracking, CountersSurviveRestartAndOnlyGoUp) {
  TempDir dir("exdm-exporter-tracking");
  GenerateLogs(dir, "EXCH01", true);
  GenerateLogs(dir, "EXCH02", false);
  const std::string retries_series = "exchange_local_delivery_retries_total{server=\"EXCH01\"}";
  double before = 0;
  {
    auto exporter = StartOnLogs(dir);
    ASSERT_TRUE(exporter);
    ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 1",
                                        std::chrono::seconds(30)));
    before = SampleValue(exporter->ScrapeText(), retries_series);
    EXPECT_GT(before, 0);
    EXPECT_EQ(exporter->process().Stop(), 0);
  }
  auto exporter = StartOnLogs(dir);
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 1",
                                      std::chrono::seconds(30)));
  // Nothing new was logged: the restarted exporter continues from its state, neither reset to 0
  // nor counting the same lines twice.
  EXPECT_EQ(SampleValue(exporter->ScrapeText(), retries_series), before) << exporter->Log();
}

TEST(ExporterTracking, MissingDirectoryFailsTheCollectorAndIsLoggedOnce) {
  TempDir dir("exdm-exporter-tracking");
  auto exporter = ExporterProcess::Start(
      dir.path(), {"--tracking.dir=EXCH09=" + dir.File("absent.log"),
                   "--exporter.state_dir=" + dir.path(), "--exporter.tracking_interval=1"});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_duration_seconds{collector=\"tracking\"}",
                                      std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));  // several refreshes
  const std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(SampleValue(metrics, "exchange_collector_success{collector=\"tracking\"}"), 0);
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_stalled_deliveries{server=\"EXCH09\"}"),
            0);
  const std::string log = exporter->Log();
  size_t errors = 0;
  for (size_t at = log.find("level=error msg=\"collector tracking failed"); at != std::string::npos;
       at = log.find("level=error msg=\"collector tracking failed", at + 1)) {
    ++errors;
  }
  EXPECT_EQ(errors, 1u) << log;
}

}  // namespace
}  // namespace exdm::testing
