// Fault matrix, hung shares (issue 9): the exporter reads its inputs again every interval, and a
// read on a hung hard-mounted CIFS share never returns; it is abandoned at its deadline on a
// detached thread (bounded_call.h). Every collector that reads files (tracking logs, event
// exports, queue snapshots) keeps at most one such reader: while it stays blocked, the next
// refreshes fail at once, so the exporter's thread count stays bounded however long the share
// hangs. Stand-ins for the hung share: FIFOs nobody writes, named like the files, for the day
// file and the event export (whose readers open blocking and let the deadline decide); the queue
// snapshot reader refuses a FIFO at once (exdm/base/small_file.h), so its file is on a real
// share whose reads never return (support/hung_share.h).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "exporter_process.h"
#include "fault_support.h"
#include "hung_share.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// "Threads:" of /proc/<pid>/status; -1 when unreadable.
int ThreadCount(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

const char* const kCollectors[] = {"tracking", "events", "queue_snapshot"};

TEST(FaultHungShare, ExporterKeepsOneStuckReaderPerCollector) {
  TempDir tmp("exdm-fault-hung-share");
  const std::string tracking = tmp.File("EXCH01.log");
  fs::create_directories(tracking);
  const std::string day = tracking + "/" + TodayLogName();
  const std::string events = tmp.File("EXCH01-application.jsonl");
  for (const std::string& fifo : {day, events})
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0) << fifo;
  std::string why;
  auto share = HungShare::Mount(&why);
  if (!share) GTEST_SKIP() << "no hung share: " << why;
  share->Put("EXCH01-queue.csv", "snapshot_utc,server\r\n", /*hanging=*/true);
  const std::string snapshot = share->File("EXCH01-queue.csv");
  // Every read gives up after 1 s and a refresh is due every second: without the one-reader
  // rule each collector would strand about one more thread per second.
  auto exporter = ExporterProcess::Start(
      tmp.path(),
      {"--tracking.dir=EXCH01=" + tracking, "--events.file=EXCH01=" + events,
       "--queue_snapshot.file=EXCH01=" + snapshot, "--exporter.state_dir=" + tmp.File("st"),
       "--exporter.tracking_interval=1", "--exporter.events_interval=1",
       "--exporter.queue_snapshot_interval=1", "--exporter.read_timeout=1"});
  ASSERT_TRUE(exporter);
  const pid_t pid = exporter->process().pid();

  // Each collector's first read times out (its reader stays blocked), and a later refresh finds
  // that reader still there and does not start another: it says so (logged once per change).
  const std::string what[] = {"the tracking logs", "the event exports", "the queue snapshots"};
  for (size_t i = 0; i < 3; ++i) {
    const std::string name = kCollectors[i];
    EXPECT_TRUE(WaitForExporterLog(*exporter,
                                   "collector " + name +
                                       " failed (keeping its last good values): the previous "
                                       "read of " +
                                       what[i] + " is still blocked",
                                   seconds(30)))
        << exporter->Log();
  }
  if (::testing::Test::HasFailure()) return;

  // From here on, every collector has its one stuck reader. Watch several refresh intervals,
  // scraping all along: the thread count does not grow, scrapes stay fast, no collector succeeds.
  const int baseline = ThreadCount(pid);
  ASSERT_GT(baseline, 3) << "main, HTTP and three collector threads at least";
  int most = baseline;
  double slowest_ms = 0;
  int scrapes = 0;
  const auto until = steady_clock::now() + seconds(6);
  while (steady_clock::now() < until) {
    const auto t0 = steady_clock::now();
    const std::string metrics = exporter->ScrapeText();
    slowest_ms = std::max(
        slowest_ms, std::chrono::duration<double, std::milli>(steady_clock::now() - t0).count());
    ++scrapes;
    ASSERT_NE(metrics.find("exchange_delivery_exporter_build_info"), std::string::npos);
    for (const char* name : kCollectors) {
      EXPECT_EQ(SampleValue(metrics,
                            "exchange_collector_success{collector=\"" + std::string(name) + "\"}"),
                0)
          << name;
    }
    most = std::max(most, ThreadCount(pid));
    std::this_thread::sleep_for(milliseconds(200));
  }
  std::cout << "threads: " << baseline << " with one stuck reader per collector, at most " << most
            << " over 6 s; slowest of " << scrapes << " scrapes " << slowest_ms << " ms\n";
  EXPECT_GE(scrapes, 5);
  // Generous for a loaded 2-core machine; a scrape that waited on a read would take a second.
  EXPECT_LT(slowest_ms, 1000.0) << "slowest scrape while the shares hang";
  // One more thread at most: slack for the HTTP server, never a reader per refresh (that would
  // be about 3 per second here).
  EXPECT_LE(most, baseline + 1) << "threads grew from " << baseline << " while the shares hung";
  // Each collector kept refreshing (and failing at once) all along.
  const std::string metrics = exporter->ScrapeText();
  for (const char* name : kCollectors) {
    EXPECT_LT(SampleValue(metrics, "exchange_collector_duration_seconds{collector=\"" +
                                       std::string(name) + "\"}"),
              0.5)
        << name << ": a refresh that found the reader blocked should fail at once";
  }
  // A reload (SIGHUP) builds new collectors; the stuck readers keep their slots (owned by the
  // process, not the collectors), so the new collectors start no reader of their own and each
  // reload adds no thread. Without that, every reload would strand three more.
  for (int reload = 1; reload <= 3; ++reload) {
    exporter->process().Signal(SIGHUP);
    EXPECT_TRUE(exporter->process().WaitForLog(
        [&](const std::string& log) {
          int n = 0;
          for (size_t at = log.find("configuration reloaded"); at != std::string::npos;
               at = log.find("configuration reloaded", at + 1))
            ++n;
          return n >= reload;
        },
        seconds(30)))
        << exporter->Log();
  }
  std::this_thread::sleep_for(seconds(3));  // every new collector refreshes (and fails) again
  const int after_reloads = ThreadCount(pid);
  std::cout << "threads after 3 reloads: " << after_reloads << "\n";
  EXPECT_LE(after_reloads, baseline + 1) << "reloads stranded more readers";

  // The exporter still stops promptly with three readers stuck in the kernel.
  const auto t0 = steady_clock::now();
  EXPECT_EQ(exporter->process().Stop(seconds(10)), 0) << exporter->Log();
  EXPECT_LT(steady_clock::now() - t0, seconds(5));
}

}  // namespace
}  // namespace exdm::testing
