// Incremental reading state shared by every consumer that follows growing files (tracking logs,
// event exports): per-file read offsets and identity, plus one opaque payload per consumer.
//
// Contract:
// - StateFile::Acquire creates missing directories (0700) and refuses (kIoError, naming the path,
//   what is wrong and the fix) a state directory not owned by the effective user or writable by
//   group or others, or one under a directory another user (not root) owns or may write to
//   without the sticky bit: as ssh's StrictModes for ~/.ssh. Lock, state and temp files are
//   opened with O_NOFOLLOW and must be regular files: a planted link is refused, never followed.
// - StateFile::Acquire takes an exclusive flock on "<path>.lock" (the state file itself is replaced
//   by rename, so it cannot carry the lock), waiting until the deadline; on timeout it returns
//   kLocked naming the holder's pid (written into the lock file by the holder).
// - The previous state is loaded and checked: magic, format version, consumer, inputs key and a
//   checksum. Anything else (corrupt, foreign, older format, another set of inputs) is reported in
//   warnings() and replaced by an empty state: never trusted, never fatal.
// - Commit() writes the new state atomically: temp file in the same directory, fsync, rename, fsync
//   of the directory. Nothing is written unless Commit() is called (a run that failed midway keeps
//   the previous state).
// - PlanResume() decides where to continue a file: same identity and no shrink -> previous offset;
//   otherwise from 0, saying whether the file was truncated or replaced (rotation = replacement).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exdm/base/deadline.h"
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

class PayloadWriter;
class PayloadStreamReader;

class StateFile {
 public:
  // How the previous payload is loaded: into previous().payload, or left in the file (checksum
  // verified) for OpenPreviousPayload(), so a payload of tens of MB is never held whole.
  enum class PayloadLoad { kInMemory, kStreamed };

  // consumer: e.g. "queue"; inputs_key: a canonical description of the inputs (directories, files)
  // so a state written for other inputs is recognized as foreign.
  static Result<StateFile> Acquire(const std::string& path, std::string_view consumer,
                                   std::string_view inputs_key, const Deadline& deadline,
                                   PayloadLoad load = PayloadLoad::kInMemory);

  StateFile(StateFile&& other) noexcept;
  StateFile& operator=(StateFile&& other) noexcept;
  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;
  ~StateFile();  // releases the lock

  const StateSnapshot& previous() const { return previous_; }
  // Moves the previous snapshot out (its payload may be large); previous() is empty afterwards.
  StateSnapshot TakePrevious() { return std::exchange(previous_, StateSnapshot()); }
  // Why the previous state was discarded (empty when it was loaded or did not exist).
  const std::vector<std::string>& warnings() const { return warnings_; }
  const std::string& path() const { return path_; }

  Status Commit(const StateSnapshot& snapshot);
  // The same file format with the payload streamed into the temp file instead of taken from
  // snapshot.payload (ignored): `write` produces exactly `payload_size` bytes through the writer
  // it is given (which flushes to the file as it goes), else the commit fails and nothing is
  // replaced.
  Status Commit(const StateSnapshot& snapshot, uint64_t payload_size,
                const std::function<void(PayloadWriter&)>& write);

  // With PayloadLoad::kStreamed: the previous payload (empty when there is none), read from the
  // file in chunks.
  Result<PayloadStreamReader> OpenPreviousPayload() const;

 private:
  StateFile() = default;
  void Load(PayloadLoad load);
  void LoadStreamed();
  Status CommitWith(const StateSnapshot& snapshot, uint64_t payload_size,
                    const std::function<Status(int fd, uint64_t* checksum)>& write_payload);

  std::string path_;
  std::string consumer_;
  std::string inputs_key_;
  int lock_fd_ = -1;
  StateSnapshot previous_;
  uint64_t payload_offset_ = 0;  // kStreamed: where the previous payload starts in the file
  uint64_t payload_size_ = 0;
  std::vector<std::string> warnings_;
};

// Default location, the Monitoring Plugins' convention (their np_enable_state):
// <prefix>/<effective uid>/check_exchange_delivery/<mode>-<16 hex digits of a hash of the
// inputs>.state. The prefix is $MP_STATE_PATH, else $NAGIOS_PLUGIN_STATE_DIRECTORY (its former
// name), else /var/tmp; empty counts as unset, and a setuid run reads neither. One directory per
// user, so root trying a check by hand never locks the monitoring user out; one file per mode
// and input set, so they never share offsets.
std::string DefaultStatePath(std::string_view mode, const std::vector<std::string>& inputs);
// The canonical inputs key used both for the default path and as StateFile's inputs_key.
std::string InputsKey(const std::vector<std::string>& inputs);

// 64-bit FNV-1a, used for fingerprints and checksums (not for security).
uint64_t Fnv1a64(std::string_view bytes, uint64_t seed = 0xcbf29ce484222325ULL);

// Little-endian varint encoding for payloads; the reader fails softly (ok() false) on short or
// malformed input instead of reading past the end.
class PayloadWriter {
 public:
  PayloadWriter() = default;
  // Streaming: buffered bytes go to `sink` whenever MaybeFlush() finds flush_at or more (marks
  // must not be open then), the rest on Finish(). The first sink error stops further writes.
  explicit PayloadWriter(std::function<Status(std::string_view)> sink, size_t flush_at = 1 << 20)
      : sink_(std::move(sink)), flush_at_(flush_at) {}
  // Counting only: nothing is kept, size() says how many bytes the same calls would write.
  static PayloadWriter Counter() {
    PayloadWriter w;
    w.counting_ = true;
    return w;
  }

  void U64(uint64_t v);
  void I64(int64_t v);  // zigzag
  void Bytes(std::string_view s);
  // A Bytes() field written in place: BeginBytes() reserves a fixed-width length (a 10-byte
  // varint, which PayloadReader::Bytes reads like any other), EndBytes() fills it in. Saves a
  // copy of large nested payloads.
  size_t BeginBytes();
  void EndBytes(size_t mark);
  std::string& out() { return out_; }

  bool streaming() const { return static_cast<bool>(sink_) || counting_; }
  void MaybeFlush() {
    if (sink_ && out_.size() >= flush_at_) Flush();
  }
  Status Finish() {
    if (sink_) Flush();
    return status_;
  }
  uint64_t size() const { return flushed_ + out_.size() + counted_; }

 private:
  void Flush();

  std::string out_;
  std::function<Status(std::string_view)> sink_;
  size_t flush_at_ = 0;
  uint64_t flushed_ = 0;
  bool counting_ = false;
  uint64_t counted_ = 0;
  Status status_;
};

// PayloadReader's interface over a file region, read in chunks: a Bytes() view stays valid only
// until the next call. consumed() counts bytes read so far; Skip() passes over a field's bytes.
class PayloadStreamReader {
 public:
  PayloadStreamReader(int fd, uint64_t offset, uint64_t size);  // owns fd
  PayloadStreamReader(PayloadStreamReader&& other) noexcept;
  PayloadStreamReader& operator=(PayloadStreamReader&&) = delete;
  PayloadStreamReader(const PayloadStreamReader&) = delete;
  ~PayloadStreamReader();

  uint64_t U64();
  int64_t I64();
  std::string_view Bytes();
  void Skip(uint64_t n);
  bool ok() const { return ok_; }
  bool at_end() const { return consumed_ == size_; }
  uint64_t consumed() const { return consumed_; }

 private:
  bool Fill(size_t need);  // at least `need` bytes buffered after pos_, else ok_ = false

  int fd_ = -1;
  uint64_t next_ = 0;      // file offset of the next read
  uint64_t size_ = 0;      // payload bytes in all
  uint64_t consumed_ = 0;  // payload bytes handed out
  std::string buf_;
  size_t pos_ = 0;  // next unread byte in buf_
  bool ok_ = true;
};

class PayloadReader {
 public:
  explicit PayloadReader(std::string_view in) : in_(in) {}
  uint64_t U64();
  int64_t I64();
  std::string_view Bytes();
  bool ok() const { return ok_; }
  bool at_end() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace exdm
