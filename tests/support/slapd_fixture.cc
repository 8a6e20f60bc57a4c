#include "slapd_fixture.h"

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
#include <sstream>
#include <thread>

#include "paths.h"
#include "spawn.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

std::string Slapd::ScriptPath() {
  return SourceDir() + "/tests/fixtures/slapd/slapd-fixture.sh";
}

std::unique_ptr<Slapd> Slapd::Start(const Options& options) {
  std::unique_ptr<Slapd> slapd(new Slapd());
  slapd->suffix_ = options.suffix;
  slapd->forest_root_ = options.forest_root.empty() ? options.suffix : options.forest_root;
  slapd->dir_ = MakeTempDirectory("exdm-slapd");
  if (slapd->dir_.empty()) {
    ADD_FAILURE() << "slapd fixture: cannot create a temporary directory";
    return nullptr;
  }
  std::vector<std::string> prepare = {"bash",      ScriptPath(), "prepare",
                                      slapd->dir_, "--suffix",   options.suffix};
  for (const auto& ldif : options.ldif_files) {
    prepare.push_back("--ldif");
    prepare.push_back(ldif);
  }
  if (options.tls) prepare.push_back("--tls");
  if (!options.forest_root.empty())
    prepare.insert(prepare.end(), {"--forest-root", options.forest_root});
  if (options.global_catalog) prepare.push_back("--gc");
  for (const auto& d : options.domains)
    prepare.insert(prepare.end(), {"--domain", d});
  for (const auto& s : options.subordinates)
    prepare.insert(prepare.end(), {"--subordinate", s});
  if (!options.referral.empty()) prepare.insert(prepare.end(), {"--referral", options.referral});
  if (!options.monitor_secret_file.empty()) {
    prepare.insert(prepare.end(), {"--monitor-secret", options.monitor_secret_file});
  }
  ProcessResult prepared = RunProcess(prepare);
  if (!prepared.ok()) {
    ADD_FAILURE() << "slapd fixture: " << ShellQuote(prepare) << " failed (exit "
                  << prepared.exit_code << "):\n"
                  << prepared.output;
    return nullptr;  // the destructor removes the directory
  }
  std::string error;
  // A random port can be taken between choosing and binding it: slapd then exits, try another.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (slapd->Launch(false, &error)) return slapd;
  }
  ADD_FAILURE() << "slapd fixture: slapd did not start: " << error << "\n"
                << TailOfFile(slapd->log_file(), 30);
  return nullptr;
}

bool Slapd::Launch(bool same_port, std::string* error) {
  const std::string script = ScriptPath();
  ChildSetup setup;
  setup.own_process_group = true;
  const pid_t child =
      SpawnChild({"/bin/bash", script, "run", dir_, same_port ? "--same-port" : ""}, setup, error);
  if (child < 0) return false;
  pid_ = child;
  ProcessResult waited = RunProcess({"bash", script, "wait", dir_, std::to_string(child)});
  if (waited.ok()) {
    uri_ = ReadFirstLine(dir_ + "/uri");
    ldaps_uri_ = ReadFirstLine(dir_ + "/ldaps_uri");
    return true;
  }
  *error = waited.output;
  Kill();
  return false;
}

Slapd::~Slapd() {
  Stop();
  if (!dir_.empty()) {
    if (::testing::Test::HasFailure()) {
      std::fprintf(stderr, "slapd fixture %s: last lines of slapd.log:\n%s", dir_.c_str(),
                   TailOfFile(log_file(), 20).c_str());
    }
    if (getenv("EXDM_KEEP_SLAPD_DIR") == nullptr) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }
}

void Slapd::Stop() {
  TerminateChild(pid_, std::chrono::seconds(5));
  pid_ = -1;
}

::testing::AssertionResult Slapd::Restart() {
  Stop();
  std::string error;
  // The old socket may linger for a moment: a few tries on the same port.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (Launch(true, &error)) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return ::testing::AssertionFailure()
         << "slapd did not restart on " << uri_ << ": " << error << "\n"
         << TailOfFile(log_file(), 20);
}

void Slapd::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  ReapWithin(pid_, std::chrono::seconds(5));
  pid_ = -1;
}

void Slapd::Suspend() const {
  if (pid_ > 0) kill(pid_, SIGSTOP);
}

void Slapd::Resume() const {
  if (pid_ > 0) kill(pid_, SIGCONT);
}

::testing::AssertionResult Slapd::RunAsManager(const char* tool,
                                               const std::string& ldif_path) const {
  std::vector<std::string> argv = {
      tool, "-x", "-H", uri_, "-D", manager_dn(), "-y", manager_password_file(), "-f", ldif_path};
  ProcessResult r = RunProcess(argv);
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << ShellQuote(argv) << " exited " << r.exit_code << ":\n"
                                       << r.output;
}

::testing::AssertionResult Slapd::Load(const std::string& ldif_path) const {
  return RunAsManager("ldapadd", ldif_path);
}

::testing::AssertionResult Slapd::Modify(const std::string& ldif_path) const {
  return RunAsManager("ldapmodify", ldif_path);
}

ProcessResult Slapd::Search(const std::string& base, const std::string& scope,
                            const std::string& filter,
                            const std::vector<std::string>& attributes) const {
  std::vector<std::string> argv = {"ldapsearch",
                                   "-LLL",
                                   "-o",
                                   "ldif-wrap=no",
                                   "-x",
                                   "-H",
                                   uri_,
                                   "-D",
                                   monitor_dn(),
                                   "-y",
                                   monitor_password_file(),
                                   "-E",
                                   "pr=1000/noprompt",
                                   "-b",
                                   base,
                                   "-s",
                                   scope,
                                   filter};
  argv.insert(argv.end(), attributes.begin(), attributes.end());
  return RunProcess(argv);
}

}  // namespace exdm::testing
