#include "exdm/events/event_log.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "exdm/base/csv_record.h"
#include "exdm/base/text_util.h"
#include "exdm/base/time_util.h"

namespace exdm {

std::string_view EventFormatName(EventFormat format) {
  return format == EventFormat::kLogParserCsv ? "logparser-csv" : "nxlog-json";
}

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string_view StripBom(std::string_view s) {
  if (s.substr(0, 3) == kUtf8Bom) s.remove_prefix(3);
  return s;
}

bool ReadNumber(std::string_view s, size_t& pos, unsigned max_digits, unsigned& out) {
  const size_t start = pos;
  out = 0;
  while (pos < s.size() && pos - start < max_digits && s[pos] >= '0' && s[pos] <= '9') {
    out = out * 10 + static_cast<unsigned>(s[pos] - '0');
    ++pos;
  }
  return pos > start;
}

// "2026-11-25 14:03:22", "2026-11-25T14:03:22.123456+01:00", "2026-3-9 4:05:06Z": date and time,
// optional fraction (ignored), optional zone. Without a zone the time is local to `zone`.
std::optional<int64_t> ParseEventTime(std::string_view s, const TimeZone& zone) {
  s = TrimAscii(s);
  size_t pos = 0;
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!ReadNumber(s, pos, 4, y) || pos >= s.size() || (s[pos] != '-' && s[pos] != '/')) {
    return std::nullopt;
  }
  const char date_sep = s[pos++];
  if (!ReadNumber(s, pos, 2, mo) || pos >= s.size() || s[pos++] != date_sep ||
      !ReadNumber(s, pos, 2, d) || pos >= s.size() || (s[pos] != ' ' && s[pos] != 'T')) {
    return std::nullopt;
  }
  ++pos;
  if (!ReadNumber(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':' ||
      !ReadNumber(s, pos, 2, mi) || pos >= s.size() || s[pos++] != ':' ||
      !ReadNumber(s, pos, 2, sec)) {
    return std::nullopt;
  }
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
      ++pos;
  }
  const auto civil = UnixFromUtc(y, mo, d, h, mi, sec);
  if (!civil) return std::nullopt;
  if (pos == s.size()) return zone.LocalToUtc(*civil);
  if (s[pos] == 'Z' || s[pos] == 'z') return pos + 1 == s.size() ? civil : std::nullopt;
  if (s[pos] != '+' && s[pos] != '-') return std::nullopt;
  const int sign = s[pos] == '-' ? -1 : 1;
  ++pos;
  unsigned oh = 0, om = 0;
  const size_t digits_at = pos;
  if (!ReadNumber(s, pos, 2, oh) || pos - digits_at != 2) return std::nullopt;
  if (pos < s.size() && s[pos] == ':') ++pos;
  if (pos < s.size() && !ReadNumber(s, pos, 2, om)) return std::nullopt;
  if (pos != s.size() || oh > 23 || om > 59) return std::nullopt;
  return *civil - sign * static_cast<int64_t>(oh * 3600 + om * 60);
}

std::optional<uint32_t> ParseEventId(std::string_view s) {
  s = TrimAscii(s);
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 0xFFFFFFFFu) return std::nullopt;
  // Full event identifiers carry severity/facility bits above the 16-bit code Event Viewer shows.
  return static_cast<uint32_t>(v & 0xFFFFu);
}

struct CsvColumns {
  int time = -1, time_written = -1, id = -1, source = -1, computer = -1, message = -1,
      category = -1, strings = -1;
  size_t count = 0;
};

CsvColumns MapCsvHeader(const std::vector<std::string>& header) {
  CsvColumns c;
  c.count = header.size();
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string_view name = TrimAscii(StripBom(header[i]));
    const int idx = static_cast<int>(i);
    if (EqualsIgnoreCase(name, "TimeGenerated"))
      c.time = idx;
    else if (EqualsIgnoreCase(name, "TimeWritten"))
      c.time_written = idx;
    else if (EqualsIgnoreCase(name, "EventID"))
      c.id = idx;
    else if (EqualsIgnoreCase(name, "SourceName"))
      c.source = idx;
    else if (EqualsIgnoreCase(name, "ComputerName"))
      c.computer = idx;
    else if (EqualsIgnoreCase(name, "Message"))
      c.message = idx;
    else if (EqualsIgnoreCase(name, "EventCategoryName"))
      c.category = idx;
    else if (EqualsIgnoreCase(name, "Strings"))
      c.strings = idx;
  }
  if (c.time < 0) c.time = c.time_written;
  return c;
}

EventParseStats ParseCsv(std::string_view data, const TimeZone& zone, const EventSink& sink,
                         std::string_view csv_header, bool final) {
  EventParseStats stats;
  std::vector<std::string> fields;
  bool malformed = false;
  size_t pos = 0;
  std::string_view header_text = csv_header.empty() ? data : csv_header;
  size_t header_pos = 0;
  // A header read from a file that may still grow must be complete too: a header cut inside a
  // quoted name would map other columns now and leave the rest of that quote to the next read.
  const bool header_final = csv_header.empty() ? final : true;
  if (!NextCsvRecord(StripBom(header_text), header_pos, header_final, fields, malformed)) {
    return stats;
  }
  const CsvColumns cols = MapCsvHeader(fields);
  if (cols.time < 0 || cols.id < 0 || cols.source < 0) return stats;
  if (csv_header.empty()) {
    pos = header_pos + (data.size() - StripBom(data).size());
    stats.consumed = pos;
  }
  auto field = [&fields](int idx) -> const std::string& {
    static const std::string kEmpty;
    return idx >= 0 && static_cast<size_t>(idx) < fields.size() ? fields[static_cast<size_t>(idx)]
                                                                : kEmpty;
  };
  EventRecord rec;
  while (NextCsvRecord(data, pos, final, fields, malformed)) {
    stats.consumed = pos;
    if (fields.size() == 1 && TrimAscii(fields[0]).empty()) continue;  // blank line
    if (malformed || fields.size() != cols.count) {
      ++stats.bad_rows;
      continue;
    }
    const auto time = ParseEventTime(field(cols.time), zone);
    const auto id = ParseEventId(field(cols.id));
    if (!time || !id) {
      ++stats.bad_rows;
      continue;
    }
    rec.time = *time;
    rec.event_id = *id;
    rec.source = field(cols.source);
    rec.computer = field(cols.computer);
    rec.category = field(cols.category);
    rec.message = field(cols.message);
    rec.strings = field(cols.strings);
    ++stats.records;
    sink(rec);
  }
  return stats;
}

// Collects the top-level fields an event needs while nlohmann validates the line, without building
// a DOM per line (about half of the time of parse-into-json on NXLog's 15-field records).
class EventFieldsSax {
 public:
  using json = nlohmann::json;
  enum Field { kNone, kTime, kId, kSource, kHost, kCategory, kMessage };

  void Reset() {
    depth_ = 0;
    field_ = kNone;
    top_is_object_ = false;
    started_ = false;
    time_text_.clear();
    time_number_.reset();
    id_text_.clear();
    rec_.source.clear();
    rec_.computer.clear();
    rec_.category.clear();
    rec_.message.clear();
    rec_.strings.clear();
  }
  bool top_is_object() const { return top_is_object_; }
  EventRecord& record() { return rec_; }
  const std::string& time_text() const { return time_text_; }
  const std::optional<int64_t>& time_number() const { return time_number_; }
  const std::string& id_text() const { return id_text_; }

  bool null() { return Scalar(); }
  bool boolean(bool) { return Scalar(); }
  bool number_integer(json::number_integer_t v) { return Number(static_cast<int64_t>(v)); }
  bool number_unsigned(json::number_unsigned_t v) {
    return Number(v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v));
  }
  bool number_float(json::number_float_t, const json::string_t&) { return Scalar(); }
  bool string(json::string_t& v) {
    if (!Top()) return Scalar();
    switch (field_) {
      case kTime:
        time_text_ = std::move(v);
        break;
      case kId:
        id_text_ = std::move(v);
        break;
      case kSource:
        rec_.source = std::move(v);
        break;
      case kHost:
        rec_.computer = std::move(v);
        break;
      case kCategory:
        rec_.category = std::move(v);
        break;
      case kMessage:
        rec_.message = std::move(v);
        break;
      case kNone:
        break;
    }
    field_ = kNone;
    return true;
  }
  bool binary(json::binary_t&) { return Scalar(); }
  bool start_object(std::size_t) {
    if (!started_) top_is_object_ = true;
    started_ = true;
    ++depth_;
    field_ = kNone;
    return true;
  }
  bool end_object() {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    started_ = true;
    ++depth_;
    field_ = kNone;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool key(json::string_t& k) {
    field_ = kNone;
    if (depth_ != 1) return true;
    if (k == "EventTime")
      field_ = kTime;
    else if (k == "EventID")
      field_ = kId;
    else if (k == "SourceName")
      field_ = kSource;
    else if (k == "Hostname")
      field_ = kHost;
    else if (k == "Category")
      field_ = kCategory;
    else if (k == "Message")
      field_ = kMessage;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

 private:
  bool Top() const { return depth_ == 1 && top_is_object_; }
  bool Scalar() {
    started_ = true;
    field_ = kNone;
    return true;
  }
  bool Number(int64_t v) {
    if (Top() && field_ == kTime) time_number_ = v;
    if (Top() && field_ == kId) id_text_ = std::to_string(v);
    if (Top() && field_ == kCategory) rec_.category = std::to_string(v);
    return Scalar();
  }

  int depth_ = 0;
  Field field_ = kNone;
  bool top_is_object_ = false;
  bool started_ = false;
  std::string time_text_;
  std::optional<int64_t> time_number_;
  std::string id_text_;
  EventRecord rec_;
};

EventParseStats ParseJsonLines(std::string_view data, const TimeZone& zone, const EventSink& sink,
                               bool final) {
  EventParseStats stats;
  size_t pos = data.substr(0, 3) == kUtf8Bom ? 3 : 0;
  stats.consumed = pos;
  EventFieldsSax sax;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) {
      if (!final) break;
      end = data.size();
    }
    const std::string_view line = TrimAscii(data.substr(pos, end - pos));
    pos = end < data.size() ? end + 1 : end;
    stats.consumed = pos;
    if (line.empty()) continue;
    sax.Reset();
    const bool parsed = nlohmann::json::sax_parse(line, &sax);
    if (!parsed || !sax.top_is_object()) {
      ++stats.bad_rows;
      continue;
    }
    std::optional<int64_t> time;
    if (!sax.time_text().empty()) {
      time = ParseEventTime(sax.time_text(), zone);
    } else if (sax.time_number()) {
      // Integer datetimes: NXLog's microseconds, or a converted milli-/second epoch.
      int64_t v = *sax.time_number();
      if (v > 100000000000000) {
        v /= 1000000;
      } else if (v > 100000000000) {
        v /= 1000;
      }
      time = v;
    }
    const auto id = ParseEventId(sax.id_text());
    if (!time || !id) {
      ++stats.bad_rows;
      continue;
    }
    EventRecord& rec = sax.record();
    rec.time = *time;
    rec.event_id = *id;
    ++stats.records;
    sink(rec);
  }
  return stats;
}

}  // namespace

Result<EventFormat> DetectEventFormat(std::string_view head) {
  if (head.substr(0, 2) == "\xFF\xFE" || head.substr(0, 2) == "\xFE\xFF") {
    return Status(ErrorCode::kBadInput,
                  "UTF-16 export; export as UTF-8 (Log Parser -oCodepage:65001)");
  }
  head = TrimAscii(StripBom(head));
  if (!head.empty() && head.front() == '{') return EventFormat::kNxlogJson;
  std::vector<std::string> fields;
  bool malformed = false;
  size_t pos = 0;
  if (NextCsvRecord(head, pos, true, fields, malformed)) {
    const CsvColumns cols = MapCsvHeader(fields);
    if (cols.time >= 0 && cols.id >= 0 && cols.source >= 0) return EventFormat::kLogParserCsv;
  }
  return Status(ErrorCode::kBadInput,
                "neither NXLog JSON lines nor a Log Parser CSV header with TimeGenerated, "
                "EventID and SourceName");
}

EventParseStats ParseEvents(std::string_view data, EventFormat format, const TimeZone& zone,
                            const EventSink& sink, std::string_view csv_header, bool final) {
  try {
    return format == EventFormat::kLogParserCsv ? ParseCsv(data, zone, sink, csv_header, final)
                                                : ParseJsonLines(data, zone, sink, final);
  } catch (const std::exception&) {
    // nlohmann may throw on pathological input despite allow_exceptions=false (e.g. depth);
    // what was parsed so far has been delivered.
    return EventParseStats{};
  }
}

}  // namespace exdm
