#include "package_daemon_test.h"

#include <unistd.h>

#include <filesystem>
#include <thread>

namespace exdm::testing {

void PackageDaemonTest::SetUp() {
  started_ = std::chrono::steady_clock::now();
  if (geteuid() != 0) GTEST_SKIP() << "needs root: the daemon starts as root and drops to nagios";
  nagios_ = NagiosUser();
  ASSERT_GE(nagios_.uid, 0) << "no nagios user (Debian's nagios4-core and icinga2 create it)";
  package_ = UnpackedPackage::Unpack(dir_.path());
  ASSERT_TRUE(package_);
  scenario_ = BrokenStoreScenario::Start(dir_.path(), nagios_);
  ASSERT_TRUE(scenario_);
  state_dir_ = dir_.File("state");
  std::filesystem::create_directories(state_dir_);
  ChownTree(state_dir_, nagios_);
}

bool PackageDaemonTest::PollUntil(const std::function<bool()>& done, BackgroundProcess& daemon,
                                  std::chrono::seconds limit, std::chrono::milliseconds interval) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until && daemon.Running()) {
    if (done()) return true;
    std::this_thread::sleep_for(interval);
  }
  return done();
}

long long PackageDaemonTest::ElapsedMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               started_)
      .count();
}

}  // namespace exdm::testing
