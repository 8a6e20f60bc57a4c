// Log lines for journald: stderr, one line each, "<N>" syslog priority prefix (sd-daemon(3)), so
// `journalctl -p err` finds errors without a logging library. Thread-safe; text is sanitized.
#pragma once

#include <string_view>

namespace exdm::exporter {

enum class LogPriority { kError = 3, kWarning = 4, kInfo = 6 };

void Log(LogPriority priority, std::string_view message);

}  // namespace exdm::exporter
