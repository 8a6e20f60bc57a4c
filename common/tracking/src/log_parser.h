// The message tracking log reader (reader rules in exdm/tracking/local_delivery.h): column header,
// field splitting (16 bytes at a time where SSE2 is there), Date/Time without locale, bad-line
// sampling. Each row with a stall-model role goes to the StallTracker; rows without one only move
// log time. The hot path allocates nothing per line. Private to the tracking module.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/tracking/local_delivery.h"
#include "stall_tracker.h"

namespace exdm {

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
      : cfg_(config), tracker_(tracker) {}

  void BeginFile(std::string name, uint64_t start_offset);
  bool LearnHeader(std::string_view head);
  size_t Consume(const char* data, size_t size, bool final);
  void SkipBytes(uint64_t n);
  bool HasHeader() const { return has_header_; }

  const Counters& counters() const { return counters_; }
  Counters& counters() { return counters_; }
  const RunStats& run() const { return run_; }

 private:
  enum Column { kDate, kTime, kRecipient, kEvent, kMsgid, kColumns };
  static constexpr int kMaxFields = 64;

  void BadLine(const char* line, const char* line_end, const char* data, const char* reason);
  bool HeaderLine(std::string_view line);
  int64_t DayOf(std::string_view date, bool& ok);
  std::optional<int64_t> SecondsOf(std::string_view time);
  const char* SplitLine(const char* p, const char* end, const char** fs, const char** fe,
                        int& fields_found) const;

  const LocalDeliveryConfig& cfg_;
  StallTracker& tracker_;
  Counters counters_;
  RunStats run_;

  // Current file.
  std::string file_;
  uint64_t offset_ = 0;  // file offset of the next byte Consume sees
  bool has_header_ = false;
  std::array<int, kColumns> col_{};
  int need_fields_ = 0;  // columns needed = max index + 1
  std::string header_error_;

  // Date and time caches: most lines of a file share the date text, consecutive rows their second.
  char date_text_[16] = {};
  size_t date_len_ = 0;
  int64_t date_value_ = 0;
  char time_text_[16] = {};
  size_t time_len_ = 0;
  int64_t time_value_ = 0;
};

}  // namespace exdm
