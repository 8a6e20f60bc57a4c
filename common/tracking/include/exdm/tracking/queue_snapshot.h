// WMI queue snapshots: the second view of the local delivery queue, for servers without message
// tracking and as a cross-check where both exist. deploy/collect/exchange-queue-snapshot.vbs
// writes one CSV per server and run from Exchange 2003's Exchange_SMTPLink
// (root\MicrosoftExchangeV2); its header comment lists the columns (the contract;
// kQueueSnapshotColumns is the same list).
//
// The reader is strict about the header (every required column by name, case-insensitively;
// extra columns ignored, order free) and tolerant of the rest (RFC 4180 quoting, CRLF or LF, a
// UTF-8 BOM). A snapshot older than max_age (or dated in the future beyond the skew allowance)
// is refused with a message naming its time: a stale view of a queue is no view. Reads run on a
// helper thread bounded by the deadline (bounded_call.h), as tracking-log reads do.
//
// Per server, over its local delivery links: messages waiting (sum), the oldest message's time
// (earliest), whether any link is in retry. Ages are measured at the snapshot's own time: the
// queue said nothing about later.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/bounded_call.h"
#include "exdm/base/deadline.h"
#include "exdm/base/inputs.h"
#include "exdm/base/status.h"
#include "exdm/tracking/local_delivery.h"

namespace exdm {

// The script's columns, in its order.
inline constexpr std::array<std::string_view, 10> kQueueSnapshotColumns = {
    "snapshot_utc",       "server",        "virtual_server",
    "link_name",          "message_count", "size_bytes",
    "oldest_message_utc", "state_retry",   "state_flags",
    "next_connection_utc"};
// The ones a snapshot must have.
inline constexpr std::array<std::string_view, 6> kQueueSnapshotRequiredColumns = {
    "snapshot_utc", "server", "link_name", "message_count", "oldest_message_utc", "state_retry"};

struct QueueSnapshotLink {
  std::string virtual_server;
  std::string link_name;  // empty: the script's "no local delivery link" line
  uint64_t message_count = 0;
  uint64_t size_bytes = 0;
  std::optional<int64_t> oldest_message;  // UNIX seconds; none when the link is empty
  bool retry = false;
  std::optional<uint32_t> state_flags;
  std::optional<int64_t> next_connection;
};

struct QueueSnapshot {
  std::string server;  // the label: NAME= of the input, which must match the file's server column
  std::string path;
  int64_t taken_at = 0;  // snapshot_utc
  std::vector<QueueSnapshotLink> links;

  // Over the local delivery links.
  uint64_t message_count = 0;
  uint64_t size_bytes = 0;
  std::optional<int64_t> oldest_message;
  bool retry = false;
  std::optional<int64_t> next_connection;  // earliest

  // taken_at - oldest_message (0 when empty, never negative).
  int64_t OldestAgeSeconds() const;
};

// Parses one snapshot file's bytes. `server` is the expected server (empty: take the file's);
// every line's server and snapshot_utc must be the same. kBadInput with the line number on a
// missing column, a malformed number or time, or no data line.
Result<QueueSnapshot> ParseQueueSnapshot(std::string_view text, const std::string& server);

struct QueueSnapshotOptions {
  std::vector<NamedPath> files;
  int64_t now = 0;                 // evaluation time (UNIX seconds)
  int64_t max_age_seconds = 900;   // three missed runs of the 5-minute task
  int64_t max_skew_seconds = 300;  // a snapshot this far in the future is still believed
  size_t max_bytes = 1u << 20;     // a snapshot is a few hundred bytes; more is not one
  // Optional, for long-lived callers (the exporter), as TrackingRunOptions::reader_slot: while a
  // read abandoned at an earlier deadline is still blocked, the call fails at once (kTimeout).
  std::shared_ptr<ReaderSlot> reader_slot;
};

// One file's outcome: the snapshot, or why there is none (missing, unreadable, stale, garbage).
struct QueueSnapshotRead {
  std::string server;
  std::string path;
  std::optional<QueueSnapshot> snapshot;
  Status error;                     // ok() when snapshot is set
  std::optional<int64_t> taken_at;  // whenever the file parsed: a stale one's age shows too
};

// Reads every file (in the order given). Only the deadline fails the whole call (kTimeout naming
// the file); per-file problems are in each QueueSnapshotRead.
Result<std::vector<QueueSnapshotRead>> ReadQueueSnapshots(const QueueSnapshotOptions& options,
                                                          const Deadline& deadline);

// Tracking logs and snapshot side by side, per server present in both. They are compared by the
// age of the oldest stuck message at the snapshot's time: the tracking logs' oldest stalled
// delivery (first seen) against the snapshot's oldest queued message. Counts are not compared:
// the logs count (message, recipient) pairs whose latest event is a retry, WMI counts messages.
struct QueueSourceComparison {
  std::string server;
  int64_t tracking_age_seconds = 0;  // at the snapshot's time; 0 when nothing was stalled then
  int64_t snapshot_age_seconds = 0;
  bool disagree = false;  // |difference| > tolerance
  std::string text;       // "tracking logs 42m, WMI snapshot 0s (tolerance 10m)"
};

std::vector<QueueSourceComparison> CompareQueueSources(
    const std::vector<LocalDeliveryReport>& tracking, const std::vector<QueueSnapshot>& snapshots,
    int64_t tolerance_seconds);

}  // namespace exdm
