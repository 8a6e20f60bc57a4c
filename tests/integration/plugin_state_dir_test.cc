// Plugin state for every user (issue 16 part 3) and state files that follow no links (issue 22
// part 4), through the real binaries: the check run by root and then by the nagios user
// (runuser, as an admin would) with the default location, each keeping its own state; a state
// directory another user controls, or anyone may write to, refused with UNKNOWN naming it; a
// planted lock link refused with its target untouched; the exporter's state_dir alike.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exdm/state/state_file.h"
#include "exporter_process.h"
#include "fault_support.h"
#include "paths.h"
#include "run_program.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

namespace fs = std::filesystem;

constexpr uid_t kNobody = 65534;
constexpr const char kNow[] = "2026-11-24T10:36:00Z";  // the kb_1028 stall is 36 min old then

struct User {
  std::string name;
  uid_t uid = 0;
};

std::optional<User> Nagios() {
  const struct passwd* pw = ::getpwnam("nagios");
  if (pw == nullptr) return std::nullopt;
  return User{"nagios", pw->pw_uid};
}

// Needs root (to become another user) and the nagios user (nagios4-core, installed by bootstrap):
// CI runs as root on Debian 12 with both.
#define REQUIRE_ROOT_AND_NAGIOS()                                                      \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the check as another user"; \
  if (!Nagios()) GTEST_SKIP() << "no nagios user (bootstrap installs nagios4-core)"

struct Owner {
  uid_t uid = 0;
  mode_t mode = 0;
};
Owner OwnerOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return Owner{st.st_uid, static_cast<mode_t>(st.st_mode & 07777)};
}

class PluginStateDir : public ::testing::Test {
 protected:
  void SetUp() override {
    // Everything the nagios user needs to read is readable by it; the state prefix is sticky and
    // world-writable like /var/tmp.
    ASSERT_EQ(::chmod(tmp_.path().c_str(), 0755), 0);
    logs_ = tmp_.File("EXCH01.log");
    fs::create_directory(logs_);
    fs::copy(SourceDir() + "/tests/fixtures/tracking/kb_1028", logs_);
    ASSERT_EQ(::chmod(logs_.c_str(), 0755), 0);
    prefix_ = tmp_.File("state");
    fs::create_directory(prefix_);
    ASSERT_EQ(::chmod(prefix_.c_str(), 01777), 0);
  }

  std::vector<std::string> Queue() const {
    return {"queue", "--tracking-dir", "EXCH01=" + logs_, "--now", kNow};
  }
  // The state file's name under <prefix>/<uid>/check_exchange_delivery/.
  std::string StateName() const {
    return fs::path(DefaultStatePath("queue", {"EXCH01=" + logs_})).filename().string();
  }
  std::string StatePath(const std::string& prefix, uid_t uid) const {
    return prefix + "/" + std::to_string(uid) + "/check_exchange_delivery/" + StateName();
  }

  // The check with the default state location: `env` adds to the environment, MP_STATE_PATH and
  // NAGIOS_PLUGIN_STATE_DIRECTORY are unset unless given there. As `user` through runuser, as
  // root otherwise.
  ProgramResult Run(const std::optional<User>& user,
                    const std::map<std::string, std::string>& env) const {
    std::vector<std::string> argv;
    if (user) argv = {"/usr/sbin/runuser", "-u", user->name, "--"};
    argv.push_back(CheckBinary());
    for (const std::string& a : Queue())
      argv.push_back(a);
    ProgramOptions options;
    options.env = env;
    for (const char* name : {"MP_STATE_PATH", "NAGIOS_PLUGIN_STATE_DIRECTORY"}) {
      if (!env.count(name)) options.unset_env.push_back(name);
    }
    options.limit = std::chrono::seconds(30);
    return RunProgram(argv, options);
  }
  ProgramResult RunWithPrefix(const std::optional<User>& user) const {
    return Run(user, {{"MP_STATE_PATH", prefix_}});
  }

  // Root and then nagios run the same check with the default location under `prefix`: both
  // succeed, each reads the logs once into a state file of its own (owned by it, in a 0700
  // directory of its own), and a second run of each continues from its own offsets.
  void ExpectSeparateStatePerUser(const std::map<std::string, std::string>& env,
                                  const std::string& prefix) const {
    const User nagios = *Nagios();
    const ProgramResult root1 = Run(std::nullopt, env);
    const ProgramResult nagios1 = Run(nagios, env);
    for (const ProgramResult* r : {&root1, &nagios1}) {
      EXPECT_EQ(r->exit_code, 2) << r->out << r->err;
      EXPECT_EQ(
          StatusLine(r->out).rfind("EXCHANGE DELIVERY CRITICAL - 1 stalled local delivery", 0), 0u)
          << r->out;
      EXPECT_GT(Perf(r->out, "lines_read"), 0) << "a first run reads the logs: " << r->out;
      EXPECT_EQ(r->err, "");
    }
    for (const uid_t uid : {uid_t{0}, nagios.uid}) {
      const std::string state = StatePath(prefix, uid);
      ASSERT_TRUE(fs::is_regular_file(state)) << state;
      EXPECT_EQ(OwnerOf(state).uid, uid) << state;
      const std::string dir = fs::path(state).parent_path().string();
      EXPECT_EQ(OwnerOf(dir).uid, uid) << dir;
      EXPECT_EQ(OwnerOf(dir).mode, 0700u) << dir;
      EXPECT_EQ(OwnerOf(fs::path(dir).parent_path().string()).mode, 0700u) << dir;
    }
    // Each continues from its own offsets: nothing new to read.
    const ProgramResult root2 = Run(std::nullopt, env);
    const ProgramResult nagios2 = Run(nagios, env);
    for (const ProgramResult* r : {&root2, &nagios2}) {
      EXPECT_EQ(r->exit_code, 2) << r->out << r->err;
      EXPECT_EQ(Perf(r->out, "lines_read"), 0) << r->out;
      EXPECT_EQ(Perf(r->out, "stalled_deliveries"), 1) << "the stall is kept in the state";
    }
  }

  TempDir tmp_{"exdm-plugin-state"};
  std::string logs_, prefix_;
};

TEST_F(PluginStateDir, RootAndNagiosKeepSeparateStateUnderMpStatePath) {
  REQUIRE_ROOT_AND_NAGIOS();
  ExpectSeparateStatePerUser({{"MP_STATE_PATH", prefix_}}, prefix_);
}

TEST_F(PluginStateDir, OlderVariableNameIsHonouredAndMpStatePathWins) {
  REQUIRE_ROOT_AND_NAGIOS();
  const std::string old_prefix = tmp_.File("old-name");
  fs::create_directory(old_prefix);
  ASSERT_EQ(::chmod(old_prefix.c_str(), 01777), 0);
  const ProgramResult old_name = Run(std::nullopt, {{"NAGIOS_PLUGIN_STATE_DIRECTORY", old_prefix}});
  EXPECT_EQ(old_name.exit_code, 2) << old_name.out;
  EXPECT_TRUE(fs::exists(StatePath(old_prefix, 0)));
  const ProgramResult both = Run(
      std::nullopt, {{"MP_STATE_PATH", prefix_}, {"NAGIOS_PLUGIN_STATE_DIRECTORY", old_prefix}});
  EXPECT_EQ(both.exit_code, 2) << both.out;
  EXPECT_TRUE(fs::exists(StatePath(prefix_, 0)));
}

// The compiled-in default, /var/tmp, as on a host where nobody set MP_STATE_PATH. The logs'
// temporary path makes the state file's name unique to this run; it is removed afterwards.
TEST_F(PluginStateDir, RootAndNagiosKeepSeparateStateUnderVarTmp) {
  REQUIRE_ROOT_AND_NAGIOS();
  struct Cleanup {
    std::vector<std::string> files;
    ~Cleanup() {
      for (const std::string& f : files) {
        for (const char* suffix : {"", ".lock"})
          fs::remove(f + suffix);
      }
    }
  } cleanup{{StatePath("/var/tmp", 0), StatePath("/var/tmp", Nagios()->uid)}};
  ExpectSeparateStatePerUser({}, "/var/tmp");
}

TEST_F(PluginStateDir, UserDirectoryAnotherUserControlsIsRefused) {
  REQUIRE_ROOT_AND_NAGIOS();
  const User nagios = *Nagios();
  const std::string user_dir = prefix_ + "/" + std::to_string(nagios.uid);

  // Squatted: another user made nagios's directory first, open to all, and nagios's own
  // directory inside it could be swapped at any time.
  fs::create_directory(user_dir);
  ASSERT_EQ(::chmod(user_dir.c_str(), 0777), 0);
  ASSERT_EQ(::chown(user_dir.c_str(), kNobody, kNobody), 0);
  const ProgramResult squatted = RunWithPrefix(nagios);
  EXPECT_EQ(squatted.exit_code, 3) << squatted.out;
  // The status line names the directory and what is wrong; the long output has the message whole,
  // with the fix, where a long path made the summary cut it.
  const std::string message = "state directory " + user_dir +
                              "/check_exchange_delivery lies under " + user_dir +
                              ", owned by uid 65534 (nobody), who could replace it: use a "
                              "directory under ones only root or uid " +
                              std::to_string(nagios.uid) + " (nagios) can change";
  EXPECT_EQ(
      StatusLine(squatted.out).rfind("EXCHANGE DELIVERY UNKNOWN - " + message.substr(0, 150), 0),
      0u)
      << squatted.out;
  ASSERT_EQ(SplitLines(squatted.out).size(), 2u) << squatted.out;
  EXPECT_EQ(SplitLines(squatted.out)[1], message);
  EXPECT_EQ(squatted.err, "");
  EXPECT_FALSE(fs::exists(StatePath(prefix_, nagios.uid) + ".lock"));

  // Made by root for nagios and left root's: nagios cannot create its directory in it.
  fs::remove_all(user_dir);
  fs::create_directory(user_dir);
  ASSERT_EQ(::chmod(user_dir.c_str(), 0755), 0);
  const ProgramResult roots = RunWithPrefix(nagios);
  EXPECT_EQ(roots.exit_code, 3) << roots.out;
  EXPECT_NE(StatusLine(roots.out).find(user_dir + "/check_exchange_delivery: Permission denied"),
            std::string::npos)
      << roots.out;
  EXPECT_NE(StatusLine(roots.out).find("owned by uid 0 (root), mode 0755"), std::string::npos)
      << roots.out;

  // nagios's own directory, opened to everyone.
  fs::remove_all(user_dir);
  ASSERT_EQ(RunWithPrefix(nagios).exit_code, 2);
  const std::string plugin_dir = user_dir + "/check_exchange_delivery";
  ASSERT_EQ(::chmod(plugin_dir.c_str(), 0777), 0);
  const ProgramResult open = RunWithPrefix(nagios);
  EXPECT_EQ(open.exit_code, 3) << open.out;
  EXPECT_EQ(SplitLines(open.out).back(), "state directory " + plugin_dir +
                                             " is writable by group or others (mode 0777): "
                                             "chmod go-w " +
                                             plugin_dir)
      << open.out;
  // Root running nagios's state (--state-file into it) would lock nagios out: refused.
  ASSERT_EQ(::chmod(plugin_dir.c_str(), 0700), 0);
  std::vector<std::string> argv = {CheckBinary()};
  for (const std::string& a : Queue())
    argv.push_back(a);
  argv.insert(argv.end(), {"--state-file", StatePath(prefix_, nagios.uid)});
  const ProgramResult as_root = RunProgram(argv);
  EXPECT_EQ(as_root.exit_code, 3) << as_root.out;
  EXPECT_NE(StatusLine(as_root.out)
                .find("is owned by uid " + std::to_string(nagios.uid) +
                      " (nagios), not by uid 0 (root) running this"),
            std::string::npos)
      << as_root.out;
  EXPECT_EQ(OwnerOf(StatePath(prefix_, nagios.uid)).uid, nagios.uid) << "still nagios's";
}

TEST_F(PluginStateDir, PlantedLockLinkIsRefusedAndItsTargetUntouched) {
  // The default location of root's run, prepared as an attacker (here: root itself) would.
  const std::string state = StatePath(prefix_, 0);
  fs::create_directories(fs::path(state).parent_path());
  fs::permissions(prefix_ + "/0", fs::perms::owner_all);
  fs::permissions(fs::path(state).parent_path(), fs::perms::owner_all);
  const std::string victim = tmp_.File("victim");
  WriteWholeFile(victim, "precious\n");
  ASSERT_EQ(::symlink(victim.c_str(), (state + ".lock").c_str()), 0);
  const ProgramResult r = RunWithPrefix(std::nullopt);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_EQ(StatusLine(r.out), "EXCHANGE DELIVERY UNKNOWN - " + state +
                                   ".lock is a symbolic link: a state file never is; refusing to "
                                   "follow it (remove it)");
  EXPECT_EQ(ReadWholeFile(victim), "precious\n");

  // The state file itself.
  ASSERT_EQ(::unlink((state + ".lock").c_str()), 0);
  ASSERT_EQ(::symlink(victim.c_str(), state.c_str()), 0);
  const ProgramResult s = RunWithPrefix(std::nullopt);
  EXPECT_EQ(s.exit_code, 3) << s.out;
  EXPECT_NE(StatusLine(s.out).find(state + " is a symbolic link"), std::string::npos) << s.out;
  EXPECT_EQ(ReadWholeFile(victim), "precious\n");

  // A temp file's name: litter by definition, removed (the link, not its target) and said so.
  ASSERT_EQ(::unlink(state.c_str()), 0);
  ASSERT_EQ(::symlink(victim.c_str(), (state + ".tmp.4242").c_str()), 0);
  const ProgramResult t = RunWithPrefix(std::nullopt);
  EXPECT_EQ(t.exit_code, 2) << t.out;
  EXPECT_NE(t.out.find("removed " + state + ".tmp.4242"), std::string::npos) << t.out;
  EXPECT_FALSE(fs::exists(fs::symlink_status(state + ".tmp.4242")));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(state)));
  EXPECT_EQ(ReadWholeFile(victim), "precious\n");
}

TEST_F(PluginStateDir, ExporterStateDirGetsTheSameProtection) {
  const std::string generated = tmp_.File("generated.log");
  ASSERT_FALSE(GenerateTodaysLogs(generated, {"--messages", "200"}).empty());
  auto start = [&](const std::string& state_dir) {
    return ExporterProcess::Start(
        tmp_.path(), {"--tracking.dir=EXCH01=" + generated, "--exporter.state_dir=" + state_dir,
                      "--exporter.tracking_interval=1"});
  };
  // Writable by everyone: refused, and the refusal says what to do.
  const std::string open = tmp_.File("open-state");
  fs::create_directory(open);
  ASSERT_EQ(::chmod(open.c_str(), 0777), 0);
  {
    auto exporter = start(open);
    ASSERT_TRUE(exporter);
    ASSERT_TRUE(WaitForExporterLog(*exporter, "level=error msg=\"collector tracking failed"))
        << exporter->Log();
    EXPECT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 0",
                                        std::chrono::seconds(10)));
    EXPECT_NE(
        exporter->Log().find("state directory " + open +
                             " is writable by group or others (mode 0777): chmod go-w " + open),
        std::string::npos)
        << exporter->Log();
    EXPECT_FALSE(fs::exists(open + "/tracking.state.lock"));
  }
  // A planted lock link in its own directory: refused, target untouched.
  const std::string own = tmp_.File("own-state");
  fs::create_directory(own);
  const std::string victim = tmp_.File("victim");
  WriteWholeFile(victim, "precious\n");
  ASSERT_EQ(::symlink(victim.c_str(), (own + "/tracking.state.lock").c_str()), 0);
  {
    auto exporter = start(own);
    ASSERT_TRUE(exporter);
    ASSERT_TRUE(WaitForExporterLog(*exporter, "level=error msg=\"collector tracking failed"))
        << exporter->Log();
    EXPECT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 0",
                                        std::chrono::seconds(10)));
    EXPECT_NE(exporter->Log().find(own + "/tracking.state.lock is a symbolic link"),
              std::string::npos)
        << exporter->Log();
  }
  EXPECT_EQ(ReadWholeFile(victim), "precious\n");
}

}  // namespace
}  // namespace exdm::testing
