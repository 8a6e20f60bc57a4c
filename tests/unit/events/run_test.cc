// RunEventAnalysis: the one events orchestration both front ends use (state lock, bounded read,
// commit), on the hand-written fixtures and real state files.
#include "exdm/events/run.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "exdm/base/time_util.h"
#include "exdm/state/location.h"
#include "exdm/state/state_file.h"
#include "paths.h"
#include "temp_dir.h"

namespace exdm {
namespace {

std::string Fixture(const std::string& name) {
  return testing::SourceDir() + "/tests/fixtures/events/" + name;
}

EventRunOptions Options(const std::string& state_path) {
  EventRunOptions o;
  o.files = {{"EXCH-02", Fixture("mixed.csv")}};
  o.state_path = state_path;
  o.now = *ParseIso8601("2026-11-25T12:00:00Z");
  o.window_start = o.now - 86400;
  return o;
}

TEST(EventRunTest, WithoutStateEveryRunReadsTheWholeFile) {
  for (int run = 0; run < 2; ++run) {
    auto r = RunEventAnalysis(Options(""), Deadline::After(std::chrono::seconds(30)));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TRUE(r->state_commit.ok());
    ASSERT_EQ(r->evidence.servers.size(), 1u);
    EXPECT_EQ(r->evidence.LogonFailures(), 3u);
    EXPECT_GT(r->evidence.servers[0].records, 0u) << "run " << run;
  }
}

TEST(EventRunTest, StateCarriesTheEvidenceAndReadsNothingTwice) {
  testing::TempDir dir("exdm-event-run");
  const std::string state = dir.File("events.state");
  auto first = RunEventAnalysis(Options(state), Deadline::After(std::chrono::seconds(30)));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->state_commit.ok()) << first->state_commit.message();
  EXPECT_GT(first->evidence.servers[0].records, 0u);
  auto second = RunEventAnalysis(Options(state), Deadline::After(std::chrono::seconds(30)));
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->evidence.servers[0].records, 0u);
  EXPECT_EQ(second->evidence.LogonFailures(), 3u);  // carried in the state, still in the window
  EXPECT_TRUE(second->warnings.empty());
}

TEST(EventRunTest, ForeignStateIsReportedAndRebuilt) {
  testing::TempDir dir("exdm-event-run");
  const std::string state = dir.File("events.state");
  EventRunOptions other = Options(state);
  other.consumer = "all-events";
  ASSERT_TRUE(RunEventAnalysis(other, Deadline::After(std::chrono::seconds(30))).ok());
  auto r = RunEventAnalysis(Options(state), Deadline::After(std::chrono::seconds(30)));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->warnings.empty());
  EXPECT_EQ(r->evidence.LogonFailures(), 3u);
  EXPECT_GT(r->evidence.servers[0].records, 0u);  // read again from the start
}

TEST(EventRunTest, HeldLockIsKLockedAndReadsNothing) {
  testing::TempDir dir("exdm-event-run");
  const std::string state = dir.File("events.state");
  const EventRunOptions o = Options(state);
  auto holder = StateFile::Acquire(state, o.consumer, InputsKey(EventInputs(o.files)),
                                   Deadline::After(std::chrono::seconds(5)));
  ASSERT_TRUE(holder.ok()) << holder.status().message();
  auto r = RunEventAnalysis(o, Deadline::After(std::chrono::milliseconds(300)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kLocked);
  EXPECT_NE(r.status().message().find("state file"), std::string::npos);
}

TEST(EventRunTest, UnwritableStateKeepsTheEvidenceAndSaysWhy) {
  testing::TempDir dir("exdm-event-run");
  // A directory where the state file should be: the lock works, the commit's rename cannot
  // replace it (even for root). The read itself still counts.
  const std::string state = dir.File("events.state");
  ASSERT_EQ(mkdir(state.c_str(), 0700), 0);
  auto r = RunEventAnalysis(Options(state), Deadline::After(std::chrono::seconds(30)));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->state_commit.ok());
  EXPECT_EQ(r->evidence.LogonFailures(), 3u);
}

}  // namespace
}  // namespace exdm
