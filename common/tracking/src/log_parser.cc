#include "log_parser.h"

#include <algorithm>
#include <cstring>

#include "exdm/base/sanitize.h"
#include "exdm/base/text_util.h"
#include "exdm/base/time_util.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

std::optional<int64_t> ParseSecondsOfDay(std::string_view time) {
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

void TrackingLogParser::BadLine(const char* line, const char* line_end, const char* data,
                                const char* reason) {
  ++run_.bad_lines;
  ++counters_.parse_errors;
  if (run_.samples.size() < cfg_.max_bad_line_samples) {
    BadLineSample s;
    s.file = file_;
    s.offset = offset_ + static_cast<uint64_t>(line - data);
    s.reason = reason;
    // Addresses redacted first: the README promises none in the output. (The excerpt shows at
    // most 80 of these 200 bytes, so an address cut at the window's end is never shown.)
    s.excerpt = SanitizeForOutput(
        RedactAddresses(
            std::string_view(line, static_cast<size_t>(std::min<ptrdiff_t>(line_end - line, 200)))),
        80);
    run_.samples.push_back(std::move(s));
  }
}

bool TrackingLogParser::HeaderLine(std::string_view line) {
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
  static constexpr std::string_view kNames[kColumns] = {"Date", "Time", "Recipient-Address",
                                                        "Event-ID", "MSGID"};
  std::array<int, kColumns> found;
  found.fill(-1);
  for (size_t i = 0; i < names.size(); ++i) {
    for (int c = 0; c < kColumns; ++c) {
      if (found[static_cast<size_t>(c)] < 0 && EqualsIgnoreCase(names[i], kNames[c])) {
        found[static_cast<size_t>(c)] = static_cast<int>(i);
      }
    }
  }
  if (found[kEvent] < 0 || found[kDate] < 0) return false;  // a comment, not the column line
  for (int c = 0; c < kColumns; ++c) {
    if (found[static_cast<size_t>(c)] < 0) {
      header_error_ = "column header lacks '" + std::string(kNames[c]) + "'";
      has_header_ = false;
      return true;
    }
  }
  if (*std::max_element(found.begin(), found.end()) >= kMaxFields) {
    header_error_ = "column header puts a needed column past field " + std::to_string(kMaxFields);
    has_header_ = false;
    return true;
  }
  col_ = found;
  need_fields_ = *std::max_element(col_.begin(), col_.end()) + 1;
  has_header_ = true;
  header_error_.clear();
  return true;
}

int64_t TrackingLogParser::DayOf(std::string_view date, bool& ok) {
  if (date.size() == date_len_ && date_len_ &&
      std::memcmp(date.data(), date_text_, date_len_) == 0) {
    ok = true;
    return date_value_;
  }
  auto d = ParseDay(date);
  ok = d.has_value();
  if (!ok) return 0;
  if (date.size() <= sizeof date_text_) {
    std::memcpy(date_text_, date.data(), date.size());
    date_len_ = date.size();
    date_value_ = *d;
  }
  return *d;
}

// Consecutive rows mostly share their second: cache the last time text like the date.
std::optional<int64_t> TrackingLogParser::SecondsOf(std::string_view time) {
  if (time.size() == time_len_ && time_len_ &&
      std::memcmp(time.data(), time_text_, time_len_) == 0) {
    return time_value_;
  }
  auto v = ParseSecondsOfDay(time);
  if (v && time.size() <= sizeof time_text_) {
    std::memcpy(time_text_, time.data(), time.size());
    time_len_ = time.size();
    time_value_ = *v;
  }
  return v;
}

// Splits one data line into the needed fields. Returns the line end (the '\n' or `end`), or
// nullptr when the line is incomplete. fields_found = complete fields seen (up to need).
const char* TrackingLogParser::SplitLine(const char* p, const char* end, const char** fs,
                                         const char** fe, int& fields_found) const {
  int f = 0;
  fs[0] = p;
  const char* q = p;
#if defined(__SSE2__)
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i nl = _mm_set1_epi8('\n');
  while (q < end) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    unsigned mt = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, tab)));
    unsigned mn = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)));
    const ptrdiff_t left = end - q;
    if (left < 16) {
      const unsigned valid = (1u << left) - 1;
      mt &= valid;
      mn &= valid;
    }
    if (mn) mt &= (1u << __builtin_ctz(mn)) - 1;
    while (mt) {
      const char* at = q + __builtin_ctz(mt);
      mt &= mt - 1;
      fe[f] = at;
      ++f;
      if (f == need_fields_) {
        fields_found = f;
        const void* e = std::memchr(at + 1, '\n', static_cast<size_t>(end - at - 1));
        return e ? static_cast<const char*>(e) : nullptr;
      }
      fs[f] = at + 1;
    }
    if (mn) {
      const char* e = q + __builtin_ctz(mn);
      fe[f] = e;
      fields_found = f + 1;
      return e;
    }
    q += 16;
  }
#else
  for (; q < end; ++q) {
    if (*q == '\t') {
      fe[f] = q;
      ++f;
      if (f == need_fields_) {
        fields_found = f;
        const void* e = std::memchr(q + 1, '\n', static_cast<size_t>(end - q - 1));
        return e ? static_cast<const char*>(e) : nullptr;
      }
      fs[f] = q + 1;
    } else if (*q == '\n') {
      fe[f] = q;
      fields_found = f + 1;
      return q;
    }
  }
#endif
  fe[f] = end;  // the last field runs to the end of the data (complete only if final)
  fields_found = f;
  return nullptr;
}

size_t TrackingLogParser::Consume(const char* data, size_t size, bool final) {
  const char* p = data;
  const char* end = data + size;
  if (offset_ == 0 && size >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
  const char* last_date = nullptr;
  size_t last_date_len = 0;
  const char* last_time = nullptr;
  size_t last_time_len = 0;
  const char* fs[kMaxFields + 1];
  const char* fe[kMaxFields + 1];
  while (p < end) {
    const char* line = p;
    if (*p == '#' || !has_header_) {
      const void* nlp = std::memchr(p, '\n', static_cast<size_t>(end - p));
      const char* nl = static_cast<const char*>(nlp);
      if (!nl) {
        if (!final) break;
        nl = end;
      }
      std::string_view text(p, static_cast<size_t>(nl - p));
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      ++run_.lines;
      p = nl < end ? nl + 1 : end;
      if (text.empty()) continue;
      if (text.front() == '#') {
        HeaderLine(text);
        continue;
      }
      BadLine(line, nl, data,
              header_error_.empty() ? "line before any column header" : header_error_.c_str());
      continue;
    }
    int found = 0;
    const char* nl = SplitLine(p, end, fs, fe, found);
    if (!nl) {
      if (!final) break;
      nl = end;
      if (found < need_fields_) ++found;  // the unterminated last field counts
    }
    ++run_.lines;
    p = nl < end ? nl + 1 : end;
    if (nl == line || (nl == line + 1 && *line == '\r')) continue;  // blank line
    if (found < need_fields_) {
      BadLine(line, nl, data, "too few fields");
      continue;
    }
    auto field = [&](int c) {
      const int i = col_[static_cast<size_t>(c)];
      const char* b = fs[i];
      const char* e = fe[i];
      if (e > b && e[-1] == '\r' && (e == nl)) --e;
      return std::string_view(b, static_cast<size_t>(e - b));
    };
    const std::string_view ev = field(kEvent);
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
      BadLine(line, nl, data, "Event-ID is not a number");
      continue;
    }
    if (id <= TrackingEventTable::kMaxId) {
      ++counters_.event_counts[id];
    } else {
      ++counters_.other_events;
    }
    const std::string_view date = field(kDate);
    const std::string_view time = field(kTime);
    const DeliveryRole role = cfg_.events.RoleOf(id);
    if (role == DeliveryRole::kNone) {
      last_date = date.data();
      last_date_len = date.size();
      last_time = time.data();
      last_time_len = time.size();
      continue;
    }
    bool ok = false;
    const int64_t day = DayOf(date, ok);
    const auto sec = ok ? SecondsOf(time) : std::nullopt;
    if (!sec) {
      BadLine(line, nl, data, "bad Date/Time");
      continue;
    }
    const int64_t t = day + *sec;
    if (t > cfg_.latest_plausible) {
      BadLine(line, nl, data, "timestamp in the future (after the evaluation time + 1 h)");
      continue;
    }
    const std::string_view msgid = NormalizeMsgid(field(kMsgid));
    if (msgid.empty() || msgid == "-") {
      BadLine(line, nl, data, "no MSGID");
      continue;
    }
    std::string_view rcpt = field(kRecipient);
    if (rcpt == "-") rcpt = std::string_view();
    if (!counters_.last_event || t > *counters_.last_event) counters_.last_event = t;
    last_date = nullptr;
    tracker_.Apply(role, t, msgid, rcpt);
  }
  if (last_date) {
    if (auto t = ParseTrackingTimestamp(std::string_view(last_date, last_date_len),
                                        std::string_view(last_time, last_time_len));
        t && *t <= cfg_.latest_plausible) {
      if (!counters_.last_event || *t > *counters_.last_event) counters_.last_event = *t;
      // Rows without a role still move log time on (once per buffer, to keep the hot path
      // free of time parsing): attempts older than the grace period are deliveries.
      tracker_.AdvanceTime(*t);
    }
  }
  const size_t consumed = static_cast<size_t>(p - data);
  offset_ += consumed;
  run_.bytes += consumed;
  return consumed;
}

void TrackingLogParser::BeginFile(std::string name, uint64_t start_offset) {
  if (start_offset == 0) has_header_ = false;  // else LearnHeader() tells
  file_ = std::move(name);
  offset_ = start_offset;
  date_len_ = 0;
  ++run_.files;
}

bool TrackingLogParser::LearnHeader(std::string_view head) {
  has_header_ = false;
  header_error_.clear();
  if (head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  while (!head.empty() && head.front() == '#') {
    const size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    HeaderLine(line);
    if (nl == std::string_view::npos) break;
    head.remove_prefix(nl + 1);
  }
  return has_header_;
}

void TrackingLogParser::SkipBytes(uint64_t n) {
  offset_ += n;
  run_.bytes += n;
}

}  // namespace exdm
