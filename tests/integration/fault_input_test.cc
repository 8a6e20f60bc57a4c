// Fault matrix, files read whole (issue 22): what the check and the exporter do when an options
// file, a password or CA file, or the exporter's configuration is a device, a FIFO, a directory,
// huge, or on a share that hangs. Each is refused at once naming what it is, or ends at the
// deadline; memory stays flat; the exporter's signal handling never waits on a reload's read.
// The hung share is a real file system whose reads never return (support/hung_share.h).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "background_process.h"
#include "exporter_process.h"
#include "fault_support.h"
#include "hung_share.h"
#include "paths.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Peak memory of a check that read nothing big: well under this (the runs measured before the
// bounded reader grew to 1 GB and more).
constexpr long kSmallRssKb = 64 * 1024;

ProgramResult CheckUnderMemoryLimit(const std::vector<std::string>& args) {
  // As the issue's run: a 512 MB address-space limit, where reading /dev/zero used to end in
  // std::bad_alloc.
  std::vector<std::string> argv = {"/usr/bin/prlimit", "--as=536870912", CheckBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  ProgramOptions options;
  options.limit = seconds(30);
  return RunProgram(argv, options);
}

void ExpectRefusedAtOnce(const ProgramResult& r, const std::string& reason, int deadline_s) {
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_EQ(StatusLine(r.out), "EXCHANGE DELIVERY UNKNOWN - " + reason);
  EXPECT_LT(r.elapsed, seconds(deadline_s)) << "not before the -t deadline";
  EXPECT_LT(r.max_rss_kb, kSmallRssKb) << "peak RSS " << r.max_rss_kb << " kB";
  EXPECT_EQ(r.err, "");
}

TEST(FaultInput, ExtraOptsDeviceFifoOrHugeFileIsUnknownAtOnce) {
  TempDir tmp("exdm-fault-input");
  const std::string fifo = tmp.File("plugins.ini");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  // Was 66 s and 16.8 GB for /dev/zero, and a hang past -t for the FIFO.
  ExpectRefusedAtOnce(CheckUnderMemoryLimit({"queue", "--extra-opts=@/dev/zero", "-t", "3"}),
                      "--extra-opts file '/dev/zero' is a character device, not a regular file", 3);
  ExpectRefusedAtOnce(CheckUnderMemoryLimit({"queue", "--extra-opts=@" + fifo, "-t", "3"}),
                      "--extra-opts file '" + fifo + "' is a FIFO (named pipe), not a regular file",
                      3);
  const std::string huge = tmp.File("huge.ini");
  WriteWholeFile(huge, "[check_exchange_delivery]\n# " + std::string(2u << 20, 'x') + "\n");
  ExpectRefusedAtOnce(CheckUnderMemoryLimit({"queue", "--extra-opts=@" + huge, "-t", "3"}),
                      "--extra-opts file '" + huge +
                          "' is larger than 1048576 bytes, too large for a --extra-opts file",
                      3);
  // A key given twice in the section takes one value: refused, not "the last one wins".
  const std::string twice = tmp.File("twice.ini");
  WriteWholeFile(twice, "[check_exchange_delivery]\nwarning-age = 600\nwarning-age = 900\n");
  const ProgramResult dup = RunCheck({"queue", "--extra-opts=@" + twice});
  EXPECT_EQ(dup.exit_code, 3) << dup.out;
  EXPECT_EQ(StatusLine(dup.out),
            "EXCHANGE DELIVERY UNKNOWN - --extra-opts: " + twice +
                ":3: 'warning-age' is given twice in [check_exchange_delivery] (first on line 2); "
                "it takes one value");
}

TEST(FaultInput, ExtraOptsOnAHungShareEndsAtTheDeadline) {
  std::string why;
  auto share = HungShare::Mount(&why);
  if (!share) GTEST_SKIP() << "no hung share: " << why;
  share->Put("plugins.ini", "[check_exchange_delivery]\n", /*hanging=*/true);
  const ProgramResult r =
      RunCheck({"queue", "--extra-opts=@" + share->File("plugins.ini"), "-t", "2"}, seconds(20));
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_EQ(StatusLine(r.out),
            "EXCHANGE DELIVERY UNKNOWN - deadline expired while reading "
            "--extra-opts file '" +
                share->File("plugins.ini") + "'");
  // The read is abandoned at -t (2 s); the process then ends without it.
  EXPECT_LT(r.elapsed, seconds(5)) << "the hung read held the check past its deadline";
  share->Release();
}

TEST(FaultInput, PasswordFileDeviceDirectoryOrHungShare) {
  TempDir tmp("exdm-fault-input");
  // Was "internal error: std::bad_alloc" (before that, exit 134 with no plugin output).
  ExpectRefusedAtOnce(
      CheckUnderMemoryLimit({"mailbox", "-H", "ldap://127.0.0.1:1", "-D", "cn=monitor",
                             "--password-file", "/dev/zero", "-t", "3"}),
      "--password-file '/dev/zero' is a character device, not a regular file", 3);
  // Was "password file ... is empty".
  const ProgramResult dir = CheckUnderMemoryLimit(
      {"mailbox", "-H", "ldap://127.0.0.1:1", "-D", "cn=monitor", "--password-file", tmp.path()});
  EXPECT_EQ(dir.exit_code, 3) << dir.out;
  ExpectRefusedAtOnce(dir,
                      "--password-file '" + tmp.path() + "' is a directory, not a regular file", 3);

  std::string why;
  auto share = HungShare::Mount(&why);
  if (!share) GTEST_SKIP() << "no hung share: " << why;
  share->Put("ldap.secret", "secret\n", /*hanging=*/true);
  const ProgramResult hung =
      RunCheck({"mailbox", "-H", "ldap://127.0.0.1:1", "-D", "cn=monitor", "--password-file",
                share->File("ldap.secret"), "-t", "2:CRITICAL"},
               seconds(20));
  EXPECT_EQ(hung.exit_code, 2) << hung.out;  // the -t state
  EXPECT_NE(hung.out.find("deadline expired while reading password file '" +
                          share->File("ldap.secret") + "'"),
            std::string::npos)
      << hung.out;
  EXPECT_LT(hung.elapsed, seconds(5));
  share->Release();
}

// An empty or garbled CA file is a bad local input (UNKNOWN, like a missing one), not a server
// whose certificate cannot be verified (it was CRITICAL "does not hold the issuing CA").
TEST(FaultInput, EmptyOrGarbageCaFileIsUnknownNotCritical) {
  TempDir tmp("exdm-fault-input");
  const std::string empty = tmp.File("empty.pem");
  WriteWholeFile(empty, "");
  const std::string garbage = tmp.File("garbage.pem");
  WriteWholeFile(garbage,
                 "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
                 "-----END CERTIFICATE-----\n");
  const ProgramResult e = RunCheck({"mailbox", "-H", "ldaps://127.0.0.1:1", "--ca-file", empty});
  EXPECT_EQ(e.exit_code, 3) << e.out;
  EXPECT_EQ(StatusLine(e.out), "EXCHANGE DELIVERY UNKNOWN - --ca-file '" + empty +
                                   "' holds no PEM certificate (no -----BEGIN CERTIFICATE----- "
                                   "line); give the CA's certificate in PEM form");
  const ProgramResult g = RunCheck({"mailbox", "-H", "ldaps://127.0.0.1:1", "--ca-file", garbage});
  EXPECT_EQ(g.exit_code, 3) << g.out;
  EXPECT_EQ(StatusLine(g.out), "EXCHANGE DELIVERY UNKNOWN - --ca-file '" + garbage +
                                   "': certificate 1 is not a readable X.509 certificate");

  // The exporter: the audit fails naming ldap.ca_file, nothing is reported as the server's.
  auto exporter = ExporterProcess::Start(
      tmp.path(), {"--ldap.uri=ldaps://127.0.0.1:1", "--ldap.ca_file=" + empty,
                   "--exporter.state_dir=" + tmp.File("st"), "--exporter.audit_interval=1"});
  ASSERT_TRUE(exporter);
  EXPECT_TRUE(
      WaitForExporterLog(*exporter, "ldap.ca_file '" + empty + "' holds no PEM certificate"))
      << exporter->Log();
  EXPECT_EQ(SampleValue(exporter->ScrapeText(), "exchange_collector_success{collector=\"audit\"}"),
            0);
}

// The exporter's --config.file: a device or FIFO is refused at start (it started on an empty
// configuration after reading /dev/zero for seconds, and hung on the FIFO) and on SIGHUP; a
// reload whose file hangs never holds up SIGTERM (it was ignored until the FIFO got a writer).
TEST(FaultInput, ExporterConfigDeviceFifoOrHungShareAtStartAndOnReload) {
  TempDir tmp("exdm-fault-input");
  const std::string fifo = tmp.File("fifo.ini");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  for (const auto& [path, what] : std::vector<std::pair<std::string, std::string>>{
           {"/dev/zero", "a character device"}, {fifo, "a FIFO (named pipe)"}}) {
    ProgramOptions options;
    options.limit = seconds(20);
    const ProgramResult r = RunProgram({ExporterBinary(), "--config.file=" + path}, options);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err, "exchange_delivery_exporter: config file '" + path + "' is " + what +
                         ", not a regular file\n");
    EXPECT_LT(r.elapsed, seconds(5));
  }
  const ProgramResult web = RunProgram(
      {ExporterBinary(), "--web.listen-address=127.0.0.1:0", "--web.config.file=" + fifo});
  EXPECT_EQ(web.exit_code, 2);
  EXPECT_NE(web.err.find("web config file '" + fifo + "' is a FIFO (named pipe)"),
            std::string::npos)
      << web.err;

  // Running on a good file behind a link, then SIGHUP with the link on the FIFO: refused, still
  // serving on the running configuration.
  const std::string good = tmp.File("good.ini");
  WriteWholeFile(good, "[web]\nlisten-address = 127.0.0.1:0\n[exporter]\nstate_dir = " +
                           tmp.File("st") + "\n");
  const std::string link = tmp.File("exporter.ini");
  ASSERT_EQ(::symlink(good.c_str(), link.c_str()), 0);
  std::string error;
  auto exporter = BackgroundProcess::Start({ExporterBinary(), "--config.file=" + link},
                                           tmp.File("exporter.log"), &error);
  ASSERT_TRUE(exporter) << error;
  ASSERT_TRUE(exporter->WaitForLog(
      [](const std::string& log) { return log.find("listening on") != std::string::npos; },
      seconds(10)))
      << exporter->Log();
  auto relink = [&link](const std::string& target) {
    ::unlink(link.c_str());
    ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  };
  relink(fifo);
  exporter->Signal(SIGHUP);
  EXPECT_TRUE(exporter->WaitForLog(
      [&](const std::string& log) {
        return log.find("reload failed, keeping the running configuration: config file '" + link +
                        "' is a FIFO (named pipe), not a regular file") != std::string::npos;
      },
      seconds(10)))
      << exporter->Log();

  // Then on a file whose read never returns: the reload waits on it, SIGTERM does not.
  std::string why;
  auto share = HungShare::Mount(&why);
  if (!share) GTEST_SKIP() << "no hung share: " << why;
  share->Put("exporter.ini", "[web]\nlisten-address = 127.0.0.1:0\n", /*hanging=*/true);
  relink(share->File("exporter.ini"));
  exporter->Signal(SIGHUP);
  ASSERT_TRUE(share->WaitForBlockedReads(1, seconds(10))) << "the reload never read the file";
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(exporter->Stop(seconds(10)), 0) << exporter->Log();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(3))
      << "SIGTERM waited for the reload's read";
  EXPECT_NE(exporter->Log().find("stopping on signal 15"), std::string::npos) << exporter->Log();
  share->Release();
}

}  // namespace
}  // namespace exdm::testing
