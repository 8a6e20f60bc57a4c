// The Debian package end to end: the `package.deb` fixture builds it from this build tree (cpack),
// its contents and control data are inspected, dpkg installs and purges it in a throwaway root
// (its own dpkg database in a temp dir: the machine's packages and /etc stay untouched, so this
// runs as root in CI and as anyone elsewhere), and the installed plugin runs: --version, then a
// real check against slapd. lintian judges the package, readelf the hardening of its binaries,
// and the maintainer scripts run in a mount namespace where systemd seems to be running.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fault_support.h"
#include "installed_package.h"
#include "paths.h"
#include "run_program.h"
#include "slapd_fixture.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

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
  const std::string deb = BuiltPackage();
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
           "/usr/share/doc/exchange-delivery-monitor/copyright",
           "/usr/share/doc/exchange-delivery-monitor/changelog.gz",
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
  EXPECT_EQ(ReadWholeFile(control_dir + "/conffiles"),
            "/etc/exchange-delivery-monitor/exporter.ini\n"
            "/etc/exchange-delivery-monitor/check_exchange_delivery.ini\n");
  // Maintainer scripts: deploy/debian's, executable; nothing to do before unpacking.
  EXPECT_FALSE(std::filesystem::exists(control_dir + "/preinst"));
  for (const char* script : {"postinst", "prerm", "postrm"}) {
    EXPECT_EQ(ReadWholeFile(control_dir + "/" + script),
              ReadWholeFile(SourceDir() + "/deploy/debian/" + script))
        << script;
    EXPECT_EQ(access((control_dir + "/" + script).c_str(), X_OK), 0) << script;
  }

  // dpkg -i into a throwaway root with its own database. Dependencies live in the machine's
  // database, not in this one, hence --force-depends (checked against the machine above).
  // dpkg would run the maintainer scripts chrooted into the root, which has no shell: run them
  // in place with DPKG_ROOT set instead, as dpkg does for bootstrapping (they then leave the
  // machine's systemd alone; MaintainerScripts* below runs them against a systemd).
  const std::string root = dir_ + "/root";
  for (const char* d : {"/var/lib/dpkg/info", "/var/lib/dpkg/updates", "/var/lib/dpkg/triggers"}) {
    std::filesystem::create_directories(root + d);
  }
  std::ofstream(root + "/var/lib/dpkg/status").close();
  const ProgramResult install =
      Run({"/usr/bin/dpkg", "--root=" + root, "--log=" + dir_ + "/dpkg.log", "--force-depends",
           "--force-not-root", "--force-script-chrootless", "-i", deb});
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
  EXPECT_EQ(installed_version.exit_code, 3);  // UNKNOWN, as the Monitoring Plugins guidelines ask
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

  // Purge: the scripts run again (prerm remove, postrm remove and purge), everything goes,
  // conffiles included.
  const ProgramResult purge = Run(
      {"/usr/bin/dpkg", "--root=" + root, "--log=" + dir_ + "/dpkg.log", "--force-depends",
       "--force-not-root", "--force-script-chrootless", "--purge", "exchange-delivery-monitor"});
  ASSERT_EQ(purge.exit_code, 0) << purge.out << purge.err;
  EXPECT_FALSE(std::filesystem::exists(plugin));
  EXPECT_FALSE(std::filesystem::exists(root + "/etc/exchange-delivery-monitor/exporter.ini"));
  EXPECT_FALSE(std::filesystem::exists(root + "/usr/share/doc/exchange-delivery-monitor"));
}

// lintian's verdict, as a Debian developer would get it: no error, no warning, no hardening
// complaint (those are info tags). The info tags it gives today, left as they are:
// binary-has-unneeded-section .comment (cpack's strip keeps GCC's ident, dh_strip would drop it),
// package-supports-alternative-init-but-no-init.d-script (the exporter is run by systemd only),
// spare-manual-page (the plugin's page: plugins live outside PATH, as every Nagios plugin does).
TEST_F(PackageTest, LintianFindsNoErrorOrWarning) {
  ASSERT_EQ(access("/usr/bin/lintian", X_OK), 0)
      << "lintian is not installed (scripts/bootstrap.sh)";
  const std::string deb = BuiltPackage();
  ASSERT_FALSE(deb.empty());
  const ProgramResult lintian = Run({"/usr/bin/lintian", "--display-info", "--pedantic",
                                     "--tag-display-limit", "0", "--fail-on", "none", deb},
                                    240);
  ASSERT_EQ(lintian.exit_code, 0) << lintian.out << lintian.err;
  // "E: exchange-delivery-monitor: tag-name [detail]"
  const std::regex line(R"(^([EWIPX]): exchange-delivery-monitor(?: \w+)?: ([a-z0-9-]+))");
  int errors = 0;
  for (const std::string& text : SplitLines(lintian.out)) {
    std::smatch m;
    if (!std::regex_search(text, m, line)) continue;
    const std::string level = m[1];
    const std::string tag = m[2];
    if (level == "E") ++errors;
    EXPECT_NE(level, "W") << "lintian warns: " << text;
    EXPECT_NE(tag.rfind("hardening-", 0), 0u) << text;
  }
  EXPECT_EQ(errors, 0) << lintian.out;
}

// Debian's hardening flags took effect in the binaries the package installs (what
// `hardening-check` looks at): a position-independent executable, RELRO with BIND_NOW (the
// whole GOT read-only after start), the stack protector, and _FORTIFY_SOURCE's checked variants.
TEST_F(PackageTest, InstalledBinariesAreHardened) {
  auto package = UnpackedPackage::Unpack(dir_);
  ASSERT_TRUE(package);
  for (const std::string& binary : {package->Plugin(), package->Exporter()}) {
    SCOPED_TRACE(binary);
    const ProgramResult header = Run({"/usr/bin/readelf", "-h", "-W", binary});
    ASSERT_EQ(header.exit_code, 0) << header.err;
    EXPECT_NE(header.out.find("DYN (Position-Independent Executable file)"), std::string::npos)
        << header.out;
    const ProgramResult dynamic = Run({"/usr/bin/readelf", "-d", "-W", binary});
    std::string flags_1;
    bool bind_now = false;
    for (const std::string& l : SplitLines(dynamic.out)) {
      if (l.find("(FLAGS_1)") != std::string::npos) flags_1 = l;
      if (l.find("(BIND_NOW)") != std::string::npos ||
          (l.find("(FLAGS)") != std::string::npos && l.find("BIND_NOW") != std::string::npos)) {
        bind_now = true;
      }
    }
    EXPECT_TRUE(bind_now) << dynamic.out;
    EXPECT_NE(flags_1.find(" NOW"), std::string::npos) << flags_1;
    EXPECT_NE(flags_1.find(" PIE"), std::string::npos) << flags_1;
    const ProgramResult segments = Run({"/usr/bin/readelf", "-l", "-W", binary});
    EXPECT_NE(segments.out.find("GNU_RELRO"), std::string::npos) << segments.out;
    const ProgramResult symbols = Run({"/usr/bin/readelf", "--dyn-syms", "-W", binary});
    EXPECT_NE(symbols.out.find(" __stack_chk_fail"), std::string::npos);
    std::set<std::string> fortified;
    const std::regex chk(R"( (__[a-z0-9_]+_chk)\b)");
    for (auto it = std::sregex_iterator(symbols.out.begin(), symbols.out.end(), chk);
         it != std::sregex_iterator(); ++it) {
      if ((*it)[1] != "__stack_chk_fail") fortified.insert((*it)[1]);
    }
    EXPECT_FALSE(fortified.empty()) << "no _FORTIFY_SOURCE function in\n" << symbols.out;
  }
}

// The maintainer scripts against a systemd: each runs in a mount namespace of its own whose /run
// is a fresh tmpfs, with /run/systemd/system (how scripts tell that systemd is running) made or
// not. systemd itself cannot run here, so `systemctl` is a stand-in on PATH that records its
// arguments; deb-systemd-invoke is the real one (init-system-helpers) and calls it.
class MaintainerScriptTest : public PackageTest {
 protected:
  struct Case {
    std::string script;
    std::vector<std::string> args;
    std::vector<std::string> calls_with_systemd;  // systemctl argument lines
  };

  // The systemctl calls `script args` makes.
  std::vector<std::string> Calls(const std::string& control_dir, const Case& c, bool systemd,
                                 const std::string& dpkg_root = "") {
    const std::string calls = dir_ + "/calls";
    std::filesystem::remove(calls);
    const std::string stubs = dir_ + "/stubs";
    std::filesystem::create_directories(stubs);
    std::ofstream(stubs + "/systemctl") << "#!/bin/sh\necho \"$*\" >> '" << calls << "'\n";
    std::filesystem::permissions(stubs + "/systemctl", std::filesystem::perms(0755));
    // policy-rc.d (which bootstrap.sh puts in place while it installs packages) would make
    // deb-systemd-invoke skip its call: hidden in the namespace.
    std::vector<std::string> argv = {"/usr/bin/unshare",
                                     "--mount",
                                     "--propagation",
                                     "private",
                                     "/bin/sh",
                                     "-ec",
                                     std::string("mount -t tmpfs tmpfs /run; ") +
                                         (systemd ? "mkdir -p /run/systemd/system; " : "") +
                                         "if [ -e /usr/sbin/policy-rc.d ]; then mount --bind "
                                         "/dev/null /usr/sbin/policy-rc.d; fi; "
                                         "exec \"$@\"",
                                     "sh",
                                     control_dir + "/" + c.script};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    ProgramOptions options;
    options.env["PATH"] = stubs + ":/usr/sbin:/usr/bin:/sbin:/bin";
    if (dpkg_root.empty()) {
      options.unset_env = {"DPKG_ROOT"};
    } else {
      options.env["DPKG_ROOT"] = dpkg_root;
    }
    const ProgramResult r = RunProgram(argv, options);
    EXPECT_EQ(r.exit_code, 0) << c.script << " failed: " << r.out << r.err;
    return SplitLines(ReadWholeFile(calls));
  }
};

TEST_F(MaintainerScriptTest, ReloadSystemdAndEnableOrStartNothing) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for a mount namespace (CI runs as root)";
  const std::string deb = BuiltPackage();
  ASSERT_FALSE(deb.empty());
  const std::string control_dir = dir_ + "/control";
  ASSERT_EQ(Run({"/usr/bin/dpkg-deb", "-e", deb, control_dir}).exit_code, 0);
  const std::string reload = "--system daemon-reload";
  const std::string unit = "exchange-delivery-exporter.service";
  // The arguments dpkg passes (Debian Policy 6.5), and what each should make of them.
  const std::vector<Case> cases = {
      {"postinst", {"configure"}, {reload}},  // first install: no old version
      {"postinst", {"configure", "0.0.9"}, {reload, "try-restart " + unit}},  // upgrade
      {"postinst", {"abort-upgrade", "0.2.0"}, {reload, "try-restart " + unit}},
      {"prerm", {"upgrade", "0.2.0"}, {}},
      {"prerm", {"remove"}, {"stop " + unit}},
      {"postrm", {"upgrade", "0.2.0"}, {}},
      {"postrm", {"remove"}, {reload}},
      {"postrm", {"purge"}, {reload}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.script + " " + (c.args.empty() ? "" : c.args[0]));
    const std::vector<std::string> calls = Calls(control_dir, c, true);
    EXPECT_EQ(calls, c.calls_with_systemd);
    for (const std::string& call : calls) {
      EXPECT_EQ(call.find("enable"), std::string::npos) << call;
      EXPECT_NE(call.rfind("start ", 0), 0u) << call;
      EXPECT_NE(call.rfind("restart ", 0), 0u) << call;
    }
    // Not booted with systemd (a container, sysvinit), or installing into another root: nothing.
    EXPECT_EQ(Calls(control_dir, c, false), std::vector<std::string>{});
    EXPECT_EQ(Calls(control_dir, c, true, dir_ + "/elsewhere"), std::vector<std::string>{});
  }
}

}  // namespace
}  // namespace exdm::testing
