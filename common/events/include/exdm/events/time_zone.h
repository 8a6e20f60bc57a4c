// Time zones from the system's TZif files (/usr/share/zoneinfo, Debian package tzdata), read by
// the core itself: the process's TZ is never touched, so two zones can be used in one run.
// Exported event logs carry the exporting machine's local time (Log Parser's TimeGenerated), and
// --event-tz says which zone that was, daylight-saving changes included.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/status.h"

namespace exdm {

class TimeZone {
 public:
  // UTC, no file needed.
  static TimeZone Utc();

  // "UTC", "Europe/Berlin", … read from <zoneinfo_dir>/<name>. Names with ".." or a leading '/'
  // are refused. Files without transitions for a date use their POSIX TZ footer (e.g.
  // "CET-1CEST,M3.5.0,M10.5.0/3") when it is present.
  static Result<TimeZone> Load(std::string_view name,
                               const std::string& zoneinfo_dir = "/usr/share/zoneinfo");

  // Seconds east of UTC in effect at this instant.
  int32_t OffsetAt(int64_t utc_seconds) const;

  // Wall-clock time (seconds since 1970-01-01 00:00 read as if UTC) -> instant. A time that
  // happens twice (the hour repeated when clocks go back) maps to its first occurrence, as
  // Windows does when it formats local times; a time that never happens (clocks go forward)
  // is read with the offset in effect before the change.
  int64_t LocalToUtc(int64_t local_seconds) const;

  const std::string& name() const { return name_; }

 private:
  int32_t FooterOffsetAt(int64_t utc_seconds) const;

  std::string name_;
  std::vector<int64_t> transitions_;  // ascending UTC instants
  std::vector<int32_t> offsets_;      // offset in effect from transitions_[i] on
  int32_t initial_offset_ = 0;        // before the first transition
  // POSIX footer: std offset, and optionally dst offset with start/end rules.
  bool has_footer_ = false;
  int32_t footer_std_ = 0;
  int32_t footer_dst_ = 0;
  bool footer_has_dst_ = false;
  struct DateRule {
    // Mm.w.d/time only (what tzdata emits); kind 0 = unused
    int kind = 0;
    unsigned month = 0, week = 0, weekday = 0;
    int32_t time = 7200;
  } footer_start_, footer_end_;
};

}  // namespace exdm
