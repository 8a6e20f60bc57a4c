#include "log.h"

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

#include "exdm/base/sanitize.h"

namespace exdm::exporter {
namespace {

std::atomic<int> g_level{static_cast<int>(LogPriority::kInfo)};
std::atomic<bool> g_json{false};

const char* LevelName(LogPriority priority) {
  switch (priority) {
    case LogPriority::kError:
      return "error";
    case LogPriority::kWarning:
      return "warn";
    case LogPriority::kInfo:
      return "info";
    case LogPriority::kDebug:
      return "debug";
  }
  return "info";
}

// ISO 8601 UTC with milliseconds, as exporter-toolkit writes `ts`.
std::string Timestamp(long long unix_millis) {
  const std::time_t seconds = static_cast<std::time_t>(unix_millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(unix_millis % 1000));
  return std::string(date) + millis;
}

// The message is already one line of valid UTF-8 without control characters: quoting only needs
// the backslash and the double quote escaped, in logfmt and JSON alike.
std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// sd-daemon(3): systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connects to
// stdout/stderr; only when stderr is still that stream does a "<N>" prefix reach journald.
bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st;
  if (fstat(2, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&
         static_cast<unsigned long long>(st.st_ino) == inode;
}

}  // namespace

Result<LogPriority> ParseLogLevel(const std::string& name) {
  if (name == "debug") return LogPriority::kDebug;
  if (name == "info") return LogPriority::kInfo;
  if (name == "warn") return LogPriority::kWarning;
  if (name == "error") return LogPriority::kError;
  return Status(ErrorCode::kInvalidArgument,
                "log.level must be debug, info, warn or error, not '" + name + "'");
}

Result<bool> ParseLogFormatIsJson(const std::string& name) {
  if (name == "logfmt") return false;
  if (name == "json") return true;
  return Status(ErrorCode::kInvalidArgument,
                "log.format must be logfmt or json, not '" + name + "'");
}

void ConfigureLog(const LogSettings& settings) {
  g_level = static_cast<int>(settings.level);
  g_json = settings.json;
}

std::string FormatLogLine(LogPriority priority, std::string_view message, bool json,
                          long long unix_millis) {
  const std::string ts = Timestamp(unix_millis);
  const std::string msg = Quoted(SanitizeForOutput(message, 2048));
  if (json) {
    return "{\"ts\":\"" + ts + "\",\"level\":\"" + LevelName(priority) + "\",\"msg\":" + msg + "}";
  }
  return "ts=" + ts + " level=" + LevelName(priority) + " msg=" + msg;
}

void Log(LogPriority priority, std::string_view message) {
  // Lower priorities have higher numbers (syslog): debug (7) passes only at level debug.
  if (static_cast<int>(priority) > g_level) return;
  static const bool journal = StderrIsJournal();
  const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  std::string line = FormatLogLine(priority, message, g_json, now) + "\n";
  if (journal) line = "<" + std::to_string(static_cast<int>(priority)) + ">" + line;
  // One write per line under a lock, so lines from collector threads never interleave.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace exdm::exporter
