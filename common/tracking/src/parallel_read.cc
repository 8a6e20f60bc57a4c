#include "parallel_read.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "exdm/tracking/local_delivery.h"

namespace exdm {

namespace {

constexpr size_t kHeadRead = 64 * 1024;

// One block of the file and what a thread made of it.
struct Block {
  enum class State { kFree, kBusy, kReady };
  State state = State::kFree;
  uint64_t offset = 0;  // file offset of buf[0]
  std::vector<char> buf;
  size_t size = 0;          // bytes read
  bool short_read = false;  // fewer bytes than asked: the file ended (shrank) here
  // buf[0, head): the end of the line the previous block cut (with its '\n'); buf[head, tail):
  // whole lines, parsed into `chunk`; buf[tail, size): the start of a line the next block ends.
  // Without a '\n' the whole block is inside one line (head = tail = size, has_newline false).
  bool has_newline = false;
  size_t head = 0, tail = 0;
  ColumnLayout layout_before, layout_after;  // columns the lines were parsed with, and after
  ParsedChunk chunk;
  Status error;
};

ssize_t PreadFull(int fd, char* buf, size_t n, uint64_t offset, size_t& got) {
  got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, buf + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return r;
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return 0;
}

class Pipeline {
 public:
  Pipeline(int fd, uint64_t from, uint64_t to, const ParallelReadPlan& plan,
           const LocalDeliveryConfig& config, const ColumnLayout& layout,
           const std::atomic<bool>& cancelled)
      : fd_(fd),
        from_(from),
        block_(plan.block),
        blocks_((to - from + plan.block - 1) / plan.block),
        to_(to),
        config_(config),
        cancelled_(cancelled),
        layout_hint_(layout) {
    const size_t in_flight =
        plan.blocks_in_flight ? plan.blocks_in_flight : std::max<size_t>(3, 2 * plan.threads);
    slots_.resize(in_flight);
    for (unsigned i = 1; i < plan.threads; ++i) {
      try {
        helpers_.emplace_back([this] {
          LineParser lines(config_);
          while (ParseNext(lines, /*wait=*/true)) {
          }
        });
      } catch (const std::system_error&) {
        break;  // no thread to be had (a task limit): the calling thread parses the rest
      }
    }
  }
  ~Pipeline() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : helpers_)
      t.join();
  }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  uint64_t blocks() const { return blocks_; }

  // Block k, once parsed; the calling thread parses blocks itself while it waits.
  Block& WaitFor(uint64_t k, LineParser& helper) {
    Block& b = slots_[k % slots_.size()];
    std::unique_lock<std::mutex> lock(mu_);
    while (!(b.state == Block::State::kReady && claimed_ > k)) {
      if (Claimable()) {
        lock.unlock();
        ParseNext(helper, /*wait=*/false);
        lock.lock();
        continue;
      }
      cv_.wait(lock);
    }
    return b;
  }

  // Block k is applied: its slot takes a later block, parsed with the columns now known.
  void Release(uint64_t k, const ColumnLayout& layout) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      slots_[k % slots_.size()].state = Block::State::kFree;
      applied_ = k + 1;
      layout_hint_ = layout;
    }
    cv_.notify_all();
  }

 private:
  bool Claimable() const {
    return !stop_ && claimed_ < blocks_ && claimed_ < applied_ + slots_.size();
  }

  // Claims the next block, reads and parses it. False when there is nothing left to claim (with
  // `wait`, only after waiting for a free slot).
  bool ParseNext(LineParser& lines, bool wait) {
    std::unique_lock<std::mutex> lock(mu_);
    if (wait) {
      cv_.wait(lock, [&] { return Claimable() || stop_ || claimed_ >= blocks_; });
    }
    if (!Claimable()) return false;
    const uint64_t k = claimed_++;
    Block& b = slots_[k % slots_.size()];
    b.state = Block::State::kBusy;
    lines.layout() = layout_hint_;
    lock.unlock();
    Parse(k, b, lines);
    lock.lock();
    b.state = Block::State::kReady;
    lock.unlock();
    cv_.notify_all();
    return true;
  }

  void Parse(uint64_t k, Block& b, LineParser& lines) {
    b.offset = from_ + k * block_;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(block_, to_ - b.offset));
    b.buf.resize(want + LocalDeliveryAnalyzer::kPadding);
    b.error = Status::Ok();
    b.chunk.Clear();
    b.layout_before = lines.layout();
    if (cancelled_.load(std::memory_order_relaxed)) {
      b.error = Status(ErrorCode::kTimeout, "cancelled");
      return;
    }
    if (PreadFull(fd_, b.buf.data(), want, b.offset, b.size) < 0) {
      b.error = Status(ErrorCode::kIoError, std::strerror(errno));
      return;
    }
    b.short_read = b.size < want;
    std::memset(b.buf.data() + b.size, 0, LocalDeliveryAnalyzer::kPadding);
    const char* data = b.buf.data();
    const char* first = static_cast<const char*>(std::memchr(data, '\n', b.size));
    b.has_newline = first != nullptr;
    if (!first) {
      b.head = b.tail = b.size;
      b.layout_after = b.layout_before;
      return;
    }
    // Block 0 starts at a line start: its first line is whole.
    b.head = k == 0 ? 0 : static_cast<size_t>(first - data) + 1;
    b.tail =
        static_cast<size_t>(static_cast<const char*>(::memrchr(data, '\n', b.size)) - data) + 1;
    if (b.tail > b.head) {
      lines.Parse(data + b.head, b.tail - b.head, /*final=*/false, b.offset + b.head,
                  config_.max_bad_line_samples, b.chunk);
    }
    b.layout_after = lines.layout();
  }

  const int fd_;
  const uint64_t from_;
  const size_t block_;
  const uint64_t blocks_;
  const uint64_t to_;
  const LocalDeliveryConfig& config_;
  const std::atomic<bool>& cancelled_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Block> slots_;
  uint64_t claimed_ = 0;  // blocks handed out
  uint64_t applied_ = 0;  // blocks done with
  ColumnLayout layout_hint_;
  bool stop_ = false;
  std::vector<std::thread> helpers_;
};

// The serial side: the line cut by block boundaries, lines longer than the serial reader's buffer.
class Joiner {
 public:
  Joiner(TrackingLogParser& parser, size_t long_line) : parser_(parser), long_line_(long_line) {}

  // Bytes of a line whose end is still to come.
  void Extend(const char* p, size_t n) {
    if (skipping_) {
      parser_.SkipBytes(n);
      return;
    }
    carry_.append(p, n);
    if (carry_.size() >= long_line_) CutLongLine(carry_.size());
  }
  // The rest of the line, with its '\n'.
  void Finish(const char* p, size_t n) {
    if (skipping_) {
      parser_.SkipBytes(n);
      skipping_ = false;
      return;
    }
    carry_.append(p, n);
    if (carry_.size() - 1 >= long_line_) {
      CutLongLine(carry_.size());
      skipping_ = false;
      return;
    }
    carry_.append(LocalDeliveryAnalyzer::kPadding, '\0');
    parser_.Consume(carry_.data(), carry_.size() - LocalDeliveryAnalyzer::kPadding,
                    /*final=*/false);
    carry_.clear();
  }
  size_t carried() const { return carry_.size(); }
  bool skipping() const { return skipping_; }

 private:
  // As the serial reader does with a line that fills its buffer: the first long_line bytes are
  // parsed as the whole line, the rest is passed over.
  void CutLongLine(size_t have) {
    carry_.resize(long_line_);
    carry_.append(LocalDeliveryAnalyzer::kPadding, '\0');
    parser_.Consume(carry_.data(), long_line_, /*final=*/true);
    parser_.SkipBytes(have - long_line_);
    carry_.clear();
    skipping_ = true;
  }

  TrackingLogParser& parser_;
  const size_t long_line_;
  std::string carry_;
  bool skipping_ = false;
};

// At the start of a file the '#' lines (and a BOM) are read first, on this thread, so the blocks
// are parsed with the file's columns from the start. Returns the bytes consumed.
Result<size_t> ReadHead(int fd, uint64_t to, TrackingLogParser& parser) {
  std::vector<char> head(static_cast<size_t>(std::min<uint64_t>(kHeadRead, to)) +
                         LocalDeliveryAnalyzer::kPadding);
  size_t got = 0;
  if (PreadFull(fd, head.data(), head.size() - LocalDeliveryAnalyzer::kPadding, 0, got) < 0) {
    return Status(ErrorCode::kIoError, std::strerror(errno));
  }
  const size_t bom = got >= 3 && std::memcmp(head.data(), "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  size_t end = bom;
  while (end < got && head[end] == '#') {
    const void* nl = std::memchr(head.data() + end, '\n', got - end);
    if (!nl) break;
    end = static_cast<size_t>(static_cast<const char*>(nl) - head.data()) + 1;
  }
  if (end == bom) return 0;  // no '#' line: block 0 starts the file (and skips the BOM itself)
  std::memset(head.data() + got, 0, LocalDeliveryAnalyzer::kPadding);
  return parser.Consume(head.data(), end, /*final=*/false);
}

}  // namespace

Result<ParallelReadEnd> ReadRangeInParallel(int fd, uint64_t from, uint64_t to,
                                            TrackingLogParser& parser, const ParallelReadPlan& plan,
                                            const std::atomic<bool>& cancelled) {
  if (from == 0 && to > 0) {
    auto head = ReadHead(fd, to, parser);
    if (!head) return head.status();
    from = *head;
  }
  ParallelReadPlan p = plan;
  p.block = std::max<size_t>(1, std::min(p.block, p.long_line));
  p.threads = std::max(1u, p.threads);
  ParallelReadEnd end{from, false};
  if (from >= to) return end;

  Pipeline pipeline(fd, from, to, p, parser.config(), parser.line_parser().layout(), cancelled);
  LineParser helper(parser.config());
  Joiner joiner(parser, p.long_line);
  uint64_t offset = from;  // the end of what was read
  for (uint64_t k = 0; k < pipeline.blocks(); ++k) {
    if (cancelled.load(std::memory_order_relaxed)) return Status(ErrorCode::kTimeout, "cancelled");
    Block& b = pipeline.WaitFor(k, helper);
    if (!b.error.ok()) return b.error;
    const char* data = b.buf.data();
    if (!b.has_newline) {
      joiner.Extend(data, b.size);
    } else {
      if (b.head > 0) joiner.Finish(data, b.head);
      if (b.tail > b.head) {
        LineParser& serial = parser.line_parser();
        if (b.layout_before == serial.layout()) {
          parser.Apply(b.chunk, b.tail - b.head);
          serial.layout() = b.layout_after;
        } else {
          // Parsed with columns a header in an earlier block has changed since: again, here.
          parser.Consume(data + b.head, b.tail - b.head, /*final=*/false);
        }
      }
      joiner.Extend(data + b.tail, b.size - b.tail);
    }
    offset = b.offset + b.size;
    const bool short_read = b.short_read;
    pipeline.Release(k, parser.line_parser().layout());
    if (short_read) break;
  }
  end.in_long_line = joiner.skipping();
  end.offset = offset - joiner.carried();
  return end;
}

}  // namespace exdm
