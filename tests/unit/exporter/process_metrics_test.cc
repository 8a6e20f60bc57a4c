// process_* self-metrics (client_golang's process collector, read from /proc/self) and the log
// line format (exporter-toolkit's --log.format).
#include "process_metrics.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <map>
#include <string>

#include "log.h"
#include "snapshot.h"

namespace exdm::exporter {
namespace {

// A real /proc/PID/stat line of a process whose name holds a space and a parenthesis.
const char kStat[] =
    "4242 (exch (worker)) S 1 4242 4242 0 -1 4194560 1200 0 0 0 250 50 0 0 20 0 7 0 "
    "123456 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";

TEST(ProcessMetricsTest, ParsesProcStatFieldsAfterTheCommandName) {
  auto stat = ParseProcStat(kStat, 100, 4096);
  ASSERT_TRUE(stat);
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 3.0);  // (250 + 50) ticks / 100
  EXPECT_DOUBLE_EQ(stat->start_ticks, 123456);
  EXPECT_DOUBLE_EQ(stat->virtual_bytes, 104857600);
  EXPECT_DOUBLE_EQ(stat->resident_bytes, 2560.0 * 4096);
  EXPECT_FALSE(ParseProcStat("4242 (cut) S 1 2 3", 100, 4096));
  EXPECT_FALSE(ParseProcStat("no parenthesis", 100, 4096));
}

// The families of this very process, against what the kernel says through other interfaces.
TEST(ProcessMetricsTest, FamiliesDescribeThisProcess) {
  std::map<std::string, prometheus::MetricFamily> by_name;
  for (auto& family : ProcessFamilies())
    by_name[family.name] = family;
  ASSERT_EQ(by_name.size(), 6u);
  const auto value = [&by_name](const std::string& name) {
    const auto& metric = by_name.at(name).metric.at(0);
    return by_name.at(name).type == prometheus::MetricType::Counter ? metric.counter.value
                                                                    : metric.gauge.value;
  };
  EXPECT_EQ(by_name.at("process_cpu_seconds_total").type, prometheus::MetricType::Counter);
  EXPECT_EQ(by_name.at("process_cpu_seconds_total").help,
            "Total user and system CPU time spent in seconds.");
  rlimit files{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
  EXPECT_EQ(value("process_max_fds"), static_cast<double>(files.rlim_cur));
  EXPECT_GE(value("process_open_fds"), 3);  // stdin, stdout, stderr at least
  EXPECT_GT(value("process_resident_memory_bytes"), 0);
  EXPECT_GT(value("process_virtual_memory_bytes"), value("process_resident_memory_bytes"));
  // This test binary started moments ago (a generous bound: ctest may run it late in a batch).
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(value("process_start_time_seconds"), now + 1);
  EXPECT_GT(value("process_start_time_seconds"), now - 3600);
  // Burn some CPU: the counter follows.
  const double before = value("process_cpu_seconds_total");
  const std::clock_t until = std::clock() + CLOCKS_PER_SEC / 5;
  volatile double sink = 0;
  while (std::clock() < until)
    sink = sink + std::sqrt(sink + 1);
  by_name.clear();
  for (auto& family : ProcessFamilies())
    by_name[family.name] = family;
  EXPECT_GE(value("process_cpu_seconds_total"), before + 0.1);
  // Rendered, the families are plain text-format lines.
  const std::string text = RenderFamilies(ProcessFamilies());
  EXPECT_NE(text.find("# TYPE process_open_fds gauge\nprocess_open_fds "), std::string::npos)
      << text;
}

TEST(LogFormatTest, LogfmtAndJsonAsExporterToolkitWritesThem) {
  // 2026-11-25T16:27:46.123Z
  const long long millis = 1795624066123LL;
  EXPECT_EQ(FormatLogLine(LogPriority::kInfo, "configuration reloaded", false, millis),
            "ts=2026-11-25T16:27:46.123Z level=info msg=\"configuration reloaded\"");
  EXPECT_EQ(FormatLogLine(LogPriority::kWarning, "a \"quoted\" C:\\path", true, millis),
            "{\"ts\":\"2026-11-25T16:27:46.123Z\",\"level\":\"warn\","
            "\"msg\":\"a \\\"quoted\\\" C:\\\\path\"}");
  EXPECT_EQ(FormatLogLine(LogPriority::kError, "x", false, millis).substr(28),
            "level=error msg=\"x\"");
  // A message from AD or a file stays one line.
  EXPECT_EQ(FormatLogLine(LogPriority::kDebug, "two\nlines", false, millis).substr(28),
            "level=debug msg=\"two?lines\"");
}

TEST(LogFormatTest, LevelNamesAreExporterToolkits) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogPriority::kDebug);
  EXPECT_EQ(*ParseLogLevel("info"), LogPriority::kInfo);
  EXPECT_EQ(*ParseLogLevel("warn"), LogPriority::kWarning);
  EXPECT_EQ(*ParseLogLevel("error"), LogPriority::kError);
  EXPECT_FALSE(ParseLogLevel("warning").ok());
  EXPECT_TRUE(*ParseLogFormatIsJson("json"));
  EXPECT_FALSE(*ParseLogFormatIsJson("logfmt"));
  EXPECT_FALSE(ParseLogFormatIsJson("text").ok());
}

}  // namespace
}  // namespace exdm::exporter
