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
// Where to continue each file is file_identity.h's business, the payload coding payload.h's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exdm/base/deadline.h"
#include "exdm/base/status.h"
#include "exdm/state/file_identity.h"
#include "exdm/state/payload.h"

namespace exdm {

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

}  // namespace exdm
