// Local-delivery stall analysis of one server's message tracking log (docs/DOMAIN.md "Stall
// model").
//
// LocalDeliveryAnalyzer reads tracking-log bytes (Consume), keeps the in-flight table of
// (message id, recipient) pairs, and reports per-server numbers (Evaluate). It is fed file by
// file in date order and can be saved to / restored from a state payload, so incremental runs
// continue exactly where the last one stopped (tentative attempts included).
//
// Reader rules: the '#' line naming "Date" and "Event-ID" is the column header (names matched
// case-insensitively, by name; other columns and extra trailing fields ignored); CRLF, a UTF-8
// BOM, '-' for empty, MSGIDs with or without <> are handled; a line without its newline is left
// unconsumed for the next read unless the caller says the file is finished. Malformed lines are
// counted and the first few sampled, never fatal. Times are GMT "Y-M-D" + "H:MM:SS GMT", parsed
// without locale or time zone.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/status.h"
#include "exdm/tracking/event_ids.h"

namespace exdm {

class PayloadWriter;
class PayloadStreamReader;

struct LocalDeliveryConfig {
  TrackingEventTable events = TrackingEventTable::Default();
  // An attempt is a delivery only when no retry for the pair follows within this many seconds
  // of log time (the failing store driver logs both in the same second).
  int64_t grace_seconds = 2;
  // A stalled pair silent for longer than this (in log time: measured against the latest event
  // read, not the wall clock) is dropped and counted as vanished.
  int64_t vanish_seconds = 7200;
  // In-flight pairs kept at most; new pairs beyond it are counted as overflow and ignored.
  size_t max_in_flight = 2'000'000;
  // Stalled recipients listed in the report (the rest are only counted).
  size_t max_stalled_recipients = 10'000;
  // Distinct recipients delivered to, listed per run (for the scope of a stall).
  size_t max_delivered_recipients = 10'000;
  // Bad lines sampled per run.
  size_t max_bad_line_samples = 5;
  // Rows timestamped after this (UNIX seconds) are bad lines "from the future": a clock-skewed or
  // corrupt row must not move log time, which confirms attempts, sweeps vanished pairs and is
  // exported as the last event. RunTrackingAnalysis sets it to the evaluation time plus an hour.
  int64_t latest_plausible = INT64_MAX;
};

// One recipient address with stalled deliveries: the seam for store correlation (an LDAP
// correlator maps `address` to a store through mail/proxyAddresses -> homeMDB).
struct StalledRecipient {
  std::string address;  // lower-case, as logged
  uint64_t deliveries = 0;
  int64_t oldest_first_seen = 0;
  std::string example_message_id;  // of the oldest stalled delivery
};

// Deliveries to one recipient this run that no retry followed (the repair's step 7: mail flows).
struct DeliveredRecipient {
  std::string address;  // lower case
  uint64_t deliveries = 0;
  int64_t first_delivered = 0;  // time of the first such delivery attempt
  int64_t last_delivered = 0;
};

struct BadLineSample {
  std::string file;
  uint64_t offset = 0;  // byte offset of the line in the file
  std::string reason;
  std::string excerpt;  // sanitized, short
};

// Per-server result, rendered by the check (perfdata/long output) and the exporter (metric
// families exchange_local_delivery_* and exchange_tracking_log_*). *_total fields are counters
// kept across incremental runs; *_this_run fields count only this run's reading.
struct LocalDeliveryReport {
  std::string server;
  int64_t evaluated_at = 0;
  uint64_t stalled_deliveries = 0;
  std::optional<int64_t>
      oldest_stalled_first_seen;           // exchange_..._oldest_stalled_timestamp_seconds
  int64_t oldest_stalled_age_seconds = 0;  // evaluated_at - oldest first seen
  uint64_t in_flight = 0;
  uint64_t retries_total = 0;
  uint64_t deliveries_total = 0;
  uint64_t ended_total = 0;
  uint64_t vanished_total = 0;
  uint64_t overflow_total = 0;
  uint64_t parse_errors_total = 0;
  std::map<std::string, uint64_t> events_total;  // "1028", ..., "other"
  std::optional<int64_t> last_event_timestamp;
  uint64_t lines_read_this_run = 0;
  uint64_t bad_lines_this_run = 0;
  uint64_t bytes_read_this_run = 0;
  std::vector<StalledRecipient> stalled_recipients;  // oldest first, capped
  uint64_t stalled_recipients_omitted = 0;
  // This run, capped at max_delivered_recipients distinct recipients (first come): the scope of a
  // stall and whether mail flows to a repaired store again.
  std::vector<DeliveredRecipient> delivered_recipients;
  std::vector<BadLineSample> bad_line_samples;
  std::vector<std::string> file_errors;  // "20261124.log: no column header", unreadable files
  std::vector<std::string> warnings;     // rotation, truncation, state rebuilt
  uint64_t files_read_this_run = 0;
};

// How LocalDeliveryAnalyzer::ReadRange shares out a stretch of a file.
struct ParallelReadPlan {
  unsigned threads = 2;         // parsing threads, the calling (applying) thread included
  size_t block = 1u << 20;      // bytes per block (one pread); at most long_line
  size_t long_line = 4u << 20;  // the serial reader's buffer: a longer line is cut there
  size_t blocks_in_flight = 0;  // blocks read ahead of the one being applied; 0: two per thread
};

struct ParallelReadEnd {
  uint64_t offset = 0;        // where serial reading (Consume) goes on
  bool in_long_line = false;  // offset is inside a line longer than long_line: skip to its end
};

class LocalDeliveryAnalyzer {
 public:
  // Consume() may read this many bytes past `size` (vectorized scanning): buffers need the slack.
  static constexpr size_t kPadding = 64;

  LocalDeliveryAnalyzer(std::string server, LocalDeliveryConfig config);
  ~LocalDeliveryAnalyzer();
  LocalDeliveryAnalyzer(LocalDeliveryAnalyzer&&) noexcept;
  LocalDeliveryAnalyzer& operator=(LocalDeliveryAnalyzer&&) noexcept;

  // Starts a file at a byte offset. At offset 0 the file's own header lines are read by Consume;
  // when resuming later in the file, call LearnHeader() with the file's head afterwards.
  void BeginFile(std::string name, uint64_t start_offset);
  // Parses complete lines of data[0, size); returns the bytes consumed. With `final` the last
  // line counts even without its newline (the file is finished). `data` must stay readable for
  // kPadding bytes past size.
  size_t Consume(const char* data, size_t size, bool final);
  // Reads only header lines from the start of a file (to learn its columns before resuming);
  // returns false when the head has no column header.
  bool LearnHeader(std::string_view head);
  // Bytes of the current file passed over without parsing: the rest of a line longer than the
  // read buffer, whose start Consume(final) already counted as one line.
  void SkipBytes(uint64_t n);
  // Reads bytes [from, to) of the current file from fd (pread; BeginFile, and LearnHeader when
  // resuming, already called; `from` a line start) on plan.threads threads: blocks are read and
  // parsed at once and applied in file order, with the same result as Consume over buffers of
  // plan.long_line bytes. A line unterminated at `to` is left for Consume from the returned
  // offset. Errors: kIoError (errno text, no path), kTimeout when `cancelled` is set.
  Result<ParallelReadEnd> ReadRange(int fd, uint64_t from, uint64_t to,
                                    const ParallelReadPlan& plan,
                                    const std::atomic<bool>& cancelled);
  // Whether the current file has shown its column header.
  bool HasHeader() const;
  // Marks the current file as failed ("no column header", unreadable) for the report.
  void AddFileError(std::string message);
  void AddWarning(std::string message);

  // Drops vanished pairs (as of min(now, latest log time)), then reports ages as of `now`.
  LocalDeliveryReport Evaluate(int64_t now);

  std::string SavePayload() const;
  // The same bytes appended to `w` (no intermediate string: the payload can be tens of MB).
  void SavePayloadTo(PayloadWriter& w) const;
  Status LoadPayload(std::string_view payload);
  // The same, streamed: reads exactly `size` bytes (one saved analyzer) from `r`.
  Status LoadPayloadFrom(PayloadStreamReader& r, uint64_t size);

  // For the memory benchmark and tests.
  size_t InFlight() const;
  size_t MemoryBytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses "2003-9-12" and "22:53:18 GMT" (padding optional, " GMT" optional) into UNIX seconds.
std::optional<int64_t> ParseTrackingTimestamp(std::string_view date, std::string_view time);

}  // namespace exdm
