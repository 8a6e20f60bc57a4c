#include "exdm/state/payload.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

namespace exdm {

namespace {

// The payload's LEB128 varint, for both readers: `next_byte` returns the next byte, or -1 at the
// end of the input. nullopt for a varint cut short or longer than 64 bits.
template <typename NextByte>
std::optional<uint64_t> DecodeVarint(NextByte&& next_byte) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    const int b = next_byte();
    if (b < 0) break;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  return std::nullopt;
}

// Signed values are zigzag-encoded (PayloadWriter::I64) so small negatives stay short.
int64_t ZigZagDecode(uint64_t z) {
  return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
}

}  // namespace

void PayloadWriter::U64(uint64_t v) {
  if (counting_) {
    do {
      ++counted_;
      v >>= 7;
    } while (v != 0);
    return;
  }
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void PayloadWriter::I64(int64_t v) {
  U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void PayloadWriter::Bytes(std::string_view s) {
  U64(s.size());
  if (counting_) {
    counted_ += s.size();
    return;
  }
  out_.append(s.data(), s.size());
}

size_t PayloadWriter::BeginBytes() {
  if (counting_) {
    counted_ += 10;
    return 0;
  }
  out_.append(10, '\x80');
  return out_.size();
}

void PayloadWriter::EndBytes(size_t mark) {
  if (counting_) return;
  uint64_t v = out_.size() - mark;
  for (size_t i = 0; i < 10; ++i) {
    const auto bits = static_cast<unsigned char>(v & 0x7f);
    out_[mark - 10 + i] = static_cast<char>(i < 9 ? (bits | 0x80) : bits);
    v >>= 7;
  }
}

void PayloadWriter::Flush() {
  if (status_.ok() && !out_.empty()) status_ = sink_(out_);
  flushed_ += out_.size();
  out_.clear();
}

// ---- streamed payload reading ----

PayloadStreamReader::PayloadStreamReader(int fd, uint64_t offset, uint64_t size)
    : fd_(fd), next_(offset), size_(size) {}

PayloadStreamReader::PayloadStreamReader(PayloadStreamReader&& o) noexcept
    : fd_(o.fd_),
      next_(o.next_),
      size_(o.size_),
      consumed_(o.consumed_),
      buf_(std::move(o.buf_)),
      pos_(o.pos_),
      ok_(o.ok_) {
  o.fd_ = -1;
}

PayloadStreamReader::~PayloadStreamReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool PayloadStreamReader::Fill(size_t need) {
  if (!ok_) return false;
  if (buf_.size() - pos_ >= need) return true;
  const uint64_t left_in_payload = size_ - consumed_;
  if (need > left_in_payload) {
    ok_ = false;
    return false;
  }
  // Keep the unread tail, then read whole chunks (at least `need`) up to the payload's end.
  buf_.erase(0, pos_);
  pos_ = 0;
  constexpr size_t kChunk = 1 << 20;
  const uint64_t unread_in_file = left_in_payload - buf_.size();
  const size_t want =
      static_cast<size_t>(std::min<uint64_t>(unread_in_file, std::max(kChunk, need - buf_.size())));
  const size_t have = buf_.size();
  buf_.resize(have + want);
  size_t got = 0;
  while (got < want) {
    const ssize_t n = ::pread(fd_, buf_.data() + have + got, want - got, static_cast<off_t>(next_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok_ = false;
      buf_.resize(have + got);
      return false;
    }
    got += static_cast<size_t>(n);
    next_ += static_cast<uint64_t>(n);
  }
  return buf_.size() - pos_ >= need;
}

uint64_t PayloadStreamReader::U64() {
  const std::optional<uint64_t> v = DecodeVarint([this]() -> int {
    if (!Fill(1)) return -1;
    ++consumed_;
    return static_cast<unsigned char>(buf_[pos_++]);
  });
  if (!v) ok_ = false;
  return v.value_or(0);
}

int64_t PayloadStreamReader::I64() {
  return ZigZagDecode(U64());
}

std::string_view PayloadStreamReader::Bytes() {
  const uint64_t n = U64();
  if (!ok_ || n > size_ - consumed_ || !Fill(static_cast<size_t>(n))) {
    ok_ = false;
    return {};
  }
  const std::string_view out(buf_.data() + pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  consumed_ += n;
  return out;
}

void PayloadStreamReader::Skip(uint64_t n) {
  while (n > 0 && ok_) {
    const size_t step = static_cast<size_t>(std::min<uint64_t>(n, 1 << 20));
    if (!Fill(step)) return;
    pos_ += step;
    consumed_ += step;
    n -= step;
  }
}

uint64_t PayloadReader::U64() {
  const std::optional<uint64_t> v = DecodeVarint([this]() -> int {
    if (in_.empty()) return -1;
    const auto b = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    return b;
  });
  if (!v) ok_ = false;
  return v.value_or(0);
}

int64_t PayloadReader::I64() {
  return ZigZagDecode(U64());
}

std::string_view PayloadReader::Bytes() {
  const uint64_t n = U64();
  if (!ok_ || n > in_.size()) {
    ok_ = false;
    return {};
  }
  const std::string_view out = in_.substr(0, static_cast<size_t>(n));
  in_.remove_prefix(static_cast<size_t>(n));
  return out;
}

}  // namespace exdm
