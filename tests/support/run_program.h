// Runs a program under test the way Nagios or Icinga would: argv without a shell, extra
// environment variables, stdout and stderr captured separately, a hard limit after which the child
// is killed (so a hung program fails the test instead of hanging the suite).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace exdm::testing {

struct ProgramResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it, 0 if it exited
  bool killed_by_limit = false;
  std::string out;  // stdout
  std::string err;  // stderr
  std::chrono::milliseconds elapsed{0};
  long max_rss_kb = 0;     // peak resident set size of the child (getrusage ru_maxrss via wait4)
  double cpu_seconds = 0;  // user + system CPU time of the child (wait4's rusage)
};

struct ProgramOptions {
  std::map<std::string, std::string> env;  // added to (or replacing in) the inherited environment
  std::vector<std::string> unset_env;      // removed from the inherited environment
  std::string cwd;                         // empty: inherit
  std::chrono::milliseconds limit = std::chrono::seconds(60);
  // stderr into `out` as well, interleaved as written (`err` stays empty).
  bool merge_stderr = false;
  // Called on its own thread with the child's pid right after it started, to act on the running
  // program (stop it while it holds a file open, kill it); joined before the child is reaped, so
  // the pid stays valid throughout. It should return once the child has exited (see Exited()).
  std::function<void(pid_t)> while_running;
  // When >= 0 (and we are root), the child drops to this uid and gid (and no supplementary
  // groups) before exec: how a test makes file permissions bite while the suite runs as root.
  int run_as_uid = -1;
};

// True once `pid` (a child not yet reaped) has exited: a zombie, or gone.
bool Exited(pid_t pid);

// argv[0] is the program path or a name looked up in PATH. Never throws; a failure to start
// shows as exit_code 127.
ProgramResult RunProgram(const std::vector<std::string>& argv, const ProgramOptions& options = {});

// The lines of `text` without their '\n'.
std::vector<std::string> SplitLines(const std::string& text);

}  // namespace exdm::testing
