// Fault matrix, tracking logs (issue 9): what the check prints and exits and what the exporter
// reports when the tracking-log input misbehaves, and that nothing is lost: the numbers after the
// fault (or after recovery) equal a clean run over the same content.
//
// "While reading" faults are made deterministic by stopping the check (SIGSTOP) once it holds the
// day file open, changing the file, and letting it continue.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "exporter_process.h"
#include "fault_support.h"
#include "http_client.h"
#include "paths.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

namespace fs = std::filesystem;

// Two generated day files (2026-11-24/25) of about `bytes` each with stalled deliveries; returns
// the generator's truth (its "end" is where the log ends: the evaluation time).
std::map<std::string, std::string> GenerateDays(const std::string& dir, const std::string& bytes) {
  const ProgramResult r =
      RunProgram({GeneratorBinary("exdm_gen_tracking"), "--out", dir, "--start", "2026-11-24",
                  "--days", "2", "--bytes", bytes, "--seed", "9", "--stalled-recipient",
                  "broken@contoso.com", "--stall-share", "0.01", "--truth", dir + ".truth"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> truth;
  for (const std::string& line : SplitLines(ReadWholeFile(dir + ".truth"))) {
    const size_t eq = line.rfind('=');
    if (eq != std::string::npos) truth[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return truth;
}

std::vector<std::string> Queue(const std::string& dir, const std::string& now,
                               const std::string& state) {
  return {"queue", "--tracking-dir", "EXCH01=" + dir, "--now", now, "--state-file", state};
}

// Copies every file of `from` into the new directory `to`.
void CopyDir(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from))
    fs::copy_file(e.path(), to + "/" + e.path().filename().string());
}

// Runs the check; once it is in the middle of reading `file`, stops it, runs `change`, continues
// it. `caught` says whether the change happened mid-read (the test fails otherwise).
ProgramResult RunWhileReading(const std::vector<std::string>& args, const std::string& file,
                              const std::function<void()>& change, bool& caught) {
  ProgramOptions options;
  caught = false;
  OpenWatch watch(file);
  options.while_running = [&](pid_t pid) {
    if (!watch.StopWhileReading(pid, std::chrono::seconds(20))) return;
    change();
    caught = true;
    ::kill(pid, SIGCONT);
  };
  std::vector<std::string> argv = {CheckBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, options);
}

class ChangedWhileReading : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new TempDir("exdm-fault-reading");
    truth_ = GenerateDays(data_->File("gen"), "12M");
  }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }

  void SetUp() override {
    dir_ = tmp_.File("EXCH01.log");
    CopyDir(data_->File("gen"), dir_);
    day1_ = dir_ + "/20261124.log";
    now_ = "@" + truth_.at("end");
    clean_ = RunCheck(Queue(data_->File("gen"), now_, "none"));
    ASSERT_EQ(clean_.exit_code, 2) << clean_.out;
    ASSERT_GT(Perf(clean_.out, "stalled_deliveries"), 0);
  }

  // The stall numbers of a run equal the clean run's.
  void ExpectCleanNumbers(const ProgramResult& r) {
    EXPECT_EQ(r.exit_code, clean_.exit_code) << r.out;
    EXPECT_EQ(Perf(r.out, "stalled_deliveries"), Perf(clean_.out, "stalled_deliveries")) << r.out;
    EXPECT_EQ(Perf(r.out, "oldest_stalled_age"), Perf(clean_.out, "oldest_stalled_age")) << r.out;
  }

  ProgramResult Run() { return RunCheck(Queue(dir_, now_, tmp_.File("state"))); }

  // RunWhileReading on a fresh copy, again when the reader slipped through between two looks
  // (a loaded machine): a few attempts make catching it mid-read dependable.
  ProgramResult ChangeWhileReading(const std::function<void()>& change, bool& caught) {
    ProgramResult r;
    for (int attempt = 0; attempt < 5 && !caught; ++attempt) {
      fs::remove_all(dir_);
      fs::remove(tmp_.File("state"));
      CopyDir(data_->File("gen"), dir_);
      r = RunWhileReading(Queue(dir_, now_, tmp_.File("state")), day1_, change, caught);
    }
    return r;
  }

  static TempDir* data_;
  static std::map<std::string, std::string> truth_;
  TempDir tmp_{"exdm-fault-reading"};
  std::string dir_, day1_, now_;
  ProgramResult clean_;
};
TempDir* ChangedWhileReading::data_ = nullptr;
std::map<std::string, std::string> ChangedWhileReading::truth_;

TEST_F(ChangedWhileReading, DeletedWhileHeldOpenIsReadToTheEnd) {
  bool caught = false;
  const ProgramResult r = ChangeWhileReading([&] { ::unlink(day1_.c_str()); }, caught);
  ASSERT_TRUE(caught) << "the check never held " << day1_ << " open";
  ExpectCleanNumbers(r);  // the open descriptor still reads the whole file
  // The next run: the file is gone, the in-flight deliveries read from it are not.
  const ProgramResult next = Run();
  ExpectCleanNumbers(next);
  EXPECT_EQ(Perf(next.out, "lines_read"), 0) << next.out;
}

TEST_F(ChangedWhileReading, TruncatedWhileReadingIsReReadWhenItComesBack) {
  const std::string content = ReadWholeFile(day1_);
  bool caught = false;
  const ProgramResult r =
      ChangeWhileReading([&] { ASSERT_EQ(::truncate(day1_.c_str(), 0), 0); }, caught);
  ASSERT_TRUE(caught) << "the check never held " << day1_ << " open";
  EXPECT_GE(r.exit_code, 0) << r.out;  // a verdict over what was there, no crash
  EXPECT_LE(r.exit_code, 2) << r.out;
  const ProgramResult empty = Run();
  EXPECT_NE(empty.out.find("20261124.log was truncated since the last run"), std::string::npos)
      << empty.out;
  // The share shows the whole file again: everything is read, nothing counted twice as stalled.
  WriteWholeFile(day1_, content);
  ExpectCleanNumbers(Run());
}

// Truncated after a run, then restored before a later one (a share that showed an empty file for
// a while): the restored file is read again from its start. Deliveries are keyed by message and
// recipient, so the stall verdict and ages equal a clean run's; the retry and delivery counters
// count the restored file's rows a second time (a one-time jump, documented in the README).
TEST_F(ChangedWhileReading, TruncatedThenRestoredBetweenRunsKeepsTheVerdictAndCountsItsRowsAgain) {
  const std::string content = ReadWholeFile(day1_);
  const ProgramResult first = Run();
  ExpectCleanNumbers(first);
  ASSERT_EQ(::truncate(day1_.c_str(), 0), 0);
  const ProgramResult empty = Run();
  EXPECT_NE(empty.out.find("20261124.log was truncated since the last run"), std::string::npos)
      << empty.out;
  WriteWholeFile(day1_, content);
  const ProgramResult restored = Run();
  ExpectCleanNumbers(restored);
  // The jump is exactly the restored file's own retries.
  const std::string only_day1 = tmp_.File("day1");
  fs::create_directories(only_day1);
  fs::copy_file(day1_, only_day1 + "/20261124.log");
  const ProgramResult day1 = RunCheck(Queue(only_day1, now_, "none"));
  ASSERT_GT(Perf(day1.out, "retries"), 0) << day1.out;
  EXPECT_EQ(Perf(restored.out, "retries"), Perf(first.out, "retries") + Perf(day1.out, "retries"))
      << StatusLine(restored.out);
}

TEST_F(ChangedWhileReading, ReplacedByACopyWhileReadingContinuesWithoutRereading) {
  const std::string content = ReadWholeFile(day1_);
  bool caught = false;
  const ProgramResult r = ChangeWhileReading(
      [&] {
        WriteWholeFile(dir_ + "/copy.tmp", content);  // a copy job replacing the file
        ASSERT_EQ(::rename((dir_ + "/copy.tmp").c_str(), day1_.c_str()), 0);
      },
      caught);
  ASSERT_TRUE(caught) << "the check never held " << day1_ << " open";
  ExpectCleanNumbers(r);
  // A copy with the same content (another inode, the same head, not shorter) carries the same
  // lines: the next run continues where this one stopped instead of reading it all again.
  const ProgramResult next = Run();
  EXPECT_EQ(next.out.find("was replaced"), std::string::npos) << next.out;
  EXPECT_EQ(Perf(next.out, "lines_read"), 0) << next.out;
  ExpectCleanNumbers(next);
}

TEST_F(ChangedWhileReading, RotatedWhileReadingKeepsWhatWasRead) {
  const std::string header = ReadWholeFile(day1_).substr(0, 4096);
  bool caught = false;
  const ProgramResult r = ChangeWhileReading(
      [&] {
        // Moved to an archive, a fresh file (its header only) started under the same name.
        ASSERT_EQ(::rename(day1_.c_str(), tmp_.File("20261124.log.archived").c_str()), 0);
        WriteWholeFile(day1_, header.substr(0, header.find("\n2026") + 1));
      },
      caught);
  ASSERT_TRUE(caught) << "the check never held " << day1_ << " open";
  ExpectCleanNumbers(r);
  const ProgramResult next = Run();
  EXPECT_NE(next.out.find("20261124.log was replaced since the last run"), std::string::npos)
      << next.out;
  ExpectCleanNumbers(next);
}

// ---- hostile content ----

// Today's and yesterday's logs of EXCH01 (so the exporter reads them too), the clean check run
// over them, and an exporter started on demand.
class HostileContent : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.File("EXCH01.log");
    truth_ = GenerateTodaysLogs(dir_, {"--messages", "400", "--stalled-recipient",
                                       "broken@contoso.com", "--stall-share", "0.05"});
    ASSERT_FALSE(truth_.empty());
    today_ = dir_ + "/" + TodayLogName();
    clean_ = RunCheck(Check());
    ASSERT_EQ(clean_.exit_code, 2) << clean_.out;
    ASSERT_GT(Perf(clean_.out, "stalled_deliveries"), 0) << clean_.out;
  }

  // One evaluation time for every run of a test, so ages compare exactly.
  std::vector<std::string> Check() const {
    return {"queue", "--tracking-dir", "EXCH01=" + dir_, "--state-file", "none", "--now", now_};
  }

  // Inserts `bytes` after the first complete data line past the middle of today's file.
  void InsertInToday(const std::string& bytes) {
    std::string text = ReadWholeFile(today_);
    const size_t at = text.find('\n', text.size() / 2) + 1;
    text.insert(at, bytes);
    WriteWholeFile(today_, text);
  }

  void ExpectCleanStalls(const ProgramResult& r) {
    EXPECT_EQ(r.exit_code, clean_.exit_code) << StatusLine(r.out);
    EXPECT_EQ(Perf(r.out, "stalled_deliveries"), Perf(clean_.out, "stalled_deliveries"))
        << StatusLine(r.out);
  }

  // Starts the exporter on the directory and returns its first successful tracking scrape.
  std::string ExporterMetrics() {
    exporter_ = ExporterProcess::Start(
        tmp_.path(), {"--tracking.dir=EXCH01=" + dir_, "--exporter.state_dir=" + tmp_.File("st"),
                      "--exporter.tracking_interval=1"});
    if (!exporter_) return "";
    EXPECT_TRUE(exporter_->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 1",
                                         std::chrono::seconds(60)))
        << exporter_->Log();
    return exporter_->ScrapeText();
  }

  double ExporterStalled(const std::string& metrics) {
    return SampleValue(metrics, "exchange_local_delivery_stalled_deliveries{server=\"EXCH01\"}");
  }

  TempDir tmp_{"exdm-fault-content"};
  const std::string now_ = "@" + std::to_string(std::time(nullptr));
  std::string dir_, today_;
  std::map<std::string, std::string> truth_;
  ProgramResult clean_;
  std::unique_ptr<ExporterProcess> exporter_;
};

TEST_F(HostileContent, HundredMegabytesOfRandomBytesAreBadLinesNotAVerdict) {
  std::string noise(100u << 20, '\0');
  std::mt19937_64 random(42);
  for (size_t i = 0; i + 8 <= noise.size(); i += 8) {
    const uint64_t v = random();
    std::memcpy(&noise[i], &v, 8);
  }
  InsertInToday(noise + "\n");
  const ProgramResult r = RunCheck(Check());
  ExpectCleanStalls(r);
  EXPECT_GT(Perf(r.out, "bad_lines"), 100000) << StatusLine(r.out);
  EXPECT_LT(r.elapsed, std::chrono::seconds(20));
  for (char c : r.out) {
    ASSERT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << "control byte in output";
  }
  const std::string metrics = ExporterMetrics();
  EXPECT_EQ(ExporterStalled(metrics), Perf(clean_.out, "stalled_deliveries"));
  EXPECT_EQ(SampleValue(metrics, "exchange_tracking_log_parse_errors_total{server=\"EXCH01\"}"),
            Perf(r.out, "bad_lines"));
}

TEST_F(HostileContent, TenMegabyteLineIsOneBadLine) {
  InsertInToday(std::string(10u << 20, 'x') + "\n");
  const ProgramResult r = RunCheck(Check());
  ExpectCleanStalls(r);
  EXPECT_EQ(Perf(r.out, "bad_lines"), 1) << StatusLine(r.out);
  EXPECT_EQ(Perf(r.out, "lines_read"), Perf(clean_.out, "lines_read") + 1) << StatusLine(r.out);
  const std::string metrics = ExporterMetrics();
  EXPECT_EQ(ExporterStalled(metrics), Perf(clean_.out, "stalled_deliveries"));
  EXPECT_EQ(SampleValue(metrics, "exchange_tracking_log_parse_errors_total{server=\"EXCH01\"}"), 1);
}

TEST_F(HostileContent, LinesFromTheFutureAreBadLinesAndMoveNoClock) {
  // A clock-skewed or corrupted row: a delivery that "starts" in 2099 and retries at once.
  const std::string msg = "future01@EXCH01.contoso.com";
  std::string rows;
  for (const char* id : {"1036", "1028", "1037"}) {
    rows += std::string("2099-1-1\t0:00:00 GMT\t-\t-\t-\tEXCH01.contoso.com\t192.0.2.10\t") +
            "zed@contoso.com\t" + id + "\t" + msg + "\t0\t0\t100\t1\t-\t0\t-\t-\t-\t-\n";
  }
  // Header columns of the generated file (the rows above are in the default column order).
  InsertInToday(rows);
  const ProgramResult r = RunCheck(Check());
  ExpectCleanStalls(r);
  EXPECT_EQ(Perf(r.out, "oldest_stalled_age"), Perf(clean_.out, "oldest_stalled_age"))
      << StatusLine(r.out);
  EXPECT_EQ(Perf(r.out, "bad_lines"), 3) << r.out;
  EXPECT_NE(r.out.find("in the future"), std::string::npos) << r.out;
  const std::string metrics = ExporterMetrics();
  EXPECT_EQ(ExporterStalled(metrics), Perf(clean_.out, "stalled_deliveries"));
  const double last =
      SampleValue(metrics, "exchange_tracking_log_last_event_timestamp_seconds{server=\"EXCH01\"}");
  EXPECT_LE(last, static_cast<double>(std::time(nullptr)) + 3600) << "the log's clock jumped";
}

// ---- unreadable, empty ----

constexpr int kNobody = 65534;

// Permissions as an unprivileged monitoring user meets them; the suite may run as root, which
// ignores them, so the check drops to nobody there.
ProgramResult RunCheckUnprivileged(const std::vector<std::string>& args) {
  ProgramOptions options;
  if (::geteuid() == 0) options.run_as_uid = kNobody;
  std::vector<std::string> argv = {CheckBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, options);
}

TEST(FaultTracking, UnreadableDirectoryOrDayFileIsUnknownNamingIt) {
  TempDir tmp("exdm-fault-perm");
  ASSERT_EQ(::chmod(tmp.path().c_str(), 0755), 0);
  const std::string dir = tmp.File("EXCH01.log");
  ASSERT_FALSE(GenerateTodaysLogs(dir, {"--messages", "100"}).empty());
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  const std::vector<std::string> args = {"queue", "--tracking-dir", "EXCH01=" + dir, "--state-file",
                                         "none"};
  ASSERT_EQ(RunCheckUnprivileged(args).exit_code, 0) << "readable as it is";

  ASSERT_EQ(::chmod(dir.c_str(), 0), 0);
  const ProgramResult no_dir = RunCheckUnprivileged(args);
  ::chmod(dir.c_str(), 0755);
  EXPECT_EQ(no_dir.exit_code, 3) << no_dir.out;
  EXPECT_EQ(no_dir.out, "EXCHANGE DELIVERY UNKNOWN - cannot read --tracking-dir '" + dir +
                            "' of EXCH01: Permission denied\n");

  const std::string today = dir + "/" + TodayLogName();
  ASSERT_EQ(::chmod(today.c_str(), 0), 0);
  const ProgramResult no_file = RunCheckUnprivileged(args);
  EXPECT_EQ(no_file.exit_code, 3) << no_file.out;
  EXPECT_NE(StatusLine(no_file.out).find("EXCH01: " + today + ": Permission denied"),
            std::string::npos)
      << no_file.out;
}

TEST(FaultTracking, EmptyDirectoryIsUnknownAndFailsTheCollector) {
  TempDir tmp("exdm-fault-empty");
  const std::string dir = tmp.File("EXCH01.log");
  fs::create_directories(dir);
  const ProgramResult r =
      RunCheck({"queue", "--tracking-dir", "EXCH01=" + dir, "--state-file", "none"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(StatusLine(r.out).find("no tracking logs (YYYYMMDD.log) in " + dir), std::string::npos)
      << r.out;
  auto exporter = ExporterProcess::Start(
      tmp.path(), {"--tracking.dir=EXCH01=" + dir, "--exporter.state_dir=" + tmp.File("st"),
                   "--exporter.tracking_interval=1"});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(WaitForExporterLog(*exporter, "level=error msg=\"collector tracking failed",
                                 std::chrono::seconds(20)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_stalled_deliveries{server=\"EXCH01\"}"),
            0);
  EXPECT_NE(exporter->Log().find("no tracking logs"), std::string::npos) << exporter->Log();
  // The first log appears: the collector recovers without a restart.
  ASSERT_FALSE(GenerateTodaysLogs(dir, {"--messages", "100"}).empty());
  EXPECT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 1",
                                      std::chrono::seconds(20)))
      << exporter->Log();
}

// ---- a day file that blocks (hung CIFS share) ----

TEST(FaultTracking, ExporterScrapesStayFastWhileADayFileBlocks) {
  TempDir tmp("exdm-fault-fifo");
  const std::string dir = tmp.File("EXCH01.log");
  fs::create_directories(dir);
  ASSERT_EQ(::mkfifo((dir + "/" + TodayLogName()).c_str(), 0644), 0);
  auto exporter = ExporterProcess::Start(
      tmp.path(), {"--tracking.dir=EXCH01=" + dir, "--exporter.state_dir=" + tmp.File("st"),
                   "--exporter.tracking_interval=1"});
  ASSERT_TRUE(exporter);
  HttpClient client(exporter->port());
  // Scrape for a few seconds while the collector sits in open() of the FIFO.
  std::vector<double> ms;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < until) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string metrics = exporter->ScrapeText();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_NE(metrics.find("exchange_delivery_exporter_build_info"), std::string::npos);
  }
  std::sort(ms.begin(), ms.end());
  EXPECT_LT(ms[ms.size() * 99 / 100], 200.0) << "p99 scrape while the share hangs";
  const std::string metrics = exporter->ScrapeText();
  // The hung read never completed: the collector has not succeeded and invented nothing (its
  // families appear once the read gives up at its deadline, a minute on, with success 0).
  EXPECT_NE(SampleValue(metrics, "exchange_collector_success{collector=\"tracking\"}"), 1);
  for (const std::string& line : SplitLines(metrics)) {
    if (line.rfind("exchange_local_delivery_", 0) == 0) {
      EXPECT_EQ(line.substr(line.rfind(' ') + 1), "0") << line;
    }
  }
  // The exporter stops promptly even with a reader stuck in the kernel.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(exporter->process().Stop(std::chrono::seconds(10)), 0) << exporter->Log();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

}  // namespace
}  // namespace exdm::testing
