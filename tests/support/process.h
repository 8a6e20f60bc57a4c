// Running a program from a test: argv only (no shell), output captured, exit status returned.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace exdm::testing {

struct ProcessResult {
  int exit_code = -1;  // exit status; 128 + N when killed by signal N; -1 when it could not start
  std::string output;  // stdout and stderr, interleaved as written
  bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (a path, or a name looked up in PATH) with the extra environment variables set,
// stdin from /dev/null, and waits for it.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::vector<std::pair<std::string, std::string>>& env = {});

// "a b 'c d'": argv as a readable one-line string for failure messages.
std::string ShellQuote(const std::vector<std::string>& argv);

// Waits for `pid` (a child of ours) up to `timeout`; true once reaped (or already gone).
bool ReapWithin(pid_t pid, std::chrono::milliseconds timeout);

// Stops a server we started: SIGCONT (a suspended process cannot act on SIGTERM), SIGTERM, up to
// `grace` for it to exit, then SIGKILL; always reaped.
void TerminateChild(pid_t pid, std::chrono::milliseconds grace);

}  // namespace exdm::testing
