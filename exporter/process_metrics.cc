#include "process_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "log.h"

namespace exdm::exporter {
namespace {

// HELP texts as client_golang's process collector writes them: dashboards and alerts written for
// any exporter work here too.
prometheus::MetricFamily Family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(metric);
  return family;
}

// /proc/self/stat is one short line; plain read(2)s, since a scrape pays for this every time.
std::optional<std::string> ReadProcFile(const char* path) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[1024];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0)
    text.append(buffer, static_cast<size_t>(n));
  close(fd);
  if (n < 0) return std::nullopt;
  return text;
}

void WarnOnce(std::atomic<bool>& warned, const std::string& what) {
  if (!warned.exchange(true)) {
    Log(LogPriority::kWarning, "process metrics: cannot read " + what + "; leaving it out");
  }
}

// Unix time of boot, as /proc/PID/stat's starttime counts from it: CLOCK_BOOTTIME is that count
// (suspend included), so boot = now - boottime. Computed once: it does not move.
double BootTimeUnix() {
  static const double boot = [] {
    timespec real{}, boot_clock{};
    clock_gettime(CLOCK_REALTIME, &real);
    clock_gettime(CLOCK_BOOTTIME, &boot_clock);
    return (static_cast<double>(real.tv_sec) - static_cast<double>(boot_clock.tv_sec)) +
           (static_cast<double>(real.tv_nsec) - static_cast<double>(boot_clock.tv_nsec)) / 1e9;
  }();
  return boot;
}

std::optional<double> CountOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;  // includes the descriptor that read the directory, as client_golang's does
}

}  // namespace

std::optional<ProcessStat> ParseProcStat(std::string_view line, double ticks_per_second,
                                         double page_size) {
  const size_t close = line.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  // After "pid (comm)": field 3 (state) is token 0, so field N is token N - 3.
  std::istringstream fields{std::string(line.substr(close + 1))};
  std::vector<std::string> tokens;
  for (std::string token; fields >> token;)
    tokens.push_back(token);
  if (tokens.size() < 22) return std::nullopt;
  try {
    ProcessStat stat;
    stat.cpu_seconds = (std::stod(tokens[11]) + std::stod(tokens[12])) / ticks_per_second;
    stat.start_ticks = std::stod(tokens[19]);
    stat.virtual_bytes = std::stod(tokens[20]);
    stat.resident_bytes = std::stod(tokens[21]) * page_size;
    return stat;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<prometheus::MetricFamily> ProcessFamilies() {
  using prometheus::MetricType;
  static std::atomic<bool> stat_warned{false}, fd_warned{false};
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  std::vector<prometheus::MetricFamily> families;
  const auto stat_line = ReadProcFile("/proc/self/stat");
  const auto stat = stat_line ? ParseProcStat(*stat_line, ticks, page) : std::nullopt;
  if (stat) {
    families.push_back(Family("process_cpu_seconds_total",
                              "Total user and system CPU time spent in seconds.",
                              MetricType::Counter, stat->cpu_seconds));
    families.push_back(Family("process_resident_memory_bytes", "Resident memory size in bytes.",
                              MetricType::Gauge, stat->resident_bytes));
    families.push_back(Family("process_start_time_seconds",
                              "Start time of the process since unix epoch in seconds.",
                              MetricType::Gauge, BootTimeUnix() + stat->start_ticks / ticks));
    families.push_back(Family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                              MetricType::Gauge, stat->virtual_bytes));
  } else {
    WarnOnce(stat_warned, "/proc/self/stat");
  }
  if (const auto open = CountOpenFds()) {
    families.push_back(
        Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, *open));
  } else {
    WarnOnce(fd_warned, "/proc/self/fd");
  }
  // client_golang reads the soft limit from /proc/self/limits; getrlimit(2) gives the same number
  // for a fraction of the cost.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    families.push_back(Family("process_max_fds", "Maximum number of open file descriptors.",
                              MetricType::Gauge, static_cast<double>(files.rlim_cur)));
  }
  return families;
}

}  // namespace exdm::exporter
