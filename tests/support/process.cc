#include "process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "run_program.h"

namespace exdm::testing {

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::vector<std::pair<std::string, std::string>>& env) {
  ProgramOptions options;
  for (const auto& [name, value] : env)
    options.env[name] = value;
  options.merge_stderr = true;
  // Setup tools (slapadd, ldapmodify, samba-tool, openssl, the generators of the benchmarks'
  // large organizations) finish well within this; a hung one fails the test instead of hanging.
  options.limit = std::chrono::minutes(15);
  ProgramResult run = RunProgram(argv, options);
  ProcessResult result;
  result.output = std::move(run.out);
  if (run.killed_by_limit)
    result.output += "\n(killed after " + std::to_string(options.limit.count() / 1000) + " s)";
  result.exit_code = run.signal != 0 ? 128 + run.signal : run.exit_code;
  return result;
}

std::string ShellQuote(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !arg.empty() && arg.find_first_not_of(
                                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789-_./=:,@+") == std::string::npos;
    if (plain) {
      out += arg;
    } else {
      out += '\'';
      for (char c : arg) {
        if (c == '\'') {
          out += "'\\''";
        } else {
          out += c;
        }
      }
      out += '\'';
    }
  }
  return out;
}

bool ReapWithin(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void TerminateChild(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  kill(pid, SIGCONT);
  kill(pid, SIGTERM);
  if (!ReapWithin(pid, grace)) {
    kill(pid, SIGKILL);
    ReapWithin(pid, std::chrono::seconds(5));
  }
}

}  // namespace exdm::testing
