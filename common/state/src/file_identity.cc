#include "exdm/state/file_identity.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "exdm/state/checksum.h"
#include "safe_files.h"

namespace exdm {

const FileCursor* StateSnapshot::Find(std::string_view path) const {
  for (const FileCursor& c : files) {
    if (c.path == path) return &c;
  }
  return nullptr;
}

void StateSnapshot::Upsert(FileCursor cursor) {
  for (FileCursor& c : files) {
    if (c.path == cursor.path) {
      c = std::move(cursor);
      return;
    }
  }
  files.push_back(std::move(cursor));
}

Result<uint64_t> HashFileHead(int fd, uint64_t length) {
  std::string head(static_cast<size_t>(length), '\0');
  size_t got = 0;
  while (got < head.size()) {
    const ssize_t n = ::pread(fd, head.data() + got, head.size() - got, static_cast<off_t>(got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(ErrorCode::kIoError, Errno("read"));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  head.resize(got);
  return Fnv1a64(head);
}

Result<FileIdentity> IdentifyFile(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status(ErrorCode::kIoError, Errno("fstat"));
  FileIdentity id;
  id.device = static_cast<uint64_t>(st.st_dev);
  id.inode = static_cast<uint64_t>(st.st_ino);
  if (!S_ISREG(st.st_mode)) return id;  // FIFOs and the like: nothing to fingerprint
  id.head_length = std::min<uint64_t>(static_cast<uint64_t>(st.st_size), FileIdentity::kHeadBytes);
  auto h = HashFileHead(fd, id.head_length);
  if (!h) return h.status();
  id.head_hash = *h;
  return id;
}

std::string_view ResumeKindName(ResumeKind kind) {
  switch (kind) {
    case ResumeKind::kNew:
      return "new";
    case ResumeKind::kContinue:
      return "continue";
    case ResumeKind::kTruncated:
      return "truncated";
    case ResumeKind::kReplaced:
      return "replaced";
  }
  return "new";
}

Result<ResumePlan> PlanResume(int fd, const FileCursor* previous, const FileIdentity& now,
                              uint64_t size_now) {
  ResumePlan plan;
  if (previous == nullptr) return plan;
  const FileIdentity& then = previous->identity;
  uint64_t head_now = now.head_hash;
  if (then.head_length != now.head_length) {
    if (size_now < then.head_length) {
      head_now = ~then.head_hash;  // shorter than the part we fingerprinted: cannot be the same
    } else {
      auto h = HashFileHead(fd, then.head_length);
      if (!h) return h.status();
      head_now = *h;
    }
  }
  const bool same_head = head_now == then.head_hash;
  const bool same_inode = then.device == now.device && then.inode == now.inode;
  if (same_inode) {
    plan.kind = (same_head && size_now >= previous->offset) ? ResumeKind::kContinue
                                                            : ResumeKind::kTruncated;
  } else {
    // A copy with the same head that is not shorter (rsync/robocopy replacing the file with a new
    // inode) carries the same lines: continue. Anything else is another file.
    plan.kind = (same_head && then.head_length > 0 && size_now >= previous->offset)
                    ? ResumeKind::kContinue
                    : ResumeKind::kReplaced;
  }
  plan.offset = plan.kind == ResumeKind::kContinue ? previous->offset : 0;
  return plan;
}

}  // namespace exdm
