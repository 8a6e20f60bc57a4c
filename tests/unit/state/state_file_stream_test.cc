// The streamed state payload (issue 5's memory bar): written through a PayloadWriter that flushes
// into the temp file, read back in chunks, the same file format as the in-memory path.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "exdm/state/state_file.h"

namespace exdm {
namespace {

class StateFileStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "state_stream_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Result<StateFile> Open(StateFile::PayloadLoad load) {
    return StateFile::Acquire(path(), "queue", "inputs", Deadline::After(std::chrono::seconds(5)),
                              load);
  }
  std::string path() const { return dir_ + "/q.state"; }

  // Many records, some larger than the reader's 1 MB chunk, so fields straddle refills.
  static void WriteRecords(PayloadWriter& w) {
    for (uint64_t i = 0; i < 200'000; ++i) {
      w.U64(i * 977);
      w.I64(-static_cast<int64_t>(i));
      w.Bytes(std::string(i % 37, static_cast<char>('a' + i % 26)));
      w.MaybeFlush();
    }
    w.Bytes(std::string(3 << 20, 'z'));
  }
  static void CheckRecords(PayloadStreamReader& r) {
    for (uint64_t i = 0; i < 200'000; ++i) {
      ASSERT_EQ(r.U64(), i * 977);
      ASSERT_EQ(r.I64(), -static_cast<int64_t>(i));
      ASSERT_EQ(r.Bytes(), std::string(i % 37, static_cast<char>('a' + i % 26)));
    }
    EXPECT_EQ(r.Bytes(), std::string(3 << 20, 'z'));
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.at_end());
  }

  std::string dir_;
};

TEST_F(StateFileStreamTest, StreamedCommitAndLoadRoundTripAndMatchTheInMemoryFormat) {
  PayloadWriter counter = PayloadWriter::Counter();
  WriteRecords(counter);
  {
    auto sf = Open(StateFile::PayloadLoad::kStreamed);
    ASSERT_TRUE(sf) << sf.status().message();
    StateSnapshot s;
    s.files.push_back(FileCursor{"/x/20261124.log", {1, 2, 3, 4}, 99});
    ASSERT_TRUE(sf->Commit(s, counter.size(), &WriteRecords).ok());
  }
  {
    auto sf = Open(StateFile::PayloadLoad::kStreamed);
    ASSERT_TRUE(sf);
    EXPECT_TRUE(sf->warnings().empty()) << sf->warnings().front();
    ASSERT_EQ(sf->previous().files.size(), 1u);
    EXPECT_EQ(sf->previous().files[0].offset, 99u);
    EXPECT_TRUE(sf->previous().payload.empty());  // left in the file
    auto r = sf->OpenPreviousPayload();
    ASSERT_TRUE(r);
    CheckRecords(*r);
  }
  // The in-memory loader reads the same file byte for byte.
  auto sf = Open(StateFile::PayloadLoad::kInMemory);
  ASSERT_TRUE(sf);
  EXPECT_TRUE(sf->warnings().empty());
  EXPECT_EQ(sf->previous().payload.size(), counter.size());
}

TEST_F(StateFileStreamTest, AWrongAnnouncedSizeFailsTheCommitAndKeepsTheOldState) {
  {
    auto sf = Open(StateFile::PayloadLoad::kStreamed);
    ASSERT_TRUE(sf);
    ASSERT_TRUE(sf->Commit(StateSnapshot(), 1, [](PayloadWriter& w) { w.U64(7); }).ok());
    const Status s = sf->Commit(StateSnapshot(), 5, [](PayloadWriter& w) { w.U64(7); });
    EXPECT_FALSE(s.ok());
  }
  auto sf = Open(StateFile::PayloadLoad::kStreamed);
  ASSERT_TRUE(sf);
  auto r = sf->OpenPreviousPayload();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->U64(), 7u);
  EXPECT_TRUE(r->at_end());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            2);  // the state and its lock: no temp file left
}

TEST_F(StateFileStreamTest, ACorruptByteAnywhereDiscardsTheStateWithAWarning) {
  PayloadWriter counter = PayloadWriter::Counter();
  WriteRecords(counter);
  {
    auto sf = Open(StateFile::PayloadLoad::kStreamed);
    ASSERT_TRUE(sf);
    ASSERT_TRUE(sf->Commit(StateSnapshot(), counter.size(), &WriteRecords).ok());
  }
  {
    std::fstream f(path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2'000'000);
    f.put('#');
  }
  auto sf = Open(StateFile::PayloadLoad::kStreamed);
  ASSERT_TRUE(sf);
  ASSERT_EQ(sf->warnings().size(), 1u);
  EXPECT_NE(sf->warnings()[0].find("checksum mismatch"), std::string::npos) << sf->warnings()[0];
  auto r = sf->OpenPreviousPayload();
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->at_end());  // nothing to restore
}

}  // namespace
}  // namespace exdm
