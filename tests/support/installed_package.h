// The Debian package this build tree makes, as the daemon tests install it: ctest's `package.deb`
// fixture runs cpack once per ctest run (tests/integration/package/build_package.cmake) and every
// test that needs the package unpacks it with `dpkg -x` into its own temporary root. The daemons
// then run the plugin, the exporter and the monitoring definitions from that root, the files a
// user gets from `apt install`, not the build tree's.
#pragma once

#include <memory>
#include <string>

namespace exdm::testing {

// The .deb the `package.deb` fixture built; empty (and a test failure saying how to build it)
// when there is none.
std::string BuiltPackage();

class UnpackedPackage {
 public:
  // `dpkg -x` of BuiltPackage() into dir/root, every directory on the way world-traversable so a
  // daemon running as another user (nagios) reaches it. nullptr and a test failure on error.
  static std::unique_ptr<UnpackedPackage> Unpack(const std::string& dir);

  const std::string& root() const { return root_; }
  std::string Path(const std::string& installed_path) const { return root_ + installed_path; }
  std::string Plugin() const { return Path("/usr/lib/nagios/plugins/check_exchange_delivery"); }
  std::string Exporter() const { return Path("/usr/bin/exchange_delivery_exporter"); }
  // /usr/share/exchange-delivery-monitor/<sub>
  std::string Share(const std::string& sub) const {
    return Path("/usr/share/exchange-delivery-monitor/" + sub);
  }

 private:
  std::string root_;
};

// The nagios system user (Debian's nagios4-core and icinga2 run as it); uid -1 when absent.
struct SystemUser {
  int uid = -1;
  int gid = -1;
};
SystemUser NagiosUser();

// chown -R to `user` (the directories and files a daemon running as it writes).
void ChownTree(const std::string& path, const SystemUser& user);

}  // namespace exdm::testing
