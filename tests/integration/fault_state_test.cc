// Fault matrix, state file (issue 9): unwritable, corrupt, an older format, two runs at once, a run
// killed between writing the temp file and renaming it. The state is never trusted blindly and
// never fatal for the numbers: after the fault the counts equal a clean run.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "exporter_process.h"
#include "fault_support.h"
#include "paths.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

namespace fs = std::filesystem;

constexpr int kNobody = 65534;

class FaultState : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.File("EXCH01.log");
    truth_ = GenerateTodaysLogs(dir_, {"--bytes", "6M", "--stalled-recipient", "broken@contoso.com",
                                       "--stall-share", "0.01"});
    ASSERT_FALSE(truth_.empty());
    now_ = "@" + truth_.at("end");
    clean_ = RunCheck(Queue("none"));
    ASSERT_EQ(clean_.exit_code, 2) << clean_.out;
    state_ = tmp_.File("q.state");
  }

  std::vector<std::string> Queue(const std::string& state) const {
    return {"queue", "--tracking-dir", "EXCH01=" + dir_, "--now", now_, "--state-file", state};
  }

  void ExpectCleanNumbers(const ProgramResult& r) const {
    EXPECT_EQ(r.exit_code, clean_.exit_code) << r.out;
    for (const char* label : {"stalled_deliveries", "oldest_stalled_age", "retries"}) {
      EXPECT_EQ(Perf(r.out, label), Perf(clean_.out, label)) << label << ": " << r.out;
    }
  }

  std::vector<std::string> Leftovers() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(tmp_.path())) {
      const std::string name = e.path().filename().string();
      if (name.rfind("q.state.tmp", 0) == 0) out.push_back(name);
    }
    return out;
  }

  TempDir tmp_{"exdm-fault-state"};
  std::string dir_, now_, state_;
  std::map<std::string, std::string> truth_;
  ProgramResult clean_;
};

TEST_F(FaultState, UnwritableStateIsUnknownNamingIt) {
  // Permissions, as an unprivileged monitoring user meets them (root ignores them: drop to nobody).
  // The user's own directory (another user's is refused before any write: PluginStateDir), made
  // read-only.
  const std::string ro = tmp_.File("ro");
  ASSERT_EQ(::mkdir(ro.c_str(), 0555), 0);
  ASSERT_EQ(::chmod(tmp_.path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  ProgramOptions options;
  if (::geteuid() == 0) {
    options.run_as_uid = kNobody;
    ASSERT_EQ(::chown(ro.c_str(), kNobody, kNobody), 0);
  }
  std::vector<std::string> argv = {CheckBinary()};
  for (const std::string& a : Queue(ro + "/q.state"))
    argv.push_back(a);
  const ProgramResult denied = RunProgram(argv, options);
  EXPECT_EQ(denied.exit_code, 3) << denied.out << denied.err;
  EXPECT_NE(StatusLine(denied.out).find(ro + "/q.state"), std::string::npos) << denied.out;
  EXPECT_NE(StatusLine(denied.out).find("Permission denied"), std::string::npos) << denied.out;

  // A path that cannot be a file for anyone: its parent is a regular file.
  WriteWholeFile(tmp_.File("plain"), "x");
  const ProgramResult notdir = RunCheck(Queue(tmp_.File("plain") + "/q.state"));
  EXPECT_EQ(notdir.exit_code, 3) << notdir.out;
  EXPECT_NE(StatusLine(notdir.out).find("Not a directory"), std::string::npos) << notdir.out;

  // The exporter: the tracking collector fails (logged once), scrapes go on.
  auto exporter = ExporterProcess::Start(
      tmp_.path(), {"--tracking.dir=EXCH01=" + dir_, "--exporter.state_dir=" + tmp_.File("plain"),
                    "--exporter.tracking_interval=1"});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(WaitForExporterLog(*exporter, "level=error msg=\"collector tracking failed",
                                 std::chrono::seconds(20)))
      << exporter->Log();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const std::string log = exporter->Log();
  EXPECT_NE(log.find("Not a directory"), std::string::npos) << log;
  size_t failures = 0;
  for (size_t at = log.find("level=error msg=\"collector tracking failed"); at != std::string::npos;
       at = log.find("level=error msg=\"collector tracking failed", at + 1))
    ++failures;
  EXPECT_EQ(failures, 1u) << log;
}

TEST_F(FaultState, OlderFormatIsRebuiltWithANote) {
  ASSERT_EQ(RunCheck(Queue(state_)).exit_code, 2);
  std::string state = ReadWholeFile(state_);
  ASSERT_EQ(state.rfind("EXDM-STATE 1\n", 0), 0u) << "the format version moved: update this test";
  state.replace(0, 13, "EXDM-STATE 0\n");
  WriteWholeFile(state_, state);
  const ProgramResult r = RunCheck(Queue(state_));
  EXPECT_NE(r.out.find("has format version '0', expected 1"), std::string::npos) << r.out;
  ExpectCleanNumbers(r);
  EXPECT_EQ(Perf(r.out, "lines_read"), Perf(clean_.out, "lines_read")) << "not read again";
}

TEST_F(FaultState, ExporterRebuildsACorruptOrOlderStateAndSaysSo) {
  const std::string state_dir = tmp_.File("st");
  ::mkdir(state_dir.c_str(), 0700);
  WriteWholeFile(state_dir + "/tracking.state", "EXDM-STATE 0\nan older exporter's bytes");
  auto exporter = ExporterProcess::Start(
      tmp_.path(), {"--tracking.dir=EXCH01=" + dir_, "--exporter.state_dir=" + state_dir,
                    "--exporter.tracking_interval=1"});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 1",
                                      std::chrono::seconds(30)))
      << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  const ProgramResult now = RunCheck({"queue", "--tracking-dir", "EXCH01=" + dir_, "--state-file",
                                      "none"});  // at the wall clock, like the exporter
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_stalled_deliveries{server=\"EXCH01\"}"),
            Perf(now.out, "stalled_deliveries"));
  EXPECT_EQ(SampleValue(metrics, "exchange_local_delivery_retries_total{server=\"EXCH01\"}"),
            Perf(now.out, "retries"));
  EXPECT_NE(exporter->Log().find("has format version '0', expected 1; rebuilt from the logs"),
            std::string::npos)
      << exporter->Log();
}

TEST_F(FaultState, TwoRunsAtOnceOnOneStateFile) {
  // The second run starts while the first holds the state (it has the first day file open); it
  // waits for the lock, then reads only what the first did not: nothing is counted twice.
  ProgramResult first, second;
  bool overlapped = false;
  // A few attempts: on a loaded machine the first run may read the file before it is caught.
  for (int attempt = 0; attempt < 5 && !overlapped; ++attempt) {
    ::unlink(state_.c_str());
    ProgramOptions options;
    OpenWatch watch(dir_ + "/" + YesterdayLogName());
    options.while_running = [&](pid_t pid) {
      if (!watch.StopWhenOpened(pid, std::chrono::seconds(20))) return;
      overlapped = true;
      // The second run starts while the first is stopped holding the lock, then the first goes on.
      ProgramOptions second_options;
      second_options.while_running = [pid](pid_t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        ::kill(pid, SIGCONT);
      };
      std::vector<std::string> second_argv = {CheckBinary()};
      for (const std::string& a : Queue(state_))
        second_argv.push_back(a);
      second = RunProgram(second_argv, second_options);
    };
    std::vector<std::string> argv = {CheckBinary()};
    for (const std::string& a : Queue(state_))
      argv.push_back(a);
    first = RunProgram(argv, options);
  }
  ASSERT_TRUE(overlapped) << "the second run did not start during the first";
  ExpectCleanNumbers(first);
  ExpectCleanNumbers(second);
  EXPECT_EQ(Perf(first.out, "lines_read"), Perf(clean_.out, "lines_read"));
  EXPECT_EQ(Perf(second.out, "lines_read"), 0) << second.out;
}

TEST_F(FaultState, KilledBetweenWriteAndRenameLeavesTheLastStateAndNoLitter) {
  ASSERT_EQ(RunCheck(Queue(state_)).exit_code, 2);
  const std::string good = ReadWholeFile(state_);
  // What a run killed after writing (part of) its temp file and before the rename leaves.
  WriteWholeFile(state_ + ".tmp.999999", good.substr(0, good.size() / 2));
  const ProgramResult r = RunCheck(Queue(state_));
  ExpectCleanNumbers(r);
  EXPECT_EQ(Perf(r.out, "lines_read"), 0) << "the last complete state was not used: " << r.out;
  EXPECT_TRUE(Leftovers().empty()) << "temp file left behind: " << Leftovers().front();

  // And a real kill at the worst moment: SIGKILL as soon as the temp file appears.
  WriteWholeFile(dir_ + "/" + TodayLogName(), "", /*append=*/true);
  bool killed = false;
  ProgramOptions options;
  options.while_running = [&](pid_t pid) {
    const std::string tmp = state_ + ".tmp." + std::to_string(pid);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!Exited(pid) && std::chrono::steady_clock::now() < until) {
      if (::access(tmp.c_str(), F_OK) == 0) {
        ::kill(pid, SIGKILL);
        killed = true;
        return;
      }
    }
  };
  std::vector<std::string> argv = {CheckBinary()};
  for (const std::string& a : Queue(state_))
    argv.push_back(a);
  const ProgramResult victim = RunProgram(argv, options);
  if (killed) {
    EXPECT_EQ(victim.signal, SIGKILL);
  }
  const ProgramResult after = RunCheck(Queue(state_));
  ExpectCleanNumbers(after);
  EXPECT_TRUE(Leftovers().empty()) << "temp file left behind: " << Leftovers().front();
}

}  // namespace
}  // namespace exdm::testing
