#include "samba_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "paths.h"
#include "spawn.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string LastLine(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '\n')
    trimmed.pop_back();
  size_t nl = trimmed.rfind('\n');
  return nl == std::string::npos ? trimmed : trimmed.substr(nl + 1);
}

}  // namespace

std::string SambaDc::ScriptPath() {
  return SourceDir() + "/tests/fixtures/samba/samba-fixture.sh";
}

std::string SambaDc::CacheDir() {
  return BinaryDir() + "/samba-cache";
}

std::string SambaDc::AddressFor(pid_t pid, int index) {
  const auto p = static_cast<unsigned>(pid);
  return "127." + std::to_string(128 + 64 * static_cast<unsigned>(index) + ((p >> 16) & 63)) + "." +
         std::to_string((p >> 8) & 255) + "." + std::to_string(p & 255);
}

bool SambaDc::Available(std::string* why) {
  if (geteuid() != 0) {
    *why = "a Samba AD DC runs as root only (CI runs the suite as root)";
    return false;
  }
  return true;
}

std::unique_ptr<SambaDc> SambaDc::Start(int index) {
  std::unique_ptr<SambaDc> dc(new SambaDc());
  const auto template_start = Clock::now();
  std::vector<std::string> make_template = {"bash", ScriptPath(), "template", CacheDir()};
  ProcessResult made = RunProcess(make_template);
  if (!made.ok()) {
    ADD_FAILURE() << "samba fixture: " << ShellQuote(make_template) << " failed (exit "
                  << made.exit_code << "):\n"
                  << made.output;
    return nullptr;
  }
  dc->template_seconds_ = SecondsSince(template_start);
  const std::string template_dir = LastLine(made.output);

  dc->dir_ = MakeTempDirectory("exdm-samba");
  if (dc->dir_.empty()) {
    ADD_FAILURE() << "samba fixture: cannot create a temporary directory";
    return nullptr;
  }
  dc->address_ = AddressFor(getpid(), index);
  std::vector<std::string> instance = {"bash",       ScriptPath(), "instance",
                                       template_dir, dc->dir_,     dc->address_};
  ProcessResult prepared = RunProcess(instance);
  if (!prepared.ok()) {
    ADD_FAILURE() << "samba fixture: " << ShellQuote(instance) << " failed (exit "
                  << prepared.exit_code << "):\n"
                  << prepared.output;
    return nullptr;  // the destructor removes the directory
  }
  std::string error;
  if (!dc->Launch(&error)) {
    ADD_FAILURE() << "samba fixture: samba did not start on " << dc->address_ << ": " << error
                  << "\n"
                  << TailOfFile(dc->log_file(), 30);
    return nullptr;
  }
  return dc;
}

bool SambaDc::Launch(std::string* error) {
  const std::string script = ScriptPath();
  const std::string log = log_file();
  const auto start = Clock::now();
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    *error = "cannot create " + log + ": " + std::strerror(errno);
    return false;
  }
  ChildSetup setup;
  setup.own_process_group = true;
  setup.stdout_fd = log_fd;
  setup.stderr_fd = log_fd;
  // `exec` in the script keeps this pid for samba.
  const pid_t child = SpawnChild({"/bin/bash", script, "exec", dir_}, setup, error);
  ::close(log_fd);
  if (child < 0) return false;
  pid_ = child;
  ProcessResult waited =
      RunProcess({"bash", script, "wait", address_, "60", std::to_string(child)});
  if (waited.ok()) {
    start_seconds_ = SecondsSince(start);
    return true;
  }
  *error = waited.output;
  Stop();
  return false;
}

SambaDc::~SambaDc() {
  Stop();
  if (dir_.empty()) return;
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "samba fixture %s: last lines of samba.log:\n%s", dir_.c_str(),
                 TailOfFile(log_file(), 20).c_str());
  }
  if (getenv("EXDM_KEEP_SAMBA_DIR") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

void SambaDc::Stop() {
  TerminateChild(pid_, std::chrono::seconds(10));
  pid_ = -1;
}

ProcessResult SambaDc::AsAdmin(const std::string& tool,
                               const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {tool, "-x",       "-H", uri(),
                                   "-D", admin_dn(), "-y", admin_password_file()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv);
}

namespace {
::testing::AssertionResult Checked(const std::vector<std::string>& what, const ProcessResult& r) {
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << ShellQuote(what) << " exited " << r.exit_code << ":\n"
                                       << r.output;
}
}  // namespace

::testing::AssertionResult SambaDc::Modify(const std::string& ldif_path) const {
  return Checked({"ldapmodify", "-f", ldif_path}, AsAdmin("ldapmodify", {"-f", ldif_path}));
}

::testing::AssertionResult SambaDc::Add(const std::string& ldif_path) const {
  return Checked({"ldapadd", "-f", ldif_path}, AsAdmin("ldapadd", {"-f", ldif_path}));
}

::testing::AssertionResult SambaDc::Delete(const std::string& dn) const {
  return Checked({"ldapdelete", dn}, AsAdmin("ldapdelete", {dn}));
}

ProcessResult SambaDc::Search(const std::string& base, const std::string& scope,
                              const std::string& filter, const std::vector<std::string>& attributes,
                              const std::vector<std::string>& extra) const {
  std::vector<std::string> args = extra;
  for (const char* a : {"-LLL", "-o", "ldif-wrap=no", "-E", "pr=1000/noprompt", "-b"})
    args.emplace_back(a);
  args.push_back(base);
  args.push_back("-s");
  args.push_back(scope);
  args.push_back(filter);
  args.insert(args.end(), attributes.begin(), attributes.end());
  return AsAdmin("ldapsearch", args);
}

}  // namespace exdm::testing
