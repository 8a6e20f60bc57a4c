// The coding of consumer payloads inside a state file: varints, zigzag for signed values, length-
// prefixed bytes; written in memory, streamed to the file, or counted, and read back from memory
// or streamed from the file in chunks (a payload of tens of MB is never held twice).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "exdm/base/status.h"

namespace exdm {

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
