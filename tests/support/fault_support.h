// Shared by the fault-matrix, memory and security tests: running the check with its numbers parsed,
// generated tracking logs dated so the exporter (which evaluates at the wall clock) reads them, and
// acting on a running check while it holds a file open.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "run_program.h"

namespace exdm::testing {

// check_exchange_delivery with `args` (MODE first), stdout/stderr apart, max RSS measured.
ProgramResult RunCheck(const std::vector<std::string>& args,
                       std::chrono::milliseconds limit = std::chrono::seconds(60));
// Perfdata label -> value of a status line ("... | a=1 b=2s;900;1800"), numbers only.
std::map<std::string, double> PerfValues(const std::string& output);
// The perfdata value of `label`; NaN when absent.
double Perf(const std::string& output, const std::string& label);
// The first line of the output (the status line).
std::string StatusLine(const std::string& output);

// Generated tracking logs for one server in `dir` (exdm_gen_tracking --out dir): yesterday and
// today up to the current UTC hour, so the exporter's window holds them and no line is from the
// future. `extra` are more generator options (sizes, stalls). Returns the ground truth
// (key=value, see the generator's --truth); a test failure and an empty map on error.
std::map<std::string, std::string> GenerateTodaysLogs(const std::string& dir,
                                                      const std::vector<std::string>& extra);
// YYYYMMDD of today and yesterday (UTC): the names of the generated day files.
std::string TodayLogName();
std::string YesterdayLogName();

// Waits until process `pid` has `path` open (polling /proc/pid/fd), up to `timeout` or until it
// exits. True when seen.
bool WaitUntilOpen(pid_t pid, const std::string& path, std::chrono::milliseconds timeout);
// True while `pid` has `path` open (one look at /proc/pid/fd).
bool HasOpen(pid_t pid, const std::string& path);

// Catches a process in the act of reading a file: watches `path` for opens (inotify) from
// construction on; StopWhenOpened() stops `pid` (SIGSTOP) as soon as the file is opened and
// returns true if it is still open then, so the caller can change the file under a reader that
// holds it and SIGCONT it. Polling /proc alone misses a 10 MB file read in a few milliseconds.
class OpenWatch {
 public:
  explicit OpenWatch(const std::string& path);
  ~OpenWatch();
  OpenWatch(const OpenWatch&) = delete;
  OpenWatch& operator=(const OpenWatch&) = delete;
  bool StopWhenOpened(pid_t pid, std::chrono::milliseconds timeout);
  // Like StopWhenOpened, but waits until the reader has read past the start (its file position,
  // /proc/pid/fdinfo, is beyond 0) and stops it before it reached the end: mid-read.
  bool StopWhileReading(pid_t pid, std::chrono::milliseconds timeout);

 private:
  std::string path_;
  int fd_ = -1;
};

// Waits until the exporter has logged `needle` (a collector's failure is logged once, after its
// refresh; "success 0" alone also shows before the first refresh has finished).
class ExporterProcess;
bool WaitForExporterLog(ExporterProcess& exporter, const std::string& needle,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

// The peak resident set of a running process ("VmHWM:" of /proc/<pid>/status) in kB; -1 when
// unreadable.
long VmHwmKb(pid_t pid);

std::string ReadWholeFile(const std::string& path);
void WriteWholeFile(const std::string& path, const std::string& content, bool append = false);

}  // namespace exdm::testing
