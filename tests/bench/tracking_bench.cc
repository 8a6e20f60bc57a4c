// Tracking-log benchmarks (ctest -L bench -V). Each prints its baseline, its own result and the
// ratio, measured in the same run on the same input, and fails when the bar is missed.
//
//   tracking_bench throughput DIR AWK   1 GiB log (page cache warm) vs `wc -l` and
//                                       `mawk -f AWK`; bars >= 10x mawk and >= 0.5x wc -l
//                                       (issue 21); stalled count and retry total must equal
//                                       mawk's. Also the core's reader in this process on one
//                                       thread and on all, with identical reports.
//   tracking_bench incremental DIR      append 1 MiB to the 1 GiB log and check, vs checking a
//                                       1 MiB log cold; bar <= 1.5x.
//   tracking_bench memory               1,000,000 in-flight pairs; bar < 200 MB RSS.
//   tracking_bench memory-check         the same through check_exchange_delivery queue with a
//                                       state file: peak RSS (wait4) of the first run (reads the
//                                       log, writes the state) and of a second run (loads the
//                                       state, reads an appended line, writes it again); bar
//                                       < 200 MB for both.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "exdm/base/deadline.h"
#include "exdm/state/payload.h"
#include "exdm/tracking/local_delivery.h"
#include "exdm/tracking/run.h"
#include "machine_info.h"
#include "paths.h"
#include "run_program.h"

namespace {

using exdm::testing::ProgramResult;
using exdm::testing::RunProgram;
using Clock = std::chrono::steady_clock;

constexpr int kSkip = 77;

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::map<std::string, std::string> Truth(const std::string& path) {
  std::map<std::string, std::string> m;
  std::istringstream in(Slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.rfind('=');
    if (eq != std::string::npos) m[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return m;
}

double PerfValue(const std::string& out, const std::string& label) {
  const size_t at = out.find(" " + label + "=");
  if (at == std::string::npos) return -1;
  return std::strtod(out.c_str() + at + label.size() + 2, nullptr);
}

std::vector<std::string> LogFiles(const std::string& dir) {
  std::vector<std::string> files;
  for (const char* day : {"20261124.log", "20261125.log"}) {
    struct stat st;
    if (::stat((dir + "/" + day).c_str(), &st) == 0) files.push_back(dir + "/" + day);
  }
  return files;
}

uint64_t SizeOf(const std::vector<std::string>& files) {
  uint64_t n = 0;
  for (const auto& f : files) {
    struct stat st;
    if (::stat(f.c_str(), &st) == 0) n += static_cast<uint64_t>(st.st_size);
  }
  return n;
}

void WarmCache(const std::vector<std::string>& files) {
  std::vector<char> buf(1 << 20);
  for (const auto& f : files) {
    const int fd = ::open(f.c_str(), O_RDONLY);
    while (fd >= 0 && ::read(fd, buf.data(), buf.size()) > 0) {
    }
    if (fd >= 0) ::close(fd);
  }
}

// Best (lowest) wall time of `runs` runs; the machine is shared, the minimum is the least noisy.
double Best(int runs, const std::vector<std::string>& argv, ProgramResult* last) {
  double best = 1e99;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    ProgramResult r = RunProgram(argv);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::min(best, s);
    if (last) *last = std::move(r);
  }
  return best;
}

std::vector<std::string> CheckArgs(const std::string& dir, const std::string& now,
                                   const std::string& state) {
  return {exdm::testing::CheckBinary(),
          "queue",
          "--tracking-dir",
          "EXCH01=" + dir,
          "--now",
          now,
          "--state-file",
          state,
          "-t",
          "600"};
}

// The core's tracking run in this process, without the check around it: best wall time of `runs`
// and the report (the first server's, stalled/retries/lines/deliveries) to compare readers.
double CoreRun(const std::string& dir, int64_t now, unsigned threads, int runs,
               std::string* summary) {
  double best = 1e99;
  for (int i = 0; i < runs; ++i) {
    exdm::TrackingRunOptions o;
    o.dirs = {exdm::NamedPath{"EXCH01", dir}};
    o.now = now;
    o.threads = threads;
    const auto t0 = Clock::now();
    auto r = exdm::RunTrackingAnalysis(o, exdm::Deadline::After(std::chrono::minutes(10)));
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    if (!r) {
      *summary = "error: " + r.status().message();
      return best;
    }
    const exdm::LocalDeliveryReport& s = r->servers.at(0);
    *summary = "stalled " + std::to_string(s.stalled_deliveries) + ", retries " +
               std::to_string(s.retries_total) + ", delivered " +
               std::to_string(s.deliveries_total) + ", lines " +
               std::to_string(s.lines_read_this_run) + ", in flight " + std::to_string(s.in_flight);
  }
  return best;
}

int Throughput(const std::string& root, const std::string& awk) {
  struct stat st;
  if (::stat(awk.c_str(), &st) != 0) {
    std::printf("FAIL: %s not found (tests/bench/stall-baseline.awk is part of the tree)\n",
                awk.c_str());
    return 1;
  }
  if (::access("/usr/bin/mawk", X_OK) != 0) {
    std::printf("SKIP: /usr/bin/mawk not installed (scripts/bootstrap.sh installs it)\n");
    return kSkip;
  }
  const std::string dir = root + "/EXCH01";
  const auto files = LogFiles(dir);
  const double mib = static_cast<double>(SizeOf(files)) / (1 << 20);
  const std::string now = "@" + Truth(root + "/truth").at("end");
  WarmCache(files);

  std::vector<std::string> wc = {"/usr/bin/wc", "-l"};
  wc.insert(wc.end(), files.begin(), files.end());
  std::vector<std::string> mawk = {"/usr/bin/mawk", "-f", awk};
  mawk.insert(mawk.end(), files.begin(), files.end());

  ProgramResult ours, base;
  // Interleaved, best of each: on a shared machine every contender sees the same load.
  constexpr int kRounds = 7;
  double t_wc = 1e99, t_ours = 1e99, t_one = 1e99, t_all = 1e99;
  std::string one_summary, all_summary;
  const int64_t now_unix = std::stoll(now.substr(1));
  for (int i = 0; i < kRounds; ++i) {
    t_wc = std::min(t_wc, Best(1, wc, nullptr));
    t_ours = std::min(t_ours, Best(1, CheckArgs(dir, now, "none"), &ours));
    t_one = std::min(t_one, CoreRun(dir, now_unix, 1, 1, &one_summary));
    t_all = std::min(t_all, CoreRun(dir, now_unix, 0, 1, &all_summary));
  }
  const double t_mawk = Best(1, mawk, &base);

  unsigned long long awk_stalled = 0, awk_retries = 0;
  std::sscanf(base.out.c_str(), "%llu %llu", &awk_stalled, &awk_retries);
  const double our_stalled = PerfValue(ours.out, "stalled_deliveries");
  const double our_retries = PerfValue(ours.out, "retries");

  std::printf("machine: %s; load average %s\n", exdm::testing::CpuDescription().c_str(),
              exdm::testing::LoadAverage().c_str());
  std::printf(
      "input: %.0f MiB in %zu file(s), page cache warm, best of %d interleaved rounds "
      "(mawk: 1 run)\n",
      mib, files.size(), kRounds);
  std::printf("baseline wc -l:                  %8.3f s  %8.0f MiB/s\n", t_wc, mib / t_wc);
  std::printf(
      "baseline mawk stall-baseline.awk:%8.3f s  %8.0f MiB/s  -> stalled %llu, retries %llu\n",
      t_mawk, mib / t_mawk, awk_stalled, awk_retries);
  std::printf(
      "result check_exchange_delivery:  %8.3f s  %8.0f MiB/s  -> stalled %.0f, retries %.0f\n",
      t_ours, mib / t_ours, our_stalled, our_retries);
  std::printf("core reader, 1 thread:            %8.3f s  %8.0f MiB/s  -> %s\n", t_one, mib / t_one,
              one_summary.c_str());
  std::printf("core reader, %u threads:          %8.3f s  %8.0f MiB/s  -> %s\n",
              std::thread::hardware_concurrency(), t_all, mib / t_all, all_summary.c_str());
  const double vs_mawk = t_mawk / t_ours;
  const double vs_wc = t_wc / t_ours;
  std::printf("ratio vs mawk: %.1fx (bar >= 10x)   ratio vs wc -l: %.2fx (bar >= 0.5x)\n", vs_mawk,
              vs_wc);
  std::printf("core reader: all threads %.2fx one thread; one thread %.2fx wc -l\n", t_one / t_all,
              t_wc / t_one);
  bool ok = true;
  if (our_stalled != static_cast<double>(awk_stalled) ||
      our_retries != static_cast<double>(awk_retries)) {
    std::printf("FAIL: stalled/retries differ from mawk's\n%s", ours.out.c_str());
    ok = false;
  }
  if (one_summary != all_summary) {
    std::printf("FAIL: the parallel reader's report differs from the one-thread reader's\n");
    ok = false;
  }
  if (vs_mawk < 10) {
    std::printf("FAIL: below the 10x mawk bar\n");
    ok = false;
  }
  if (vs_wc < 0.5) {
    std::printf("FAIL: below the 0.5x wc -l bar\n");
    ok = false;
  }
  return ok ? 0 : 1;
}

int Incremental(const std::string& root) {
  const std::string dir = root + "/EXCH01";
  const std::string log = dir + "/20261124.log";
  const std::string now = "@" + Truth(root + "/truth").at("end");
  const std::string state = root + "/incremental.state";
  const std::string saved = root + "/incremental.state.saved";
  struct stat st;
  if (::stat(log.c_str(), &st) != 0) {
    std::printf("FAIL: %s missing (the bench_tracking_generate fixture makes it)\n", log.c_str());
    return 1;
  }
  const off_t original = st.st_size;

  // 1 MiB of the same day's traffic, from another seed, without its header.
  const std::string small = root + "/small";
  ProgramResult g =
      RunProgram({exdm::testing::GeneratorBinary("exdm_gen_tracking"), "--out", small, "--seed",
                  "99", "--bytes", "1M", "--start", "2026-11-24", "--stalled-recipient",
                  "broken3@contoso.com", "--stall-share", "0.002"});
  if (g.exit_code != 0) {
    std::printf("FAIL: generator: %s\n", g.err.c_str());
    return 1;
  }
  std::string rows = Slurp(small + "/20261124.log");
  rows.erase(0, rows.find("\n2026") + 1);
  const double mib = static_cast<double>(rows.size()) / (1 << 20);

  // The 1 GiB log read once into the state, then 1 MiB appended.
  ::unlink(state.c_str());
  const auto t0 = Clock::now();
  ProgramResult full = RunProgram(CheckArgs(dir, now, state));
  const double t_full = std::chrono::duration<double>(Clock::now() - t0).count();
  if (full.exit_code == 3) {
    std::printf("FAIL: %s", full.out.c_str());
    return 1;
  }
  RunProgram({"/bin/cp", state, saved});
  {
    std::ofstream f(log, std::ios::binary | std::ios::app);
    f << rows;
  }
  // Baseline and result interleaved, best of 10 each, so both see the same machine load.
  // Baseline: the 1 MiB log checked cold (no state yet). Result: the appended MiB checked with
  // the state of the 1 GiB read (restored before every run, so each reads exactly that MiB).
  const std::string cold_state = root + "/cold.state";
  double t_cold = 1e99, t_inc = 1e99;
  ProgramResult inc;
  for (int i = 0; i < 10; ++i) {
    ::unlink(cold_state.c_str());
    t_cold = std::min(t_cold, Best(1, CheckArgs(small, now, cold_state), nullptr));
    RunProgram({"/bin/cp", saved, state});
    t_inc = std::min(t_inc, Best(1, CheckArgs(dir, now, state), &inc));
  }
  const bool restored = ::truncate(log.c_str(), original) == 0;
  std::printf("first full read of the 1 GiB log with state: %.3f s\n", t_full);
  std::printf("baseline: checking a %.2f MiB log cold:        %8.3f s\n", mib, t_cold);
  std::printf("result:   checking 1 GiB + %.2f MiB appended:  %8.3f s (lines read %.0f)\n", mib,
              t_inc, PerfValue(inc.out, "lines_read"));
  const double ratio = t_inc / t_cold;
  std::printf("ratio: %.2fx (bar <= 1.5x)\n", ratio);
  if (!restored) std::printf("warning: could not truncate %s back\n", log.c_str());
  return ratio <= 1.5 ? 0 : 1;
}

double StatusMb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key, 0) == 0)
      return std::strtod(line.c_str() + std::strlen(key), nullptr) / 1024;
  }
  return -1;
}

int Memory() {
  constexpr size_t kPairs = 1'000'000;
  const double rss_before = StatusMb("VmRSS:");
  exdm::LocalDeliveryAnalyzer a("EXCH01", exdm::LocalDeliveryConfig());
  a.BeginFile("20261124.log", 0);
  std::string buf =
      "# Date\tTime\tclient-ip\tClient-hostname\tPartner-Name\tServer-hostname\tserver-IP\t"
      "Recipient-Address\tEvent-ID\tMSGID\tPriority\tRecipient-Report-Status\ttotal-bytes\t"
      "Number-Recipients\tOrigination-Time\tEncryption\tservice-Version\tLinked-MSGID\t"
      "Message-Subject\tSender-Address\n";
  const auto t0 = Clock::now();
  char row[512];
  for (size_t i = 0; i < kPairs; ++i) {
    const unsigned sec = static_cast<unsigned>(i * 3000 / kPairs);  // within the vanish interval
    for (int ev : {1036, 1028, 1037}) {
      const int n = std::snprintf(
          row, sizeof row,
          "2026-11-24\t%u:%02u:%02u GMT\t-\t-\t-\tEXCH01.contoso.com\t192.0.2.10\t"
          "user%04zu@contoso.com\t%d\t%016zx%08zx@EXCH01.contoso.com\t0\t0\t4512\t1\t"
          "2026-11-24 0:00:00 GMT\t0\tVersion: 6.0.3790.1830\t-\tStatus\tsender@fabrikam.example\n",
          sec / 3600, sec / 60 % 60, sec % 60, i % 5000, ev,
          static_cast<size_t>(i * 0x9E3779B97F4A7C15ULL), i);
      buf.append(row, static_cast<size_t>(n));
    }
    if (buf.size() > (4u << 20) || i + 1 == kPairs) {
      const size_t size = buf.size();
      buf.append(exdm::LocalDeliveryAnalyzer::kPadding, '\0');
      const size_t used = a.Consume(buf.data(), size, false);
      buf.erase(0, used);
      buf.resize(size - used);
    }
  }
  const double t_ingest = std::chrono::duration<double>(Clock::now() - t0).count();
  const exdm::LocalDeliveryReport r =
      a.Evaluate(*exdm::ParseTrackingTimestamp("2026-11-24", "23:00:00"));
  const double rss_after = StatusMb("VmRSS:");
  const double hwm = StatusMb("VmHWM:");
  const auto t1 = Clock::now();
  // Streamed as the state file does it (state_file.h): 1 MB at a time, never whole.
  uint64_t payload_bytes = 0;
  {
    exdm::PayloadWriter w([&payload_bytes](std::string_view chunk) {
      payload_bytes += chunk.size();
      return exdm::Status::Ok();
    });
    a.SavePayloadTo(w);
    (void)w.Finish();
  }
  const double t_save = std::chrono::duration<double>(Clock::now() - t1).count();
  const double hwm_save = StatusMb("VmHWM:");
  std::printf("in-flight pairs: %zu (stalled %llu), table bytes %.1f MB, ingest %.2f s\n",
              a.InFlight(), static_cast<unsigned long long>(r.stalled_deliveries),
              static_cast<double>(a.MemoryBytes()) / 1e6, t_ingest);
  std::printf("baseline: budget 200 MB RSS (process before: %.1f MB)\n", rss_before);
  std::printf("result:   RSS %.1f MB, peak (VmHWM) %.1f MB after ingest + evaluate\n", rss_after,
              hwm);
  std::printf("          peak %.1f MB including the streamed state payload (%.1f MB, %.2f s)\n",
              hwm_save, static_cast<double>(payload_bytes) / 1e6, t_save);
  const double ratio = std::max(hwm, hwm_save) / 200.0;
  std::printf("ratio: %.2f of the budget (bar < 1.0)\n", ratio);
  if (a.InFlight() != kPairs || r.stalled_deliveries != kPairs) {
    std::printf("FAIL: expected %zu stalled in-flight pairs\n", kPairs);
    return 1;
  }
  return ratio < 1.0 ? 0 : 1;
}

// Runs argv and returns its peak RSS in MB (ru_maxrss of the child), or -1.
double PeakRssOf(const std::vector<std::string>& args, int* exit_code) {
  exdm::testing::ProgramOptions options;
  options.limit = std::chrono::minutes(10);
  const exdm::testing::ProgramResult r = exdm::testing::RunProgram(args, options);
  if (r.exit_code < 0 && r.signal == 0) return -1;
  *exit_code = r.signal != 0 ? 128 + r.signal : r.exit_code;
  return static_cast<double>(r.max_rss_kb) / 1024;
}

int MemoryCheck() {
  constexpr size_t kPairs = 1'000'000;
  char dir_template[] = "/tmp/exdm-bench-memory-XXXXXX";
  if (!::mkdtemp(dir_template)) return 1;
  const std::string dir = dir_template;
  const std::string logs = dir + "/EXCH01.log";
  ::mkdir(logs.c_str(), 0755);
  const std::string log = logs + "/20261124.log";
  {
    // The columns the analyzer needs (by name); a million stalled pairs: queued, then retried.
    std::FILE* f = std::fopen(log.c_str(), "w");
    std::fputs("# Date\tTime\tRecipient-Address\tEvent-ID\tMSGID\n", f);
    for (size_t i = 0; i < kPairs; ++i) {
      const unsigned sec = static_cast<unsigned>(i * 3000 / kPairs);
      for (int ev : {1036, 1037}) {
        std::fprintf(f,
                     "2026-11-24\t%u:%02u:%02u GMT\tuser%04zu@contoso.com\t%d\t"
                     "%016zx%08zx@EXCH01.contoso.com\n",
                     sec / 3600, sec / 60 % 60, sec % 60, i % 5000, ev,
                     static_cast<size_t>(i * 0x9E3779B97F4A7C15ULL), i);
      }
    }
    std::fclose(f);
  }
  const std::vector<std::string> check = {exdm::testing::CheckBinary(),
                                          "queue",
                                          "--tracking-dir",
                                          "EXCH01=" + logs,
                                          "--state-file",
                                          dir + "/queue.state",
                                          "--now",
                                          "2026-11-24T01:00:00Z",
                                          "-t",
                                          "600"};
  const std::vector<std::string> stateless = {exdm::testing::CheckBinary(),
                                              "queue",
                                              "--tracking-dir",
                                              "EXCH01=" + logs,
                                              "--state-file",
                                              "none",
                                              "--now",
                                              "2026-11-24T01:00:00Z",
                                              "-t",
                                              "600"};
  int code0 = 0, code1 = 0, code2 = 0;
  const double without_state = PeakRssOf(stateless, &code0);
  const auto t0 = Clock::now();
  const double first = PeakRssOf(check, &code1);
  const double t_first = std::chrono::duration<double>(Clock::now() - t0).count();
  {
    std::FILE* f = std::fopen(log.c_str(), "a");
    std::fputs(
        "2026-11-24\t0:50:00 GMT\tuser0001@contoso.com\t1037\t"
        "0000000000000000"
        "00000000@EXCH01.contoso.com\n",
        f);
    std::fclose(f);
  }
  const auto t1 = Clock::now();
  const double second = PeakRssOf(check, &code2);
  const double t_second = std::chrono::duration<double>(Clock::now() - t1).count();
  struct stat st {};
  ::stat((dir + "/queue.state").c_str(), &st);
  std::printf(
      "check queue, %zu stalled in-flight pairs (exit codes %d/%d/%d), state file %.1f MB\n",
      kPairs, code0, code1, code2, static_cast<double>(st.st_size) / 1e6);
  std::printf("baseline: budget 200 MB peak RSS; the same check without a state file: %.1f MB\n",
              without_state);
  std::printf("result:   peak RSS %.1f MB first run (%.2f s), %.1f MB second run (%.2f s)\n", first,
              t_first, second, t_second);
  const double ratio = std::max(first, second) / 200.0;
  std::printf("ratio: %.2f of the budget (bar < 1.0)\n", ratio);
  std::filesystem::remove_all(dir);
  // The check must see every pair stalled (CRITICAL, not UNKNOWN from a failure).
  if (code0 != 2 || code1 != 2 || code2 != 2) return 1;
  return ratio < 1.0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "throughput" && argc == 4) return Throughput(argv[2], argv[3]);
  if (mode == "incremental" && argc == 3) return Incremental(argv[2]);
  if (mode == "memory") return Memory();
  if (mode == "memory-check") return MemoryCheck();
  std::fprintf(stderr, "usage: tracking_bench throughput DIR AWK | incremental DIR | memory\n");
  return 2;
}
