#include "exdm/events/evidence.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "exdm/base/guid_scan.h"
#include "exdm/base/text_util.h"

namespace exdm {

namespace {

// Exchange servers and the monitoring host disagree on the clock by a little; evidence stamped
// slightly after "now" is still evidence.
constexpr int64_t kFutureSkew = 900;

size_t FindIgnoreCase(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    if (EqualsIgnoreCase(hay.substr(i, needle.size()), needle)) return i;
  }
  return std::string_view::npos;
}

bool IsHex(char c) {
  return guid_scan::HexValue(c) >= 0;
}

// The first "0x" followed by exactly 8 hex digits, lower-cased.
std::string FindHexCode(std::string_view text, size_t from = 0) {
  for (size_t i = from; i + 10 <= text.size(); ++i) {
    if (text[i] != '0' || (text[i + 1] != 'x' && text[i + 1] != 'X')) continue;
    if (i > 0 && (IsHex(text[i - 1]) || text[i - 1] == '_')) continue;
    bool ok = true;
    for (size_t k = 2; k < 10; ++k)
      ok = ok && IsHex(text[i + k]);
    if (!ok || (i + 10 < text.size() && IsHex(text[i + 10]))) continue;
    return ToLowerAscii(text.substr(i, 10));
  }
  return {};
}

bool Is(const EventRecord& r, std::string_view source, uint32_t id) {
  return r.event_id == id && EqualsIgnoreCase(TrimAscii(r.source), source);
}

bool InWindow(int64_t t, int64_t start, int64_t now) {
  return t >= start && t <= now + kFutureSkew;
}

// Event 327's values follow " : " separators in a fixed order (call, error code, MDB, FID, …),
// whatever language the labels are in.
std::vector<std::string> ColonValues(std::string_view text) {
  std::vector<std::string> values;
  for (size_t i = text.find(':'); i != std::string_view::npos; i = text.find(':', i + 1)) {
    size_t p = i + 1;
    while (p < text.size() && text[p] == ' ')
      ++p;
    const size_t start = p;
    while (p < text.size() &&
           ((text[p] >= 'A' && text[p] <= 'Z') || (text[p] >= 'a' && text[p] <= 'z') ||
            (text[p] >= '0' && text[p] <= '9') || text[p] == '_' || text[p] == '-' ||
            text[p] == '{' || text[p] == '}')) {
      ++p;
    }
    values.emplace_back(text.substr(start, p - start));
  }
  return values;
}

// DSAccess 2080 lists one server per line: "<host> <roles> <reachability> …" with roles a
// three-letter mask like "CDG" or "CD-" (config DC, DC, GC).
std::vector<DirectoryServerInUse> ParseDirectoryServers(std::string_view text, int64_t time) {
  std::vector<DirectoryServerInUse> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    std::vector<std::string_view> tokens;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
        ++i;
      const size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t')
        ++i;
      if (i > start) tokens.push_back(line.substr(start, i - start));
    }
    if (tokens.size() < 3) continue;
    const std::string_view roles = tokens[1];
    if (roles.size() != 3 || (roles[0] != 'C' && roles[0] != '-') ||
        (roles[1] != 'D' && roles[1] != '-') || (roles[2] != 'G' && roles[2] != '-')) {
      continue;
    }
    if (tokens[2].find_first_not_of("0123456789") != std::string_view::npos) continue;
    const std::string_view host = tokens[0];
    if (host.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
        std::string_view::npos) {
      continue;
    }
    DirectoryServerInUse s;
    s.host = ToLowerAscii(host);
    s.config_dc = roles[0] == 'C';
    s.dc = roles[1] == 'D';
    s.gc = roles[2] == 'G';
    s.last_seen = time;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

LogonFailureText ParseLogonFailureText(const std::string& message) {
  LogonFailureText out;
  const std::string_view text(message);
  const size_t dn_start = FindIgnoreCase(text, "/o=");
  size_t after = 0;
  if (dn_start != std::string_view::npos) {
    size_t at = 0, len = 0;
    if (auto g = guid_scan::FindFirst(text.substr(dn_start), &at, &len)) {
      out.store_guid = *g;
      size_t end = dn_start + at + len;
      if (end < text.size() && text[end] == ')') ++end;  // "cn=SMTP (<Server>-{GUID})"
      out.gateway_dn = std::string(text.substr(dn_start, end - dn_start));
      after = end;
    } else {
      // No GUID: the DN runs to the end of its token sequence; keep up to the error code.
      size_t end = text.find(". ", dn_start);
      if (end == std::string_view::npos) end = text.size();
      out.gateway_dn = std::string(TrimAscii(text.substr(dn_start, end - dn_start)));
      after = end;
    }
    const std::string_view dn(out.gateway_dn);
    const size_t smtp = FindIgnoreCase(dn, "cn=SMTP (");
    if (smtp != std::string_view::npos) {
      const size_t name_start = smtp + 9;
      size_t name_end = dn.find(')', name_start);
      const size_t brace = dn.find("-{", name_start);
      if (brace != std::string_view::npos &&
          (name_end == std::string_view::npos || brace < name_end)) {
        name_end = brace;
      }
      if (name_end != std::string_view::npos) {
        out.gateway_server = std::string(dn.substr(name_start, name_end - name_start));
      }
    }
  } else if (auto g = guid_scan::FindFirst(text)) {
    out.store_guid = *g;
  }
  out.error_code = FindHexCode(text, after);
  if (out.error_code.empty()) out.error_code = FindHexCode(text);
  return out;
}

void AddEventRecord(const EventRecord& r, int64_t window_start, int64_t now,
                    ServerEventEvidence& ev) {
  ++ev.records;
  if (!ev.last_event_time || r.time > *ev.last_event_time) ev.last_event_time = r.time;
  const bool in_window = InWindow(r.time, window_start, now);
  // Log Parser leaves Message empty when the exporting machine lacks the source's message DLL;
  // the insertion strings still carry the DN, codes and GUIDs.
  const std::string& text = r.message.empty() ? r.strings : r.message;

  if (Is(r, "MSExchangeTransport", 326)) {
    LogonFailureText parsed = ParseLogonFailureText(text);
    if (parsed.gateway_dn.empty() && !r.strings.empty() && &text != &r.strings) {
      parsed = ParseLogonFailureText(r.strings);
    }
    ++ev.logon_failures_total;
    ++ev.logon_failures_total_by_store[parsed.store_guid];
    if (in_window) {
      ev.logon_failures.push_back({r.time, std::move(parsed.store_guid),
                                   std::move(parsed.gateway_dn), std::move(parsed.gateway_server),
                                   std::move(parsed.error_code)});
    }
  } else if (Is(r, "MSExchangeIS", 1194)) {
    ++ev.interface_failures_total;
    if (in_window) ev.interface_failures.push_back({r.time, FindHexCode(text)});
  } else if (Is(r, "MSExchangeTransport", 327)) {
    const std::vector<std::string> values = ColonValues(text);
    StoreCallFailureEvent e;
    e.time = r.time;
    if (!values.empty()) e.call = values[0];
    if (values.size() > 1) e.error_code = values[1];
    if (auto g = guid_scan::FindFirst(text)) e.mdb_guid = *g;
    if (e.call.empty()) e.call = "unknown";
    ++ev.call_failures_total[e.call];
    if (in_window) ev.call_failures.push_back(std::move(e));
  } else if (Is(r, "EXOLEDB", 116)) {
    SystemMailboxEvent e;
    e.time = r.time;
    const size_t sm = FindIgnoreCase(text, "SystemMailbox{");
    auto g = sm != std::string::npos ? guid_scan::FindFirst(std::string_view(text).substr(sm))
                                     : guid_scan::FindFirst(text);
    if (g) e.store_guid = *g;
    if (in_window) ev.system_mailbox_missing.push_back(std::move(e));
  } else if (Is(r, "MSExchangeDSAccess", 2080) || Is(r, "MSExchangeDSAccess", 2081)) {
    std::vector<DirectoryServerInUse> servers = ParseDirectoryServers(text, r.time);
    const bool newer =
        ev.directory_servers.empty() || ev.directory_servers.front().last_seen <= r.time;
    if (!servers.empty() && newer) ev.directory_servers = std::move(servers);
  } else {
    ++ev.other_events;
  }
}

std::map<std::string, std::vector<const LogonFailureEvent*>>
ServerEventEvidence::LogonFailuresByStore() const {
  std::map<std::string, std::vector<const LogonFailureEvent*>> out;
  for (const LogonFailureEvent& e : logon_failures)
    out[e.store_guid].push_back(&e);
  return out;
}

std::map<std::string, uint64_t> ServerEventEvidence::CallFailuresByCall() const {
  std::map<std::string, uint64_t> out;
  for (const StoreCallFailureEvent& e : call_failures)
    ++out[e.call];
  return out;
}

uint64_t EventEvidence::LogonFailures() const {
  uint64_t n = 0;
  for (const auto& s : servers)
    n += s.logon_failures.size();
  return n;
}
uint64_t EventEvidence::InterfaceFailures() const {
  uint64_t n = 0;
  for (const auto& s : servers)
    n += s.interface_failures.size();
  return n;
}
uint64_t EventEvidence::CallFailures() const {
  uint64_t n = 0;
  for (const auto& s : servers)
    n += s.call_failures.size();
  return n;
}
uint64_t EventEvidence::BadRows() const {
  uint64_t n = 0;
  for (const auto& s : servers)
    n += s.bad_rows;
  return n;
}
const ServerEventEvidence* EventEvidence::Find(const std::string& server) const {
  for (const auto& s : servers) {
    if (EqualsIgnoreCase(s.server, server)) return &s;
  }
  return nullptr;
}

namespace {

constexpr uint64_t kPayloadVersion = 1;
// State stays small however noisy a server is: the newest events of each kind are kept.
constexpr size_t kMaxKeptPerKind = 2000;
constexpr size_t kHeadBytes = 64 * 1024;
constexpr uint64_t kChunkBytes = 4u << 20;

// The newest event time read from a file and how many of its rows carried that time, so a file
// rewritten from the start can skip what was already counted.
struct FileMark {
  int64_t time = INT64_MIN;
  uint64_t count = 0;
};

template <typename T>
void Trim(std::vector<T>& v, int64_t window_start) {
  v.erase(std::remove_if(v.begin(), v.end(), [&](const T& e) { return e.time < window_start; }),
          v.end());
  if (v.size() > kMaxKeptPerKind) {
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() - kMaxKeptPerKind));
  }
}

void SavePayload(const std::vector<ServerEventEvidence>& servers,
                 const std::map<std::string, FileMark>& marks, PayloadWriter& w) {
  w.U64(kPayloadVersion);
  w.U64(servers.size());
  for (const ServerEventEvidence& s : servers) {
    w.Bytes(s.server);
    w.U64(s.logon_failures_total);
    w.U64(s.interface_failures_total);
    w.U64(s.bad_rows_total);
    w.U64(s.last_event_time ? 1 : 0);
    w.I64(s.last_event_time.value_or(0));
    w.U64(s.call_failures_total.size());
    for (const auto& [call, n] : s.call_failures_total) {
      w.Bytes(call);
      w.U64(n);
    }
    w.U64(s.logon_failures_total_by_store.size());
    for (const auto& [guid, n] : s.logon_failures_total_by_store) {
      w.Bytes(guid);
      w.U64(n);
    }
    w.U64(s.logon_failures.size());
    for (const auto& e : s.logon_failures) {
      w.I64(e.time);
      w.Bytes(e.store_guid);
      w.Bytes(e.gateway_dn);
      w.Bytes(e.gateway_server);
      w.Bytes(e.error_code);
    }
    w.U64(s.interface_failures.size());
    for (const auto& e : s.interface_failures) {
      w.I64(e.time);
      w.Bytes(e.error_code);
    }
    w.U64(s.call_failures.size());
    for (const auto& e : s.call_failures) {
      w.I64(e.time);
      w.Bytes(e.call);
      w.Bytes(e.error_code);
      w.Bytes(e.mdb_guid);
    }
    w.U64(s.system_mailbox_missing.size());
    for (const auto& e : s.system_mailbox_missing) {
      w.I64(e.time);
      w.Bytes(e.store_guid);
    }
    w.U64(s.directory_servers.size());
    for (const auto& d : s.directory_servers) {
      w.Bytes(d.host);
      w.U64((d.config_dc ? 1u : 0u) | (d.dc ? 2u : 0u) | (d.gc ? 4u : 0u));
      w.I64(d.last_seen);
    }
  }
  w.U64(marks.size());
  for (const auto& [path, mark] : marks) {
    w.Bytes(path);
    w.I64(mark.time);
    w.U64(mark.count);
  }
}

bool LoadPayload(std::string_view payload, std::vector<ServerEventEvidence>& servers,
                 std::map<std::string, FileMark>& marks) {
  PayloadReader r(payload);
  if (r.U64() != kPayloadVersion || !r.ok()) return false;
  // Counts come from disk: bound them so a corrupt payload cannot ask for huge allocations.
  auto count = [&r]() {
    const uint64_t n = r.U64();
    return r.ok() && n <= 1000000 ? static_cast<size_t>(n) : size_t{0};
  };
  const size_t nservers = count();
  for (size_t i = 0; i < nservers && r.ok(); ++i) {
    ServerEventEvidence s;
    s.server = std::string(r.Bytes());
    s.logon_failures_total = r.U64();
    s.interface_failures_total = r.U64();
    s.bad_rows_total = r.U64();
    const bool has_last = r.U64() != 0;
    const int64_t last = r.I64();
    if (has_last) s.last_event_time = last;
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      std::string call(r.Bytes());
      s.call_failures_total[call] = r.U64();
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      std::string guid(r.Bytes());
      s.logon_failures_total_by_store[guid] = r.U64();
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      LogonFailureEvent e;
      e.time = r.I64();
      e.store_guid = std::string(r.Bytes());
      e.gateway_dn = std::string(r.Bytes());
      e.gateway_server = std::string(r.Bytes());
      e.error_code = std::string(r.Bytes());
      s.logon_failures.push_back(std::move(e));
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      InterfaceFailureEvent e;
      e.time = r.I64();
      e.error_code = std::string(r.Bytes());
      s.interface_failures.push_back(std::move(e));
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      StoreCallFailureEvent e;
      e.time = r.I64();
      e.call = std::string(r.Bytes());
      e.error_code = std::string(r.Bytes());
      e.mdb_guid = std::string(r.Bytes());
      s.call_failures.push_back(std::move(e));
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      SystemMailboxEvent e;
      e.time = r.I64();
      e.store_guid = std::string(r.Bytes());
      s.system_mailbox_missing.push_back(std::move(e));
    }
    for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
      DirectoryServerInUse d;
      d.host = std::string(r.Bytes());
      const uint64_t flags = r.U64();
      d.config_dc = flags & 1u;
      d.dc = flags & 2u;
      d.gc = flags & 4u;
      d.last_seen = r.I64();
      s.directory_servers.push_back(std::move(d));
    }
    servers.push_back(std::move(s));
  }
  for (size_t n = count(), k = 0; k < n && r.ok(); ++k) {
    std::string path(r.Bytes());
    FileMark m;
    m.time = r.I64();
    m.count = r.U64();
    marks[path] = m;
  }
  return r.ok() && r.at_end();
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
Status ReadIncrement(const NamedPath& file, const FileCursor* previous, const TimeZone& zone,
                     bool final, int64_t window_start, int64_t now, FileMark& mark,
                     ServerEventEvidence& ev, FileCursor& cursor, std::vector<std::string>* notes) {
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
  // a chunk's end waits in `buffer` for the next chunk.
  std::string buffer, chunk;
  uint64_t next = plan->offset;         // next byte to read
  uint64_t parsed_to = plan->offset;    // first byte not consumed by the parser
  bool header_done = plan->offset > 0;  // CSV: the header is in `head`, not in the data
  while (next < size) {
    const uint64_t want = std::min<uint64_t>(kChunkBytes, size - next);
    if (Status rs = PRead(fd.get(), next, want, chunk); !rs.ok()) return rs.WithContext(file.path);
    if (chunk.empty()) break;  // shrank while reading
    next += chunk.size();
    buffer += chunk;
    const bool last = next >= size;
    const EventParseStats stats =
        ParseEvents(buffer, *format, zone, sink,
                    header_done ? std::string_view(head) : std::string_view(), final && last);
    ev.bad_rows += stats.bad_rows;
    ev.bad_rows_total += stats.bad_rows;
    if (stats.consumed > 0) header_done = true;
    parsed_to += stats.consumed;
    buffer.erase(0, static_cast<size_t>(stats.consumed));
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
  if (!previous.payload.empty() && !LoadPayload(previous.payload, carried, marks)) {
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
    const Status st = ReadIncrement(file, previous.Find(file.path), *zone, next == nullptr,
                                    options.window_start, options.now, mark, ev, cursor, notes);
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
    SavePayload(out.servers, new_marks, w);
    updated.payload = std::move(w.out());
    *next = std::move(updated);
  }
  return out;
}

}  // namespace exdm
