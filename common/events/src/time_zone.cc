#include "exdm/events/time_zone.h"

#include <algorithm>

#include "exdm/base/small_file.h"
#include "exdm/base/time_util.h"

namespace exdm {

namespace {

Status Bad(const std::string& name, const std::string& why) {
  return Status(ErrorCode::kBadInput, "time zone '" + name + "': " + why);
}

int64_t ReadBigEndian(const std::string& data, size_t pos, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i)
    v = (v << 8) | static_cast<unsigned char>(data[pos + i]);
  if (width == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

// POSIX TZ string pieces (tzfile(5) footer): "CET-1CEST,M3.5.0,M10.5.0/3".
class PosixReader {
 public:
  explicit PosixReader(std::string_view s) : s_(s) {}
  bool AtEnd() const { return pos_ >= s_.size(); }
  bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  bool Name() {  // "CET" or "<+03>"
    if (Consume('<')) {
      while (pos_ < s_.size() && s_[pos_] != '>')
        ++pos_;
      return Consume('>');
    }
    const size_t start = pos_;
    while (pos_ < s_.size() &&
           ((s_[pos_] >= 'A' && s_[pos_] <= 'Z') || (s_[pos_] >= 'a' && s_[pos_] <= 'z')))
      ++pos_;
    return pos_ - start >= 3;
  }
  bool Number(unsigned& out) {
    const size_t start = pos_;
    out = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      out = out * 10 + static_cast<unsigned>(s_[pos_] - '0');
      ++pos_;
    }
    return pos_ > start;
  }
  // [+-]hh[:mm[:ss]] -> seconds (sign as written)
  bool Time(int32_t& out) {
    int sign = 1;
    if (Consume('-')) {
      sign = -1;
    } else {
      Consume('+');
    }
    unsigned h = 0, m = 0, sec = 0;
    if (!Number(h)) return false;
    if (Consume(':')) {
      if (!Number(m)) return false;
      if (Consume(':') && !Number(sec)) return false;
    }
    out = sign * static_cast<int32_t>(h * 3600 + m * 60 + sec);
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// Day of month of the w-th (5 = last) weekday d (0 = Sunday) of month m in year y.
unsigned RuleDay(int64_t year, unsigned month, unsigned week, unsigned weekday) {
  const int64_t first = DaysFromCivil(year, month, 1);
  // 1970-01-01 was a Thursday (4).
  const auto first_wday = static_cast<unsigned>(((first % 7) + 7 + 4) % 7);
  unsigned day = 1 + (weekday + 7 - first_wday) % 7;
  const unsigned days_in_month = static_cast<unsigned>(
      DaysFromCivil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - first);
  day += 7 * (week - 1);
  while (day > days_in_month)
    day -= 7;
  return day;
}

}  // namespace

TimeZone TimeZone::Utc() {
  TimeZone tz;
  tz.name_ = "UTC";
  return tz;
}

Result<TimeZone> TimeZone::Load(std::string_view name, const std::string& zoneinfo_dir) {
  const std::string n(name);
  if (n == "UTC" || n == "Etc/UTC" || n == "Z" || n == "GMT") return Utc();
  if (n.empty() || n.front() == '/' || n.find("..") != std::string::npos) {
    return Status(ErrorCode::kInvalidArgument,
                  "time zone '" + n + "': expected a name like Europe/Berlin");
  }
  // A zone file is a few kilobytes; "Europe" (a directory) or anything but a file is no zone.
  Result<std::string> read = ReadSmallFileNow(zoneinfo_dir + "/" + n, "zone file", 1 << 20);
  if (!read.ok()) {
    return Status(ErrorCode::kInvalidArgument, "unknown time zone '" + n + "' (no " + zoneinfo_dir +
                                                   "/" + n + "; is the tzdata package installed?)");
  }
  const std::string& data = *read;
  if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) return Bad(n, "not a TZif file");

  auto counts = [&data](size_t at, int64_t c[6]) {
    for (size_t i = 0; i < 6; ++i)
      c[i] = ReadBigEndian(data, at + 20 + 4 * i, 4);
  };
  int64_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  counts(0, c);
  for (int64_t v : c) {
    if (v < 0) return Bad(n, "corrupt header");
  }
  auto block_size = [](const int64_t k[6], size_t time_width) {
    return static_cast<size_t>(k[3]) * time_width + static_cast<size_t>(k[3]) +
           static_cast<size_t>(k[4]) * 6 + static_cast<size_t>(k[5]) +
           static_cast<size_t>(k[2]) * (time_width + 4) + static_cast<size_t>(k[1]) +
           static_cast<size_t>(k[0]);
  };
  size_t header = 0;
  size_t width = 4;
  const char version = data[4];
  if (version >= '2') {
    // Skip the 32-bit block; use the 64-bit one that follows.
    header = 44 + block_size(c, 4);
    if (data.size() < header + 44 || data.compare(header, 4, "TZif") != 0) {
      return Bad(n, "truncated version 2 data");
    }
    counts(header, c);
    width = 8;
  }
  const size_t body = header + 44;
  if (data.size() < body + block_size(c, width)) return Bad(n, "truncated");
  const auto timecnt = static_cast<size_t>(c[3]);
  const auto typecnt = static_cast<size_t>(c[4]);
  if (typecnt == 0) return Bad(n, "no local time types");

  TimeZone tz;
  tz.name_ = n;
  std::vector<int32_t> type_offsets(typecnt);
  const size_t types_at = body + timecnt * width + timecnt;
  for (size_t i = 0; i < typecnt; ++i) {
    type_offsets[i] = static_cast<int32_t>(ReadBigEndian(data, types_at + 6 * i, 4));
  }
  tz.initial_offset_ = type_offsets[0];
  for (size_t i = 0; i < timecnt; ++i) {
    const int64_t at = ReadBigEndian(data, body + i * width, width);
    const auto type = static_cast<unsigned char>(data[body + timecnt * width + i]);
    if (type >= typecnt) return Bad(n, "transition to an undefined type");
    if (!tz.transitions_.empty() && at <= tz.transitions_.back()) return Bad(n, "unsorted");
    tz.transitions_.push_back(at);
    tz.offsets_.push_back(type_offsets[type]);
  }

  // Footer (version 2+): "\n<POSIX TZ>\n" after the 64-bit block.
  if (version >= '2') {
    const size_t footer = body + block_size(c, width);
    if (footer < data.size() && data[footer] == '\n') {
      const size_t end = data.find('\n', footer + 1);
      if (end != std::string::npos) {
        PosixReader r(std::string_view(data).substr(footer + 1, end - footer - 1));
        int32_t std_off = 0, dst_off = 0;
        if (r.Name() && r.Time(std_off)) {
          tz.footer_std_ = -std_off;  // POSIX offsets are west of UTC
          tz.has_footer_ = true;
          if (!r.AtEnd()) {
            tz.has_footer_ = false;
            if (r.Name()) {
              dst_off = -(std_off - 3600);  // default: one hour ahead of standard time
              if (!r.Peek(',')) {
                int32_t explicit_dst = 0;
                if (r.Time(explicit_dst)) dst_off = -explicit_dst;
              }
              auto rule = [&r](DateRule& out) {
                unsigned m = 0, w = 0, d = 0;
                if (!r.Consume(',') || !r.Consume('M') || !r.Number(m) || !r.Consume('.') ||
                    !r.Number(w) || !r.Consume('.') || !r.Number(d)) {
                  return false;
                }
                if (m < 1 || m > 12 || w < 1 || w > 5 || d > 6) return false;
                out.kind = 1;
                out.month = m;
                out.week = w;
                out.weekday = d;
                if (r.Consume('/') && !r.Time(out.time)) return false;
                return true;
              };
              if (rule(tz.footer_start_) && rule(tz.footer_end_) && r.AtEnd()) {
                tz.footer_dst_ = dst_off;
                tz.footer_has_dst_ = true;
                tz.has_footer_ = true;
              }
            }
          }
        }
      }
    }
  }
  return tz;
}

int32_t TimeZone::FooterOffsetAt(int64_t utc) const {
  if (!footer_has_dst_) return footer_std_;
  const int64_t year =
      CivilFromDays((utc + footer_std_) / 86400 - ((utc + footer_std_) % 86400 < 0 ? 1 : 0)).year;
  auto instant = [year](const DateRule& rule, int32_t offset_before) {
    const unsigned day = RuleDay(year, rule.month, rule.week, rule.weekday);
    return DaysFromCivil(year, rule.month, day) * 86400 + rule.time - offset_before;
  };
  const int64_t start = instant(footer_start_, footer_std_);  // wall time in standard time
  const int64_t end = instant(footer_end_, footer_dst_);      // wall time in daylight time
  if (start < end) return (utc >= start && utc < end) ? footer_dst_ : footer_std_;
  // Southern hemisphere: daylight time spans the new year.
  return (utc >= end && utc < start) ? footer_std_ : footer_dst_;
}

int32_t TimeZone::OffsetAt(int64_t utc) const {
  if (transitions_.empty()) return has_footer_ ? FooterOffsetAt(utc) : initial_offset_;
  if (utc < transitions_.front()) return initial_offset_;
  if (utc >= transitions_.back() && has_footer_) return FooterOffsetAt(utc);
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc);
  return offsets_[static_cast<size_t>(it - transitions_.begin()) - 1];
}

int64_t TimeZone::LocalToUtc(int64_t local) const {
  // Candidate instants are local - offset for each offset that could apply near this time; a
  // candidate is valid when the zone really has that offset at that instant. Offsets are within
  // ±26 h, so probing the offsets in effect a day either side finds every candidate.
  const int32_t probes[] = {OffsetAt(local - 86400 * 2), OffsetAt(local - 86400), OffsetAt(local),
                            OffsetAt(local + 86400), OffsetAt(local + 86400 * 2)};
  bool found = false;
  int64_t best = 0;
  for (int32_t off : probes) {
    const int64_t candidate = local - off;
    if (OffsetAt(candidate) == off && (!found || candidate < best)) {
      best = candidate;
      found = true;
    }
  }
  if (found) return best;
  // In a gap (clocks went forward): read it with the offset before the change.
  const int64_t guess = local - OffsetAt(local);
  return local - OffsetAt(guess - 3 * 3600);
}

}  // namespace exdm
