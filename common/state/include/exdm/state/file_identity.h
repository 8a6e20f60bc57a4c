// Which file a path holds now, and where to resume reading it: the identity of a file (device,
// inode and a fingerprint of its head) and the plan that compares it with where the last run
// stopped (continue, or start over because the file was truncated or replaced).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/status.h"

namespace exdm {

// Who a file is: device/inode, plus a fingerprint of its first head_length bytes (so a file
// replaced by a copy with another inode but the same content, or rewritten in place, is told apart
// from the same file grown).
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t head_length = 0;  // bytes fingerprinted: min(size, kHeadBytes) when last read
  uint64_t head_hash = 0;

  static constexpr uint64_t kHeadBytes = 1024;
};

// Where reading of one file stopped.
struct FileCursor {
  std::string path;
  FileIdentity identity;
  uint64_t offset = 0;  // first byte not yet consumed (the start of an incomplete last line)
};

struct StateSnapshot {
  std::vector<FileCursor> files;
  std::string payload;  // consumer-defined bytes (see PayloadWriter/PayloadReader)

  const FileCursor* Find(std::string_view path) const;
  void Upsert(FileCursor cursor);
};

// Identity of an open file: fstat plus a pread of its head. The fd may be non-blocking.
Result<FileIdentity> IdentifyFile(int fd);

enum class ResumeKind {
  kNew,        // no previous cursor: read from 0
  kContinue,   // same file, grown or unchanged: read from the previous offset
  kTruncated,  // same inode but smaller than the offset, or its head changed: read from 0
  kReplaced,   // another file under the same path (rotated/replaced): read from 0
};
struct ResumePlan {
  ResumeKind kind = ResumeKind::kNew;
  uint64_t offset = 0;
};
std::string_view ResumeKindName(ResumeKind kind);
// Compares the open file (whose current identity and size the caller got from IdentifyFile and
// fstat) with the previous cursor; re-hashes the head over the previous head_length when the file
// was shorter then, so a file that only grew is recognized.
Result<ResumePlan> PlanResume(int fd, const FileCursor* previous, const FileIdentity& now,
                              uint64_t size_now);
// Hash of the first `length` bytes of the file (pread), comparable with FileIdentity::head_hash.
Result<uint64_t> HashFileHead(int fd, uint64_t length);

}  // namespace exdm
