// check_exchange_delivery queue --queue-snapshot, end to end with the real binary: snapshots in
// exactly the format deploy/collect/exchange-queue-snapshot.vbs writes (tests/fixtures/
// queue_snapshot, taken 2026-11-25T17:40:00Z), alone, stale, missing, and beside tracking logs
// that agree with them and ones that do not; mode all with a snapshot.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "paths.h"
#include "run_program.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

const char kNow[] = "2026-11-25T17:45:00Z";  // five minutes after the fixtures were taken

std::string Snapshot(const std::string& server) {
  return SourceDir() + "/tests/fixtures/queue_snapshot/" + server + "-queue.csv";
}

ProgramResult Check(std::vector<std::string> args) {
  args.insert(args.begin(), CheckBinary());
  ProgramOptions o;
  o.limit = std::chrono::seconds(60);
  return RunProgram(args, o);
}

std::map<std::string, std::string> Perf(const std::string& out) {
  std::map<std::string, std::string> m;
  const size_t bar = out.find('|');
  if (bar == std::string::npos) return m;
  std::istringstream in(out.substr(bar + 1, out.find('\n') - bar - 1));
  for (std::string item; in >> item;) {
    const size_t eq = item.find('=');
    if (eq != std::string::npos) m[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return m;
}

// One tracking-log line of EXCH01 on 2026-11-25 (docs/DOMAIN.md "Message tracking log format").
std::string LogLine(const std::string& time, const std::string& recipient, int event,
                    const std::string& msgid) {
  return "2026-11-25\t" + time + " GMT\t-\t-\t-\tEXCH01.contoso.com\t192.0.2.10\t" + recipient +
         "\t" + std::to_string(event) + "\t" + msgid +
         "\t0\t0\t4512\t1\t2026-11-25 16:57:58 GMT\t0\tVersion: 6.0.3790.1830\t-\tStatus\t"
         "sender@fabrikam.example\n";
}

// EXCH01's tracking log for the day: when `stalled`, a message queued at 16:58 that retries
// every 5 minutes (the fixture's oldest queued message); otherwise it was delivered at once.
std::string TrackingLog(bool stalled) {
  std::string log =
      "# Message Tracking Log File\n# Exchange System Attendant Version 6.5.7638.1\n"
      "# Date\tTime\tclient-ip\tClient-hostname\tPartner-Name\tServer-hostname\tserver-IP\t"
      "Recipient-Address\tEvent-ID\tMSGID\tPriority\tRecipient-Report-Status\ttotal-bytes\t"
      "Number-Recipients\tOrigination-Time\tEncryption\tservice-Version\tLinked-MSGID\t"
      "Message-Subject\tSender-Address\n";
  log += LogLine("16:58:00", "alice@contoso.com", 1036, "c3ab01@EXCH01.contoso.com");
  if (!stalled)
    return log + LogLine("16:58:01", "alice@contoso.com", 1028, "c3ab01@EXCH01.contoso.com");
  for (int minute = 58; minute <= 58 + 45; minute += 5) {
    const std::string t = std::to_string(16 + minute / 60) + ":" + (minute % 60 < 10 ? "0" : "") +
                          std::to_string(minute % 60) + ":01";
    log += LogLine(t, "alice@contoso.com", 1028, "c3ab01@EXCH01.contoso.com");
    log += LogLine(t, "alice@contoso.com", 1037, "c3ab01@EXCH01.contoso.com");
  }
  return log;
}

TEST(QueueSnapshotMode, SnapshotAloneJudgedByTheQueueThresholds) {
  const ProgramResult r =
      Check({"queue", "--queue-snapshot", "EXCH01=" + Snapshot("EXCH01"), "--now", kNow});
  EXPECT_EQ(r.exit_code, 2) << r.out;  // 42 minutes > the default critical age of 30
  EXPECT_NE(r.out.find("WMI snapshot: 12 messages in local delivery on EXCH01 (retrying), oldest "
                       "42m (since 2026-11-25T16:58:00Z)"),
            std::string::npos)
      << r.out;
  const auto perf = Perf(r.out);
  EXPECT_EQ(perf.at("snapshot_messages"), "12;;;0");
  EXPECT_EQ(perf.at("snapshot_oldest_age"), "2520s;900;1800;0");
  EXPECT_EQ(perf.at("snapshot_retrying"), "1;;;0");
  EXPECT_EQ(perf.at("snapshot_age"), "300s;;;0");
  EXPECT_EQ(perf.count("stalled_deliveries"), 0u) << "no tracking numbers without tracking logs";
  EXPECT_NE(r.out.find("[WMI snapshot]\n  EXCH01: 12 messages (348160 bytes) in local delivery, "
                       "oldest 42m (queued 2026-11-25T16:58:00Z), in retry, next attempt "
                       "2026-11-25T17:43:00Z; snapshot taken 2026-11-25T17:40:00Z (5m ago)"),
            std::string::npos)
      << r.out;

  // The same thresholds as the tracking logs, -w/-c included; the count under --*-stalled.
  const ProgramResult relaxed =
      Check({"queue", "--queue-snapshot", Snapshot("EXCH01"), "--now", kNow, "-w", "3000", "-c",
             "3600", "--warning-stalled", "10"});
  EXPECT_EQ(relaxed.exit_code, 1) << relaxed.out;
}

TEST(QueueSnapshotMode, EmptyAndHealthyQueuesAreOk) {
  const ProgramResult r = Check({"queue", "--queue-snapshot", Snapshot("EXCH02"),
                                 "--queue-snapshot", Snapshot("EXCH03"), "--now", kNow});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("2 messages in local delivery on EXCH03, oldest 12s"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("EXCH02: 0 messages (0 bytes) in local delivery, not in retry"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Perf(r.out).at("snapshot_retrying"), "0;;;0");
}

TEST(QueueSnapshotMode, StaleMissingAndForeignSnapshotsAreUnknownWithTheReason) {
  const ProgramResult stale = Check({"queue", "--queue-snapshot", "EXCH01=" + Snapshot("EXCH01"),
                                     "--now", "2026-11-25T18:00:01Z"});
  EXPECT_EQ(stale.exit_code, 3) << stale.out;
  EXPECT_NE(stale.out.find("is stale: taken 2026-11-25T17:40:00Z, 20m1s ago (max age 15m"),
            std::string::npos)
      << stale.out;
  EXPECT_EQ(Perf(stale.out).at("snapshot_age"), "1201s;;;0");  // its age still graphs
  // A longer --snapshot-max-age accepts it.
  EXPECT_EQ(Check({"queue", "--queue-snapshot", Snapshot("EXCH01"), "--now", "2026-11-25T18:00:01Z",
                   "--snapshot-max-age", "1800"})
                .exit_code,
            2);

  TempDir dir("exdm-queue-snapshot-mode");
  const ProgramResult missing =
      Check({"queue", "--queue-snapshot", "EXCH01=" + dir.File("EXCH01-queue.csv"), "--now", kNow});
  EXPECT_EQ(missing.exit_code, 3) << missing.out;
  EXPECT_NE(missing.out.find("cannot read --queue-snapshot '" + dir.File("EXCH01-queue.csv") +
                             "' of EXCH01"),
            std::string::npos)
      << missing.out;

  // EXCH02's file given as EXCH01's: the wrong server's queue is never reported.
  const ProgramResult foreign =
      Check({"queue", "--queue-snapshot", "EXCH01=" + Snapshot("EXCH02"), "--now", kNow});
  EXPECT_EQ(foreign.exit_code, 3) << foreign.out;
  EXPECT_NE(foreign.out.find("is a snapshot of server EXCH02, not EXCH01"), std::string::npos)
      << foreign.out;

  dir.Write("EXCH01-queue.csv", "<html>502 Bad Gateway</html>\r\n");
  const ProgramResult garbage =
      Check({"queue", "--queue-snapshot", dir.File("EXCH01-queue.csv"), "--now", kNow});
  EXPECT_EQ(garbage.exit_code, 3) << garbage.out;
  EXPECT_NE(garbage.out.find("not a queue snapshot header"), std::string::npos) << garbage.out;
}

TEST(QueueSnapshotMode, TrackingLogsAndSnapshotThatAgree) {
  TempDir dir("exdm-queue-snapshot-mode");
  dir.Write("20261125.log", TrackingLog(true));
  const ProgramResult r =
      Check({"queue", "--tracking-dir", "EXCH01=" + dir.path(), "--queue-snapshot",
             "EXCH01=" + Snapshot("EXCH01"), "--now", kNow, "--state-file", "none"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  // Every number says where it comes from.
  EXPECT_NE(r.out.find(" - tracking logs: 1 stalled local delivery on EXCH01, oldest 47m"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(", WMI snapshot: 12 messages in local delivery on EXCH01"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n[tracking logs]\n  EXCH01: 1 stalled"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n[WMI snapshot]\n  EXCH01: 12 messages"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("EXCH01: tracking logs and WMI snapshot agree: oldest stuck at "
                       "2026-11-25T17:40:00Z: tracking logs 42m, WMI snapshot 42m (tolerance 10m)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("disagree"), std::string::npos) << r.out;
  const auto perf = Perf(r.out);
  EXPECT_EQ(perf.count("stalled_deliveries"), 1u);
  EXPECT_EQ(perf.count("snapshot_messages"), 1u);
}

TEST(QueueSnapshotMode, TrackingLogsAndSnapshotThatDisagree) {
  TempDir dir("exdm-queue-snapshot-mode");
  dir.Write("20261125.log", TrackingLog(false));  // the logs saw the message delivered
  const std::vector<std::string> args = {"queue",
                                         "--tracking-dir",
                                         "EXCH01=" + dir.path(),
                                         "--queue-snapshot",
                                         Snapshot("EXCH01"),
                                         "--now",
                                         kNow,
                                         "--state-file",
                                         "none"};
  const ProgramResult r = Check(args);
  // The snapshot's 42 minutes still decide the state; the disagreement is said, not hidden.
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(r.out.find("EXCHANGE DELIVERY CRITICAL - tracking logs and WMI snapshot disagree on "
                       "EXCH01, tracking logs: no stalled local deliveries"),
            0u)
      << r.out;
  EXPECT_NE(r.out.find("EXCH01: tracking logs and WMI snapshot DISAGREE: oldest stuck at "
                       "2026-11-25T17:40:00Z: tracking logs 0s, WMI snapshot 42m"),
            std::string::npos)
      << r.out;
  // Within a wide enough tolerance they agree.
  std::vector<std::string> tolerant = args;
  tolerant.insert(tolerant.end(), {"--snapshot-tolerance", "3600"});
  const ProgramResult t = Check(tolerant);
  EXPECT_EQ(t.out.find("disagree"), std::string::npos) << t.out;
}

TEST(QueueSnapshotMode, ModeAllUsesTheSnapshot) {
  const ProgramResult r =
      Check({"all", "--queue-snapshot", "EXCH01=" + Snapshot("EXCH01"), "--now", kNow});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("queue snapshot: 12 messages in local delivery on EXCH01"),
            std::string::npos)
      << r.out;
  EXPECT_NE(Perf(r.out).count("snapshot_oldest_age"), 0u) << r.out;
}

TEST(QueueSnapshotMode, QueueModeNamesBothSourcesWhenNoneIsGiven) {
  const ProgramResult r = Check({"queue"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("--tracking-dir [NAME=]DIR or --queue-snapshot [NAME=]FILE"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace exdm::testing
