// Fault matrix, event exports (issue 22): a row far longer than any event (a 100 MB line, or one
// still being written) is one unreadable row, read once, in flat memory; the events around it
// count as in a clean export. It took 20 s and 2 GB for a 1 GB line, and the exporter re-read an
// unterminated 100 MB tail on every refresh (209 MB peak) while reporting success.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>

#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "fault_support.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

using std::chrono::seconds;

constexpr size_t kHundredMegabytes = 100u << 20;

// One NXLog JSON line of event 326 (a store driver logon failure) at `time`.
std::string Logon(int64_t time) {
  return "{\"EventTime\":\"" + FormatIso8601Utc(time) +
         "\",\"Hostname\":\"EXCH01\",\"EventID\":326,\"SourceName\":\"MSExchangeTransport\","
         "\"Message\":\"Service Account failed to logon to the store as /o=O/ou=A/"
         "cn=Configuration/cn=Connections/cn=SMTP (EXCH01)/"
         "cn={3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}. Error code : 0x80040148.\"}\n";
}

// `bytes` of one row's text without its line end, written in pieces (no 100 MB string held).
void AppendLongRow(const std::string& path, size_t bytes) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << "{\"EventTime\":\"2026-11-25T10:00:00Z\",\"Message\":\"";
  const std::string piece(1u << 20, 'x');
  for (size_t done = 0; done < bytes; done += piece.size())
    out << piece;
}

TEST(FaultEvents, HundredMegabyteLineIsOneBadRowInFlatMemory) {
  TempDir tmp("exdm-fault-events");
  const std::string file = tmp.File("EXCH01-application.jsonl");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  WriteWholeFile(file, Logon(now - 600));
  AppendLongRow(file, kHundredMegabytes);
  WriteWholeFile(file, "\"}\n" + Logon(now - 300), /*append=*/true);
  for (const std::string& state : {std::string("none"), tmp.File("events.state")}) {
    const ProgramResult r =
        RunCheck({"events", "--event-file", "EXCH01=" + file, "--state-file", state, "-t", "60"});
    EXPECT_EQ(r.exit_code, 2) << r.out;  // the two 326 events, as without the long line
    EXPECT_EQ(Perf(r.out, "logon_failures_326"), 2) << StatusLine(r.out);
    EXPECT_EQ(Perf(r.out, "bad_rows"), 1) << StatusLine(r.out);
    // The reader holds a chunk and one capped row at most: 4 + 4 MiB, not the line.
    EXPECT_LT(r.max_rss_kb, 64 * 1024) << "peak RSS " << r.max_rss_kb << " kB";
    std::cout << "100 MB event line, state " << state << ": " << r.elapsed.count() << " ms, peak "
              << r.max_rss_kb << " kB\n";
  }
}

TEST(FaultEvents, ExporterReadsAnUnterminatedTailOnce) {
  TempDir tmp("exdm-fault-events");
  const std::string file = tmp.File("EXCH01-application.jsonl");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  WriteWholeFile(file, Logon(now - 600));
  AppendLongRow(file, kHundredMegabytes);  // still being written: no line end
  auto exporter = ExporterProcess::Start(
      tmp.path(), {"--events.file=EXCH01=" + file, "--exporter.state_dir=" + tmp.File("st"),
                   "--exporter.events_interval=1"});
  ASSERT_TRUE(exporter);
  const std::string bad = "exchange_event_log_bad_rows_total{server=\"EXCH01\"}";
  const std::string logons =
      "exchange_store_driver_logon_failures_total{server=\"EXCH01\",store_guid=\"3e4385bb-7c43-"
      "4feb-8ea2-97c65cc06abf\"}";
  ASSERT_TRUE(exporter->WaitForMetric(bad + " 1", seconds(30))) << exporter->Log();
  std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(SampleValue(metrics, logons), 1);
  EXPECT_EQ(SampleValue(metrics, "exchange_collector_success{collector=\"events\"}"), 1);
  // Several more refreshes: the tail is not read again, nor counted again.
  const std::string last_success =
      "exchange_collector_last_success_timestamp_seconds{collector=\"events\"}";
  const double first = SampleValue(metrics, last_success);
  const auto until = std::chrono::steady_clock::now() + seconds(30);
  while (SampleValue(exporter->ScrapeText(), last_success) < first + 3 &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  metrics = exporter->ScrapeText();
  ASSERT_GE(SampleValue(metrics, last_success), first + 3) << "no later refresh";
  EXPECT_EQ(SampleValue(metrics, bad), 1);
  const long peak = VmHwmKb(exporter->process().pid());
  std::cout << "exporter peak RSS with a 100 MB unterminated tail: " << peak << " kB\n";
  EXPECT_LT(peak, 64 * 1024) << "the tail was held in memory";

  // The row ends and another event follows: the event counts, the row is not counted again.
  WriteWholeFile(file, "\"}\n" + Logon(now), /*append=*/true);
  EXPECT_TRUE(exporter->WaitForMetric(logons + " 2", seconds(30))) << exporter->ScrapeText();
  EXPECT_EQ(SampleValue(exporter->ScrapeText(), bad), 1);
}

}  // namespace
}  // namespace exdm::testing
