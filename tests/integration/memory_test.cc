// Memory (issue 9): a stream of 5,000,000 distinct stalled local deliveries with the in-flight
// cap set. The check's peak RSS (getrusage of the child) stays where a stream ten times shorter
// puts it, and the deliveries beyond the cap are counted and reported: perfdata `overflow`, a
// long-output line, and the exporter's exchange_local_delivery_overflow_total.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "fault_support.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

constexpr uint64_t kDeliveries = 5'000'000;
constexpr uint64_t kBaselineDeliveries = 500'000;
constexpr uint64_t kCap = 100'000;

// Yesterday 10:00-10:59 (inside every reader's window, within the 2 h vanish interval, so no
// delivery leaves the table except through the cap): one retry (1037) per delivery, each with its
// own message id, written into `big` (all of them) and `small` (the first kBaselineDeliveries).
void WriteStream(const std::string& big, const std::string& small, int64_t day_start) {
  const std::string date = FormatIso8601Utc(day_start).substr(0, 10);  // YYYY-MM-DD
  const std::string header =
      "# Message Tracking Log File\n# Date\tTime\tRecipient-Address\t"
      "Event-ID\tMSGID\n";
  std::FILE* out_big = std::fopen(big.c_str(), "w");
  std::FILE* out_small = std::fopen(small.c_str(), "w");
  ASSERT_TRUE(out_big && out_small);
  std::fputs(header.c_str(), out_big);
  std::fputs(header.c_str(), out_small);
  char line[128];
  for (uint64_t i = 0; i < kDeliveries; ++i) {
    const uint64_t second = i * 3600 / kDeliveries;
    const int n =
        std::snprintf(line, sizeof line,
                      "%s\t10:%02u:%02u GMT\tstuck@contoso.com\t1037\t"
                      "m%07llu@EXCH01.contoso.com\n",
                      date.c_str(), static_cast<unsigned>(second / 60),
                      static_cast<unsigned>(second % 60), static_cast<unsigned long long>(i));
    std::fwrite(line, 1, static_cast<size_t>(n), out_big);
    if (i < kBaselineDeliveries) std::fwrite(line, 1, static_cast<size_t>(n), out_small);
  }
  ASSERT_EQ(std::fclose(out_big), 0);
  ASSERT_EQ(std::fclose(out_small), 0);
}

TEST(Memory, FiveMillionStalledDeliveriesStayWithinTheInFlightCap) {
  TempDir tmp("exdm-memory");
  const int64_t yesterday = (static_cast<int64_t>(std::time(nullptr)) / 86400 - 1) * 86400;
  const std::string big = tmp.File("big"), small = tmp.File("small");
  std::filesystem::create_directories(big);
  std::filesystem::create_directories(small);
  WriteStream(big + "/" + YesterdayLogName(), small + "/" + YesterdayLogName(), yesterday);
  const std::string now = "@" + std::to_string(yesterday + 11 * 3600);
  auto queue = [&](const std::string& dir) {
    return RunCheck({"queue", "--tracking-dir", "EXCH01=" + dir, "--now", now, "--state-file",
                     "none", "--max-in-flight", std::to_string(kCap)},
                    std::chrono::minutes(3));
  };

  const ProgramResult baseline = queue(small);
  const ProgramResult r = queue(big);
  std::printf("check max RSS: %ld kB for %llu deliveries, %ld kB for %llu (cap %llu)\n",
              r.max_rss_kb, static_cast<unsigned long long>(kDeliveries), baseline.max_rss_kb,
              static_cast<unsigned long long>(kBaselineDeliveries),
              static_cast<unsigned long long>(kCap));
  EXPECT_EQ(r.exit_code, 2) << r.out;  // an hour-old stall is CRITICAL; overflow alone WARNING
  EXPECT_EQ(Perf(r.out, "stalled_deliveries"), static_cast<double>(kCap)) << StatusLine(r.out);
  EXPECT_EQ(Perf(r.out, "overflow"), static_cast<double>(kDeliveries - kCap)) << StatusLine(r.out);
  EXPECT_EQ(Perf(r.out, "lines_read"), static_cast<double>(kDeliveries + 2));
  EXPECT_NE(r.out.find("in-flight table full (--max-in-flight 100000): 4900000 deliveries not "
                       "tracked"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Perf(baseline.out, "overflow"), static_cast<double>(kBaselineDeliveries - kCap));
  // Ten times the deliveries, the same table: the peak may not grow with the stream.
  EXPECT_LT(r.max_rss_kb, baseline.max_rss_kb * 5 / 4 + 8 * 1024);
  EXPECT_LT(r.max_rss_kb, 128 * 1024) << "a 100,000-delivery table should fit well under 128 MB";

  auto exporter = ExporterProcess::Start(
      tmp.path(),
      {"--tracking.dir=EXCH01=" + big, "--exporter.state_dir=" + tmp.File("state"),
       "--tracking.max_in_flight=" + std::to_string(kCap), "--exporter.tracking_interval=2"});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 1",
                                      std::chrono::seconds(120)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_overflow_total{server=\"EXCH01\"}"),
            static_cast<double>(kDeliveries - kCap));
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_stalled_deliveries{server=\"EXCH01\"}"),
            static_cast<double>(kCap));
  const long hwm = VmHwmKb(exporter->process().pid());
  std::printf("exporter VmHWM: %ld kB\n", hwm);
  EXPECT_GT(hwm, 0);
  EXPECT_LT(hwm, 160 * 1024);
}

}  // namespace
}  // namespace exdm::testing
