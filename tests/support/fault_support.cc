#include "fault_support.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "paths.h"

namespace exdm::testing {

ProgramResult RunCheck(const std::vector<std::string>& args, std::chrono::milliseconds limit) {
  std::vector<std::string> argv = {CheckBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  ProgramOptions options;
  options.limit = limit;
  return RunProgram(argv, options);
}

std::map<std::string, double> PerfValues(const std::string& output) {
  std::map<std::string, double> values;
  const std::string line = StatusLine(output);
  const size_t bar = line.find('|');
  if (bar == std::string::npos) return values;
  std::istringstream in(line.substr(bar + 1));
  std::string item;
  while (in >> item) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    char* end = nullptr;
    const std::string value = item.substr(eq + 1);
    const double v = std::strtod(value.c_str(), &end);
    if (end != value.c_str()) values[item.substr(0, eq)] = v;
  }
  return values;
}

double Perf(const std::string& output, const std::string& label) {
  const auto values = PerfValues(output);
  const auto it = values.find(label);
  return it == values.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
}

std::string StatusLine(const std::string& output) {
  return output.substr(0, output.find('\n'));
}

namespace {

std::string DayName(int64_t days_ago) {
  const int64_t day = static_cast<int64_t>(std::time(nullptr)) / 86400 - days_ago;
  std::string iso = FormatIso8601Utc(day * 86400).substr(0, 10);  // YYYY-MM-DD
  iso.erase(7, 1);
  iso.erase(4, 1);
  return iso + ".log";
}

}  // namespace

std::string TodayLogName() {
  return DayName(0);
}
std::string YesterdayLogName() {
  return DayName(1);
}

std::map<std::string, std::string> GenerateTodaysLogs(const std::string& dir,
                                                      const std::vector<std::string>& extra) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const int64_t yesterday = now / 86400 - 1;
  // Whole hours only: before 01:00 UTC today's file would be empty, so end at 1 (a few minutes in
  // the future at worst; the tests that care about the future build their own lines).
  const int64_t hour = std::max<int64_t>(1, (now % 86400) / 3600);
  std::vector<std::string> argv = {GeneratorBinary("exdm_gen_tracking"),
                                   "--out",
                                   dir,
                                   "--start",
                                   FormatIso8601Utc(yesterday * 86400).substr(0, 10),
                                   "--days",
                                   "2",
                                   "--end-hour",
                                   std::to_string(hour),
                                   "--truth",
                                   dir + ".truth"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const ProgramResult r = RunProgram(argv);
  std::map<std::string, std::string> truth;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return truth;
  std::istringstream in(ReadWholeFile(dir + ".truth"));
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.rfind('=');
    if (eq != std::string::npos) truth[line.substr(0, eq)] = line.substr(eq + 1);
  }
  ::unlink((dir + ".truth").c_str());
  return truth;
}

bool HasOpen(pid_t pid, const std::string& path) {
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(fd_dir.c_str());
  if (d == nullptr) return false;
  bool seen = false;
  while (const dirent* e = ::readdir(d)) {
    char target[4096];
    const std::string link = fd_dir + "/" + e->d_name;
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    // A deleted file reads back as "PATH (deleted)".
    if (n > 0 && std::string(target, static_cast<size_t>(n)).rfind(path, 0) == 0) {
      seen = true;
      break;
    }
  }
  ::closedir(d);
  return seen;
}

bool WaitUntilOpen(pid_t pid, const std::string& path, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until && !Exited(pid)) {
    if (HasOpen(pid, path)) return true;
  }
  return false;
}

namespace {

// The descriptor number under which `pid` has `path` open, or -1.
int OpenFd(pid_t pid, const std::string& path) {
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(fd_dir.c_str());
  if (d == nullptr) return -1;
  int fd = -1;
  while (const dirent* e = ::readdir(d)) {
    char target[4096];
    const ssize_t n = ::readlink((fd_dir + "/" + e->d_name).c_str(), target, sizeof target - 1);
    if (n > 0 && std::string(target, static_cast<size_t>(n)).rfind(path, 0) == 0) {
      fd = std::atoi(e->d_name);
      break;
    }
  }
  ::closedir(d);
  return fd;
}

// The file position of `pid`'s descriptor `fd`, or -1.
long long FilePosition(pid_t pid, int fd) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/fdinfo/" + std::to_string(fd));
  std::string key;
  long long pos = -1;
  if (in >> key >> pos && key == "pos:") return pos;
  return -1;
}

}  // namespace

OpenWatch::OpenWatch(const std::string& path) : path_(path) {
  fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  EXPECT_GE(fd_, 0) << "inotify_init1";
  if (fd_ >= 0) {
    EXPECT_GE(::inotify_add_watch(fd_, path.c_str(), IN_OPEN), 0) << path;
  }
}

OpenWatch::~OpenWatch() {
  if (fd_ >= 0) ::close(fd_);
}

bool OpenWatch::StopWhileReading(pid_t pid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (fd_ >= 0 && std::chrono::steady_clock::now() < until && !Exited(pid)) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    alignas(inotify_event) char buf[4096];
    if (::read(fd_, buf, sizeof buf) <= 0) continue;
    struct stat st {};
    const long long size = ::stat(path_.c_str(), &st) == 0 ? st.st_size : 0;
    // Opened: find the descriptor, then watch its position leave 0.
    int fd = -1;
    while (fd < 0 && !Exited(pid) && std::chrono::steady_clock::now() < until)
      fd = OpenFd(pid, path_);
    while (fd >= 0 && !Exited(pid) && std::chrono::steady_clock::now() < until) {
      const long long pos = FilePosition(pid, fd);
      if (pos < 0) break;  // closed already
      if (pos == 0) continue;
      ::kill(pid, SIGSTOP);
      const long long stopped_at = FilePosition(pid, fd);
      if (stopped_at > 0 && stopped_at < size && OpenFd(pid, path_) == fd) return true;
      ::kill(pid, SIGCONT);
      break;
    }
  }
  return false;
}

bool OpenWatch::StopWhenOpened(pid_t pid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (fd_ >= 0 && std::chrono::steady_clock::now() < until && !Exited(pid)) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    alignas(inotify_event) char buf[4096];
    if (::read(fd_, buf, sizeof buf) <= 0) continue;
    // Someone opened it: if it is the reader, it is stopped now with the file in its hands.
    ::kill(pid, SIGSTOP);
    if (HasOpen(pid, path_)) return true;
    ::kill(pid, SIGCONT);
  }
  return false;
}

bool WaitForExporterLog(ExporterProcess& exporter, const std::string& needle,
                        std::chrono::milliseconds timeout) {
  return exporter.process().WaitForLog(
      [&](const std::string& log) { return log.find(needle) != std::string::npos; }, timeout);
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteWholeFile(const std::string& path, const std::string& content, bool append) {
  std::ofstream(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc)) << content;
}

long VmHwmKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace exdm::testing
