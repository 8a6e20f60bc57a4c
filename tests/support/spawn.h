// The one place tests start a program: fork + exec with everything a test needs set up in the
// child (environment, working directory, stdin from /dev/null, stdout/stderr to given fds, an own
// process group, death with the test binary, another uid). RunProgram (run_program.h),
// RunProcess (process.h), BackgroundProcess and the slapd and Samba fixtures all start their
// children here.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace exdm::testing {

struct ChildSetup {
  std::map<std::string, std::string> env;  // added to (or replacing in) the inherited environment
  std::vector<std::string> unset_env;      // removed from the inherited environment
  std::string cwd;                         // empty: inherit
  int stdout_fd = -1;                      // -1: inherit
  int stderr_fd = -1;                      // -1: inherit
  // Own process group: a terminal's Ctrl-C reaches the test binary (which then cleans up), and a
  // daemon's helpers can be stopped as a group.
  bool own_process_group = false;
  // SIGKILL when the test binary dies, however it dies: an aborted test leaves nothing running.
  bool die_with_parent = true;
  // When >= 0 (and we are root), the child drops to this uid and gid (and no supplementary
  // groups) before exec: how a test makes file permissions bite while the suite runs as root.
  int run_as_uid = -1;
};

// argv[0] is a path, or a name looked up in PATH. Returns the child's pid, or -1 with *error set
// when it could not be started (a program that cannot be executed exits 127, 126 when the uid
// could not be dropped).
pid_t SpawnChild(const std::vector<std::string>& argv, const ChildSetup& setup, std::string* error);

}  // namespace exdm::testing
