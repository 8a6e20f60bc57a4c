// The generic incremental-reading state: identity, resume decisions, locking, corruption handling.
#include "exdm/state/state_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "exdm/state/location.h"

namespace exdm {
namespace {

class StateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/exdm-state-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text, bool append = false) {
    std::ofstream f(dir_ + "/" + name, append ? std::ios::app : std::ios::trunc);
    f << text;
  }
  // Identity + plan for `name` against `previous`.
  ResumePlan Plan(const std::string& name, const FileCursor* previous, FileIdentity* id_out) {
    const int fd = ::open((dir_ + "/" + name).c_str(), O_RDONLY);
    EXPECT_GE(fd, 0);
    auto id = IdentifyFile(fd);
    EXPECT_TRUE(id.ok());
    const off_t size = ::lseek(fd, 0, SEEK_END);
    auto plan = PlanResume(fd, previous, *id, static_cast<uint64_t>(size));
    ::close(fd);
    EXPECT_TRUE(plan.ok());
    if (id_out) *id_out = *id;
    return *plan;
  }
  FileCursor Cursor(const std::string& name, uint64_t offset) {
    FileCursor c;
    c.path = dir_ + "/" + name;
    Plan(name, nullptr, &c.identity);
    c.offset = offset;
    return c;
  }

  std::string dir_;
};

TEST_F(StateFileTest, AppendContinuesFromTheOffset) {
  Write("a.log", "line1\n");
  const FileCursor c = Cursor("a.log", 6);
  Write("a.log", "line2\n", true);
  const ResumePlan p = Plan("a.log", &c, nullptr);
  EXPECT_EQ(p.kind, ResumeKind::kContinue);
  EXPECT_EQ(p.offset, 6u);
}

TEST_F(StateFileTest, TruncationRestartsAtZero) {
  Write("a.log", "line1\nline2\n");
  const FileCursor c = Cursor("a.log", 12);
  ASSERT_EQ(::truncate((dir_ + "/a.log").c_str(), 6), 0);
  EXPECT_EQ(Plan("a.log", &c, nullptr).kind, ResumeKind::kTruncated);
  EXPECT_EQ(Plan("a.log", &c, nullptr).offset, 0u);
}

TEST_F(StateFileTest, RewriteInPlaceWithOtherHeadIsTruncation) {
  Write("a.log", "line1\nline2\n");
  const FileCursor c = Cursor("a.log", 12);
  Write("a.log", "other\nlines\nmore\n");  // same inode (O_TRUNC), longer, other head
  EXPECT_EQ(Plan("a.log", &c, nullptr).kind, ResumeKind::kTruncated);
}

TEST_F(StateFileTest, ReplacementAndRotationAreDetected) {
  Write("a.log", "old content\n");
  const FileCursor c = Cursor("a.log", 12);
  ASSERT_EQ(::rename((dir_ + "/a.log").c_str(), (dir_ + "/a.log.1").c_str()), 0);
  Write("a.log", "new content that is longer\n");
  const ResumePlan p = Plan("a.log", &c, nullptr);
  EXPECT_EQ(p.kind, ResumeKind::kReplaced);
  EXPECT_EQ(p.offset, 0u);
}

TEST_F(StateFileTest, CopyWithSameHeadContinues) {
  Write("a.log", "same head\n");
  const FileCursor c = Cursor("a.log", 10);
  Write("b.log", "same head\nappended\n");
  ASSERT_EQ(::rename((dir_ + "/b.log").c_str(), (dir_ + "/a.log").c_str()), 0);
  EXPECT_EQ(Plan("a.log", &c, nullptr).kind, ResumeKind::kContinue);
}

TEST_F(StateFileTest, RoundTripsCursorsAndPayload) {
  const std::string path = dir_ + "/sub/dir/queue.state";
  {
    auto sf =
        StateFile::Acquire(path, "queue", "inputs-1", Deadline::After(std::chrono::seconds(5)));
    ASSERT_TRUE(sf.ok()) << sf.status().message();
    EXPECT_TRUE(sf->previous().files.empty());
    EXPECT_TRUE(sf->warnings().empty());
    StateSnapshot s;
    s.files.push_back(FileCursor{"/x/20261124.log", {1, 2, 3, 4}, 99});
    PayloadWriter w;
    w.I64(-5);
    w.Bytes(std::string("pay\0load", 8));
    s.payload = w.out();
    ASSERT_TRUE(sf->Commit(s).ok());
  }
  auto sf = StateFile::Acquire(path, "queue", "inputs-1", Deadline::After(std::chrono::seconds(5)));
  ASSERT_TRUE(sf.ok());
  EXPECT_TRUE(sf->warnings().empty());
  ASSERT_EQ(sf->previous().files.size(), 1u);
  EXPECT_EQ(sf->previous().files[0].offset, 99u);
  EXPECT_EQ(sf->previous().files[0].identity.head_hash, 4u);
  PayloadReader r(sf->previous().payload);
  EXPECT_EQ(r.I64(), -5);
  EXPECT_EQ(r.Bytes(), std::string_view("pay\0load", 8));
  EXPECT_TRUE(r.ok() && r.at_end());
}

TEST_F(StateFileTest, CorruptForeignAndOlderStateIsReportedAndDiscarded) {
  const std::string path = dir_ + "/q.state";
  const auto deadline = Deadline::After(std::chrono::seconds(5));
  {
    auto sf = StateFile::Acquire(path, "queue", "inputs-1", deadline);
    ASSERT_TRUE(sf.ok());
    StateSnapshot s;
    s.files.push_back(FileCursor{"/x", {}, 7});
    ASSERT_TRUE(sf->Commit(s).ok());
  }
  {  // another consumer / other inputs
    auto other = StateFile::Acquire(path, "events", "inputs-1", deadline);
    ASSERT_TRUE(other.ok());
    ASSERT_EQ(other->warnings().size(), 1u);
    EXPECT_NE(other->warnings()[0].find("another consumer"), std::string::npos);
    EXPECT_TRUE(other->previous().files.empty());
  }
  {
    auto other = StateFile::Acquire(path, "queue", "inputs-2", deadline);
    ASSERT_TRUE(other.ok());
    ASSERT_EQ(other->warnings().size(), 1u);
    EXPECT_NE(other->warnings()[0].find("other inputs"), std::string::npos);
  }
  // Flip one byte in the body: checksum mismatch.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(14);
    f.put('\x7f');
  }
  {
    auto sf = StateFile::Acquire(path, "queue", "inputs-1", deadline);
    ASSERT_TRUE(sf.ok());
    ASSERT_EQ(sf->warnings().size(), 1u);
    EXPECT_NE(sf->warnings()[0].find("corrupt"), std::string::npos);
    EXPECT_TRUE(sf->previous().files.empty());
  }
  Write("q.state", "EXDM-STATE 0\nwhatever");
  {
    auto sf = StateFile::Acquire(path, "queue", "inputs-1", deadline);
    ASSERT_TRUE(sf.ok());
    ASSERT_EQ(sf->warnings().size(), 1u);
    EXPECT_NE(sf->warnings()[0].find("format version"), std::string::npos);
  }
  Write("q.state", "random garbage\n\x01\x02");
  auto sf = StateFile::Acquire(path, "queue", "inputs-1", deadline);
  ASSERT_TRUE(sf.ok());
  ASSERT_EQ(sf->warnings().size(), 1u);
  EXPECT_NE(sf->warnings()[0].find("not an exdm state file"), std::string::npos);
}

TEST_F(StateFileTest, SecondHolderWaitsUntilTheDeadlineAndNamesTheHolder) {
  const std::string path = dir_ + "/q.state";
  auto first = StateFile::Acquire(path, "queue", "k", Deadline::After(std::chrono::seconds(5)));
  ASSERT_TRUE(first.ok());
  const auto t0 = std::chrono::steady_clock::now();
  auto second =
      StateFile::Acquire(path, "queue", "k", Deadline::After(std::chrono::milliseconds(300)));
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kLocked);
  EXPECT_NE(second.status().message().find("pid " + std::to_string(::getpid())), std::string::npos)
      << second.status().message();
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(3));
  { StateFile released = std::move(*first); }  // lock released with the last owner
  auto third = StateFile::Acquire(path, "queue", "k", Deadline::After(std::chrono::seconds(1)));
  EXPECT_TRUE(third.ok());
}

TEST_F(StateFileTest, DefaultPathDependsOnModeAndInputs) {
  const std::string a = DefaultStatePath("queue", {"EXCH01=/a", "EXCH02=/b"});
  EXPECT_EQ(a, DefaultStatePath("queue", {"EXCH02=/b", "EXCH01=/a"}));
  EXPECT_NE(a, DefaultStatePath("all", {"EXCH01=/a", "EXCH02=/b"}));
  EXPECT_NE(a, DefaultStatePath("queue", {"EXCH01=/a"}));
  // The prefix and the per-user directory: state_file_safety_test.cc.
  EXPECT_NE(a.find("/check_exchange_delivery/queue-"), std::string::npos) << a;
}

TEST(PayloadTest, ReaderFailsSoftlyOnShortInput) {
  PayloadWriter w;
  w.Bytes("hello");
  std::string cut = w.out().substr(0, 3);
  PayloadReader r(cut);
  EXPECT_TRUE(r.Bytes().empty());
  EXPECT_FALSE(r.ok());
  PayloadReader r2("\xff\xff");
  r2.U64();
  EXPECT_FALSE(r2.ok());
}

}  // namespace
}  // namespace exdm
