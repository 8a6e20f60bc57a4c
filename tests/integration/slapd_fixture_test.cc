// The slapd fixture itself: it starts, answers like AD where we rely on it, and leaves nothing.
#include "slapd_fixture.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "process.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

bool ProcessExists(pid_t pid) {
  return kill(pid, 0) == 0 || errno != ESRCH;
}

TEST(SlapdFixture, StartsAnswersAndLeavesNothingBehind) {
  pid_t pid = -1;
  std::string dir;
  {
    auto slapd = Slapd::Start();
    ASSERT_TRUE(slapd);
    pid = slapd->pid();
    dir = slapd->dir();
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(ProcessExists(pid));
    ProcessResult who = RunProcess({"ldapwhoami", "-x", "-H", slapd->uri(), "-D",
                                    slapd->monitor_dn(), "-y", slapd->monitor_password_file()});
    ASSERT_TRUE(who.ok()) << who.output;
    EXPECT_EQ(who.output, "dn:cn=svc-monitor,ou=Service,dc=contoso,dc=com\n");
  }
  EXPECT_FALSE(ProcessExists(pid)) << "slapd " << pid << " still running";
  EXPECT_FALSE(std::ifstream(dir + "/slapd.conf").good()) << dir << " not removed";
}

TEST(SlapdFixture, RootDsePublishesNamingContextsLikeAd) {
  auto slapd = Slapd::Start(Slapd::Options().WithSuffix("DC=fabrikam,DC=example"));
  ASSERT_TRUE(slapd);
  // Anonymous, like a client that reads the root DSE before binding.
  ProcessResult r = RunProcess({"ldapsearch", "-LLL", "-x", "-H", slapd->uri(), "-b", "", "-s",
                                "base", "configurationNamingContext", "defaultNamingContext"});
  ASSERT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("configurationNamingContext: CN=Configuration,DC=fabrikam,DC=example\n"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("defaultNamingContext: DC=fabrikam,DC=example\n"), std::string::npos)
      << r.output;
}

TEST(SlapdFixture, AnonymousCanBindButNotRead) {
  auto slapd = Slapd::Start();
  ASSERT_TRUE(slapd);
  ProcessResult anon = RunProcess({"ldapsearch", "-LLL", "-x", "-H", slapd->uri(), "-b",
                                   slapd->configuration_dn(), "-s", "base", "cn"});
  EXPECT_EQ(anon.exit_code, 32) << anon.output;  // noSuchObject: nothing is disclosed
  ProcessResult monitor =
      slapd->Search(slapd->configuration_dn(), "base", "(objectClass=*)", {"cn"});
  ASSERT_TRUE(monitor.ok()) << monitor.output;
  EXPECT_NE(monitor.output.find("cn: Configuration"), std::string::npos) << monitor.output;
  // The monitor reads, it never writes.
  std::string ldif = slapd->dir() + "/write.ldif";
  std::ofstream(ldif) << "dn: CN=Services," << slapd->configuration_dn()
                      << "\nchangetype: modify\nreplace: description\ndescription: x\n";
  ProcessResult write =
      RunProcess({"ldapmodify", "-x", "-H", slapd->uri(), "-D", slapd->monitor_dn(), "-y",
                  slapd->monitor_password_file(), "-f", ldif});
  EXPECT_EQ(write.exit_code, 50) << write.output;  // insufficientAccessRights
  EXPECT_TRUE(slapd->Modify(ldif));
}

TEST(SlapdFixture, TlsWithTheGeneratedCa) {
  auto slapd = Slapd::Start(Slapd::Options().WithTls());
  ASSERT_TRUE(slapd);
  ASSERT_EQ(slapd->ldaps_uri().rfind("ldaps://127.0.0.1:", 0), 0u) << slapd->ldaps_uri();
  std::vector<std::string> whoami = {"ldapwhoami", "-x",
                                     "-H",         slapd->ldaps_uri(),
                                     "-D",         slapd->monitor_dn(),
                                     "-y",         slapd->monitor_password_file()};
  ProcessResult trusted = RunProcess(whoami, {{"LDAPTLS_CACERT", slapd->ca_file()}});
  EXPECT_TRUE(trusted.ok()) << trusted.output;
  // Verification is on: without the CA the same bind fails.
  ProcessResult untrusted =
      RunProcess(whoami, {{"LDAPTLS_CACERT", "/dev/null"}, {"LDAPTLS_REQCERT", "demand"}});
  EXPECT_FALSE(untrusted.ok()) << untrusted.output;
}

TEST(SlapdFixture, SuspendMakesItHangAndResumeRecovers) {
  auto slapd = Slapd::Start();
  ASSERT_TRUE(slapd);
  std::vector<std::string> whoami = {"ldapwhoami", "-x",
                                     "-o",         "nettimeout=1",
                                     "-H",         slapd->uri(),
                                     "-D",         slapd->monitor_dn(),
                                     "-y",         slapd->monitor_password_file()};
  slapd->Suspend();
  ProcessResult hung = RunProcess({"timeout", "2", "ldapwhoami", "-x", "-H", slapd->uri(), "-D",
                                   slapd->monitor_dn(), "-y", slapd->monitor_password_file()});
  EXPECT_FALSE(hung.ok()) << hung.output;
  slapd->Resume();
  EXPECT_TRUE(RunProcess(whoami).ok());
  pid_t pid = slapd->pid();
  slapd->Kill();
  EXPECT_EQ(slapd->pid(), -1);
  EXPECT_FALSE(ProcessExists(pid));
  EXPECT_FALSE(RunProcess(whoami).ok());
}

TEST(SlapdFixture, RestartComesBackOnTheSameUriWithTheSameData) {
  auto slapd = Slapd::Start(Slapd::Options().WithTls());
  ASSERT_TRUE(slapd);
  const std::string uri = slapd->uri(), ldaps = slapd->ldaps_uri();
  std::ofstream(slapd->dir() + "/add.ldif")
      << "dn: CN=Added,CN=Users," << slapd->suffix() << "\nobjectClass: container\ncn: Added\n";
  ASSERT_TRUE(slapd->Load(slapd->dir() + "/add.ldif"));
  slapd->Kill();
  ASSERT_TRUE(slapd->Restart());
  EXPECT_EQ(slapd->uri(), uri);
  EXPECT_EQ(slapd->ldaps_uri(), ldaps);
  ProcessResult r = slapd->Search("CN=Users," + slapd->suffix(), "one", "(cn=Added)", {"cn"});
  EXPECT_TRUE(r.ok()) << r.output;
  EXPECT_NE(r.output.find("cn: Added"), std::string::npos) << r.output;
}

TEST(SlapdFixture, ScriptStartLoadsSeveralLdifFilesAndStopsByPid) {
  TempDir tmp;
  std::ofstream(tmp.File("a.ldif"))
      << "dn: CN=A,CN=Users,DC=contoso,DC=com\nobjectClass: container\ncn: A\n";
  std::ofstream(tmp.File("b.ldif"))
      << "dn: CN=B,CN=Users,DC=contoso,DC=com\nobjectClass: container\ncn: B\n";
  const std::string dir = tmp.File("slapd");
  ProcessResult started = RunProcess({"bash", Slapd::ScriptPath(), "start", dir, "--ldif",
                                      tmp.File("a.ldif"), tmp.File("b.ldif")});
  ASSERT_TRUE(started.ok()) << started.output;
  std::ifstream uri_file(dir + "/uri");
  std::string uri;
  std::getline(uri_file, uri);
  // The URI is the last line (a retry after a port race may be reported before it, on stderr).
  EXPECT_EQ(started.output.substr(started.output.find_last_of('\n', started.output.size() - 2) + 1),
            uri + "\n");
  std::ifstream pid_file(dir + "/slapd.pid");
  pid_t pid = -1;
  pid_file >> pid;
  ASSERT_GT(pid, 0);
  ProcessResult r =
      RunProcess({"ldapsearch", "-LLL", "-x", "-H", uri, "-D",
                  "CN=svc-monitor,OU=Service,DC=contoso,DC=com", "-y", dir + "/monitor.secret",
                  "-b", "CN=Users,DC=contoso,DC=com", "-s", "one", "(|(cn=A)(cn=B))", "cn"});
  EXPECT_NE(r.output.find("cn: A"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cn: B"), std::string::npos) << r.output;
  ProcessResult stopped = RunProcess({"bash", Slapd::ScriptPath(), "stop", dir});
  EXPECT_TRUE(stopped.ok()) << stopped.output;
  // Gone (an exited daemon may linger as a zombie until init reaps it).
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  EXPECT_TRUE(line.empty() || line.substr(line.rfind(')') + 2, 1) == "Z") << line;
  if (!line.empty() && line.substr(line.rfind(')') + 2, 1) != "Z") kill(pid, SIGKILL);
}

TEST(SlapdFixture, AbortedTestBinaryLeavesNoSlapd) {
  // The aborted child cannot remove its directory: give it one we remove.
  std::string tmp = "/tmp/exdm-abort-XXXXXX";
  ASSERT_NE(mkdtemp(tmp.data()), nullptr);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // plays a test binary that starts slapd and then aborts
    close(fds[0]);
    setenv("TMPDIR", tmp.c_str(), 1);
    auto slapd = Slapd::Start();
    pid_t slapd_pid = slapd ? slapd->pid() : -1;
    if (write(fds[1], &slapd_pid, sizeof slapd_pid) != sizeof slapd_pid) _exit(1);
    std::abort();  // no destructor runs
  }
  close(fds[1]);
  pid_t slapd_pid = -1;
  ASSERT_EQ(read(fds[0], &slapd_pid, sizeof slapd_pid), static_cast<ssize_t>(sizeof slapd_pid));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_GT(slapd_pid, 0);
  // The kernel delivers the parent-death signal; the orphan is then reaped by init.
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(slapd_pid) + "/stat");
    std::string all;
    std::getline(stat, all);
    gone = !stat.good() && all.empty();
    if (!gone) {
      auto state = all.substr(all.rfind(')') + 2, 1);
      gone = state == "Z";  // killed, waiting for its reaper
    }
    if (!gone) usleep(10000);
  }
  EXPECT_TRUE(gone) << "slapd " << slapd_pid << " survived its aborted parent";
  if (!gone) kill(slapd_pid, SIGKILL);
  std::filesystem::remove_all(tmp);
}

}  // namespace
}  // namespace exdm::testing
