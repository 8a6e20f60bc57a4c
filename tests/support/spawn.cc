#include "spawn.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace exdm::testing {

namespace {

// PATH lookup done before fork: only async-signal-safe calls may follow it in the child.
std::string Resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return program;
}

std::vector<std::string> Environment(const ChildSetup& setup) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    bool drop = setup.env.count(name) > 0;
    for (const std::string& u : setup.unset_env)
      drop = drop || u == name;
    if (!drop) out.push_back(entry);
  }
  for (const auto& [name, value] : setup.env)
    out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

pid_t SpawnChild(const std::vector<std::string>& argv, const ChildSetup& setup,
                 std::string* error) {
  if (argv.empty()) {
    if (error) *error = "nothing to run";
    return -1;
  }
  std::vector<std::string> args = argv;
  args[0] = Resolve(argv[0]);
  std::vector<std::string> env = Environment(setup);
  std::vector<char*> c_args = Pointers(args);
  std::vector<char*> c_env = Pointers(env);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    if (error) *error = std::string("fork: ") + std::strerror(errno);
    return -1;
  }
  if (pid > 0) {
    if (setup.own_process_group) ::setpgid(pid, pid);  // also here: no race with a kill(-pid)
    return pid;
  }
  // Child: only async-signal-safe calls until exec.
  if (setup.own_process_group) ::setpgid(0, 0);
  if (setup.die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
  }
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  if (setup.stdout_fd >= 0) ::dup2(setup.stdout_fd, STDOUT_FILENO);
  if (setup.stderr_fd >= 0) ::dup2(setup.stderr_fd, STDERR_FILENO);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (!setup.cwd.empty() && ::chdir(setup.cwd.c_str()) != 0) ::_exit(127);
  if (setup.run_as_uid >= 0) {
    const auto id = static_cast<uid_t>(setup.run_as_uid);
    if (::setgroups(0, nullptr) != 0 || ::setgid(id) != 0 || ::setuid(id) != 0) ::_exit(126);
  }
  ::execve(c_args[0], c_args.data(), c_env.data());
  ::_exit(127);
}

}  // namespace exdm::testing
