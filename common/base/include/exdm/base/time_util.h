// Calendar arithmetic without the C library's locale- and TZ-dependent functions: tracking logs
// are in GMT, and the process's TZ must never change what a timestamp means.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace exdm {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};
CivilDate CivilFromDays(int64_t days);

// Seconds since the epoch for a UTC civil time; nullopt when a field is out of range.
std::optional<int64_t> UnixFromUtc(int64_t year, unsigned month, unsigned day, unsigned hour,
                                   unsigned minute, unsigned second);

// ISO 8601 as users type it: "2026-11-25T14:00:00Z", "2026-11-25 14:00:00", "2026-11-25T14:00Z",
// "2026-11-25", with an optional "+HH:MM"/"-HH:MM"/"Z" suffix (no suffix means UTC), or "@<unix>".
std::optional<int64_t> ParseIso8601(std::string_view text);

// "2026-11-25T14:00:00Z".
std::string FormatIso8601Utc(int64_t unix_seconds);

// "3h10m", "42s", "2d4h": compact durations for plugin output.
std::string FormatDuration(int64_t seconds);

}  // namespace exdm
