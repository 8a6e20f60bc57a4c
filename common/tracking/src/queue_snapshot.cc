#include "exdm/tracking/queue_snapshot.h"

#include <algorithm>
#include <memory>

#include "exdm/base/bounded_call.h"
#include "exdm/base/csv_record.h"
#include "exdm/base/small_file.h"
#include "exdm/base/snapshot_age.h"
#include "exdm/base/text_util.h"
#include "exdm/base/time_util.h"

namespace exdm {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

enum Column : size_t {
  kSnapshotUtc,
  kServer,
  kVirtualServer,
  kLinkName,
  kMessageCount,
  kSizeBytes,
  kOldestMessageUtc,
  kStateRetry,
  kStateFlags,
  kNextConnectionUtc,
  kColumnCount
};
static_assert(kColumnCount == kQueueSnapshotColumns.size());

constexpr size_t kAbsent = static_cast<size_t>(-1);

Status Bad(size_t line, const std::string& what) {
  return Status(ErrorCode::kBadInput, "line " + std::to_string(line) + ": " + what);
}

std::optional<bool> ParseFlag(std::string_view s) {
  if (s == "1" || EqualsIgnoreCase(s, "true")) return true;
  if (s == "0" || EqualsIgnoreCase(s, "false")) return false;
  return std::nullopt;
}

// 1-based line of byte `offset` (quoted fields may span lines, so records are not lines).
size_t LineAt(std::string_view text, size_t offset) {
  return 1 + static_cast<size_t>(
                 std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

bool IsBlank(const std::vector<std::string>& fields) {
  return fields.size() == 1 && TrimAscii(fields[0]).empty();
}

}  // namespace

int64_t QueueSnapshot::OldestAgeSeconds() const {
  if (!oldest_message || message_count == 0) return 0;
  return std::max<int64_t>(0, taken_at - *oldest_message);
}

Result<QueueSnapshot> ParseQueueSnapshot(std::string_view text, const std::string& server) {
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  size_t pos = 0;
  std::vector<std::string> fields;
  bool malformed = false;
  // Header: the first line that is not blank.
  size_t header_line = 0;
  while (true) {
    const size_t start = pos;
    if (!NextCsvRecord(text, pos, true, fields, malformed)) {
      return Status(ErrorCode::kBadInput, "empty queue snapshot (no header line)");
    }
    if (!IsBlank(fields)) {
      header_line = LineAt(text, start);
      break;
    }
  }
  std::array<size_t, kColumnCount> at;
  at.fill(kAbsent);
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string_view name = TrimAscii(fields[i]);
    for (size_t c = 0; c < kColumnCount; ++c) {
      if (at[c] == kAbsent && EqualsIgnoreCase(name, kQueueSnapshotColumns[c])) at[c] = i;
    }
  }
  std::string missing;
  for (std::string_view required : kQueueSnapshotRequiredColumns) {
    const auto c = static_cast<size_t>(
        std::find(kQueueSnapshotColumns.begin(), kQueueSnapshotColumns.end(), required) -
        kQueueSnapshotColumns.begin());
    if (at[c] == kAbsent) missing += (missing.empty() ? "" : ", ") + std::string(required);
  }
  if (!missing.empty()) {
    return Bad(header_line, "not a queue snapshot header: no column " + missing +
                                " (expected the columns exchange-queue-snapshot.vbs writes)");
  }

  QueueSnapshot snap;
  std::string file_server;
  bool first = true;
  while (true) {
    const size_t start = pos;
    if (!NextCsvRecord(text, pos, true, fields, malformed)) break;
    if (IsBlank(fields)) continue;
    const size_t line = LineAt(text, start);
    if (malformed) return Bad(line, "malformed CSV (a quote inside an unquoted field?)");
    auto field = [&](Column c) -> std::string_view {
      return at[c] < fields.size() ? TrimAscii(fields[at[c]]) : std::string_view();
    };
    for (size_t c = 0; c < kColumnCount; ++c) {
      if (at[c] != kAbsent && at[c] >= fields.size()) {
        return Bad(line, std::to_string(fields.size()) + " fields, the header has more (no " +
                             std::string(kQueueSnapshotColumns[c]) + ")");
      }
    }
    auto time = [&](Column c, bool required) -> Result<std::optional<int64_t>> {
      const std::string_view v = field(c);
      if (v.empty()) {
        if (required) return Bad(line, "empty " + std::string(kQueueSnapshotColumns[c]));
        return std::optional<int64_t>();
      }
      auto t = ParseIso8601(v);
      if (!t) {
        return Bad(line, std::string(kQueueSnapshotColumns[c]) + " '" + std::string(v) +
                             "' is not an ISO 8601 time");
      }
      return std::optional<int64_t>(*t);
    };
    auto taken = time(kSnapshotUtc, true);
    if (!taken) return taken.status();
    const std::string_view line_server = field(kServer);
    if (line_server.empty()) return Bad(line, "empty server");
    if (first) {
      snap.taken_at = **taken;
      file_server = std::string(line_server);
      first = false;
    } else if (**taken != snap.taken_at || !EqualsIgnoreCase(line_server, file_server)) {
      return Bad(line,
                 "snapshot_utc and server differ from the first line's (two snapshots in "
                 "one file?)");
    }
    QueueSnapshotLink link;
    link.virtual_server = std::string(field(kVirtualServer));
    link.link_name = std::string(field(kLinkName));
    const auto count = ParseDigits(field(kMessageCount));
    if (!count) {
      return Bad(line, "message_count '" + std::string(field(kMessageCount)) + "' is not a count");
    }
    link.message_count = *count;
    if (!field(kSizeBytes).empty()) {
      const auto size = ParseDigits(field(kSizeBytes));
      if (!size) return Bad(line, "size_bytes '" + std::string(field(kSizeBytes)) + "'");
      link.size_bytes = *size;
    }
    auto oldest = time(kOldestMessageUtc, false);
    if (!oldest) return oldest.status();
    if (link.message_count > 0) link.oldest_message = *oldest;
    const auto retry = ParseFlag(field(kStateRetry));
    if (!retry) return Bad(line, "state_retry '" + std::string(field(kStateRetry)) + "'");
    link.retry = *retry;
    if (!field(kStateFlags).empty()) {
      const auto flags = ParseDigits(field(kStateFlags));
      if (!flags || *flags > 0xFFFFFFFFu)
        return Bad(line, "state_flags '" + std::string(field(kStateFlags)) + "'");
      link.state_flags = static_cast<uint32_t>(*flags);
    }
    auto next = time(kNextConnectionUtc, false);
    if (!next) return next.status();
    link.next_connection = *next;

    snap.message_count += link.message_count;
    snap.size_bytes += link.size_bytes;
    if (link.oldest_message &&
        (!snap.oldest_message || *link.oldest_message < *snap.oldest_message))
      snap.oldest_message = link.oldest_message;
    snap.retry = snap.retry || link.retry;
    if (link.next_connection &&
        (!snap.next_connection || *link.next_connection < *snap.next_connection))
      snap.next_connection = link.next_connection;
    snap.links.push_back(std::move(link));
  }
  if (first) {
    return Status(ErrorCode::kBadInput,
                  "queue snapshot has a header but no data line (the script always writes one)");
  }
  if (!server.empty() && !EqualsIgnoreCase(server, file_server)) {
    return Status(ErrorCode::kBadInput, "is a snapshot of server " + file_server + ", not " +
                                            server + " (name it " + file_server + "=FILE)");
  }
  snap.server = server.empty() ? file_server : server;
  return snap;
}

namespace {

QueueSnapshotRead ReadOne(const NamedPath& file, const QueueSnapshotOptions& o) {
  QueueSnapshotRead read;
  read.server = file.server;
  read.path = file.path;
  const std::string what = "queue snapshot " + file.path + " of " + file.server;
  // On this bounded helper thread already (ReadQueueSnapshots); regular files only, capped.
  auto data = ReadSmallFileNow(file.path, "queue snapshot of " + file.server, o.max_bytes);
  if (!data) {
    read.error = data.status();
    return read;
  }
  auto snap = ParseQueueSnapshot(*data, file.server);
  if (!snap) {
    read.error = snap.status().WithContext(what);
    return read;
  }
  snap->path = file.path;
  read.taken_at = snap->taken_at;
  read.error = CheckSnapshotAge(what, snap->taken_at, o.now, o.max_age_seconds, o.max_skew_seconds);
  if (!read.error.ok()) return read;
  // A message queued after the snapshot was taken is the same disagreement of clocks (the WMI
  // provider's and the script's): believed within the same tolerance, refused beyond it rather
  // than read as a queue whose oldest message is 0 seconds old.
  for (const QueueSnapshotLink& link : snap->links) {
    if (!link.oldest_message) continue;
    const int64_t ahead = *link.oldest_message - snap->taken_at;
    if (ahead > o.max_skew_seconds) {
      read.error =
          Status(ErrorCode::kBadInput,
                 what + ": the oldest message of " +
                     (link.link_name.empty() ? std::string("its link") : "link " + link.link_name) +
                     " is dated " + FormatDuration(ahead) + " after the snapshot (" +
                     FormatIso8601Utc(*link.oldest_message) + "): the clocks disagree");
      return read;
    }
  }
  read.snapshot = std::move(*snap);
  return read;
}

}  // namespace

Result<std::vector<QueueSnapshotRead>> ReadQueueSnapshots(const QueueSnapshotOptions& options,
                                                          const Deadline& deadline) {
  auto claim = ReaderClaim::Take(options.reader_slot, "the queue snapshots");
  if (!claim) return claim.status();
  // The helper thread owns its copy of the options (it may outlive this call, bounded_call.h).
  auto opts = std::make_shared<QueueSnapshotOptions>(options);
  return RunBounded<std::vector<QueueSnapshotRead>>(
      deadline, std::move(*claim),
      [opts](WorkProgress& progress) -> Result<std::vector<QueueSnapshotRead>> {
        std::vector<QueueSnapshotRead> reads;
        for (const NamedPath& file : opts->files) {
          progress.Set("reading queue snapshot " + file.path);
          reads.push_back(ReadOne(file, *opts));
        }
        return reads;
      });
}

std::vector<QueueSourceComparison> CompareQueueSources(
    const std::vector<LocalDeliveryReport>& tracking, const std::vector<QueueSnapshot>& snapshots,
    int64_t tolerance_seconds) {
  std::vector<QueueSourceComparison> out;
  for (const QueueSnapshot& snap : snapshots) {
    const auto report = std::find_if(
        tracking.begin(), tracking.end(),
        [&](const LocalDeliveryReport& r) { return EqualsIgnoreCase(r.server, snap.server); });
    if (report == tracking.end()) continue;
    QueueSourceComparison c;
    c.server = snap.server;
    // A delivery first seen after the snapshot was taken cannot be in it.
    if (report->oldest_stalled_first_seen && *report->oldest_stalled_first_seen <= snap.taken_at)
      c.tracking_age_seconds = snap.taken_at - *report->oldest_stalled_first_seen;
    c.snapshot_age_seconds = snap.OldestAgeSeconds();
    const int64_t difference = c.tracking_age_seconds > c.snapshot_age_seconds
                                   ? c.tracking_age_seconds - c.snapshot_age_seconds
                                   : c.snapshot_age_seconds - c.tracking_age_seconds;
    c.disagree = difference > tolerance_seconds;
    c.text = "oldest stuck at " + FormatIso8601Utc(snap.taken_at) + ": tracking logs " +
             FormatDuration(c.tracking_age_seconds) + ", WMI snapshot " +
             FormatDuration(c.snapshot_age_seconds) + " (tolerance " +
             FormatDuration(tolerance_seconds) + ")";
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace exdm
