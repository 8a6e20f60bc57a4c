#include "exdm/tracking/local_delivery.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "delivery_table.h"
#include "exdm/base/sanitize.h"
#include "exdm/base/text_util.h"
#include "exdm/base/time_util.h"
#include "exdm/state/state_file.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace exdm {

namespace {

constexpr uint64_t kMsgSeed = 0x6a09e667f3bcc908ULL;
constexpr uint64_t kPairSalt = 0xbb67ae8584caa73bULL;
constexpr uint64_t kPayloadVersion = 1;
constexpr size_t kMaxRecipient = 512;
constexpr int kMaxFields = 64;

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

struct LocalDeliveryAnalyzer::Impl {
  enum Column { kDate, kTime, kRecipient, kEvent, kMsgid, kColumns };

  std::string server;
  LocalDeliveryConfig cfg;
  DeliveryTable table;

  struct Tentative {
    uint32_t idx;
    uint32_t generation;
    int64_t at;
  };
  std::vector<Tentative> fifo;
  size_t fifo_head = 0;

  // Counters kept across runs.
  uint64_t retries_total = 0, deliveries_total = 0, ended_total = 0, vanished_total = 0,
           overflow_total = 0, parse_errors_total = 0, other_events = 0;
  std::vector<uint64_t> event_counts = std::vector<uint64_t>(TrackingEventTable::kMaxId + 1, 0);
  std::optional<int64_t> last_event;
  int64_t stream_time = INT64_MIN;
  int64_t last_full_sweep = INT64_MIN;

  // This run.
  uint64_t lines = 0, bad_lines = 0, bytes = 0, files = 0;
  // Recipients delivered to this run (bounded), for the scope of a stall: a store that still
  // receives mail is not the store the fault took down.
  std::unordered_set<uint64_t> delivered_seen;
  std::vector<std::string> delivered;
  std::vector<BadLineSample> samples;
  std::vector<std::string> file_errors, warnings;

  // Current file.
  std::string file;
  uint64_t offset = 0;  // file offset of the next byte Consume sees
  bool has_header = false;
  std::array<int, kColumns> col{};
  int need_fields = 0;  // columns needed = max index + 1
  std::string header_error;

  // Date cache: most lines of a file share the date text.
  char date_text[16] = {};
  size_t date_len = 0;
  int64_t date_value = 0;

  char time_text[16] = {};
  size_t time_len = 0;
  int64_t time_value = 0;

  char lower[kMaxRecipient];

  void BadLine(const char* line, const char* line_end, const char* data, const char* reason) {
    ++bad_lines;
    ++parse_errors_total;
    if (samples.size() < cfg.max_bad_line_samples) {
      BadLineSample s;
      s.file = file;
      s.offset = offset + static_cast<uint64_t>(line - data);
      s.reason = reason;
      s.excerpt = SanitizeForOutput(
          std::string_view(line, static_cast<size_t>(std::min<ptrdiff_t>(line_end - line, 200))),
          80);
      samples.push_back(std::move(s));
    }
  }

  bool HeaderLine(std::string_view line) {
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
        header_error = "column header lacks '" + std::string(kNames[c]) + "'";
        has_header = false;
        return true;
      }
    }
    if (*std::max_element(found.begin(), found.end()) >= kMaxFields) {
      header_error = "column header puts a needed column past field " + std::to_string(kMaxFields);
      has_header = false;
      return true;
    }
    col = found;
    need_fields = *std::max_element(col.begin(), col.end()) + 1;
    has_header = true;
    header_error.clear();
    return true;
  }

  int64_t DayOf(std::string_view date, bool& ok) {
    if (date.size() == date_len && date_len && std::memcmp(date.data(), date_text, date_len) == 0) {
      ok = true;
      return date_value;
    }
    auto d = ParseDay(date);
    ok = d.has_value();
    if (!ok) return 0;
    if (date.size() <= sizeof date_text) {
      std::memcpy(date_text, date.data(), date.size());
      date_len = date.size();
      date_value = *d;
    }
    return *d;
  }

  // Consecutive rows mostly share their second: cache the last time text like the date.
  std::optional<int64_t> SecondsOf(std::string_view time) {
    if (time.size() == time_len && time_len && std::memcmp(time.data(), time_text, time_len) == 0) {
      return time_value;
    }
    auto v = ParseSecondsOfDay(time);
    if (v && time.size() <= sizeof time_text) {
      std::memcpy(time_text, time.data(), time.size());
      time_len = time.size();
      time_value = *v;
    }
    return v;
  }

  void AdvanceTime(int64_t t) {
    if (t <= stream_time) return;
    stream_time = t;
    while (fifo_head < fifo.size() && fifo[fifo_head].at + cfg.grace_seconds < stream_time) {
      const Tentative& x = fifo[fifo_head++];
      if (x.idx < table.capacity_slots()) {
        DeliveryPair& p = table.at(x.idx);
        if (p.state == PairState::kTentative && p.generation == x.generation &&
            p.attempt_time == x.at) {
          Delivered(p);
          table.Erase(x.idx);
        }
      }
    }
    if (fifo_head > 4096 && fifo_head * 2 > fifo.size()) {
      fifo.erase(fifo.begin(), fifo.begin() + static_cast<ptrdiff_t>(fifo_head));
      fifo_head = 0;
    }
  }

  void Delivered(const DeliveryPair& p) {
    ++deliveries_total;
    if (delivered.size() >= cfg.max_delivered_recipients) return;
    const std::string_view rcpt = table.Recipient(p);
    if (delivered_seen.insert(HashBytes(rcpt.data(), rcpt.size(), kMsgSeed)).second) {
      delivered.emplace_back(rcpt);
    }
  }

  // Drops pairs silent for longer than the vanish interval as of `now`.
  void Sweep(int64_t now) {
    std::vector<uint32_t> drop;
    table.ForEachLive([&](uint32_t i) {
      const DeliveryPair& p = table.at(i);
      if (now - p.last_event > cfg.vanish_seconds) drop.push_back(i);
    });
    for (uint32_t i : drop) {
      const PairState s = table.at(i).state;
      if (s == PairState::kStalled) ++vanished_total;
      if (s == PairState::kTentative) Delivered(table.at(i));  // no retry ever followed
      table.Erase(i);
    }
  }

  uint32_t FindOrInsert(uint64_t h, uint64_t mh, std::string_view msgid, std::string_view rcpt,
                        int64_t t) {
    uint32_t idx = table.Find(h, msgid, rcpt);
    if (idx != DeliveryTable::kNone) {
      // Lines normally come in time order; an older file read again later (a truncated share
      // showing the whole file again) must still move the start back, or the age shrinks.
      DeliveryPair& p = table.at(idx);
      if (t < p.first_seen) p.first_seen = t;
      return idx;
    }
    if (table.size() >= cfg.max_in_flight) {
      // INT64_MIN: never swept yet (subtracting it would overflow; UBSan found it).
      if (stream_time != INT64_MIN &&
          (last_full_sweep == INT64_MIN || stream_time - last_full_sweep > 60)) {
        last_full_sweep = stream_time;
        Sweep(stream_time);
      }
      if (table.size() >= cfg.max_in_flight) {
        ++overflow_total;
        return DeliveryTable::kNone;
      }
    }
    idx = table.Insert(h, mh, msgid, rcpt);
    DeliveryPair& p = table.at(idx);
    p.first_seen = t;
    p.last_event = t;
    return idx;
  }

  void MarkStalled(uint32_t idx, int64_t t) {
    DeliveryPair& p = table.at(idx);
    p.state = PairState::kStalled;
    ++p.retries;
    p.last_event = std::max(p.last_event, t);
  }

  void Apply(DeliveryRole role, int64_t t, std::string_view msgid, std::string_view rcpt_raw) {
    AdvanceTime(t);
    const uint64_t mh = HashBytes(msgid.data(), msgid.size(), kMsgSeed);
    size_t n = std::min(rcpt_raw.size(), kMaxRecipient);
    for (size_t i = 0; i < n; ++i)
      lower[i] = AsciiLower(rcpt_raw[i]);
    const std::string_view rcpt(lower, n);
    const uint64_t h = HashBytes(lower, n, mh ^ kPairSalt);
    switch (role) {
      case DeliveryRole::kNone:
        return;
      case DeliveryRole::kQueued: {
        const uint32_t idx = FindOrInsert(h, mh, msgid, rcpt, t);
        if (idx == DeliveryTable::kNone) return;
        DeliveryPair& p = table.at(idx);
        p.state = PairState::kQueued;
        p.last_event = std::max(p.last_event, t);
        return;
      }
      case DeliveryRole::kAttempt: {
        auto attempt = [&](uint32_t idx) {
          DeliveryPair& p = table.at(idx);
          p.state = PairState::kTentative;
          p.attempt_time = t;
          p.last_event = std::max(p.last_event, t);
          fifo.push_back(Tentative{idx, p.generation, t});
        };
        if (rcpt.empty()) {
          ForEachOfMessage(mh, msgid, attempt);
          return;
        }
        const uint32_t idx = FindOrInsert(h, mh, msgid, rcpt, t);
        if (idx != DeliveryTable::kNone) attempt(idx);
        return;
      }
      case DeliveryRole::kRetry: {
        ++retries_total;
        if (rcpt.empty()) {
          // A retry without recipient applies to every open recipient of the message.
          if (table.FindMessage(mh, msgid) == DeliveryTable::kNone) {
            const uint32_t idx = FindOrInsert(h, mh, msgid, rcpt, t);
            if (idx != DeliveryTable::kNone) MarkStalled(idx, t);
            return;
          }
          ForEachOfMessage(mh, msgid, [&](uint32_t idx) { MarkStalled(idx, t); });
          return;
        }
        const uint32_t idx = FindOrInsert(h, mh, msgid, rcpt, t);
        if (idx != DeliveryTable::kNone) MarkStalled(idx, t);
        return;
      }
      case DeliveryRole::kEnd: {
        if (rcpt.empty()) {
          std::vector<uint32_t> all;
          ForEachOfMessage(mh, msgid, [&](uint32_t idx) { all.push_back(idx); });
          for (uint32_t idx : all)
            table.Erase(idx);
          ended_total += all.size();
          return;
        }
        const uint32_t idx = table.Find(h, msgid, rcpt);
        if (idx != DeliveryTable::kNone) {
          table.Erase(idx);
          ++ended_total;
        }
        return;
      }
    }
  }

  template <typename F>
  void ForEachOfMessage(uint64_t mh, std::string_view msgid, F f) {
    for (uint32_t i = table.FindMessage(mh, msgid); i != DeliveryTable::kNone;) {
      const uint32_t next = table.at(i).next_in_message;
      f(i);
      i = next ? next - 1 : DeliveryTable::kNone;
    }
  }

  // Splits one data line into the needed fields. Returns the line end (the '\n' or `end`), or
  // nullptr when the line is incomplete. fields_found = complete fields seen (up to need).
  const char* SplitLine(const char* p, const char* end, const char** fs, const char** fe,
                        int& fields_found) {
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
        if (f == need_fields) {
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
        if (f == need_fields) {
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

  size_t Consume(const char* data, size_t size, bool final) {
    const char* p = data;
    const char* end = data + size;
    if (offset == 0 && size >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    const char* last_date = nullptr;
    size_t last_date_len = 0;
    const char* last_time = nullptr;
    size_t last_time_len = 0;
    const char* fs[kMaxFields + 1];
    const char* fe[kMaxFields + 1];
    while (p < end) {
      const char* line = p;
      if (*p == '#' || !has_header) {
        const void* nlp = std::memchr(p, '\n', static_cast<size_t>(end - p));
        const char* nl = static_cast<const char*>(nlp);
        if (!nl) {
          if (!final) break;
          nl = end;
        }
        std::string_view text(p, static_cast<size_t>(nl - p));
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        ++lines;
        p = nl < end ? nl + 1 : end;
        if (text.empty()) continue;
        if (text.front() == '#') {
          HeaderLine(text);
          continue;
        }
        BadLine(line, nl, data,
                header_error.empty() ? "line before any column header" : header_error.c_str());
        continue;
      }
      int found = 0;
      const char* nl = SplitLine(p, end, fs, fe, found);
      if (!nl) {
        if (!final) break;
        nl = end;
        if (found < need_fields) ++found;  // the unterminated last field counts
      }
      ++lines;
      p = nl < end ? nl + 1 : end;
      if (nl == line || (nl == line + 1 && *line == '\r')) continue;  // blank line
      if (found < need_fields) {
        BadLine(line, nl, data, "too few fields");
        continue;
      }
      auto field = [&](int c) {
        const int i = col[static_cast<size_t>(c)];
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
        ++event_counts[id];
      } else {
        ++other_events;
      }
      const std::string_view date = field(kDate);
      const std::string_view time = field(kTime);
      const DeliveryRole role = cfg.events.RoleOf(id);
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
      if (t > cfg.latest_plausible) {
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
      if (!last_event || t > *last_event) last_event = t;
      last_date = nullptr;
      Apply(role, t, msgid, rcpt);
    }
    if (last_date) {
      if (auto t = ParseTrackingTimestamp(std::string_view(last_date, last_date_len),
                                          std::string_view(last_time, last_time_len));
          t && *t <= cfg.latest_plausible) {
        if (!last_event || *t > *last_event) last_event = *t;
        // Rows without a role still move log time on (once per buffer, to keep the hot path
        // free of time parsing): attempts older than the grace period are deliveries.
        AdvanceTime(*t);
      }
    }
    const size_t consumed = static_cast<size_t>(p - data);
    offset += consumed;
    bytes += consumed;
    return consumed;
  }

  LocalDeliveryReport Evaluate(int64_t now) {
    // Silence means something only while the log goes on: measured against the latest log time,
    // a share that stopped updating (collection lag, server down) does not make stalls vanish.
    Sweep(last_event ? std::min(*last_event, now) : now);
    LocalDeliveryReport r;
    r.server = server;
    r.evaluated_at = now;
    std::unordered_map<std::string_view, size_t> by_rcpt;
    std::vector<StalledRecipient> rcpts;
    table.ForEachLive([&](uint32_t i) {
      const DeliveryPair& p = table.at(i);
      if (p.state != PairState::kStalled) return;
      ++r.stalled_deliveries;
      if (!r.oldest_stalled_first_seen || p.first_seen < *r.oldest_stalled_first_seen) {
        r.oldest_stalled_first_seen = p.first_seen;
      }
      const std::string_view addr = table.Recipient(p);
      auto [it, inserted] = by_rcpt.emplace(addr, rcpts.size());
      if (inserted) {
        rcpts.push_back(
            StalledRecipient{std::string(addr), 0, p.first_seen, std::string(table.MessageId(p))});
      }
      StalledRecipient& s = rcpts[it->second];
      ++s.deliveries;
      if (p.first_seen < s.oldest_first_seen) {
        s.oldest_first_seen = p.first_seen;
        s.example_message_id = std::string(table.MessageId(p));
      }
    });
    std::sort(rcpts.begin(), rcpts.end(), [](const StalledRecipient& a, const StalledRecipient& b) {
      if (a.oldest_first_seen != b.oldest_first_seen)
        return a.oldest_first_seen < b.oldest_first_seen;
      return a.address < b.address;
    });
    if (rcpts.size() > cfg.max_stalled_recipients) {
      r.stalled_recipients_omitted = rcpts.size() - cfg.max_stalled_recipients;
      rcpts.resize(cfg.max_stalled_recipients);
    }
    r.stalled_recipients = std::move(rcpts);
    if (r.oldest_stalled_first_seen) {
      r.oldest_stalled_age_seconds = std::max<int64_t>(0, now - *r.oldest_stalled_first_seen);
    }
    r.in_flight = table.size();
    r.retries_total = retries_total;
    r.deliveries_total = deliveries_total;
    r.ended_total = ended_total;
    r.vanished_total = vanished_total;
    r.overflow_total = overflow_total;
    r.parse_errors_total = parse_errors_total;
    uint64_t other = other_events;
    for (uint32_t id = 0; id < event_counts.size(); ++id) {
      if (!event_counts[id]) continue;
      if (TrackingEventTable::IsKnown(id)) {
        r.events_total[std::to_string(id)] = event_counts[id];
      } else {
        other += event_counts[id];
      }
    }
    if (other) r.events_total["other"] = other;
    r.last_event_timestamp = last_event;
    r.lines_read_this_run = lines;
    r.bad_lines_this_run = bad_lines;
    r.bytes_read_this_run = bytes;
    r.files_read_this_run = files;
    r.delivered_recipients = delivered;
    r.bad_line_samples = samples;
    r.file_errors = file_errors;
    r.warnings = warnings;
    return r;
  }

  void Save(PayloadWriter& w) const {
    // In memory, sized up front: growing a string of tens of MB by doubling would briefly hold
    // two copies. Streamed (state_file.h), the writer flushes to the file every MB instead.
    if (!w.streaming()) {
      w.out().reserve(w.out().size() + 1024 + event_counts.size() / 4 + table.LiveKeyBytes() +
                      table.size() * 40);
    }
    w.U64(kPayloadVersion);
    for (uint64_t v : {retries_total, deliveries_total, ended_total, vanished_total, overflow_total,
                       parse_errors_total, other_events}) {
      w.U64(v);
    }
    uint64_t nonzero = 0;
    for (uint64_t c : event_counts)
      nonzero += c != 0;
    w.U64(nonzero);
    for (uint32_t id = 0; id < event_counts.size(); ++id) {
      if (event_counts[id]) {
        w.U64(id);
        w.U64(event_counts[id]);
      }
    }
    w.U64(last_event.has_value());
    w.I64(last_event.value_or(0));
    w.I64(stream_time);
    w.U64(table.size());
    const_cast<DeliveryTable&>(table).ForEachLive([&](uint32_t i) {
      const DeliveryPair& p = table.at(i);
      w.Bytes(table.MessageId(p));
      w.Bytes(table.Recipient(p));
      w.I64(p.first_seen);
      w.I64(p.last_event);
      w.I64(p.attempt_time);
      w.U64(p.retries);
      w.U64(static_cast<uint64_t>(p.state));
      w.MaybeFlush();
    });
  }

  Status Load(std::string_view payload) {
    PayloadReader r(payload);
    Status s = LoadFrom(r, payload.size());
    if (s.ok() && !r.at_end()) return Status(ErrorCode::kBadInput, "in-flight state is corrupt");
    return s;
  }

  // Reads exactly one saved analyzer from `r` (a PayloadReader or a PayloadStreamReader, whose
  // views last only until the next read). `size_hint`: the saved bytes, an upper bound of the
  // key bytes, so the table is sized once.
  template <typename Reader>
  Status LoadFrom(Reader& r, uint64_t size_hint) {
    if (r.U64() != kPayloadVersion) {
      return Status(ErrorCode::kBadInput, "in-flight state has another format version");
    }
    uint64_t* counters[] = {&retries_total,  &deliveries_total,   &ended_total, &vanished_total,
                            &overflow_total, &parse_errors_total, &other_events};
    for (uint64_t* c : counters)
      *c = r.U64();
    const uint64_t nonzero = r.U64();
    for (uint64_t i = 0; i < nonzero && r.ok(); ++i) {
      const uint64_t id = r.U64();
      const uint64_t count = r.U64();
      if (id < event_counts.size()) event_counts[id] = count;
    }
    const bool has_last = r.U64() != 0;
    const int64_t last = r.I64();
    if (has_last) last_event = last;
    stream_time = r.I64();
    const uint64_t n = r.U64();
    if (r.ok() && n <= size_hint) {
      // Headroom for the pairs the coming read adds: reserved pages cost no memory until used,
      // while outgrowing an exact reservation would copy the whole table once more.
      table.Reserve(static_cast<size_t>(n + n / 2 + 1024),
                    static_cast<size_t>(size_hint + size_hint / 2), static_cast<size_t>(n));
    }
    std::vector<Tentative> tentative;
    std::string msgid_copy;  // the stream reader's next view may reuse the buffer
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
      msgid_copy.assign(r.Bytes());
      const std::string_view msgid = msgid_copy;
      const std::string_view rcpt = r.Bytes();
      const int64_t first = r.I64(), last_ev = r.I64(), attempt = r.I64();
      const uint64_t retries = r.U64();
      const uint64_t state = r.U64();
      if (!r.ok() || state < 1 || state > 3 || rcpt.size() > kMaxRecipient) break;
      const uint64_t mh = HashBytes(msgid.data(), msgid.size(), kMsgSeed);
      const uint64_t h = HashBytes(rcpt.data(), rcpt.size(), mh ^ kPairSalt);
      if (table.Find(h, msgid, rcpt) != DeliveryTable::kNone) continue;
      const uint32_t idx = table.Insert(h, mh, msgid, rcpt);
      DeliveryPair& p = table.at(idx);
      p.first_seen = first;
      p.last_event = last_ev;
      p.attempt_time = attempt;
      p.retries = static_cast<uint32_t>(retries);
      p.state = static_cast<PairState>(state);
      if (p.state == PairState::kTentative)
        tentative.push_back(Tentative{idx, p.generation, attempt});
    }
    if (!r.ok()) return Status(ErrorCode::kBadInput, "in-flight state is corrupt");
    std::sort(tentative.begin(), tentative.end(),
              [](const Tentative& a, const Tentative& b) { return a.at < b.at; });
    fifo = std::move(tentative);
    fifo_head = 0;
    return Status::Ok();
  }
};

LocalDeliveryAnalyzer::LocalDeliveryAnalyzer(std::string server, LocalDeliveryConfig config)
    : impl_(std::make_unique<Impl>()) {
  impl_->server = std::move(server);
  impl_->cfg = std::move(config);
}
LocalDeliveryAnalyzer::~LocalDeliveryAnalyzer() = default;
LocalDeliveryAnalyzer::LocalDeliveryAnalyzer(LocalDeliveryAnalyzer&&) noexcept = default;
LocalDeliveryAnalyzer& LocalDeliveryAnalyzer::operator=(LocalDeliveryAnalyzer&&) noexcept = default;

void LocalDeliveryAnalyzer::BeginFile(std::string name, uint64_t start_offset) {
  Impl& m = *impl_;
  if (start_offset == 0) m.has_header = false;  // else LearnHeader() tells
  m.file = std::move(name);
  m.offset = start_offset;
  m.date_len = 0;
  ++m.files;
}

bool LocalDeliveryAnalyzer::LearnHeader(std::string_view head) {
  Impl& m = *impl_;
  m.has_header = false;
  m.header_error.clear();
  if (head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  while (!head.empty() && head.front() == '#') {
    const size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    m.HeaderLine(line);
    if (nl == std::string_view::npos) break;
    head.remove_prefix(nl + 1);
  }
  return m.has_header;
}

size_t LocalDeliveryAnalyzer::Consume(const char* data, size_t size, bool final) {
  return impl_->Consume(data, size, final);
}
void LocalDeliveryAnalyzer::SkipBytes(uint64_t n) {
  impl_->offset += n;
  impl_->bytes += n;
}
bool LocalDeliveryAnalyzer::HasHeader() const {
  return impl_->has_header;
}
void LocalDeliveryAnalyzer::AddFileError(std::string message) {
  impl_->file_errors.push_back(std::move(message));
}
void LocalDeliveryAnalyzer::AddWarning(std::string message) {
  impl_->warnings.push_back(std::move(message));
}
LocalDeliveryReport LocalDeliveryAnalyzer::Evaluate(int64_t now) {
  return impl_->Evaluate(now);
}
std::string LocalDeliveryAnalyzer::SavePayload() const {
  PayloadWriter w;
  impl_->Save(w);
  return std::move(w.out());
}
void LocalDeliveryAnalyzer::SavePayloadTo(PayloadWriter& w) const {
  impl_->Save(w);
}
Status LocalDeliveryAnalyzer::LoadPayload(std::string_view payload) {
  return impl_->Load(payload);
}
Status LocalDeliveryAnalyzer::LoadPayloadFrom(PayloadStreamReader& r, uint64_t size) {
  const uint64_t start = r.consumed();
  Status s = impl_->LoadFrom(r, size);
  if (s.ok() && r.consumed() - start != size) {
    return Status(ErrorCode::kBadInput, "in-flight state is corrupt");
  }
  return s;
}
size_t LocalDeliveryAnalyzer::InFlight() const {
  return impl_->table.size();
}
size_t LocalDeliveryAnalyzer::MemoryBytes() const {
  return impl_->table.MemoryBytes();
}

}  // namespace exdm
