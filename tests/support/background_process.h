// A long-running program under test (the exporter, prometheus): started with argv (no shell),
// stdout+stderr to a log file, killed by its parent's death (PR_SET_PDEATHSIG) so an aborted test
// binary leaves nothing behind, and stopped (SIGTERM, then SIGKILL) by the destructor.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "temp_dir.h"  // TempDir, used by every background-process test

namespace exdm::testing {

class BackgroundProcess {
 public:
  // nullptr (and *error) when it cannot be started. With `own_process_group` the program leads a
  // process group of its own and Stop ends the whole group: for daemons that fork workers
  // (nagios4, icinga2, whose main process outlives a SIGTERM to its umbrella process).
  static std::unique_ptr<BackgroundProcess> Start(const std::vector<std::string>& argv,
                                                  const std::string& log_file, std::string* error,
                                                  bool own_process_group = false);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::string Log() const;  // the log so far
  // Polls the log until `ready` accepts it, the process exits, or the timeout passes.
  bool WaitForLog(const std::function<bool(const std::string&)>& ready,
                  std::chrono::milliseconds timeout) const;
  // Waits until `text` occurs at least `times` times in the log (a line logged once per reload).
  bool WaitForLogText(const std::string& text, std::chrono::milliseconds timeout,
                      size_t times = 1) const;
  bool Running();
  void Signal(int sig) const;
  // SIGTERM, waits up to `grace`, then SIGKILL (with a process group of its own: SIGTERM to the
  // group, SIGKILL to what is left of it). Returns the exit code (128+N when killed by N).
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  BackgroundProcess() = default;
  pid_t pid_ = -1;
  bool own_process_group_ = false;
  std::string log_file_;
  int exit_code_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
int FreeLoopbackPort();

}  // namespace exdm::testing
