// check_exchange_delivery queue, driven end to end: fixtures and generated logs in temporary
// directories, the real binary, exit code and output checked.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "exdm/state/state_file.h"
#include "paths.h"
#include "run_program.h"
#include "temp_dir.h"
#include "tracking_rows.h"

namespace exdm::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text, bool append = false) {
  std::ofstream f(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  f << text;
}

std::string Fixture(const std::string& rel) {
  return SourceDir() + "/tests/fixtures/tracking/" + rel;
}

// Copies a fixture directory's files into dir (created).
void CopyFixture(const std::string& name, const std::string& dir,
                 const std::vector<std::string>& files) {
  ::mkdir(dir.c_str(), 0755);
  for (const std::string& f : files)
    WriteFile(dir + "/" + f, Slurp(Fixture(name + "/" + f)));
}

ProgramResult Check(std::vector<std::string> args) {
  args.insert(args.begin(), {CheckBinary(), "queue"});
  ProgramOptions o;
  o.limit = std::chrono::seconds(60);
  return RunProgram(args, o);
}

// perfdata label -> value (numbers only).
std::map<std::string, double> Perf(const std::string& out) {
  std::map<std::string, double> m;
  const size_t bar = out.find('|');
  if (bar == std::string::npos) return m;
  std::istringstream in(out.substr(bar + 1, out.find('\n') - bar - 1));
  std::string item;
  while (in >> item) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    m[item.substr(0, eq)] = std::stod(item.substr(eq + 1));
  }
  return m;
}

std::map<std::string, std::string> Truth(const std::string& path) {
  std::map<std::string, std::string> m;
  std::istringstream in(Slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.rfind('=');
    if (eq != std::string::npos) m[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return m;
}

TEST(QueueModeTest, KbPatternIsCritical) {
  for (const char* name : {"kb_1028", "kb_1023"}) {
    auto r = Check({"--tracking-dir", "EXCH01=" + Fixture(name), "--now", "2026-11-24T10:36:00Z",
                    "--state-file", "none"});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_EQ(r.out.rfind("EXCHANGE DELIVERY CRITICAL - 1 stalled local delivery on EXCH01", 0), 0u)
        << r.out;
    const auto perf = Perf(r.out);
    EXPECT_EQ(perf.at("stalled_deliveries"), 1);
    EXPECT_EQ(perf.at("oldest_stalled_age"), 2160);
    EXPECT_EQ(perf.at("retries"), 7);
    EXPECT_EQ(perf.at("bad_lines"), 0);
    EXPECT_NE(r.out.find("contoso.com: 1 stalled to 1 recipient, oldest 36m, e.g. message "
                         "c3ab01@EXCH01.contoso.com"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("bob@"), std::string::npos) << "addresses stay out of the output";
  }
}

// 100,000 stalled recipients without -H: the report lists the 10,000 oldest; the long output's
// domains count those and it says how many recipients (and deliveries) were left out (issue 22).
TEST(QueueModeTest, ManyStalledRecipientsSayHowManyWereLeftOut) {
  TempDir tmp("exdm-queue-many");
  const std::string dir = tmp.File("EXCH01.log");
  ::mkdir(dir.c_str(), 0755);
  std::string log = kTrackingLogHeader;
  const int64_t start = 1795564800;  // 2026-11-25T00:00:00Z
  constexpr int kRecipients = 100000;
  for (int i = 0; i < kRecipients; ++i) {
    const int64_t t = start + i / 100;  // 100 a second, the oldest first
    const std::string rcpt =
        "user" + std::to_string(i) + (i % 2 ? "@contoso.com" : "@fabrikam.com");
    const std::string msgid = "<m" + std::to_string(i) + "@EXCH01.contoso.com>";
    log += TrackingRowAt(t, rcpt, 1028, msgid) + TrackingRowAt(t, rcpt, 1037, msgid);
  }
  WriteFile(dir + "/20261125.log", log);
  const ProgramResult r = Check(
      {"--tracking-dir", "EXCH01=" + dir, "--state-file", "none", "--now", "2026-11-25T02:00:00Z"});
  EXPECT_EQ(r.exit_code, 2) << r.out.substr(0, 300);
  EXPECT_EQ(Perf(r.out)["stalled_deliveries"], kRecipients);
  EXPECT_NE(r.out.find("  fabrikam.com: 5000 stalled to 5000 recipients"), std::string::npos)
      << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find("  ... and 90000 more stalled recipients (90000 deliveries) not broken down "
                       "by domain: the domains above count the 10000 oldest"),
            std::string::npos)
      << r.out.substr(0, 2000);
}

TEST(QueueModeTest, AgeThresholdsAndAliases) {
  const std::string dir = "EXCH01=" + Fixture("kb_1028");
  auto ok = Check({"--tracking-dir", dir, "--now", "2026-11-24T10:36:00Z", "--state-file", "none",
                   "-w", "3000", "-c", "4000"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  auto warn = Check({"--tracking-dir", dir, "--now", "2026-11-24T10:36:00Z", "--state-file", "none",
                     "--critical-age", "4000"});
  EXPECT_EQ(warn.exit_code, 1) << warn.out;
  auto stalled = Check({"--tracking-dir", dir, "--now", "2026-11-24T10:36:00Z", "--state-file",
                        "none", "-w", "9999", "-c", "9999", "--critical-stalled", "0"});
  EXPECT_EQ(stalled.exit_code, 2) << stalled.out;
  EXPECT_NE(stalled.out.find("stalled_deliveries=1;;0;0"), std::string::npos) << stalled.out;
}

TEST(QueueModeTest, HealthyAndEndedAreOk) {
  for (const char* name : {"healthy", "ndr_badmail"}) {
    auto r = Check({"--tracking-dir", "EXCH01=" + Fixture(name), "--now", "2026-11-24T12:00:00Z",
                    "--state-file", "none"});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.out;
    EXPECT_EQ(r.out.rfind("EXCHANGE DELIVERY OK - no stalled local deliveries", 0), 0u) << r.out;
  }
}

TEST(QueueModeTest, StallSpanningMidnightKeepsItsStart) {
  auto r = Check({"--tracking-dir", "EXCH01=" + Fixture("midnight"), "--now",
                  "2026-11-25T00:12:00Z", "--state-file", "none"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(Perf(r.out).at("oldest_stalled_age"), 22 * 60);
  EXPECT_NE(r.out.find("since 2026-11-24T23:50:00Z"), std::string::npos) << r.out;
}

TEST(QueueModeTest, MissingDirectoryNoLogsAndNoHeaderAreUnknown) {
  TempDir tmp;
  auto missing = Check({"--tracking-dir", "EXCH01=" + tmp.File("nope"), "--state-file", "none"});
  EXPECT_EQ(missing.exit_code, 3) << missing.out;
  EXPECT_NE(missing.out.find("No such file or directory"), std::string::npos) << missing.out;

  ::mkdir(tmp.File("empty").c_str(), 0755);
  auto empty = Check({"--tracking-dir", "EXCH01=" + tmp.File("empty"), "--state-file", "none"});
  EXPECT_EQ(empty.exit_code, 3) << empty.out;
  EXPECT_NE(empty.out.find("no tracking logs (YYYYMMDD.log)"), std::string::npos) << empty.out;

  auto header = Check({"--tracking-dir", "EXCH01=" + Fixture("noheader"), "--now",
                       "2026-11-24T10:10:00Z", "--state-file", "none"});
  EXPECT_EQ(header.exit_code, 3) << header.out;
  EXPECT_NE(header.out.find("no '# Date<TAB>Time<TAB>...' column header"), std::string::npos)
      << header.out;

  auto none = Check({});
  EXPECT_EQ(none.exit_code, 3);
  EXPECT_NE(none.out.find("--tracking-dir"), std::string::npos);
}

TEST(QueueModeTest, QuirksParseAndBadLinesAreCountedNotFatal) {
  auto r = Check({"--tracking-dir", "EXCH01=" + Fixture("quirks"), "--now", "2026-11-24T08:10:00Z",
                  "--state-file", "none"});
  EXPECT_EQ(r.exit_code, 0) << r.out;  // 1 stalled for 10 minutes: below 900 s
  const auto perf = Perf(r.out);
  EXPECT_EQ(perf.at("stalled_deliveries"), 1);
  EXPECT_EQ(perf.at("bad_lines"), 2);
  EXPECT_NE(r.out.find("bad line"), std::string::npos);
  for (char c : r.out) {
    EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20)
        << "control character in output";
  }
}

TEST(QueueModeTest, IncrementalAppendReadsOnlyNewLinesAndKeepsTheAge) {
  TempDir tmp;
  const std::string dir = tmp.File("EXCH01.log");
  ::mkdir(dir.c_str(), 0755);
  const std::string text = Slurp(Fixture("kb_1028/20261124.log"));
  // First run: up to the first attempt of the stuck message (its retry not yet written).
  const size_t cut = text.find("10:00:01");
  const size_t first_part = text.find('\n', cut) + 1;
  WriteFile(dir + "/20261124.log", text.substr(0, first_part));
  const std::string state = tmp.File("q.state");
  auto r1 = Check({"--tracking-dir", dir, "--now", "2026-11-24T10:00:01Z", "--state-file", state});
  EXPECT_EQ(r1.exit_code, 0) << r1.out;
  EXPECT_EQ(Perf(r1.out).at("stalled_deliveries"), 0);
  WriteFile(dir + "/20261124.log", text.substr(first_part), /*append=*/true);
  auto r2 = Check({"--tracking-dir", dir, "--now", "2026-11-24T10:36:00Z", "--state-file", state});
  EXPECT_EQ(r2.exit_code, 2) << r2.out;
  const auto perf = Perf(r2.out);
  EXPECT_EQ(perf.at("oldest_stalled_age"), 2160);  // from the 1036 read in the first run
  size_t rest_lines = 0;
  for (char c : text.substr(first_part))
    rest_lines += c == '\n';
  EXPECT_EQ(perf.at("lines_read"), static_cast<double>(rest_lines));
  // Nothing new: nothing read, same verdict.
  auto r3 = Check({"--tracking-dir", dir, "--now", "2026-11-24T10:36:00Z", "--state-file", state});
  EXPECT_EQ(r3.exit_code, 2) << r3.out;
  EXPECT_EQ(Perf(r3.out).at("lines_read"), 0);
  EXPECT_EQ(Perf(r3.out).at("retries"), 7);  // a counter: not counted twice
}

TEST(QueueModeTest, TruncateReplaceAndRotateAreDetected) {
  TempDir tmp;
  const std::string dir = tmp.File("EXCH01.log");
  CopyFixture("kb_1028", dir, {"20261124.log"});
  const std::string state = tmp.File("q.state");
  const std::vector<std::string> args = {"--tracking-dir", dir,  "--now", "2026-11-24T10:36:00Z",
                                         "--state-file",   state};
  ASSERT_EQ(Check(args).exit_code, 2);
  // Truncated in place (same inode): read again from the start.
  ASSERT_EQ(::truncate((dir + "/20261124.log").c_str(), 100), 0);
  WriteFile(dir + "/20261124.log", Slurp(Fixture("healthy/20261124.log")));
  auto t = Check(args);
  EXPECT_NE(t.out.find("20261124.log was truncated since the last run"), std::string::npos)
      << t.out;
  // Replaced by another file (rename over it, as a copy job would).
  WriteFile(dir + "/new.tmp", Slurp(Fixture("kb_1023/20261124.log")));
  ASSERT_EQ(::rename((dir + "/new.tmp").c_str(), (dir + "/20261124.log").c_str()), 0);
  auto rp = Check(args);
  EXPECT_NE(rp.out.find("20261124.log was replaced since the last run"), std::string::npos)
      << rp.out;
  EXPECT_GT(Perf(rp.out).at("lines_read"), 10);
}

TEST(QueueModeTest, ConcurrentRunWaitsThenNamesTheHolder) {
  TempDir tmp;
  const std::string state = tmp.File("q.state");
  // Hold the lock the way another run would.
  auto holder = StateFile::Acquire(state, "queue", "x", Deadline::After(std::chrono::seconds(5)));
  ASSERT_TRUE(holder.ok());
  const auto t0 = std::chrono::steady_clock::now();
  auto r = Check({"--tracking-dir", "EXCH01=" + Fixture("healthy"), "--now", "2026-11-24T12:00:00Z",
                  "--state-file", state, "-t", "2"});
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("locked by another run (pid " + std::to_string(::getpid()) + ")"),
            std::string::npos)
      << r.out;
  EXPECT_GE(took, std::chrono::milliseconds(1500));
  EXPECT_LT(took, std::chrono::seconds(4));
}

TEST(QueueModeTest, CorruptAndForeignStateIsRebuiltWithANote) {
  TempDir tmp;
  const std::string state = tmp.File("q.state");
  WriteFile(state, "EXDM-STATE 1\n\x01\x02garbage");
  auto r = Check({"--tracking-dir", "EXCH01=" + Fixture("kb_1028"), "--now", "2026-11-24T10:36:00Z",
                  "--state-file", state});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("is corrupt"), std::string::npos) << r.out;
  // The same state file used for another directory: foreign, rebuilt, nothing carried over.
  auto other = Check({"--tracking-dir", "EXCH01=" + Fixture("healthy"), "--now",
                      "2026-11-24T12:00:00Z", "--state-file", state});
  EXPECT_EQ(other.exit_code, 0) << other.out;
  EXPECT_NE(other.out.find("was written for other inputs"), std::string::npos) << other.out;
}

TEST(QueueModeTest, HungReadIsBoundedByTheDeadline) {
  TempDir tmp;
  const std::string dir = tmp.File("EXCH01.log");
  ::mkdir(dir.c_str(), 0755);
  // A FIFO nobody writes to blocks open()/read() like a hung CIFS share.
  ASSERT_EQ(::mkfifo((dir + "/20261124.log").c_str(), 0644), 0);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = Check({"--tracking-dir", dir, "--now", "2026-11-24T12:00:00Z", "--state-file",
                  tmp.File("q.state"), "-t", "2"});
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("deadline expired while reading " + dir + "/20261124.log"),
            std::string::npos)
      << r.out;
  EXPECT_LT(took, std::chrono::milliseconds(3500));
}

TEST(QueueModeTest, GeneratedLogsMatchTheGroundTruthInOneAndInManyReads) {
  TempDir tmp;
  const std::string gen = tmp.File("gen");
  auto g = RunProgram({GeneratorBinary("exdm_gen_tracking"),
                       "--out",
                       gen,
                       "--seed",
                       "7",
                       "--start",
                       "2026-11-24",
                       "--days",
                       "2",
                       "--messages",
                       "1500",
                       "--stalled-recipient",
                       "broken1@contoso.com",
                       "--stalled-recipient",
                       "broken2@contoso.com",
                       "--stall-share",
                       "0.02",
                       "--stall-ndr-share",
                       "0.2",
                       "--retry-no-recipient",
                       "0.3",
                       "--truth",
                       tmp.File("truth"),
                       "--crlf",
                       "--bom",
                       "--shuffle-columns",
                       "--extra-column",
                       "X-Custom"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  const auto truth = Truth(tmp.File("truth"));
  const std::string now = "@" + truth.at("end");
  auto once = Check({"--tracking-dir", "EXCH01=" + gen, "--now", now, "--state-file", "none"});
  const auto p1 = Perf(once.out);
  EXPECT_EQ(p1.at("stalled_deliveries"), std::stod(truth.at("stalled_deliveries"))) << once.out;
  EXPECT_EQ(p1.at("retries"), std::stod(truth.at("retries")));
  EXPECT_EQ(p1.at("bad_lines"), 0);
  EXPECT_EQ(p1.at("oldest_stalled_age"),
            std::stod(truth.at("end")) - std::stod(truth.at("oldest_stalled_first_seen")));

  // The same bytes delivered in 7 uneven appends (lines cut anywhere), one run after each.
  const std::string inc = tmp.File("inc");
  ::mkdir(inc.c_str(), 0755);
  const std::string state = tmp.File("inc.state");
  ProgramResult last;
  for (const char* day : {"20261124.log", "20261125.log"}) {
    const std::string text = Slurp(gen + "/" + day);
    size_t at = 0;
    for (int k = 1; k <= 7; ++k) {
      const size_t next = k == 7 ? text.size() : text.size() * static_cast<size_t>(k) / 7 + 13;
      WriteFile(inc + "/" + day, text.substr(at, next - at), /*append=*/true);
      at = next;
      last = Check({"--tracking-dir", "EXCH01=" + inc, "--now", now, "--state-file", state});
      ASSERT_NE(last.exit_code, 3) << last.out;
    }
  }
  const auto p2 = Perf(last.out);
  EXPECT_EQ(p2.at("stalled_deliveries"), p1.at("stalled_deliveries")) << last.out;
  EXPECT_EQ(p2.at("retries"), p1.at("retries"));
  EXPECT_EQ(p2.at("oldest_stalled_age"), p1.at("oldest_stalled_age"));
  EXPECT_EQ(p2.at("bad_lines"), 0);
}

}  // namespace
}  // namespace exdm::testing
