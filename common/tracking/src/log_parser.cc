#include "log_parser.h"

#include <algorithm>
#include <cstring>

#include "exdm/base/sanitize.h"
#include "exdm/base/text_util.h"
#include "exdm/base/time_util.h"

namespace exdm {

namespace {

bool ReadUint(const char*& p, const char* end, size_t max_digits, unsigned& out) {
  unsigned v = 0;
  size_t n = 0;
  while (p < end && *p >= '0' && *p <= '9' && n < max_digits) {
    v = v * 10 + static_cast<unsigned>(*p - '0');
    ++p;
    ++n;
  }
  out = v;
  return n > 0;
}

std::optional<int64_t> ParseDay(std::string_view date) {
  const char* p = date.data();
  const char* end = p + date.size();
  unsigned y = 0, m = 0, d = 0;
  if (!ReadUint(p, end, 4, y) || p == end || *p++ != '-') return std::nullopt;
  if (!ReadUint(p, end, 2, m) || p == end || *p++ != '-') return std::nullopt;
  if (!ReadUint(p, end, 2, d) || p != end) return std::nullopt;
  auto t = UnixFromUtc(y, m, d, 0, 0, 0);
  if (!t) return std::nullopt;
  return *t;
}

// "H:MM:SS GMT" or "HH:MM:SS GMT", as Exchange writes every row: read at fixed places. Anything
// else (no " GMT", "UTC", lower case, other padding) goes the general way below.
std::optional<int64_t> SecondsOfDayAsWritten(std::string_view time) {
  const size_t h_digits = time.size() == 11 ? 1 : time.size() == 12 ? 2 : 0;
  if (!h_digits) return std::nullopt;
  const char* p = time.data();
  auto digit = [](char c) { return static_cast<unsigned>(c - '0'); };
  unsigned h = digit(p[0]);
  if (h > 9) return std::nullopt;
  if (h_digits == 2) {
    const unsigned h2 = digit(p[1]);
    if (h2 > 9) return std::nullopt;
    h = h * 10 + h2;
  }
  p += h_digits;
  const unsigned m1 = digit(p[1]), m2 = digit(p[2]), s1 = digit(p[4]), s2 = digit(p[5]);
  if (p[0] != ':' || p[3] != ':' || m1 > 5 || m2 > 9 || s1 > 6 || s2 > 9 ||
      std::memcmp(p + 6, " GMT", 4) != 0) {
    return std::nullopt;
  }
  const unsigned s = s1 * 10 + s2;
  if (h > 23 || s > 60) return std::nullopt;
  return static_cast<int64_t>(h) * 3600 + (m1 * 10 + m2) * 60 + s;
}

std::optional<int64_t> ParseSecondsOfDay(std::string_view time) {
  if (auto fast = SecondsOfDayAsWritten(time)) return fast;
  const char* p = time.data();
  const char* end = p + time.size();
  unsigned h = 0, mi = 0, s = 0;
  if (!ReadUint(p, end, 2, h) || p == end || *p++ != ':') return std::nullopt;
  if (!ReadUint(p, end, 2, mi) || p == end || *p++ != ':') return std::nullopt;
  if (!ReadUint(p, end, 2, s)) return std::nullopt;
  while (p < end && *p == ' ')
    ++p;
  const std::string_view rest(p, static_cast<size_t>(end - p));
  if (!rest.empty() && !EqualsIgnoreCase(rest, "GMT") && !EqualsIgnoreCase(rest, "UTC")) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || s > 60) return std::nullopt;
  return static_cast<int64_t>(h) * 3600 + mi * 60 + s;
}

// Strips one pair of angle brackets: <id@host> and id@host are the same message.
std::string_view NormalizeMsgid(std::string_view m) {
  if (!m.empty() && m.front() == '<') m.remove_prefix(1);
  if (!m.empty() && m.back() == '>') m.remove_suffix(1);
  return m;
}

}  // namespace

std::optional<int64_t> ParseTrackingTimestamp(std::string_view date, std::string_view time) {
  auto day = ParseDay(date);
  auto sec = ParseSecondsOfDay(time);
  if (!day || !sec) return std::nullopt;
  return *day + *sec;
}

void ParsedChunk::Clear() {
  rows.clear();
  recipients.clear();
  lines = bad_lines = other_events = 0;
  for (uint16_t id : events_seen)
    event_counts[id] = 0;
  events_seen.clear();
  last_event.reset();
  samples.clear();
}

LineParser::LineParser(const LocalDeliveryConfig& config)
    : cfg_(config), split_(BestSplitKernel()) {}

void LineParser::ResetCaches() {
  date_ = CachedText();
  time_ = CachedText();
}

void LineParser::BadLine(const char* line, const char* line_end, const char* data,
                         const char* reason, uint64_t offset, size_t sample_room,
                         ParsedChunk& out) {
  ++out.bad_lines;
  if (out.samples.size() < sample_room) {
    BadLineSample s;
    s.offset = offset + static_cast<uint64_t>(line - data);
    s.reason = reason;
    // Addresses redacted first: the README promises none in the output. (The excerpt shows at
    // most 80 of these 200 bytes, so an address cut at the window's end is never shown.)
    s.excerpt = SanitizeForOutput(
        RedactAddresses(
            std::string_view(line, static_cast<size_t>(std::min<ptrdiff_t>(line_end - line, 200)))),
        80);
    out.samples.push_back(std::move(s));
  }
}

bool LineParser::HeaderLine(std::string_view line) {
  // "# Date<TAB>Time<TAB>..." possibly with CR, spaces after '#'.
  line.remove_prefix(1);
  std::vector<std::string_view> names;
  while (true) {
    const size_t tab = line.find('\t');
    names.push_back(TrimAscii(line.substr(0, tab)));
    if (tab == std::string_view::npos) break;
    line.remove_prefix(tab + 1);
  }
  if (names.size() < 2) return false;
  using C = ColumnLayout;
  static constexpr std::string_view kNames[C::kColumns] = {"Date", "Time", "Recipient-Address",
                                                           "Event-ID", "MSGID"};
  std::array<int, C::kColumns> found;
  found.fill(-1);
  for (size_t i = 0; i < names.size(); ++i) {
    for (int c = 0; c < C::kColumns; ++c) {
      if (found[static_cast<size_t>(c)] < 0 && EqualsIgnoreCase(names[i], kNames[c])) {
        found[static_cast<size_t>(c)] = static_cast<int>(i);
      }
    }
  }
  if (found[C::kEvent] < 0 || found[C::kDate] < 0) return false;  // a comment, not the column line
  for (int c = 0; c < C::kColumns; ++c) {
    if (found[static_cast<size_t>(c)] < 0) {
      layout_.error = "column header lacks '" + std::string(kNames[c]) + "'";
      layout_.has_header = false;
      return true;
    }
  }
  if (*std::max_element(found.begin(), found.end()) >= ColumnLayout::kMaxFields) {
    layout_.error =
        "column header puts a needed column past field " + std::to_string(ColumnLayout::kMaxFields);
    layout_.has_header = false;
    return true;
  }
  layout_.col = found;
  layout_.need_fields = *std::max_element(found.begin(), found.end()) + 1;
  layout_.has_header = true;
  layout_.error.clear();
  return true;
}

// Most lines of a file share the date text and consecutive rows their second: both are cached.
// (A bool and an out parameter: an optional returned through memory stalled every row.)
inline bool LineParser::TimeOf(std::string_view date, std::string_view time, int64_t& t) {
  if (!date_.Matches(date.data(), date.size())) {
    auto d = ParseDay(date);
    if (!d) return false;
    date_.Set(date.data(), date.size());
    date_value_ = *d;
  }
  if (!time_.Matches(time.data(), time.size())) {
    auto v = ParseSecondsOfDay(time);
    if (!v) return false;
    time_.Set(time.data(), time.size());
    time_value_ = *v;
  }
  t = date_value_ + time_value_;
  return true;
}

size_t LineParser::Parse(const char* data, size_t size, bool final, uint64_t offset,
                         size_t sample_room, ParsedChunk& out) {
  using C = ColumnLayout;
  const char* p = data;
  const char* end = data + size;
  if (offset == 0 && size >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
  if (out.event_counts.empty()) out.event_counts.assign(TrackingEventTable::kMaxId + 1, 0);
  // Log time from rows without a role, carried into the next row (or a row of its own at the end).
  int64_t pending = INT64_MIN;
  auto moved = [&](int64_t t) {
    if (!out.last_event || t > *out.last_event) out.last_event = t;
  };
  const char* fs[ColumnLayout::kMaxFields + 1];
  const char* fe[ColumnLayout::kMaxFields + 1];
  while (p < end) {
    const char* line = p;
    if (*p == '#' || !layout_.has_header) {
      const void* nlp = std::memchr(p, '\n', static_cast<size_t>(end - p));
      const char* nl = static_cast<const char*>(nlp);
      if (!nl) {
        if (!final) break;
        nl = end;
      }
      std::string_view text(p, static_cast<size_t>(nl - p));
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      ++out.lines;
      p = nl < end ? nl + 1 : end;
      if (text.empty()) continue;
      if (text.front() == '#') {
        HeaderLine(text);
        continue;
      }
      BadLine(line, nl, data,
              layout_.error.empty() ? "line before any column header" : layout_.error.c_str(),
              offset, sample_room, out);
      continue;
    }
    int found = 0;
    const int need = layout_.need_fields;
    const char* nl = split_(p, end, need, fs, fe, found);
    if (!nl) {
      if (!final) break;
      nl = end;
      if (found < need) ++found;  // the unterminated last field counts
    }
    ++out.lines;
    p = nl < end ? nl + 1 : end;
    if (nl == line || (nl == line + 1 && *line == '\r')) continue;  // blank line
    if (found < need) {
      BadLine(line, nl, data, "too few fields", offset, sample_room, out);
      continue;
    }
    auto field = [&](int c) {
      const int i = layout_.col[static_cast<size_t>(c)];
      const char* b = fs[i];
      const char* e = fe[i];
      if (e > b && e[-1] == '\r' && (e == nl)) --e;
      return std::string_view(b, static_cast<size_t>(e - b));
    };
    const std::string_view ev = field(C::kEvent);
    uint32_t id = 0;
    bool numeric = !ev.empty() && ev.size() <= 9;
    for (char c : ev) {
      if (c < '0' || c > '9') {
        numeric = false;
        break;
      }
      id = id * 10 + static_cast<uint32_t>(c - '0');
    }
    if (!numeric) {
      BadLine(line, nl, data, "Event-ID is not a number", offset, sample_room, out);
      continue;
    }
    if (id <= TrackingEventTable::kMaxId) {
      if (out.event_counts[id]++ == 0) out.events_seen.push_back(static_cast<uint16_t>(id));
    } else {
      ++out.other_events;
    }
    int64_t t = 0;
    const bool timed = TimeOf(field(C::kDate), field(C::kTime), t);
    const DeliveryRole role = cfg_.events.RoleOf(id);
    if (role == DeliveryRole::kNone) {
      // Rows without a role only move log time (when theirs is readable and plausible).
      if (timed && t <= cfg_.latest_plausible) {
        pending = std::max(pending, t);
        moved(t);
      }
      continue;
    }
    if (!timed) {
      BadLine(line, nl, data, "bad Date/Time", offset, sample_room, out);
      continue;
    }
    if (t > cfg_.latest_plausible) {
      BadLine(line, nl, data, "timestamp in the future (after the evaluation time + 1 h)", offset,
              sample_room, out);
      continue;
    }
    const std::string_view msgid = NormalizeMsgid(field(C::kMsgid));
    if (msgid.empty() || msgid == "-") {
      BadLine(line, nl, data, "no MSGID", offset, sample_room, out);
      continue;
    }
    std::string_view rcpt = field(C::kRecipient);
    if (rcpt == "-") rcpt = std::string_view();
    moved(t);
    ParsedRow row;
    row.role = role;
    row.t = t;
    row.advance = std::max(pending, t);
    pending = INT64_MIN;
    row.msgid = msgid.data();
    row.msgid_len = static_cast<uint32_t>(msgid.size());
    row.msg_hash = MessageHash(msgid);
    const size_t n = std::min(rcpt.size(), StallTracker::kMaxRecipient);
    row.rcpt_at = static_cast<uint32_t>(out.recipients.size());
    row.rcpt_len = static_cast<uint16_t>(n);
    out.recipients.resize(row.rcpt_at + n);
    char* lower = out.recipients.data() + row.rcpt_at;
    for (size_t i = 0; i < n; ++i)
      lower[i] = AsciiLower(rcpt[i]);
    row.pair_hash = PairHash(row.msg_hash, std::string_view(lower, n));
    out.rows.push_back(row);
  }
  if (pending != INT64_MIN) {
    ParsedRow row;
    row.advance = pending;
    out.rows.push_back(row);
  }
  return static_cast<size_t>(p - data);
}

void TrackingLogParser::BeginFile(std::string name, uint64_t start_offset) {
  if (start_offset == 0) line_parser_.layout().has_header = false;  // else LearnHeader() tells
  file_ = std::move(name);
  offset_ = start_offset;
  line_parser_.ResetCaches();
  ++run_.files;
}

bool TrackingLogParser::LearnHeader(std::string_view head) {
  line_parser_.layout().has_header = false;
  line_parser_.layout().error.clear();
  if (head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  while (!head.empty() && head.front() == '#') {
    const size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line_parser_.HeaderLine(line);
    if (nl == std::string_view::npos) break;
    head.remove_prefix(nl + 1);
  }
  return line_parser_.layout().has_header;
}

size_t TrackingLogParser::SampleRoom() const {
  return cfg_.max_bad_line_samples > run_.samples.size()
             ? cfg_.max_bad_line_samples - run_.samples.size()
             : 0;
}

size_t TrackingLogParser::Consume(const char* data, size_t size, bool final) {
  scratch_.Clear();
  const size_t used = line_parser_.Parse(data, size, final, offset_, SampleRoom(), scratch_);
  Apply(scratch_, used);
  return used;
}

void TrackingLogParser::Apply(const ParsedChunk& chunk, size_t consumed) {
  run_.lines += chunk.lines;
  run_.bad_lines += chunk.bad_lines;
  counters_.parse_errors += chunk.bad_lines;
  counters_.other_events += chunk.other_events;
  for (uint16_t id : chunk.events_seen)
    counters_.event_counts[id] += chunk.event_counts[id];
  if (chunk.last_event && (!counters_.last_event || *chunk.last_event > *counters_.last_event)) {
    counters_.last_event = chunk.last_event;
  }
  for (const BadLineSample& s : chunk.samples) {
    if (run_.samples.size() >= cfg_.max_bad_line_samples) break;
    run_.samples.push_back(s);
    run_.samples.back().file = file_;
  }
  for (const ParsedRow& row : chunk.rows) {
    tracker_.Apply(row, std::string_view(chunk.recipients.data() + row.rcpt_at, row.rcpt_len));
  }
  offset_ += consumed;
  run_.bytes += consumed;
}

void TrackingLogParser::SkipBytes(uint64_t n) {
  offset_ += n;
  run_.bytes += n;
}

}  // namespace exdm
