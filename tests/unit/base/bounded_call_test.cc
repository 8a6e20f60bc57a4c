// ReaderSlot / ReaderClaim (bounded_call.h): one read at a time per input for a long-lived caller.
// The slot is held from the start of a run until its helper thread's work returns, so a read that
// stays blocked on a hung share (a FIFO nobody writes, here) makes the next run fail at once
// instead of stranding one more thread. The event and queue snapshot runs use it as the tracking
// run does (tracking/run_test.cc).
#include "exdm/base/bounded_call.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "exdm/events/run.h"
#include "exdm/tracking/queue_snapshot.h"
#include "hung_share.h"
#include "temp_dir.h"

namespace exdm {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ReaderSlot, OneClaimAtATimeAndANullSlotLimitsNothing) {
  auto slot = std::make_shared<ReaderSlot>();
  auto first = ReaderClaim::Take(slot, "the inputs");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(slot->busy());
  auto second = ReaderClaim::Take(slot, "the inputs");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kTimeout);
  EXPECT_EQ(second.status().message(),
            "the previous read of the inputs is still blocked (hung share?); not starting another");
  {
    ReaderClaim moved = std::move(*first);
    EXPECT_TRUE(slot->busy());
  }  // dropped: a run that fails before it reads frees the slot
  EXPECT_FALSE(slot->busy());
  EXPECT_TRUE(ReaderClaim::Take(slot, "the inputs").ok());  // temporary, released at once
  EXPECT_FALSE(slot->busy());
  EXPECT_TRUE(ReaderClaim::Take(nullptr, "the inputs").ok());
  EXPECT_TRUE(ReaderClaim::Take(nullptr, "the inputs").ok());
}

TEST(ReaderSlot, RunBoundedReleasesTheSlotBeforeHandingOverTheResult) {
  auto slot = std::make_shared<ReaderSlot>();
  for (int run = 0; run < 50; ++run) {
    auto claim = ReaderClaim::Take(slot, "the inputs");
    ASSERT_TRUE(claim.ok()) << "run " << run << ": " << claim.status().message();
    auto r = RunBounded<int>(Deadline::After(seconds(30)), std::move(*claim),
                             [](WorkProgress&) -> Result<int> { return 7; });
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(slot->busy()) << "run " << run;
  }
}

// A FIFO nobody writes to: open() blocks like a read on a hung hard-mounted share.
class BlockedReadTest : public ::testing::Test {
 protected:
  void SetUp() override { fifo_ = dir_.File(name_); }
  void MakeFifo() { ASSERT_EQ(::mkfifo(fifo_.c_str(), 0600), 0); }
  // Lets the stuck reader go (a writer opens and closes the FIFO: the reader sees an empty file).
  void Unblock() {
    const int w = ::open(fifo_.c_str(), O_WRONLY);
    ASSERT_GE(w, 0);
    ::close(w);
  }
  static void WaitUntilFree(const ReaderSlot& slot) {
    for (int i = 0; i < 1000 && slot.busy(); ++i)
      std::this_thread::sleep_for(milliseconds(10));
  }
  // First run times out at its deadline (slot kept), the second fails at once naming the
  // blocked read, and once the share answers the slot frees.
  void ExpectOneStrandedReader(const std::function<Status(const Deadline&)>& run,
                               const ReaderSlot& slot, const std::string& what) {
    const Status first = run(Deadline::After(milliseconds(200)));
    EXPECT_EQ(first.code(), ErrorCode::kTimeout) << first.message();
    EXPECT_TRUE(slot.busy());
    const auto t0 = std::chrono::steady_clock::now();
    const Status second = run(Deadline::After(seconds(10)));
    EXPECT_EQ(second.code(), ErrorCode::kTimeout) << second.message();
    EXPECT_EQ(second.message(), "the previous read of " + what +
                                    " is still blocked (hung share?); not starting another");
    // Generous: the point is "not at the 10 s deadline", not a latency figure.
    EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(3));
    Unblock();
    WaitUntilFree(slot);
    EXPECT_FALSE(slot.busy());
  }

  testing::TempDir dir_{"exdm-reader-slot"};
  std::string name_ = "EXCH01-queue.csv";
  std::string fifo_;
};

TEST_F(BlockedReadTest, EventRunStrandsNoSecondReader) {
  MakeFifo();
  EventRunOptions o;
  o.files = {{"EXCH01", fifo_}};
  o.now = 1'764'072'000;
  o.window_start = o.now - 86400;
  o.reader_slot = std::make_shared<ReaderSlot>();
  ExpectOneStrandedReader(
      [&](const Deadline& d) {
        auto r = RunEventAnalysis(o, d);
        return r.ok() ? Status::Ok() : r.status();
      },
      *o.reader_slot, "the event exports");
}

// The queue snapshot reader refuses FIFOs at once (exdm/base/small_file.h), so its hung share is
// a real one: a FUSE file whose reads never return (support/hung_share.h).
TEST(BlockedSnapshotRead, QueueSnapshotReadStrandsNoSecondReader) {
  std::string why;
  auto share = testing::HungShare::Mount(&why);
  if (!share) GTEST_SKIP() << "no hung share: " << why;
  share->Put("EXCH01-queue.csv", "snapshot_utc,server\r\n", /*hanging=*/true);
  QueueSnapshotOptions o;
  o.files = {{"EXCH01", share->File("EXCH01-queue.csv")}};
  o.now = 1'764'072'000;
  o.reader_slot = std::make_shared<ReaderSlot>();
  const auto run = [&](const Deadline& d) {
    auto r = ReadQueueSnapshots(o, d);
    return r.ok() ? Status::Ok() : r.status();
  };
  const Status first = run(Deadline::After(milliseconds(200)));
  EXPECT_EQ(first.code(), ErrorCode::kTimeout) << first.message();
  EXPECT_TRUE(o.reader_slot->busy());
  const auto t0 = std::chrono::steady_clock::now();
  const Status second = run(Deadline::After(seconds(10)));
  EXPECT_EQ(second.message(),
            "the previous read of the queue snapshots is still blocked (hung share?); not "
            "starting another");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(3));
  // The share answers again (the read fails): the slot frees and the next read starts.
  share->Release();
  for (int i = 0; i < 1000 && o.reader_slot->busy(); ++i)
    std::this_thread::sleep_for(milliseconds(10));
  EXPECT_FALSE(o.reader_slot->busy());
  share->Put("EXCH01-queue.csv", "", /*hanging=*/false);
  auto again = ReadQueueSnapshots(o, Deadline::After(seconds(10)));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_FALSE((*again)[0].error.ok());
}

}  // namespace
}  // namespace exdm
