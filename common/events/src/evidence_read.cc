// Incremental reads of event exports: what was appended since the last read, a file rewritten
// from its start read again without counting twice, the evidence kept trimmed to the window.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "evidence_payload.h"
#include "exdm/base/text_util.h"
#include "exdm/events/evidence.h"
#include "exdm/events/time_zone.h"

namespace exdm {

namespace {

// State stays small however noisy a server is: the newest events of each kind are kept.
constexpr size_t kMaxKeptPerKind = 2000;
constexpr size_t kHeadBytes = 64 * 1024;
constexpr uint64_t kChunkBytes = 4u << 20;

template <typename T>
void Trim(std::vector<T>& v, int64_t window_start) {
  v.erase(std::remove_if(v.begin(), v.end(), [&](const T& e) { return e.time < window_start; }),
          v.end());
  if (v.size() > kMaxKeptPerKind) {
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() - kMaxKeptPerKind));
  }
}

Status PRead(int fd, uint64_t offset, uint64_t length, std::string& out) {
  out.resize(static_cast<size_t>(length));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, &out[done], out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(ErrorCode::kIoError, std::strerror(errno));
    }
    if (n == 0) break;  // shrank while reading: take what is there
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return Status::Ok();
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads what is new in one file into `ev`. `cursor` receives where the next read starts.
// A row (a JSON line, a CSV record) longer than `max_row_bytes` (EventCollectOptions, 4 MiB) is no
// event export's: one bad row, the rest of it passed over unread by the parser, as the tracking
// reader does with a line longer than its 4 MiB buffer. Without the cap a 1 GB line was appended
// chunk by chunk and parsed again after every chunk (20 s and 2 GB for one line).
Status ReadIncrement(const NamedPath& file, const FileCursor* previous, const TimeZone& zone,
                     bool final, int64_t window_start, int64_t now, uint64_t max_row_bytes,
                     FileMark& mark, ServerEventEvidence& ev, FileCursor& cursor,
                     std::vector<std::string>* notes) {
  const Fd fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return Status(ErrorCode::kIoError, "cannot open '" + file.path + "': " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status(ErrorCode::kIoError, "'" + file.path + "' is not a regular file");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  auto identity = IdentifyFile(fd.get());
  if (!identity) return identity.status().WithContext(file.path);
  auto plan = PlanResume(fd.get(), previous, *identity, size);
  if (!plan) return plan.status().WithContext(file.path);
  cursor.path = file.path;
  cursor.identity = *identity;
  cursor.offset = plan->offset;
  if (size == 0) return Status::Ok();  // an export that has not been written yet

  std::string head;
  if (Status s = PRead(fd.get(), 0, std::min<uint64_t>(size, kHeadBytes), head); !s.ok()) {
    return s.WithContext(file.path);
  }
  auto format = DetectEventFormat(head);
  if (!format) return format.status().WithContext(file.path);
  const bool rewound = plan->kind == ResumeKind::kTruncated || plan->kind == ResumeKind::kReplaced;
  if (rewound && notes) {
    notes->push_back(file.server + ": " + file.path + " was " +
                     std::string(ResumeKindName(plan->kind)) + ", read again from its start");
  }
  // After a rewind, rows up to the newest one already counted are skipped.
  const FileMark seen = rewound ? mark : FileMark{};
  uint64_t skip_at_seen = seen.count;
  const EventSink sink = [&](const EventRecord& r) {
    if (r.time < seen.time) return;
    if (r.time == seen.time && skip_at_seen > 0) {
      --skip_at_seen;
      return;
    }
    if (r.time > mark.time) {
      mark.time = r.time;
      mark.count = 1;
    } else if (r.time == mark.time) {
      ++mark.count;
    }
    AddEventRecord(r, window_start, now, ev);
  };
  // Read in chunks so a large first read does not hold the whole export in memory; a row cut at
  // a chunk's end waits in `buffer` for the next chunk. The parser only runs when a chunk brings
  // a line end (a row can only end there), so a long row is not parsed again with every chunk;
  // one longer than kMaxRowBytes is a bad row and its rest is skipped up to its line end, also
  // across runs: a cursor left inside a row (its byte before is no line end) skips that rest
  // first, so an unterminated tail is read once, not on every refresh.
  std::string buffer, chunk;
  uint64_t next = plan->offset;         // next byte to read
  uint64_t parsed_to = plan->offset;    // first byte not consumed by the parser
  bool header_done = plan->offset > 0;  // CSV: the header is in `head`, not in the data
  bool skipping = false;                // inside an over-long row, already counted
  if (plan->offset > 0 && plan->offset <= size) {
    std::string before;
    if (Status s = PRead(fd.get(), plan->offset - 1, 1, before); !s.ok()) {
      return s.WithContext(file.path);
    }
    skipping = before.size() == 1 && before[0] != '\n';
  }
  while (next < size) {
    const uint64_t want = std::min<uint64_t>(kChunkBytes, size - next);
    if (Status rs = PRead(fd.get(), next, want, chunk); !rs.ok()) return rs.WithContext(file.path);
    if (chunk.empty()) break;  // shrank while reading
    next += chunk.size();
    const bool last = next >= size;
    std::string_view fresh(chunk);
    if (skipping) {
      const size_t end = fresh.find('\n');
      if (end == std::string_view::npos) {
        parsed_to += fresh.size();
        continue;
      }
      parsed_to += end + 1;
      fresh.remove_prefix(end + 1);
      skipping = false;
    }
    const bool row_may_end = fresh.find('\n') != std::string_view::npos || (final && last);
    buffer.append(fresh);
    if (row_may_end) {
      const EventParseStats stats =
          ParseEvents(buffer, *format, zone, sink,
                      header_done ? std::string_view(head) : std::string_view(), final && last);
      ev.bad_rows += stats.bad_rows;
      ev.bad_rows_total += stats.bad_rows;
      if (stats.consumed > 0) header_done = true;
      parsed_to += stats.consumed;
      buffer.erase(0, static_cast<size_t>(stats.consumed));
    }
    if (buffer.size() > max_row_bytes) {
      if (!header_done && *format == EventFormat::kLogParserCsv) {
        return Status(ErrorCode::kBadInput, file.path + ": the CSV header is longer than " +
                                                std::to_string(max_row_bytes) + " bytes");
      }
      ++ev.bad_rows;
      ++ev.bad_rows_total;
      if (notes) {
        notes->push_back(file.server + ": " + file.path + ": a row at byte " +
                         std::to_string(parsed_to) + " is longer than " +
                         std::to_string(max_row_bytes) + " bytes; counted as unreadable");
      }
      parsed_to += buffer.size();
      buffer.clear();
      header_done = true;
      skipping = true;
    }
  }
  cursor.offset = parsed_to;
  return Status::Ok();
}

}  // namespace

Result<EventEvidence> CollectEventEvidence(const EventCollectOptions& options) {
  return CollectEventEvidence(options, StateSnapshot{}, nullptr, nullptr);
}

Result<EventEvidence> CollectEventEvidence(const EventCollectOptions& options,
                                           const StateSnapshot& previous, StateSnapshot* next,
                                           std::vector<std::string>* notes) {
  auto zone = TimeZone::Load(options.time_zone, options.zoneinfo_dir);
  if (!zone) return zone.status().WithContext("--event-tz");
  EventEvidence out;
  out.now = options.now;
  out.window_start = options.window_start;

  std::vector<ServerEventEvidence> carried;
  std::map<std::string, FileMark> marks;
  if (!previous.payload.empty() && !LoadEvidencePayload(previous.payload, carried, marks)) {
    carried.clear();
    marks.clear();
    if (notes) notes->push_back("event state payload unreadable; evidence starts afresh");
  }
  auto server_entry = [&out](const std::string& name) -> ServerEventEvidence& {
    for (auto& s : out.servers) {
      if (EqualsIgnoreCase(s.server, name)) return s;
    }
    out.servers.emplace_back();
    out.servers.back().server = name;
    return out.servers.back();
  };
  // Every configured server has an entry (reported even with nothing to say); carried evidence
  // of servers no longer configured is dropped.
  for (const NamedPath& file : options.files)
    server_entry(file.server);
  for (ServerEventEvidence& c : carried) {
    for (auto& s : out.servers) {
      if (EqualsIgnoreCase(s.server, c.server)) {
        c.server = s.server;
        s = std::move(c);
        s.records = s.other_events = s.bad_rows = 0;
        break;
      }
    }
  }

  StateSnapshot updated;
  std::map<std::string, FileMark> new_marks;
  for (const NamedPath& file : options.files) {
    ServerEventEvidence& ev = server_entry(file.server);
    FileMark mark = marks.count(file.path) ? marks[file.path] : FileMark{};
    FileCursor cursor;
    const Status st = ReadIncrement(
        file, previous.Find(file.path), *zone, next == nullptr, options.window_start, options.now,
        std::max<uint64_t>(options.max_row_bytes, 1), mark, ev, cursor, notes);
    if (!st.ok()) {
      out.file_errors.push_back({file, st});
      // Keep the previous cursor: an unreadable moment must not lose the place.
      if (const FileCursor* p = previous.Find(file.path)) updated.Upsert(*p);
      if (marks.count(file.path)) new_marks[file.path] = marks[file.path];
      continue;
    }
    updated.Upsert(cursor);
    new_marks[file.path] = mark;
  }
  auto by_time = [](const auto& a, const auto& b) { return a.time < b.time; };
  for (auto& s : out.servers) {
    std::stable_sort(s.logon_failures.begin(), s.logon_failures.end(), by_time);
    std::stable_sort(s.interface_failures.begin(), s.interface_failures.end(), by_time);
    std::stable_sort(s.call_failures.begin(), s.call_failures.end(), by_time);
    std::stable_sort(s.system_mailbox_missing.begin(), s.system_mailbox_missing.end(), by_time);
    Trim(s.logon_failures, options.window_start);
    Trim(s.interface_failures, options.window_start);
    Trim(s.call_failures, options.window_start);
    Trim(s.system_mailbox_missing, options.window_start);
  }
  std::sort(out.servers.begin(), out.servers.end(),
            [](const auto& a, const auto& b) { return a.server < b.server; });
  if (next) {
    PayloadWriter w;
    SaveEvidencePayload(out.servers, new_marks, w);
    updated.payload = std::move(w.out());
    *next = std::move(updated);
  }
  return out;
}

}  // namespace exdm
