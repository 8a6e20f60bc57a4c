// The exporter's WMI queue snapshot collector ([queue_snapshot] file): the same numbers as the
// check's --queue-snapshot on the same files (same core code, both doors), every configured
// server present, and a snapshot that goes stale fails the collector while the server keeps its
// last good values (whose timestamp shows their age). Snapshots are the shipped fixtures
// (the script's format) with their times moved to now.
#include <gtest/gtest.h>

#include <cmath>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "fixture_times.h"
#include "paths.h"
#include "run_program.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fixture with every time shifted so that it was taken at `taken` (the fixtures were taken at
// 2026-11-25T17:40:00Z; their other times keep their distance to that).
std::string FixtureTakenAt(const std::string& server, int64_t taken) {
  return MoveFixtureTimes(
      ReadFile(SourceDir() + "/tests/fixtures/queue_snapshot/" + server + "-queue.csv"),
      *ParseIso8601("2026-11-25T17:40:00Z"), taken);
}

double Perfdata(const std::string& output, const std::string& label) {
  const std::regex re("\\b" + label + "=([0-9.]+)");
  std::smatch m;
  if (!std::regex_search(output, m, re)) return NAN;
  return std::stod(m[1]);
}

TEST(ExporterQueueSnapshot, SameNumbersAsTheCheckAndEveryServerPresent) {
  TempDir dir("exdm-exporter-snapshot");
  const int64_t taken = static_cast<int64_t>(std::time(nullptr)) - 60;
  dir.Write("EXCH01-queue.csv", FixtureTakenAt("EXCH01", taken));
  dir.Write("EXCH02-queue.csv", FixtureTakenAt("EXCH02", taken));
  auto exporter = ExporterProcess::Start(
      dir.path(), {"--queue_snapshot.file=EXCH01=" + dir.File("EXCH01-queue.csv"),
                   "--queue_snapshot.file=EXCH02=" + dir.File("EXCH02-queue.csv"),
                   "--queue_snapshot.file=EXCH03=" + dir.File("EXCH03-queue.csv"),
                   "--exporter.queue_snapshot_interval=1"});
  ASSERT_TRUE(exporter);
  // EXCH03's snapshot does not exist yet: the collector fails, the others are exported.
  ASSERT_TRUE(exporter->WaitForMetric("exchange_queue_snapshot_messages{server=\"EXCH01\"} 12",
                                      std::chrono::seconds(30)))
      << exporter->Log();
  std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(SampleValue(metrics, "exchange_collector_success{collector=\"queue_snapshot\"}"), 0);
  EXPECT_EQ(SampleValue(metrics, "exchange_queue_snapshot_timestamp_seconds{server=\"EXCH03\"}"),
            0);
  EXPECT_NE(exporter->Log().find("queue snapshot of EXCH03 '" + dir.File("EXCH03-queue.csv") + "'"),
            std::string::npos)
      << exporter->Log();

  dir.Write("EXCH03-queue.csv", FixtureTakenAt("EXCH03", taken));
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"queue_snapshot\"} 1",
                                      std::chrono::seconds(30)))
      << exporter->Log();
  metrics = exporter->ScrapeText();

  for (const char* server : {"EXCH01", "EXCH02", "EXCH03"}) {
    const ProgramResult check =
        RunProgram({CheckBinary(), "queue", "--queue-snapshot",
                    std::string(server) + "=" + dir.File(std::string(server) + "-queue.csv")});
    const double messages = Perfdata(check.out, "snapshot_messages");
    const double oldest_age = Perfdata(check.out, "snapshot_oldest_age");
    const double retrying = Perfdata(check.out, "snapshot_retrying");
    ASSERT_FALSE(std::isnan(messages)) << check.out;
    const std::string label = std::string("{server=\"") + server + "\"}";
    EXPECT_EQ(SampleValue(metrics, "exchange_queue_snapshot_messages" + label), messages) << server;
    EXPECT_EQ(SampleValue(metrics, "exchange_queue_snapshot_retry" + label), retrying) << server;
    const double taken_at =
        SampleValue(metrics, "exchange_queue_snapshot_timestamp_seconds" + label);
    EXPECT_EQ(taken_at, static_cast<double>(taken)) << server;
    const double oldest =
        SampleValue(metrics, "exchange_queue_snapshot_oldest_message_timestamp_seconds" + label);
    // The check's age is taken at the snapshot's time; the exporter exports timestamps.
    EXPECT_EQ(oldest == 0 ? 0 : taken_at - oldest, oldest_age) << server;
  }
  EXPECT_EQ(SampleValue(metrics, "exchange_queue_snapshot_messages{server=\"EXCH01\"}"), 12);
  EXPECT_EQ(SampleValue(metrics, "exchange_queue_snapshot_size_bytes{server=\"EXCH01\"}"), 348160);
  EXPECT_EQ(SampleValue(metrics,
                        "exchange_queue_snapshot_oldest_message_timestamp_seconds{server="
                        "\"EXCH02\"}"),
            0);
}

TEST(ExporterQueueSnapshot, StaleSnapshotFailsTheCollectorAndKeepsTheLastGoodValues) {
  TempDir dir("exdm-exporter-snapshot");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  dir.Write("EXCH01-queue.csv", FixtureTakenAt("EXCH01", now - 30));
  auto exporter = ExporterProcess::Start(
      dir.path(), {"--queue_snapshot.file=" + dir.File("EXCH01-queue.csv"),
                   "--queue_snapshot.max_age=120", "--exporter.queue_snapshot_interval=1"});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"queue_snapshot\"} 1",
                                      std::chrono::seconds(30)))
      << exporter->Log();
  // The scheduled task stops; the share still serves its last file, now 10 minutes old.
  dir.Write("EXCH01-queue.csv.tmp", FixtureTakenAt("EXCH01", now - 600));
  ASSERT_EQ(
      std::rename(dir.File("EXCH01-queue.csv.tmp").c_str(), dir.File("EXCH01-queue.csv").c_str()),
      0);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"queue_snapshot\"} 0",
                                      std::chrono::seconds(30)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(SampleValue(metrics, "exchange_queue_snapshot_timestamp_seconds{server=\"EXCH01\"}"),
            static_cast<double>(now - 30));
  EXPECT_EQ(SampleValue(metrics, "exchange_queue_snapshot_messages{server=\"EXCH01\"}"), 12);
  EXPECT_NE(exporter->Log().find("is stale"), std::string::npos) << exporter->Log();
}

}  // namespace
}  // namespace exdm::testing
