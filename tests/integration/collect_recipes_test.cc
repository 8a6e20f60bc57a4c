// The collection recipes in deploy/collect/ work with the real tools: the CIFS mount units pass
// `systemd-analyze verify`, the rsyslog receiver passes `rsyslogd -N1` and, run for real, turns
// NXLog's lines into a file the events mode reads; samples in exactly the format the shipped NXLog
// configuration and Log Parser command produce (tests/fixtures/collect/, written by hand from
// NXLog's im_mseventlog field list and the recipe's SELECT list, not by our own generator) are
// read end to end by `check_exchange_delivery events`.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "background_process.h"
#include "paths.h"
#include "run_program.h"

namespace exdm::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Collect(const std::string& name) {
  return SourceDir() + "/deploy/collect/" + name;
}
std::string Sample(const std::string& name) {
  return SourceDir() + "/tests/fixtures/collect/" + name;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// check_exchange_delivery events over one file as of 15:00 UTC on the samples' day.
ProgramResult RunEvents(const TempDir& dir, const std::string& file,
                        const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {CheckBinary(),  "events",
                                   "--event-file", "EXCH01=" + file,
                                   "--now",        "2026-11-25T15:00:00Z",
                                   "--window",     "7200",
                                   "--state-file", dir.File("events.state")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return RunProgram(argv);
}

// What both samples hold: 2080 (gc1 and dc2 in use), 326 for one store at 14:03:22 UTC, 1194,
// and a 327 look-alike; nothing unreadable.
void ExpectSampleEvidence(const ProgramResult& r) {
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("logon_failures_326=1;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("smtp_interface_failures_1194=1;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("store_call_failures_327=1;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad_rows=0;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("store 3e4385bb-7c43-4feb-8ea2-97c65cc06abf"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gc1.contoso.com (GC"), std::string::npos)
      << "DSAccess 2080's server list not read:\n"
      << r.out;
}

TEST(CollectRecipesTest, MountUnitsPassSystemdAnalyzeVerify) {
  if (!std::filesystem::exists("/usr/bin/systemd-analyze")) {
    GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd): units not verified";
  }
  // verify reads the units from their own directory; a copy keeps the source tree clean.
  TempDir dir("exdm-units");
  std::vector<std::string> argv = {"/usr/bin/systemd-analyze", "verify"};
  for (const char* unit : {"srv-exchange-EXCH01.log.mount", "srv-exchange-EXCH01.log.automount"}) {
    std::filesystem::copy_file(Collect(unit), dir.File(unit));
    argv.push_back(dir.File(unit));
  }
  const ProgramResult r = RunProgram(argv);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "") << "systemd-analyze warns about the units";

  // The same run fails a unit whose mount point does not match its name (the test can fail).
  const std::string mount = dir.File("srv-exchange-EXCH01.log.mount");
  std::ofstream(mount) << ReplaceAll(ReadFile(Collect("srv-exchange-EXCH01.log.mount")),
                                     "Where=/srv/exchange/EXCH01.log", "Where=/srv/EXCH01");
  EXPECT_NE(RunProgram({"/usr/bin/systemd-analyze", "verify", mount}).exit_code, 0);
}

TEST(CollectRecipesTest, MountUnitIsReadOnlyWithCredentialsFileAndBoundedTimeouts) {
  const std::string mount = ReadFile(Collect("srv-exchange-EXCH01.log.mount"));
  std::string options;
  for (const std::string& line : SplitLines(mount)) {
    if (line.rfind("Options=", 0) == 0) options = "," + line.substr(8) + ",";
  }
  for (const char* wanted :
       {",ro,", ",vers=1.0,", ",soft,", ",noserverino,", ",cache=none,",
        ",credentials=/etc/exchange-delivery-monitor/cifs/EXCH01.credentials,"}) {
    EXPECT_NE(options.find(wanted), std::string::npos) << wanted << " not in " << options;
  }
  EXPECT_EQ(options.find("password="), std::string::npos) << "password in the unit";
  EXPECT_NE(mount.find("\nTimeoutSec=15s\n"), std::string::npos);
  EXPECT_NE(mount.find("\nWhat=//exch01.contoso.com/EXCH01.log\n"), std::string::npos);
  // The credentials example keeps the documented key names mount.cifs reads.
  const std::string creds = ReadFile(Collect("cifs.credentials.example"));
  for (const char* key : {"\nusername=", "\npassword=", "\ndomain="})
    EXPECT_NE(creds.find(key), std::string::npos) << key;
}

// An unavailable share (automount failed, server down) is UNKNOWN naming the server.
TEST(CollectRecipesTest, UnavailableShareIsUnknownNamingTheServer) {
  TempDir dir("exdm-share");
  const std::string missing = dir.File("EXCH01.log");  // the mount point that did not mount
  const ProgramResult queue = RunProgram({CheckBinary(), "queue", "--tracking-dir",
                                          "EXCH01=" + missing, "--state-file", dir.File("state")});
  EXPECT_EQ(queue.exit_code, 3) << queue.out;
  EXPECT_EQ(queue.out.rfind("EXCHANGE DELIVERY UNKNOWN - cannot read --tracking-dir '" + missing +
                                "' of EXCH01: ",
                            0),
            0u)
      << queue.out;
  const ProgramResult events = RunProgram({CheckBinary(), "events", "--event-file",
                                           "EXCH02=" + dir.File("EXCH02-application.jsonl"),
                                           "--state-file", dir.File("state")});
  EXPECT_EQ(events.exit_code, 3) << events.out;
  EXPECT_NE(events.out.find("of EXCH02: "), std::string::npos) << events.out;
}

TEST(CollectRecipesTest, NxlogSampleIsReadByTheEventsMode) {
  TempDir dir("exdm-nxlog");
  const ProgramResult r = RunEvents(dir, Sample("nxlog-EXCH01-application.jsonl"));
  ExpectSampleEvidence(r);
  // UTC timestamps with a zone: --event-tz does not move them.
  EXPECT_NE(r.out.find("since 2026-11-25T14:03:22Z"), std::string::npos) << r.out;
  TempDir other("exdm-nxlog");
  const ProgramResult berlin =
      RunEvents(other, Sample("nxlog-EXCH01-application.jsonl"), {"--event-tz", "Europe/Berlin"});
  EXPECT_NE(berlin.out.find("since 2026-11-25T14:03:22Z"), std::string::npos) << berlin.out;
}

TEST(CollectRecipesTest, LogParserSampleIsReadInTheServersZone) {
  TempDir dir("exdm-logparser");
  const ProgramResult r =
      RunEvents(dir, Sample("logparser-EXCH01-application.csv"), {"--event-tz", "Europe/Berlin"});
  ExpectSampleEvidence(r);
  // TimeGenerated 15:03:22 in Berlin (CET, UTC+1) is 14:03:22 UTC ...
  EXPECT_NE(r.out.find("since 2026-11-25T14:03:22Z"), std::string::npos) << r.out;
  // ... and read as UTC it would be an hour later: the zone is what --event-tz says.
  TempDir other("exdm-logparser");
  const ProgramResult utc = RunEvents(other, Sample("logparser-EXCH01-application.csv"));
  EXPECT_NE(utc.out.find("since 2026-11-25T15:03:22Z"), std::string::npos) << utc.out;
}

TEST(CollectRecipesTest, RecipesSelectWhatTheSamplesHold) {
  // The Log Parser command's SELECT list is the sample's header, in order.
  const std::string cmd = ReadFile(Collect("logparser-export.cmd"));
  const size_t select = cmd.find("\"SELECT ");
  ASSERT_NE(select, std::string::npos);
  std::string columns = cmd.substr(select + 8, cmd.find(" INTO ", select) - select - 8);
  columns = ReplaceAll(columns, ", ", ",");
  const std::string csv = ReadFile(Sample("logparser-EXCH01-application.csv"));
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")), columns);
  for (const char* option : {"-i:EVT", "-o:CSV", "-formatMsg:OFF", "-oDQuotes:ON", "-fileMode:0",
                             "-iCheckpoint:", "-oCodepage:65001", "FROM Application"}) {
    EXPECT_NE(cmd.find(option), std::string::npos) << option;
  }
  EXPECT_NE(cmd.find("schtasks /create "), std::string::npos);
  // Both recipes filter on the same sources and IDs.
  const std::string nxlog = ReadFile(Collect("nxlog.conf"));
  for (const char* source :
       {"MSExchangeTransport", "MSExchangeIS", "EXOLEDB", "MSExchangeDSAccess"}) {
    EXPECT_NE(cmd.find(std::string("SourceName = '") + source + "'"), std::string::npos) << source;
    EXPECT_NE(nxlog.find(std::string("$SourceName == '") + source + "'"), std::string::npos)
        << source;
  }
  for (const char* id : {"326", "327", "1194", "116", "2080", "2081"}) {
    EXPECT_NE(nxlog.find(std::string("$EventID == ") + id), std::string::npos) << id;
    EXPECT_NE(cmd.find(id), std::string::npos) << id;
  }
  EXPECT_NE(nxlog.find("Module      im_mseventlog"), std::string::npos);
  EXPECT_NE(nxlog.find("strftime($EventTime, 'YYYY-MM-DDThh:mm:ssUTC')"), std::string::npos);
  EXPECT_NE(nxlog.find("to_json();"), std::string::npos);
}

TEST(CollectRecipesTest, RsyslogSnippetPassesConfigCheck) {
  if (!std::filesystem::exists("/usr/sbin/rsyslogd")) {
    GTEST_SKIP() << "rsyslogd is not installed (Debian package rsyslog; scripts/bootstrap.sh)";
  }
  const ProgramResult r =
      RunProgram({"/usr/sbin/rsyslogd", "-N1", "-f", Collect("rsyslog-exchange.conf")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // A broken copy fails the same check.
  TempDir dir("exdm-rsyslog");
  dir.Write("broken.conf", ReplaceAll(ReadFile(Collect("rsyslog-exchange.conf")), "type=\"omfile\"",
                                      "type=\"omfile\" nosuchparameter=\"1\""));
  EXPECT_NE(RunProgram({"/usr/sbin/rsyslogd", "-N1", "-f", dir.File("broken.conf")}).exit_code, 0);
}

// Sends `data` to 127.0.0.1:port over one TCP connection, as NXLog's om_tcp does.
bool SendTcp(int port, const std::string& data) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  for (int attempt = 0; attempt < 50 && !ok; ++attempt) {
    ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  size_t sent = 0;
  while (ok && sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      ok = false;
    else
      sent += static_cast<size_t>(n);
  }
  ::close(fd);
  return ok;
}

TEST(CollectRecipesTest, RsyslogWritesNxlogLinesToTheFileTheCheckReads) {
  if (!std::filesystem::exists("/usr/sbin/rsyslogd")) {
    GTEST_SKIP() << "rsyslogd is not installed (Debian package rsyslog; scripts/bootstrap.sh)";
  }
  TempDir dir("exdm-rsyslog");
  const int port = FreeLoopbackPort();
  // The shipped snippet with only the site-specific values changed: port, the sender's address
  // (this host), the output directory. Its own work directory, no system inputs.
  std::string conf = ReadFile(Collect("rsyslog-exchange.conf"));
  conf = ReplaceAll(conf, "port=\"5140\"", "port=\"" + std::to_string(port) + "\"");
  conf = ReplaceAll(conf, "\"192.0.2.10\"", "\"127.0.0.1\"");
  conf = ReplaceAll(conf, "/var/log/exchange/", dir.path() + "/out/");
  dir.Write("rsyslog.conf", "global(workDirectory=\"" + dir.path() + "\")\n" + conf);
  std::string error;
  auto rsyslogd = BackgroundProcess::Start(
      {"/usr/sbin/rsyslogd", "-n", "-f", dir.File("rsyslog.conf"), "-i", dir.File("rsyslogd.pid")},
      dir.File("rsyslogd.log"), &error);
  ASSERT_TRUE(rsyslogd) << error;

  // The NXLog sample's lines, the first half with CRLF line ends (NXLog on Windows may send
  // them), plus a line that is not JSON.
  const std::vector<std::string> lines =
      SplitLines(ReadFile(Sample("nxlog-EXCH01-application.jsonl")));
  ASSERT_EQ(lines.size(), 4u);
  std::string stream;
  for (size_t i = 0; i < lines.size(); ++i)
    stream += lines[i] + (i < 2 ? "\r\n" : "\n");
  stream += "not json\n";
  ASSERT_TRUE(SendTcp(port, stream)) << rsyslogd->Log();

  const std::string out = dir.path() + "/out/EXCH01-application.jsonl";
  for (int i = 0; i < 100 && SplitLines(ReadFile(out)).size() < 5; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(rsyslogd->Stop(), 0) << rsyslogd->Log();
  const std::vector<std::string> written = SplitLines(ReadFile(out));
  ASSERT_EQ(written.size(), 5u) << ReadFile(out) << rsyslogd->Log();
  for (size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(written[i], lines[i]) << "line " << i << " changed on the way";
  EXPECT_EQ(written[4], "");

  ExpectSampleEvidence(RunEvents(dir, out));
}

}  // namespace
}  // namespace exdm::testing
