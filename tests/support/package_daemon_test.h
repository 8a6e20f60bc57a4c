// The common ground of the tests where a monitoring daemon (nagios4, icinga2) runs the installed
// plugin as the nagios user: root (the daemons start as root and drop to nagios), the package
// unpacked into the test's directory, the broken-store scenario, and a directory the nagios user
// owns for what the plugin writes (state files, the remediation LDIF).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "background_process.h"
#include "broken_store_scenario.h"
#include "installed_package.h"

namespace exdm::testing {

class PackageDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // Calls `done` every `interval` until it returns true, `limit` passes or the daemon exits;
  // returns what `done` says last.
  static bool PollUntil(const std::function<bool()>& done, BackgroundProcess& daemon,
                        std::chrono::seconds limit, std::chrono::milliseconds interval);
  // Milliseconds since SetUp began, for the test's timing line.
  long long ElapsedMs() const;

  TempDir dir_{"exdm-package-daemon"};
  SystemUser nagios_;
  std::unique_ptr<UnpackedPackage> package_;
  std::unique_ptr<BrokenStoreScenario> scenario_;
  std::string state_dir_;  // dir/state, owned by nagios

 private:
  std::chrono::steady_clock::time_point started_;
};

}  // namespace exdm::testing
