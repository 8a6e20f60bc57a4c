// RunTrackingAnalysis on a day file that blocks (a FIFO standing in for a hung share): the run ends
// at its deadline, and with a reader slot a long-lived caller starts no second read while the first
// is still blocked (the exporter would otherwise strand one thread per refresh on a hung share).
#include "exdm/tracking/run.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>

#include "exdm/base/time_util.h"

namespace exdm {
namespace {

class TrackingRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/exdm-run-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    now_ = static_cast<int64_t>(std::time(nullptr));
    std::string day = FormatIso8601Utc(now_ / 86400 * 86400).substr(0, 10);
    day.erase(7, 1);
    day.erase(4, 1);
    fifo_ = dir_ + "/" + day + ".log";
    ASSERT_EQ(::mkfifo(fifo_.c_str(), 0600), 0);
  }
  void TearDown() override {
    ::unlink(fifo_.c_str());
    ::rmdir(dir_.c_str());
  }

  TrackingRunOptions Options() const {
    TrackingRunOptions o;
    o.dirs = {NamedPath{"EXCH01", dir_}};
    o.now = now_;
    return o;
  }

  std::string dir_, fifo_;
  int64_t now_ = 0;
};

TEST_F(TrackingRunTest, ABlockedReadStrandsNoSecondReader) {
  TrackingRunOptions o = Options();
  o.reader_slot = std::make_shared<ReaderSlot>();
  auto first = RunTrackingAnalysis(o, Deadline::After(std::chrono::milliseconds(200)));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), ErrorCode::kTimeout);
  EXPECT_NE(first.status().message().find("while reading " + fifo_), std::string::npos)
      << first.status().message();
  EXPECT_TRUE(o.reader_slot->busy());

  const auto t0 = std::chrono::steady_clock::now();
  auto second = RunTrackingAnalysis(o, Deadline::After(std::chrono::seconds(5)));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("still blocked"), std::string::npos)
      << second.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));

  // The share answers again (a writer opens and closes the FIFO): the stuck read ends, the flag
  // clears, the next run reads normally.
  const int w = ::open(fifo_.c_str(), O_WRONLY);
  ASSERT_GE(w, 0);
  ::close(w);
  for (int i = 0; i < 200 && o.reader_slot->busy(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(o.reader_slot->busy());
  std::thread writer([this] {
    const int fd = ::open(fifo_.c_str(), O_WRONLY);
    if (fd >= 0) ::close(fd);
  });
  auto third = RunTrackingAnalysis(o, Deadline::After(std::chrono::seconds(5)));
  writer.join();
  EXPECT_TRUE(third.ok()) << third.status().message();
}

}  // namespace
}  // namespace exdm
