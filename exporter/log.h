// The exporter's log: one line per message on stderr, in the format and from the level that
// --log.format and --log.level choose, as Prometheus exporters built on exporter-toolkit do:
//   logfmt  ts=2026-11-25T16:27:46.123Z level=info msg="configuration reloaded"
//   json    {"ts":"2026-11-25T16:27:46.123Z","level":"info","msg":"configuration reloaded"}
// When stderr is the systemd journal ($JOURNAL_STREAM names it), each line also starts with the
// sd-daemon(3) "<N>" priority prefix, so `journalctl -p err` finds errors. Thread-safe; the
// message is sanitized (one line, valid UTF-8).
#pragma once

#include <string>
#include <string_view>

#include "exdm/base/status.h"

namespace exdm::exporter {

enum class LogPriority { kError = 3, kWarning = 4, kInfo = 6, kDebug = 7 };

struct LogSettings {
  LogPriority level = LogPriority::kInfo;  // lines below this level are dropped
  bool json = false;                       // logfmt otherwise
};

// "debug", "info", "warn", "error" (exporter-toolkit's names); anything else is an error.
Result<LogPriority> ParseLogLevel(const std::string& name);
// "logfmt" or "json".
Result<bool> ParseLogFormatIsJson(const std::string& name);

// Applies to every later Log() call, from any thread (a reload may change it).
void ConfigureLog(const LogSettings& settings);
void Log(LogPriority priority, std::string_view message);

// The line Log() writes (without the journal prefix and newline), for tests. `unix_millis` is the
// time stamp.
std::string FormatLogLine(LogPriority priority, std::string_view message, bool json,
                          long long unix_millis);

}  // namespace exdm::exporter
