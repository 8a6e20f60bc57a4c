// The message tracking log reader (reader rules in exdm/tracking/local_delivery.h), in two steps
// so that the first can run on several threads at once (parallel_read.h):
//  - LineParser turns bytes into rows: column header, field splitting (SIMD, split_kernel.h),
//    Date/Time without locale, bad-line sampling, and for each row with a stall-model role its
//    message and pair hashes and lower-case recipient. It touches nothing shared.
//  - TrackingLogParser owns one LineParser for the serial path, keeps the counters and hands the
//    rows, in log order, to the StallTracker (Apply).
// Every row with a plausible time moves log time, whatever its role: where a read happens to be
// cut into pieces does not change a result. Private to the tracking module.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/tracking/local_delivery.h"
#include "split_kernel.h"
#include "stall_tracker.h"

namespace exdm {

// Where the needed columns are, as the last '#' column header said.
struct ColumnLayout {
  enum Column { kDate, kTime, kRecipient, kEvent, kMsgid, kColumns };
  static constexpr int kMaxFields = 64;  // a needed column past this is refused

  bool has_header = false;
  std::array<int, kColumns> col{};
  int need_fields = 0;  // columns needed = max index + 1
  std::string error;    // why the last column header was refused, if it was

  bool operator==(const ColumnLayout& o) const {
    return has_header == o.has_header && col == o.col && need_fields == o.need_fields &&
           error == o.error;
  }
  bool operator!=(const ColumnLayout& o) const { return !(*this == o); }
};

// The rows and counts parsed from one stretch of a file, applied later in log order.
struct ParsedChunk {
  std::vector<ParsedRow> rows;
  std::string recipients;  // lower case, ParsedRow::rcpt_at indexes here
  uint64_t lines = 0, bad_lines = 0, other_events = 0;
  std::vector<uint64_t> event_counts;  // by ID, sized by the first Parse (80 KB)
  std::vector<uint16_t> events_seen;   // the IDs event_counts holds, so merging skips the zeros
  std::optional<int64_t> last_event;   // latest plausible row time
  std::vector<BadLineSample> samples;  // `file` left empty: the merge names it

  void Clear();  // keeps the capacity
};

// Up to 16 bytes of field text, compared with the next row's in two loads (no library call).
struct CachedText {
  uint64_t w0 = 0, w1 = 0;  // the text, zero-padded
  uint64_t m0 = 0, m1 = 0;  // ones over its bytes
  size_t n = 0;             // 0: nothing cached (longer texts are not cached)

  // p must be readable for 16 bytes (the buffers have kSplitPadding bytes of slack).
  bool Matches(const char* p, size_t len) const {
    if (len != n || len == 0) return false;
    uint64_t a0, a1;
    std::memcpy(&a0, p, 8);
    std::memcpy(&a1, p + 8, 8);
    return ((a0 ^ w0) & m0) == 0 && ((a1 ^ w1) & m1) == 0;
  }
  void Set(const char* p, size_t len) {
    // The masks, whatever the byte order: a window into sixteen 0xFF bytes and sixteen zeros.
    static constexpr unsigned char kOnes[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    n = len <= 16 ? len : 0;
    unsigned char text[16] = {};
    std::memcpy(text, p, n);
    std::memcpy(&w0, text, 8);
    std::memcpy(&w1, text + 8, 8);
    std::memcpy(&m0, kOnes + 16 - n, 8);
    std::memcpy(&m1, kOnes + 24 - n, 8);
  }
};

class LineParser {
 public:
  explicit LineParser(const LocalDeliveryConfig& config);

  ColumnLayout& layout() { return layout_; }
  const ColumnLayout& layout() const { return layout_; }
  // A new file: the date and time caches start over.
  void ResetCaches();
  // Parses the complete lines of data[0, size) into `out` (with `final`, the unterminated last one
  // too); returns the bytes consumed. `offset`: the file offset of data[0] (bad-line samples; at
  // 0 a UTF-8 BOM is skipped). `sample_room`: bad lines still to sample. Column headers met on the
  // way change the layout. data must stay readable for kSplitPadding bytes past size.
  size_t Parse(const char* data, size_t size, bool final, uint64_t offset, size_t sample_room,
               ParsedChunk& out);
  // A '#' line: true when it is a column line (its layout taken, or refused with the reason).
  bool HeaderLine(std::string_view line);

 private:
  void BadLine(const char* line, const char* line_end, const char* data, const char* reason,
               uint64_t offset, size_t sample_room, ParsedChunk& out);
  bool TimeOf(std::string_view date, std::string_view time, int64_t& t);

  const LocalDeliveryConfig& cfg_;
  const SplitFn split_;
  ColumnLayout layout_;
  // Date and time caches: most lines of a file share the date text, consecutive rows their second.
  CachedText date_, time_;
  int64_t date_value_ = 0;
  int64_t time_value_ = 0;
};

class TrackingLogParser {
 public:
  // Counters kept across incremental runs (saved in the state payload).
  struct Counters {
    uint64_t parse_errors = 0;
    uint64_t other_events = 0;  // Event-IDs above TrackingEventTable::kMaxId
    std::vector<uint64_t> event_counts = std::vector<uint64_t>(TrackingEventTable::kMaxId + 1, 0);
    std::optional<int64_t> last_event;  // latest plausible row time
  };
  // This run's reading.
  struct RunStats {
    uint64_t lines = 0, bad_lines = 0, bytes = 0, files = 0;
    std::vector<BadLineSample> samples;
  };

  TrackingLogParser(const LocalDeliveryConfig& config, StallTracker& tracker)
      : cfg_(config), tracker_(tracker), line_parser_(config) {}

  void BeginFile(std::string name, uint64_t start_offset);
  bool LearnHeader(std::string_view head);
  size_t Consume(const char* data, size_t size, bool final);
  void SkipBytes(uint64_t n);
  bool HasHeader() const { return line_parser_.layout().has_header; }

  // For the parallel reader: the serial parser (its layout is the file's current one), the
  // bad lines still to sample, and the merge of a chunk parsed elsewhere: its counts, then its
  // rows to the tracker in order; `consumed` bytes of the file are done.
  LineParser& line_parser() { return line_parser_; }
  const LocalDeliveryConfig& config() const { return cfg_; }
  uint64_t offset() const { return offset_; }
  size_t SampleRoom() const;
  void Apply(const ParsedChunk& chunk, size_t consumed);

  const Counters& counters() const { return counters_; }
  Counters& counters() { return counters_; }
  const RunStats& run() const { return run_; }
  // The reading is over: the serial path's row buffer goes (a run over 50 servers keeps 50
  // analyzers until it has reported).
  void ReleaseBuffers() { scratch_ = ParsedChunk(); }

 private:
  const LocalDeliveryConfig& cfg_;
  StallTracker& tracker_;
  LineParser line_parser_;
  ParsedChunk scratch_;
  Counters counters_;
  RunStats run_;
  std::string file_;
  uint64_t offset_ = 0;  // file offset of the next byte Consume sees
};

}  // namespace exdm
