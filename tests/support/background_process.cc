#include "background_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "spawn.h"

namespace exdm::testing {

std::unique_ptr<BackgroundProcess> BackgroundProcess::Start(const std::vector<std::string>& argv,
                                                            const std::string& log_file,
                                                            std::string* error,
                                                            bool own_process_group) {
  const int log_fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    *error = "cannot create " + log_file + ": " + std::strerror(errno);
    return nullptr;
  }
  ChildSetup setup;
  setup.stdout_fd = log_fd;
  setup.stderr_fd = log_fd;
  setup.own_process_group = own_process_group;
  const pid_t pid = SpawnChild(argv, setup, error);
  if (pid < 0) {
    close(log_fd);
    return nullptr;
  }
  close(log_fd);
  std::unique_ptr<BackgroundProcess> process(new BackgroundProcess());
  process->pid_ = pid;
  process->own_process_group_ = own_process_group;
  process->log_file_ = log_file;
  return process;
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) Stop(std::chrono::seconds(5));
}

std::string BackgroundProcess::Log() const {
  std::ifstream in(log_file_);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool BackgroundProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
    return false;
  }
  return true;
}

bool BackgroundProcess::WaitForLog(const std::function<bool(const std::string&)>& ready,
                                   std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (ready(Log())) return true;
    if (pid_ <= 0 || kill(pid_, 0) != 0) return ready(Log());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ready(Log());
}

bool BackgroundProcess::WaitForLogText(const std::string& text, std::chrono::milliseconds timeout,
                                       size_t times) const {
  return WaitForLog(
      [&text, times](const std::string& log) {
        size_t seen = 0;
        for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
          ++seen;
        return seen >= times;
      },
      timeout);
}

void BackgroundProcess::Signal(int sig) const {
  if (pid_ > 0) kill(pid_, sig);
}

int BackgroundProcess::Stop(std::chrono::milliseconds grace) {
  const pid_t group = own_process_group_ && pid_ > 0 ? pid_ : 0;
  if (pid_ <= 0) return exit_code_;
  kill(group > 0 ? -group : pid_, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + grace;
  while (Running() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = 128 + SIGKILL;
    pid_ = -1;
  }
  if (group > 0) kill(-group, SIGKILL);  // workers that outlived their leader
  return exit_code_;
}

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace exdm::testing
