// Fleet benchmark (issue 21): what one monitoring host pays to watch many Exchange servers.
//
// Exporter: the real exchange_delivery_exporter follows N servers' tracking logs and NXLog event
// files (default 50 servers) while a thread of this test appends to every file at a steady rate
// (default 1 MiB per minute each, cut at line ends), with the tracking and events intervals at
// 60 s, for a few minutes (default 5). It is scraped (gzip) twice a second throughout. Printed: CPU
// seconds of the first refresh (start-up, every file read whole), then over the steady part CPU
// seconds per minute (one refresh of each collector) and per day, the share of one core, RSS now
// and at its peak (VmHWM), scrape latency p50/p99/max. Bars: <= 1 % of one core on average,
// peak RSS <= 150 MB.
//
// Check: check_exchange_delivery queue over the same N servers with its state file, as Nagios
// would run it every 5 minutes: one cold run (reads everything), then runs each after 5 minutes'
// worth of growth was appended at once; and as the shipped Icinga apply rule runs it, once per
// server with a state file each. Printed: CPU seconds (wait4 rusage) and peak RSS per run (and
// per round of per-server runs), CPU per day at one run per 5 minutes, the share of one core.
//
// Both run on this machine, under whatever else runs on it (the load average is printed).
// Environment: EXDM_FLEET_MINUTES (default 5; 1 for a quick look), EXDM_FLEET_SERVERS (default
// 50), EXDM_FLEET_KIB_PER_MINUTE (default 1024).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "http_client.h"
#include "machine_info.h"
#include "paths.h"
#include "run_program.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kInitialBytes = 2u << 20;  // each file holds this much when the exporter starts
constexpr int kCheckRuns = 2;               // incremental check runs after the cold one
constexpr int kCheckEveryMinutes = 5;

long EnvOr(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

std::string DayText(int64_t unix_time) {
  std::string d = FormatIso8601Utc(unix_time / 86400 * 86400).substr(0, 10);
  return d;
}

std::string FileDay(int64_t unix_time) {
  std::string d = DayText(unix_time);
  d.erase(7, 1);
  d.erase(4, 1);
  return d;
}

// A file that grows: bytes come from a pre-generated source file, whole lines at a time.
struct GrowingFile {
  std::string source;   // the generated content
  std::string path;     // what the exporter and the check read
  uint64_t offset = 0;  // of source, written so far
  double owed = 0;      // bytes due but not yet written (less than a line)

  // Appends about `bytes` more (up to the last line end within them); false once the source ran
  // out or a write failed.
  bool Append(double bytes) {
    owed += bytes;
    std::string chunk(static_cast<size_t>(owed), '\0');
    const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return false;
    const ssize_t got = ::pread(in, chunk.data(), chunk.size(), static_cast<off_t>(offset));
    ::close(in);
    if (got <= 0) return chunk.empty();
    const size_t nl = chunk.rfind('\n', static_cast<size_t>(got) - 1);
    if (nl == std::string::npos) return true;  // not a whole line due yet
    const int out = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (out < 0) return false;
    const bool ok = ::write(out, chunk.data(), nl + 1) == static_cast<ssize_t>(nl + 1);
    ::close(out);
    offset += nl + 1;
    owed -= static_cast<double>(nl + 1);
    return ok;
  }
};

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
};

Percentiles Of(std::vector<double> ms) {
  Percentiles p;
  if (ms.empty()) return p;
  std::sort(ms.begin(), ms.end());
  p.p50 = ms[ms.size() / 2];
  p.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  p.max = ms.back();
  return p;
}

TEST(FleetBench, OneExporterAndTheCheckFollowingFiftyServers) {
  const long minutes = std::max(1L, EnvOr("EXDM_FLEET_MINUTES", 5));
  const long servers = std::max(1L, EnvOr("EXDM_FLEET_SERVERS", 50));
  const double rate = static_cast<double>(EnvOr("EXDM_FLEET_KIB_PER_MINUTE", 1024)) * 1024;
  TempDir tmp("exdm-fleet");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  // Yesterday's traffic in today's file: every row is in the past, so none is "from the future".
  const std::string yesterday = DayText(now - 86400);
  const std::string today_file = FileDay(now) + ".log";
  // Enough source for the start, the exporter's minutes and the check's growth.
  const size_t tracking_bytes =
      kInitialBytes + static_cast<size_t>(rate) *
                          static_cast<size_t>(minutes + 1 + kCheckRuns * kCheckEveryMinutes);
  const size_t event_bytes =
      kInitialBytes + static_cast<size_t>(rate) * static_cast<size_t>(minutes + 1);

  std::vector<GrowingFile> logs, events;
  std::vector<std::string> exporter_args, check_args = {CheckBinary(), "queue"};
  std::vector<std::pair<std::string, std::string>> server_dirs;  // name, tracking directory
  for (long s = 1; s <= servers; ++s) {
    std::string name = std::to_string(s);
    name = "EX" + std::string(name.size() < 3 ? 3 - name.size() : 0, '0') + name;
    const std::string src = tmp.File("src-" + name);
    const ProgramResult gen = RunProgram(
        {GeneratorBinary("exdm_gen_tracking"), "--out", src, "--server", name, "--seed",
         std::to_string(s), "--start", yesterday, "--bytes", std::to_string(tracking_bytes),
         "--stalled-recipient", "broken@contoso.com", "--stall-share", "0.002"});
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    const ProgramResult ev = RunProgram(
        {GeneratorBinary("exdm_gen_events"), "--format", "jsonl", "--server", name, "--seed",
         std::to_string(s), "--start", yesterday + "T00:00:00Z", "--duration", "86400",
         "--unrelated", std::to_string(event_bytes / 540), "--out", src + ".jsonl"});
    ASSERT_EQ(ev.exit_code, 0) << ev.err;
    const std::string dir = tmp.File("logs/" + name);
    fs::create_directories(dir);
    GrowingFile log{src + "/" + FileDay(now - 86400) + ".log", dir + "/" + today_file};
    GrowingFile event{src + ".jsonl", tmp.File(name + ".jsonl")};
    ASSERT_GT(fs::file_size(log.source), tracking_bytes / 2);
    ASSERT_GT(fs::file_size(event.source), event_bytes / 2);
    log.Append(kInitialBytes);
    event.Append(kInitialBytes);
    logs.push_back(std::move(log));
    events.push_back(std::move(event));
    exporter_args.push_back("--tracking.dir=" + name + "=" + dir);
    exporter_args.push_back("--events.file=" + name + "=" + events.back().path);
    check_args.push_back("--tracking-dir");
    check_args.push_back(name + "=" + dir);
    server_dirs.emplace_back(name, dir);
  }
  fs::create_directories(tmp.File("state"));
  exporter_args.push_back("--exporter.tracking_interval=60");
  exporter_args.push_back("--exporter.events_interval=60");
  exporter_args.push_back("--exporter.state_dir=" + tmp.File("state"));

  // The exporter, its first refresh of both collectors (every file read from the start).
  const auto started = Clock::now();
  auto exporter = ExporterProcess::Start(tmp.path(), exporter_args);
  ASSERT_TRUE(exporter);
  const pid_t pid = exporter->process().pid();
  for (const char* c : {"tracking", "events"}) {
    ASSERT_TRUE(exporter->WaitForMetric(
        "exchange_collector_success{collector=\"" + std::string(c) + "\"} 1",
        std::chrono::seconds(600)))
        << exporter->Log();
  }
  const double first_cpu = ProcessCpuSeconds(pid);
  const double first_wall = std::chrono::duration<double>(Clock::now() - started).count();

  // The steady part: files grow every second, a scrape every half second.
  std::atomic<bool> stop{false};
  std::atomic<bool> ran_dry{false};
  std::thread writer([&] {
    auto next = Clock::now();
    while (!stop.load()) {
      next += std::chrono::seconds(1);
      std::this_thread::sleep_until(next);
      for (auto* files : {&logs, &events}) {
        for (GrowingFile& f : *files) {
          if (!f.Append(rate / 60)) ran_dry = true;
        }
      }
    }
  });
  const double cpu0 = ProcessCpuSeconds(pid);
  const auto t0 = Clock::now();
  const auto until = t0 + std::chrono::minutes(minutes);
  std::vector<double> scrape_ms;
  std::map<std::string, std::string> last_refresh;  // collector -> last success timestamp
  std::map<std::string, int> refreshes;
  long rss_peak_seen = 0;
  int failures = 0;
  HttpClient client(exporter->port(), std::chrono::seconds(10));
  for (int i = 0; Clock::now() < until; ++i) {
    const auto s0 = Clock::now();
    const HttpResponse r = client.Get("/metrics", {{"Accept-Encoding", "gzip"}});
    scrape_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s0).count());
    if (r.status != 200) ++failures;
    if (i % 10 == 0 && r.status == 200) {
      const std::string text = Gunzip(r.body);
      for (const char* c : {"tracking", "events"}) {
        const double ts =
            SampleValue(text, "exchange_collector_last_success_timestamp_seconds{collector=\"" +
                                  std::string(c) + "\"}");
        const std::string v = std::to_string(static_cast<int64_t>(ts));
        if (last_refresh.count(c) && last_refresh[c] != v) ++refreshes[c];
        last_refresh[c] = v;
      }
    }
    rss_peak_seen = std::max(rss_peak_seen, ProcessStatusKb(pid, "VmRSS:"));
    std::this_thread::sleep_until(s0 + std::chrono::milliseconds(500));
  }
  const double cpu1 = ProcessCpuSeconds(pid);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const long rss_kb = ProcessStatusKb(pid, "VmRSS:");
  const long hwm_kb = ProcessStatusKb(pid, "VmHWM:");
  stop = true;
  writer.join();
  exporter.reset();

  // The check, as Nagios runs it every 5 minutes: a cold run, then runs after 5 minutes' growth.
  std::vector<std::string> check = check_args;
  for (const std::string& a : {std::string("--state-file"), tmp.File("check.state"),
                               std::string("-t"), std::string("300")}) {
    check.push_back(a);
  }
  ProgramOptions options;
  options.limit = std::chrono::minutes(10);
  // And as the shipped Icinga apply rule has it: one service, so one run, per server, each with
  // its own state file. CPU summed over the round, peak RSS the largest.
  struct Round {
    double cpu = 0;
    long max_rss_kb = 0;
    int not_critical = 0;
    int unknown = 0;                 // runs that could not read (exit 3)
    std::string first_not_critical;  // the first run not CRITICAL: its server, exit code, output
  };
  auto per_server_round = [&] {
    Round round;
    for (const auto& [name, dir] : server_dirs) {
      const ProgramResult r =
          RunProgram({CheckBinary(), "queue", "--tracking-dir", name + "=" + dir, "--state-file",
                      tmp.File("check-" + name + ".state"), "-t", "60"},
                     options);
      round.cpu += r.cpu_seconds;
      round.max_rss_kb = std::max(round.max_rss_kb, r.max_rss_kb);
      round.unknown += r.exit_code == 3;
      if (r.exit_code != 2 && round.not_critical++ == 0) {
        round.first_not_critical = name + " (exit " + std::to_string(r.exit_code) + "): " + r.out;
      }
    }
    return round;
  };
  const ProgramResult cold = RunProgram(check, options);
  const Round cold_round = per_server_round();
  std::vector<ProgramResult> incremental;
  std::vector<Round> rounds;
  for (int run = 0; run < kCheckRuns; ++run) {
    for (GrowingFile& f : logs) {
      if (!f.Append(rate * kCheckEveryMinutes)) ran_dry = true;
    }
    incremental.push_back(RunProgram(check, options));
    rounds.push_back(per_server_round());
  }

  const double steady_cpu = cpu1 - cpu0;
  const double per_minute = steady_cpu / (wall / 60);
  const double core_share = steady_cpu / wall * 100;
  std::printf("machine: %s; load average at the end %s\n", CpuDescription().c_str(),
              LoadAverage().c_str());
  std::printf(
      "fleet: %ld servers, each a tracking log and an NXLog event file growing %.0f KiB "
      "per minute (%.1f MiB/min in all), intervals 60 s, %ld minutes\n",
      servers, rate / 1024, 2 * static_cast<double>(servers) * rate / (1 << 20), minutes);
  std::printf(
      "exporter first refresh (start-up, %zu files of %.1f MiB read whole): %.2f s CPU, "
      "%.1f s wall\n",
      logs.size() + events.size(), static_cast<double>(kInitialBytes) / (1 << 20), first_cpu,
      first_wall);
  std::printf(
      "exporter steady: %.3f s CPU in %.0f s (refreshes: tracking %d, events %d): %.3f s "
      "CPU per minute, %.0f s per day, %.2f %% of one core (bar <= 1 %%)\n",
      steady_cpu, wall, refreshes["tracking"], refreshes["events"], per_minute, per_minute * 1440,
      core_share);
  std::printf(
      "exporter RSS: %.1f MB now, %.1f MB at most seen, peak (VmHWM) %.1f MB (bar <= 150 "
      "MB)\n",
      static_cast<double>(rss_kb) / 1024, static_cast<double>(rss_peak_seen) / 1024,
      static_cast<double>(hwm_kb) / 1024);
  const Percentiles p = Of(scrape_ms);
  std::printf(
      "scrapes (gzip, twice a second): %zu, p50 %.3f ms, p99 %.3f ms, max %.3f ms, %d "
      "failed\n",
      scrape_ms.size(), p.p50, p.p99, p.max, failures);
  std::printf(
      "check queue cold (%ld servers, state file written): %.2f s CPU, %.1f s wall, peak "
      "RSS %.1f MB, exit %d\n",
      servers, cold.cpu_seconds, static_cast<double>(cold.elapsed.count()) / 1000,
      static_cast<double>(cold.max_rss_kb) / 1024, cold.exit_code);
  double inc_cpu = 0;
  long inc_rss = 0;
  for (const ProgramResult& r : incremental) {
    inc_cpu += r.cpu_seconds / kCheckRuns;
    inc_rss = std::max(inc_rss, r.max_rss_kb);
    std::printf(
        "check queue after %d minutes' growth (%.1f MiB per server): %.3f s CPU, %.2f s "
        "wall, peak RSS %.1f MB, exit %d\n",
        kCheckEveryMinutes, rate * kCheckEveryMinutes / (1 << 20), r.cpu_seconds,
        static_cast<double>(r.elapsed.count()) / 1000, static_cast<double>(r.max_rss_kb) / 1024,
        r.exit_code);
  }
  std::printf("check every %d minutes: %.3f s CPU per run, %.0f s per day, %.2f %% of one core\n",
              kCheckEveryMinutes, inc_cpu, inc_cpu * 1440 / kCheckEveryMinutes,
              inc_cpu / (kCheckEveryMinutes * 60) * 100);
  double round_cpu = 0;
  long round_rss = 0;
  for (const Round& r : rounds) {
    round_cpu += r.cpu / kCheckRuns;
    round_rss = std::max(round_rss, r.max_rss_kb);
  }
  std::printf(
      "check queue, one run per server (the Icinga apply rule): cold round %.2f s CPU; after %d "
      "minutes' growth %.3f s CPU per round of %zu runs (%.1f ms per run), peak RSS %.1f MB; "
      "every %d minutes: %.0f s per day, %.2f %% of one core\n",
      cold_round.cpu, kCheckEveryMinutes, round_cpu, logs.size(),
      round_cpu / static_cast<double>(logs.size()) * 1000, static_cast<double>(round_rss) / 1024,
      kCheckEveryMinutes, round_cpu * 1440 / kCheckEveryMinutes,
      round_cpu / (kCheckEveryMinutes * 60) * 100);

  EXPECT_FALSE(ran_dry) << "a source ran out: the files stopped growing";
  EXPECT_EQ(failures, 0);
  EXPECT_GE(refreshes["tracking"], static_cast<int>(minutes) - 1);
  EXPECT_GE(refreshes["events"], static_cast<int>(minutes) - 1);
  EXPECT_LE(core_share, 1.0);
  EXPECT_LE(hwm_kb, 150 * 1024);
  // The check sees the stalls (CRITICAL), never fails to read (UNKNOWN).
  EXPECT_EQ(cold.exit_code, 2) << cold.out;
  for (const ProgramResult& r : incremental)
    EXPECT_EQ(r.exit_code, 2) << r.out;
  // A server's first few MiB may hold no stall old enough yet (OK, its own run); none is UNKNOWN.
  // After growth every server has one.
  EXPECT_EQ(cold_round.unknown, 0) << cold_round.first_not_critical;
  for (const Round& r : rounds)
    EXPECT_EQ(r.not_critical, 0) << r.first_not_critical;
}

}  // namespace
}  // namespace exdm::testing
