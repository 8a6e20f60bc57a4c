// Where state lives and what StateFile refuses (issue 16 part 3, issue 22 part 4): the Monitoring
// Plugins' location rules, no symlink followed for the lock, state or temp file, no FIFO opened
// (it would block), and a state directory other users could write to refused with a message that
// names the path, what is wrong and the fix. Targets of refused links are checked untouched.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "exdm/state/location.h"
#include "exdm/state/state_file.h"
#include "fault_support.h"
#include "temp_dir.h"

namespace exdm {
namespace {

namespace fs = std::filesystem;

constexpr uid_t kNobody = 65534;

// Sets (or, with nullopt, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class StateFileSafetyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.empty());
    testing::WriteWholeFile(victim_, "precious\n");
  }

  static Result<StateFile> Acquire(const std::string& path) {
    return StateFile::Acquire(path, "queue", "inputs", Deadline::After(std::chrono::seconds(2)));
  }
  // A directory of the test's own, with `mode` set exactly (mkdir's mode is cut by the umask).
  std::string Dir(const std::string& name, mode_t mode) {
    const std::string path = dir_ + "/" + name;
    EXPECT_EQ(::mkdir(path.c_str(), 0700), 0) << path;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0) << path;
    return path;
  }
  void ExpectVictimUntouched() const { EXPECT_EQ(testing::ReadWholeFile(victim_), "precious\n"); }

  testing::TempDir tmp_{"exdm-state-safety"};
  const std::string dir_ = tmp_.path();
  const std::string victim_ = tmp_.File("victim");
};

TEST_F(StateFileSafetyTest, DefaultPathFollowsTheMonitoringPluginsConvention) {
  const std::string tail = "/" + std::to_string(::geteuid()) + "/check_exchange_delivery/queue-";
  {
    ScopedEnv mp("MP_STATE_PATH", std::nullopt);
    ScopedEnv old("NAGIOS_PLUGIN_STATE_DIRECTORY", std::nullopt);
    EXPECT_EQ(DefaultStatePath("queue", {"EXCH01=/a"}).rfind("/var/tmp" + tail, 0), 0u)
        << DefaultStatePath("queue", {"EXCH01=/a"});
  }
  {
    ScopedEnv mp("MP_STATE_PATH", std::nullopt);
    ScopedEnv old("NAGIOS_PLUGIN_STATE_DIRECTORY", "/srv/old-name");
    EXPECT_EQ(DefaultStatePath("queue", {"EXCH01=/a"}).rfind("/srv/old-name" + tail, 0), 0u);
  }
  {
    ScopedEnv mp("MP_STATE_PATH", "/srv/mp-state//");  // trailing slashes dropped
    ScopedEnv old("NAGIOS_PLUGIN_STATE_DIRECTORY", "/srv/old-name");
    EXPECT_EQ(DefaultStatePath("queue", {"EXCH01=/a"}).rfind("/srv/mp-state" + tail, 0), 0u)
        << DefaultStatePath("queue", {"EXCH01=/a"});
  }
  {
    ScopedEnv mp("MP_STATE_PATH", "");  // empty counts as unset, as in the C plugins
    ScopedEnv old("NAGIOS_PLUGIN_STATE_DIRECTORY", "");
    EXPECT_EQ(DefaultStatePath("queue", {"EXCH01=/a"}).rfind("/var/tmp" + tail, 0), 0u);
  }
}

TEST_F(StateFileSafetyTest, PlantedLockLinkIsRefusedAndItsTargetUntouched) {
  const std::string path = dir_ + "/q.state";
  ASSERT_EQ(::symlink(victim_.c_str(), (path + ".lock").c_str()), 0);
  auto sf = Acquire(path);
  ASSERT_FALSE(sf.ok());
  EXPECT_EQ(sf.status().code(), ErrorCode::kIoError);
  EXPECT_EQ(sf.status().message(), path +
                                       ".lock is a symbolic link: a state file never is; "
                                       "refusing to follow it (remove it)");
  ExpectVictimUntouched();
}

TEST_F(StateFileSafetyTest, PlantedStateLinkIsRefusedAndItsTargetUntouched) {
  const std::string path = dir_ + "/q.state";
  ASSERT_EQ(::symlink(victim_.c_str(), path.c_str()), 0);
  auto sf = Acquire(path);
  ASSERT_FALSE(sf.ok());
  EXPECT_NE(sf.status().message().find(path + " is a symbolic link"), std::string::npos)
      << sf.status().message();
  ExpectVictimUntouched();
  EXPECT_TRUE(fs::is_symlink(path)) << "the evidence is left for the admin";
}

TEST_F(StateFileSafetyTest, TempLinkPlantedWhileLockedIsRefusedAndItsTargetUntouched) {
  const std::string path = dir_ + "/q.state";
  {
    auto sf = Acquire(path);
    ASSERT_TRUE(sf.ok()) << sf.status().message();
    StateSnapshot snap;
    snap.payload = "first";
    ASSERT_TRUE(sf->Commit(snap).ok());
  }
  auto sf = Acquire(path);
  ASSERT_TRUE(sf.ok()) << sf.status().message();
  // The temp file's name is "<state>.tmp.<pid>"; this process is the writer.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  ASSERT_EQ(::symlink(victim_.c_str(), tmp.c_str()), 0);
  StateSnapshot snap;
  snap.payload = "second";
  const Status s = sf->Commit(snap);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            tmp + " appeared while the state was locked: refusing to write through it");
  ExpectVictimUntouched();
  { StateFile released = std::move(*sf); }
  // The previous state is still the one in force (and the planted link is gone as litter).
  auto again = Acquire(path);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->previous().payload, "first");
  EXPECT_FALSE(fs::exists(fs::symlink_status(tmp)));
  ExpectVictimUntouched();
}

TEST_F(StateFileSafetyTest, LeftoverTempLinkIsRemovedNotFollowed) {
  const std::string path = dir_ + "/q.state";
  const std::string tmp = path + ".tmp.999999";
  ASSERT_EQ(::symlink(victim_.c_str(), tmp.c_str()), 0);
  auto sf = Acquire(path);
  ASSERT_TRUE(sf.ok()) << sf.status().message();
  EXPECT_FALSE(fs::exists(fs::symlink_status(tmp)));
  StateSnapshot snap;
  snap.payload = "x";
  EXPECT_TRUE(sf->Commit(snap).ok());
  ExpectVictimUntouched();
}

TEST_F(StateFileSafetyTest, FifoInPlaceOfLockOrStateNeverBlocks) {
  const std::string path = dir_ + "/q.state";
  ASSERT_EQ(::mkfifo((path + ".lock").c_str(), 0600), 0);
  auto locked = Acquire(path);
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.status().message(), path +
                                           ".lock is not a regular file: a state file never "
                                           "is; refusing to follow it (remove it)");
  ASSERT_EQ(::unlink((path + ".lock").c_str()), 0);
  // As the state: unreadable state (a warning, rebuilt), replaced by the commit.
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto state = Acquire(path);
  ASSERT_TRUE(state.ok()) << state.status().message();
  ASSERT_EQ(state->warnings().size(), 1u);
  EXPECT_NE(state->warnings()[0].find(path + " is not a regular file"), std::string::npos)
      << state->warnings()[0];
  StateSnapshot snap;
  snap.payload = "x";
  ASSERT_TRUE(state->Commit(snap).ok());
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(path)));
}

TEST_F(StateFileSafetyTest, DirectoryWritableByOthersIsRefusedNamingModeAndFix) {
  for (const mode_t mode : {0777u, 0770u, 0720u, 0702u}) {
    const std::string dir = Dir("open-" + std::to_string(mode), mode);
    auto sf = Acquire(dir + "/q.state");
    ASSERT_FALSE(sf.ok()) << std::oct << mode;
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    EXPECT_EQ(sf.status().message(), "state directory " + dir +
                                         " is writable by group or others (mode " + octal +
                                         "): chmod go-w " + dir);
    EXPECT_FALSE(fs::exists(dir + "/q.state.lock")) << "nothing created in it";
  }
  EXPECT_TRUE(Acquire(Dir("own", 0755) + "/q.state").ok());
}

TEST_F(StateFileSafetyTest, DirectoryOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  const std::string dir = Dir("nobodys", 0700);
  ASSERT_EQ(::chown(dir.c_str(), kNobody, kNobody), 0);
  auto sf = Acquire(dir + "/q.state");
  ASSERT_FALSE(sf.ok());
  EXPECT_EQ(sf.status().message(), "state directory " + dir +
                                       " is owned by uid 65534 (nobody), not by uid 0 (root) "
                                       "running this: remove it if stale, or give this user a "
                                       "directory of its own");
  EXPECT_FALSE(fs::exists(dir + "/q.state.lock"));
}

TEST_F(StateFileSafetyTest, ParentOthersCanRenameIsRefusedUnlessSticky) {
  const std::string open = Dir("open-parent", 0777);
  ASSERT_EQ(::mkdir((open + "/mine").c_str(), 0700), 0);
  auto sf = Acquire(open + "/mine/q.state");
  ASSERT_FALSE(sf.ok());
  EXPECT_EQ(sf.status().message(),
            "state directory " + open + "/mine lies under " + open +
                ", writable by group or others without the sticky bit (mode 0777), so anyone "
                "could replace it: chmod +t or go-w " +
                open);
  // Sticky, as /var/tmp: others may create their own directories but not move this one.
  ASSERT_EQ(::chmod(open.c_str(), 01777), 0);
  EXPECT_TRUE(Acquire(open + "/mine/q.state").ok());
}

TEST_F(StateFileSafetyTest, ParentOwnedByAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  const std::string theirs = Dir("theirs", 0755);
  ASSERT_EQ(::mkdir((theirs + "/mine").c_str(), 0700), 0);
  ASSERT_EQ(::chown(theirs.c_str(), kNobody, kNobody), 0);
  auto sf = Acquire(theirs + "/mine/q.state");
  ASSERT_FALSE(sf.ok());
  EXPECT_NE(sf.status().message().find("lies under " + theirs + ", owned by uid 65534 (nobody)"),
            std::string::npos)
      << sf.status().message();
}

TEST_F(StateFileSafetyTest, MissingDirectoriesAreCreatedPrivate) {
  const std::string path = dir_ + "/a/b/q.state";
  auto sf = Acquire(path);
  ASSERT_TRUE(sf.ok()) << sf.status().message();
  for (const std::string& d : {dir_ + "/a", dir_ + "/a/b"}) {
    struct stat st;
    ASSERT_EQ(::stat(d.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u) << d;
    EXPECT_EQ(st.st_uid, ::geteuid()) << d;
  }
}

TEST_F(StateFileSafetyTest, LinkedStateDirectoryIsJudgedByWhatItPointsTo) {
  // systemd's DynamicUser= StateDirectory is /var/lib/NAME -> private/NAME.
  const std::string real = Dir("private", 0700);
  ASSERT_EQ(::mkdir((real + "/svc").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("private/svc", (dir_ + "/svc").c_str()), 0);
  auto ok = Acquire(dir_ + "/svc/q.state");
  EXPECT_TRUE(ok.ok()) << ok.status().message();
  const std::string open = Dir("open", 0777);
  ASSERT_EQ(::symlink("open", (dir_ + "/link-to-open").c_str()), 0);
  auto refused = Acquire(dir_ + "/link-to-open/q.state");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("is writable by group or others (mode 0777)"),
            std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace exdm
