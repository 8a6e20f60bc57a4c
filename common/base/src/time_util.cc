#include "exdm/base/time_util.h"

#include <cstdio>

namespace exdm {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

namespace {
bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `width` digits (or 1..width when width_is_max) from s at pos.
bool ReadDigits(std::string_view s, size_t& pos, size_t width, unsigned& out) {
  if (pos + width > s.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += width;
  out = v;
  return true;
}
}  // namespace

std::optional<int64_t> UnixFromUtc(int64_t year, unsigned month, unsigned day, unsigned hour,
                                   unsigned minute, unsigned second) {
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  return DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

std::optional<int64_t> ParseIso8601(std::string_view s) {
  if (!s.empty() && s[0] == '@') {
    int64_t v = 0;
    if (s.size() < 2 || s.size() > 20) return std::nullopt;
    for (char c : s.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  }
  size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, pos, 2, month) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, pos, 2, day)) {
    return std::nullopt;
  }
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    ++pos;
    if (!ReadDigits(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':' ||
        !ReadDigits(s, pos, 2, minute)) {
      return std::nullopt;
    }
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadDigits(s, pos, 2, second)) return std::nullopt;
    }
  }
  int64_t offset = 0;
  if (pos < s.size()) {
    const char sign = s[pos++];
    if (sign == 'Z' || sign == 'z') {
      if (pos != s.size()) return std::nullopt;
    } else if (sign == '+' || sign == '-') {
      unsigned oh = 0, om = 0;
      if (!ReadDigits(s, pos, 2, oh)) return std::nullopt;
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (!ReadDigits(s, pos, 2, om) || pos != s.size() || oh > 23 || om > 59) return std::nullopt;
      offset = (sign == '+' ? 1 : -1) * static_cast<int64_t>(oh * 3600 + om * 60);
    } else {
      return std::nullopt;
    }
  }
  auto t = UnixFromUtc(year, month, day, hour, minute, second);
  if (!t) return std::nullopt;
  return *t - offset;
}

std::string FormatIso8601Utc(int64_t t) {
  int64_t days = t / 86400;
  int64_t rem = t % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const CivilDate d = CivilFromDays(days);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(d.year), d.month, d.day, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  return buf;
}

std::string FormatDuration(int64_t s) {
  if (s < 0) s = 0;
  const int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  std::string out;
  auto add = [&out](int64_t v, char unit) {
    out += std::to_string(v);
    out += unit;
  };
  if (d) add(d, 'd');
  if (h) add(h, 'h');
  if (m && d == 0) add(m, 'm');
  if (d == 0 && h == 0 && (sec || out.empty())) add(sec, 's');
  return out;
}

}  // namespace exdm
