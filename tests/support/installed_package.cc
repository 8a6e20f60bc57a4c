#include "installed_package.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "paths.h"
#include "run_program.h"

namespace exdm::testing {

std::string BuiltPackage() {
  const std::string dir = BinaryDir() + "/package-test";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".deb") return entry.path().string();
  }
  ADD_FAILURE() << "no .deb in " << dir
                << ": the ctest fixture package.deb builds it (run through ctest, or "
                   "`ctest -R package.deb` first)";
  return "";
}

std::unique_ptr<UnpackedPackage> UnpackedPackage::Unpack(const std::string& dir) {
  const std::string deb = BuiltPackage();
  if (deb.empty()) return nullptr;
  std::unique_ptr<UnpackedPackage> package(new UnpackedPackage());
  package->root_ = dir + "/root";
  const ProgramResult x = RunProgram({"/usr/bin/dpkg", "-x", deb, package->root_});
  if (x.exit_code != 0) {
    ADD_FAILURE() << "dpkg -x " << deb << ": " << x.out << x.err;
    return nullptr;
  }
  // mkdtemp made the test's directory 0700: open it (and the root, whatever the tarball said)
  // for the daemons' user; the package's own directories are 0755.
  for (const std::string& d : {dir, package->root_}) {
    if (chmod(d.c_str(), 0755) != 0) ADD_FAILURE() << "chmod " << d;
  }
  return package;
}

SystemUser NagiosUser() {
  const passwd* pw = getpwnam("nagios");
  if (pw == nullptr) return {};
  return {static_cast<int>(pw->pw_uid), static_cast<int>(pw->pw_gid)};
}

void ChownTree(const std::string& path, const SystemUser& user) {
  const auto owner = static_cast<uid_t>(user.uid);
  const auto group = static_cast<gid_t>(user.gid);
  if (lchown(path.c_str(), owner, group) != 0) ADD_FAILURE() << "chown " << path;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path, ec)) {
    if (lchown(entry.path().c_str(), owner, group) != 0) ADD_FAILURE() << "chown " << entry.path();
  }
}

}  // namespace exdm::testing
