// The Debian package end to end: `cpack -G DEB` builds it from this build tree, its contents and
// control data are inspected, dpkg installs it into a throwaway root (its own dpkg database in a
// temp dir: the machine's packages and /etc stay untouched, so this runs as root in CI and as
// anyone elsewhere), and the installed plugin runs: --version, then a real check against slapd.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "paths.h"
#include "run_program.h"
#include "slapd_fixture.h"

namespace exdm::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class PackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "package_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ProgramResult Run(const std::vector<std::string>& argv, int limit_seconds = 60) {
    ProgramOptions options;
    options.limit = std::chrono::seconds(limit_seconds);
    options.cwd = BinaryDir();
    return RunProgram(argv, options);
  }

  // Builds the package into dir_/out and returns its path.
  std::string BuildPackage() {
    const ProgramResult r = Run({"/usr/bin/cpack", "-G", "DEB", "-B", dir_ + "/out", "--config",
                                 BinaryDir() + "/CPackConfig.cmake"},
                                110);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/out")) {
      if (entry.path().extension() == ".deb") return entry.path().string();
    }
    ADD_FAILURE() << "no .deb in " << dir_ << "/out: " << r.out;
    return "";
  }

  std::string dir_;
};

// Version and dependency constraints as dpkg-deb prints them: "name (>= 1.2), other | alt".
std::vector<std::string> SplitDepends(const std::string& depends) {
  std::vector<std::string> out;
  std::stringstream s(depends);
  std::string item;
  while (std::getline(s, item, ',')) {
    const size_t b = item.find_first_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b));
  }
  return out;
}

TEST_F(PackageTest, BuildsInstallsIntoAThrowawayRootAndRuns) {
  const std::string deb = BuildPackage();
  ASSERT_FALSE(deb.empty());
  const std::string version = Run({CheckBinary(), "--version"}).out;  // "check_... 0.1.0 (rev)\n"
  const std::string number =
      version.substr(version.find(' ') + 1, version.find(" (") - version.find(' ') - 1);
  EXPECT_EQ(std::filesystem::path(deb).filename().string(),
            "exchange-delivery-monitor_" + number + "_" +
                SplitLines(Run({"/usr/bin/dpkg", "--print-architecture"}).out).at(0) + ".deb");

  // Contents.
  const ProgramResult listing = Run({"/usr/bin/dpkg-deb", "-c", deb});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  std::set<std::string> files;
  for (const std::string& line : SplitLines(listing.out)) {
    const size_t at = line.find(" ./");
    if (at != std::string::npos && line[0] == '-') files.insert(line.substr(at + 2));
  }
  for (const char* expected : {
           "/usr/lib/nagios/plugins/check_exchange_delivery",
           "/usr/bin/exchange_delivery_exporter",
           "/etc/exchange-delivery-monitor/exporter.ini",
           "/etc/exchange-delivery-monitor/check_exchange_delivery.ini",
           "/usr/lib/systemd/system/exchange-delivery-exporter.service",
           "/usr/lib/systemd/system/exchange-delivery-exporter.socket",
           "/usr/share/exchange-delivery-monitor/icinga2/exchange-delivery.conf",
           "/usr/share/exchange-delivery-monitor/icinga2/services.conf.example",
           "/usr/share/exchange-delivery-monitor/nagios/exchange-delivery.cfg",
           "/usr/share/exchange-delivery-monitor/nagios/services.cfg.example",
           "/usr/share/exchange-delivery-monitor/prometheus/exchange-delivery.rules.yml",
           "/usr/share/exchange-delivery-monitor/grafana/exchange-delivery.json",
           "/usr/share/exchange-delivery-monitor/collect/srv-exchange-EXCH01.log.mount",
           "/usr/share/exchange-delivery-monitor/collect/srv-exchange-EXCH01.log.automount",
           "/usr/share/exchange-delivery-monitor/collect/cifs.credentials.example",
           "/usr/share/exchange-delivery-monitor/collect/nxlog.conf",
           "/usr/share/exchange-delivery-monitor/collect/logparser-export.cmd",
           "/usr/share/exchange-delivery-monitor/collect/rsyslog-exchange.conf",
           "/usr/share/man/man1/check_exchange_delivery.1.gz",
           "/usr/share/man/man1/exchange_delivery_exporter.1.gz",
           "/usr/share/doc/exchange-delivery-monitor/README.md",
       }) {
    EXPECT_EQ(files.count(expected), 1u) << expected << " missing from the package:\n"
                                         << listing.out;
  }
  for (const std::string& f : files) {
    EXPECT_EQ(f.find("/usr/local"), std::string::npos) << f;
    EXPECT_EQ(f.find("/include/"), std::string::npos) << f;
    EXPECT_EQ(f.find("test"), std::string::npos) << "test material in the package: " << f;
  }

  // Control data: name, version, runtime dependencies the machine satisfies, conffiles.
  const ProgramResult fields =
      Run({"/usr/bin/dpkg-deb", "--showformat=${Package}\\n${Version}\\n${Depends}\\n", "-W", deb});
  ASSERT_EQ(fields.exit_code, 0) << fields.err;
  const std::vector<std::string> control = SplitLines(fields.out);
  ASSERT_EQ(control.size(), 3u) << fields.out;
  EXPECT_EQ(control[0], "exchange-delivery-monitor");
  EXPECT_EQ(control[1], number);
  for (const char* library : {"libldap-2.5-0", "libboost-program-options1.74.0",
                              "libprometheus-cpp-core", "libssl3", "libc6"}) {
    EXPECT_NE(control[2].find(library), std::string::npos) << "Depends: " << control[2];
  }
  // The exporter's web layer is Boost.Asio/Beast (headers) over OpenSSL: no CivetWeb at run time.
  EXPECT_EQ(control[2].find("civetweb"), std::string::npos) << "Depends: " << control[2];
  for (const std::string& dependency : SplitDepends(control[2])) {
    const std::string name = dependency.substr(0, dependency.find(' '));
    const ProgramResult installed =
        Run({"/usr/bin/dpkg-query", "-W", "-f=${Status} ${Version}", name});
    EXPECT_EQ(installed.out.rfind("install ok installed ", 0), 0u)
        << dependency << " is not satisfied here: " << installed.out << installed.err;
    const size_t open = dependency.find('(');
    if (open == std::string::npos || installed.exit_code != 0) continue;
    const std::string constraint = dependency.substr(open + 1, dependency.find(')') - open - 1);
    const std::string op = constraint.substr(0, constraint.find(' '));
    const std::string wanted = constraint.substr(constraint.find(' ') + 1);
    const std::string have = installed.out.substr(std::string("install ok installed ").size());
    const std::string dpkg_op = op == ">="   ? "ge"
                                : op == "<=" ? "le"
                                : op == "="  ? "eq"
                                : op == ">>" ? "gt"
                                             : "lt";
    EXPECT_EQ(Run({"/usr/bin/dpkg", "--compare-versions", have, dpkg_op, wanted}).exit_code, 0)
        << name << " " << have << " does not satisfy " << dependency;
  }
  const std::string control_dir = dir_ + "/control";
  ASSERT_EQ(Run({"/usr/bin/dpkg-deb", "-e", deb, control_dir}).exit_code, 0);
  EXPECT_EQ(ReadFile(control_dir + "/conffiles"),
            "/etc/exchange-delivery-monitor/exporter.ini\n"
            "/etc/exchange-delivery-monitor/check_exchange_delivery.ini\n");
  for (const char* script : {"preinst", "postinst", "prerm", "postrm"}) {
    EXPECT_FALSE(std::filesystem::exists(control_dir + "/" + script))
        << "the package should start nothing, but has a " << script;
  }

  // dpkg -i into a throwaway root with its own database. Dependencies live in the machine's
  // database, not in this one, hence --force-depends (checked against the machine above).
  const std::string root = dir_ + "/root";
  for (const char* d : {"/var/lib/dpkg/info", "/var/lib/dpkg/updates", "/var/lib/dpkg/triggers"}) {
    std::filesystem::create_directories(root + d);
  }
  std::ofstream(root + "/var/lib/dpkg/status").close();
  const ProgramResult install =
      Run({"/usr/bin/dpkg", "--root=" + root, "--log=" + dir_ + "/dpkg.log", "--force-depends",
           "--force-not-root", "-i", deb});
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  const ProgramResult status =
      Run({"/usr/bin/dpkg-query", "--admindir=" + root + "/var/lib/dpkg", "-W",
           "-f=${Status}|${Conffiles}", "exchange-delivery-monitor"});
  EXPECT_EQ(status.out.rfind("install ok installed|", 0), 0u) << status.out << status.err;
  EXPECT_NE(status.out.find("/etc/exchange-delivery-monitor/exporter.ini"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(root + "/etc/exchange-delivery-monitor/exporter.ini"));

  // The installed programs.
  const std::string plugin = root + "/usr/lib/nagios/plugins/check_exchange_delivery";
  const ProgramResult installed_version = Run({plugin, "--version"});
  EXPECT_EQ(installed_version.exit_code, 0);
  EXPECT_EQ(installed_version.out, version);
  const ProgramResult exporter_version =
      Run({root + "/usr/bin/exchange_delivery_exporter", "--version"});
  EXPECT_EQ(exporter_version.exit_code, 0);
  EXPECT_EQ(exporter_version.out.rfind("exchange_delivery_exporter " + number, 0), 0u)
      << exporter_version.out;
  ProgramOptions man_options;
  man_options.env = {{"MANWIDTH", "100"}, {"LC_ALL", "C.UTF-8"}};
  const ProgramResult man =
      RunProgram({"/usr/bin/man", "-l", root + "/usr/share/man/man1/check_exchange_delivery.1.gz"},
                 man_options);
  EXPECT_NE(man.out.find("--extra-opts"), std::string::npos) << man.err;

  // A real check: the installed plugin against slapd with a store lacking its SMTP mailbox.
  auto slapd = Slapd::Start();
  ASSERT_TRUE(slapd);
  ASSERT_TRUE(
      slapd->Load(SourceDir() + "/tests/fixtures/plugin/one-store-missing-smtp-mailbox.ldif"));
  const ProgramResult check = Run({plugin, "mailbox", "-H", slapd->uri(), "-D", slapd->monitor_dn(),
                                   "--password-file", slapd->monitor_password_file(), "-t", "20"});
  EXPECT_EQ(check.exit_code, 2) << check.out;
  EXPECT_EQ(check.out.rfind("EXCHANGE DELIVERY CRITICAL - 1 of 2 stores failing", 0), 0u)
      << check.out;
  EXPECT_NE(check.out.find("Store 2: missing"), std::string::npos) << check.out;
}

}  // namespace
}  // namespace exdm::testing
