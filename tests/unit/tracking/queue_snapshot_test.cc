// The WMI queue snapshot reader (exdm/queue_snapshot.h) against the format the shipped script
// writes: its documented column list is read out of deploy/collect/exchange-queue-snapshot.vbs,
// and every fixture's header must be exactly that list.
#include "exdm/tracking/queue_snapshot.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>

#include "collector_script.h"
#include "exdm/base/time_util.h"
#include "hung_share.h"
#include "paths.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

const std::string kScript = "exchange-queue-snapshot.vbs";

std::string Header() {
  return ScriptConstant(CollectScript(kScript), "COLUMNS");
}

constexpr int64_t kTaken = 1795628400;  // 2026-11-25T17:40:00Z, the fixtures' snapshot time

TEST(QueueSnapshotFormat, ScriptDocumentsExactlyTheColumnsItWritesAndTheReaderKnows) {
  ExpectScriptWritesColumns(
      CollectScript(kScript), "Columns:", "COLUMNS",
      {kQueueSnapshotColumns.begin(), kQueueSnapshotColumns.end()},
      {kQueueSnapshotRequiredColumns.begin(), kQueueSnapshotRequiredColumns.end()});
}

TEST(QueueSnapshotFormat, FixturesAreInTheScriptsFormat) {
  ASSERT_EQ(FormatIso8601Utc(kTaken), "2026-11-25T17:40:00Z");
  const std::string header = Header();
  for (const char* server : {"EXCH01", "EXCH02", "EXCH03"}) {
    const std::string text = ReadTextFile(SourceDir() + "/tests/fixtures/queue_snapshot/" +
                                          std::string(server) + "-queue.csv");
    ASSERT_FALSE(text.empty()) << server;
    EXPECT_EQ(text.substr(0, text.find("\r\n")), header) << server;
    EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
    auto snap = ParseQueueSnapshot(text, server);
    ASSERT_TRUE(snap) << server << ": " << snap.status().message();
    EXPECT_EQ(snap->taken_at, kTaken);
  }
}

TEST(QueueSnapshotReader, RetryingLinkGivesCountOldestAndRetry) {
  const std::string text = Header() +
                           "\r\n2026-11-25T17:40:00Z,\"EXCH01\",\"1\",\"contoso.com (Local "
                           "Delivery)\",12,348160,2026-11-25T16:58:00Z,1,518,"
                           "2026-11-25T17:43:00Z\r\n";
  auto snap = ParseQueueSnapshot(text, "EXCH01");
  ASSERT_TRUE(snap) << snap.status().message();
  EXPECT_EQ(snap->server, "EXCH01");
  EXPECT_EQ(snap->message_count, 12u);
  EXPECT_EQ(snap->size_bytes, 348160u);
  EXPECT_TRUE(snap->retry);
  ASSERT_TRUE(snap->oldest_message);
  EXPECT_EQ(snap->OldestAgeSeconds(), 42 * 60);
  ASSERT_EQ(snap->links.size(), 1u);
  EXPECT_EQ(snap->links[0].link_name, "contoso.com (Local Delivery)");
  EXPECT_EQ(snap->links[0].state_flags, 518u);
  EXPECT_EQ(snap->next_connection, kTaken + 180);
}

TEST(QueueSnapshotReader, PlaceholderLineIsAnEmptyQueue) {
  auto snap = ParseQueueSnapshot(
      Header() + "\r\n2026-11-25T17:40:00Z,\"EXCH02\",\"\",\"\",0,,,0,,\r\n", "");
  ASSERT_TRUE(snap) << snap.status().message();
  EXPECT_EQ(snap->server, "EXCH02");  // from the file when the input names none
  EXPECT_EQ(snap->message_count, 0u);
  EXPECT_FALSE(snap->oldest_message);
  EXPECT_FALSE(snap->retry);
  EXPECT_EQ(snap->OldestAgeSeconds(), 0);
}

TEST(QueueSnapshotReader, SeveralLinksAddUpOldestWinsAnyRetry) {
  const std::string text = Header() +
                           "\n2026-11-25T17:40:00Z,EXCH01,1,a (Local Delivery),3,10,"
                           "2026-11-25T17:30:00Z,0,,\n"
                           "2026-11-25T17:40:00Z,EXCH01,2,b (Local Delivery),4,20,"
                           "2026-11-25T17:00:00Z,1,,\n";
  auto snap = ParseQueueSnapshot(text, "exch01");  // server names compare case-insensitively
  ASSERT_TRUE(snap) << snap.status().message();
  EXPECT_EQ(snap->message_count, 7u);
  EXPECT_EQ(snap->size_bytes, 30u);
  EXPECT_EQ(snap->OldestAgeSeconds(), 40 * 60);
  EXPECT_TRUE(snap->retry);
}

TEST(QueueSnapshotReader, ToleratesBomLfQuotingAndColumnOrderAndCase) {
  // Reordered, upper case, an extra column, quoted numbers, a quoted comma and doubled quote.
  const std::string text =
      "\xEF\xBB\xBF"
      "Server,EXTRA,Link_Name,Message_Count,State_Retry,Oldest_Message_UTC,Snapshot_UTC\n"
      "\"EXCH01\",x,\"dom, \"\"quoted\"\" (Local Delivery)\",\"5\",\"1\",2026-11-25T17:00:00Z,"
      "2026-11-25T17:40:00Z\n\n";
  auto snap = ParseQueueSnapshot(text, "EXCH01");
  ASSERT_TRUE(snap) << snap.status().message();
  EXPECT_EQ(snap->links.at(0).link_name, "dom, \"quoted\" (Local Delivery)");
  EXPECT_EQ(snap->message_count, 5u);
  EXPECT_TRUE(snap->retry);
  EXPECT_EQ(snap->size_bytes, 0u);  // optional column absent
}

TEST(QueueSnapshotReader, MissingRequiredColumnIsNamed) {
  auto snap = ParseQueueSnapshot(
      "snapshot_utc,server,link_name,message_count,state_retry\r\n"
      "2026-11-25T17:40:00Z,EXCH01,x,1,0\r\n",
      "EXCH01");
  ASSERT_FALSE(snap);
  EXPECT_EQ(snap.status().code(), ErrorCode::kBadInput);
  EXPECT_NE(snap.status().message().find("oldest_message_utc"), std::string::npos)
      << snap.status().message();
}

TEST(QueueSnapshotReader, RefusesGarbageWithAReason) {
  struct Case {
    std::string text;
    std::string expect;
  };
  const std::string h = Header() + "\r\n";
  const std::vector<Case> cases = {
      {"", "empty"},
      {"\x7f"
       "ELF\x01\x02\x03\x00\xff\xfe",
       "not a queue snapshot header"},
      {"# Message Tracking Log File\r\n", "not a queue snapshot header"},
      {h, "no data line"},
      {h + "2026-11-25T17:40:00Z,EXCH01,1,x,many,0,,0,,\r\n", "message_count 'many'"},
      {h + "2026-11-25T17:40:00Z,EXCH01,1,x,-1,0,,0,,\r\n", "message_count '-1'"},
      {h + "yesterday,EXCH01,1,x,1,0,,0,,\r\n", "snapshot_utc 'yesterday'"},
      {h + "2026-11-25T17:40:00Z,EXCH01,1,x,1,0,noon,0,,\r\n", "oldest_message_utc 'noon'"},
      {h + "2026-11-25T17:40:00Z,EXCH01,1,x,1,0,,maybe,,\r\n", "state_retry 'maybe'"},
      {h + "2026-11-25T17:40:00Z,EXCH01,1,x\r\n", "line 2: 4 fields"},
      {h + "2026-11-25T17:40:00Z,EXCH01,1,x\"y,1,0,,0,,\r\n", "line 2: malformed CSV"},
      {h + "2026-11-25T17:40:00Z,,1,x,1,0,,0,,\r\n", "empty server"},
      {h + "2026-11-25T17:40:00Z,EXCH01,1,x,1,0,,0,,\r\n2026-11-25T17:45:00Z,EXCH01,1,x,1,0,,0,,"
           "\r\n",
       "line 3: snapshot_utc and server differ"},
      {h + "2026-11-25T17:40:00Z,EXCH02,1,x,1,0,,0,,\r\n", "of server EXCH02, not EXCH01"},
  };
  for (const Case& c : cases) {
    auto snap = ParseQueueSnapshot(c.text, "EXCH01");
    ASSERT_FALSE(snap) << c.expect;
    EXPECT_EQ(snap.status().code(), ErrorCode::kBadInput);
    EXPECT_NE(snap.status().message().find(c.expect), std::string::npos)
        << "expected '" << c.expect << "' in: " << snap.status().message();
  }
}

TEST(QueueSnapshotRead, StaleFutureMissingAndFreshFiles) {
  TempDir dir("exdm-queue-snapshot");
  const std::string line = "2026-11-25T17:40:00Z,EXCH01,1,x,1,0,2026-11-25T17:39:00Z,0,,\r\n";
  dir.Write("EXCH01-queue.csv", Header() + "\r\n" + line);
  QueueSnapshotOptions o;
  o.files = {{"EXCH01", dir.File("EXCH01-queue.csv")}, {"EXCH09", dir.File("absent.csv")}};
  o.max_age_seconds = 900;

  o.now = kTaken + 300;
  auto fresh = ReadQueueSnapshots(o, Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(fresh) << fresh.status().message();
  ASSERT_EQ(fresh->size(), 2u);
  ASSERT_TRUE((*fresh)[0].snapshot) << (*fresh)[0].error.message();
  EXPECT_EQ((*fresh)[0].snapshot->path, dir.File("EXCH01-queue.csv"));
  EXPECT_FALSE((*fresh)[1].snapshot);
  EXPECT_EQ((*fresh)[1].error.code(), ErrorCode::kIoError);
  EXPECT_NE((*fresh)[1].error.message().find("cannot read queue snapshot of EXCH09 '" +
                                             dir.File("absent.csv") + "'"),
            std::string::npos)
      << (*fresh)[1].error.message();

  o.now = kTaken + 901;
  auto stale = ReadQueueSnapshots(o, Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(stale);
  EXPECT_FALSE((*stale)[0].snapshot);
  EXPECT_NE((*stale)[0].error.message().find("is stale: taken 2026-11-25T17:40:00Z"),
            std::string::npos)
      << (*stale)[0].error.message();

  o.now = kTaken - 3600;
  auto future = ReadQueueSnapshots(o, Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(future);
  EXPECT_NE((*future)[0].error.message().find("in the future"), std::string::npos)
      << (*future)[0].error.message();
}

// A read that never returns (a hung share) ends at the deadline, naming the file.
TEST(QueueSnapshotRead, HungReadEndsAtTheDeadline) {
  std::string why;
  auto share = HungShare::Mount(&why);
  if (!share) GTEST_SKIP() << "no hung share: " << why;
  share->Put("EXCH01-queue.csv", Header() + "\r\n", /*hanging=*/true);
  QueueSnapshotOptions o;
  o.files = {{"EXCH01", share->File("EXCH01-queue.csv")}};
  o.now = kTaken;
  const auto t0 = std::chrono::steady_clock::now();
  auto reads = ReadQueueSnapshots(o, Deadline::After(std::chrono::milliseconds(300)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  ASSERT_FALSE(reads);
  EXPECT_EQ(reads.status().code(), ErrorCode::kTimeout);
  EXPECT_NE(
      reads.status().message().find("reading queue snapshot " + share->File("EXCH01-queue.csv")),
      std::string::npos)
      << reads.status().message();
}

// A FIFO (nobody writes it) or a device in the snapshot's place is refused at once, not waited on
// until the deadline (issue 22).
TEST(QueueSnapshotRead, FifoOrDeviceIsRefusedAtOnce) {
  TempDir dir("exdm-queue-snapshot");
  ASSERT_EQ(::mkfifo(dir.File("EXCH01-queue.csv").c_str(), 0600), 0);
  QueueSnapshotOptions o;
  o.files = {{"EXCH01", dir.File("EXCH01-queue.csv")}, {"EXCH02", "/dev/zero"}};
  o.now = kTaken;
  auto reads = ReadQueueSnapshots(o, Deadline::After(std::chrono::seconds(60)));
  ASSERT_TRUE(reads) << reads.status().message();
  EXPECT_EQ((*reads)[0].error.message(), "queue snapshot of EXCH01 '" +
                                             dir.File("EXCH01-queue.csv") +
                                             "' is a FIFO (named pipe), not a regular file");
  EXPECT_EQ((*reads)[1].error.message(),
            "queue snapshot of EXCH02 '/dev/zero' is a character device, not a regular file");
}

// An oldest message dated after the snapshot is the clocks disagreeing, as a snapshot dated in
// the future is: refused beyond the same tolerance, never read as age 0 (issue 22).
TEST(QueueSnapshotRead, OldestMessageAfterTheSnapshotIsRefusedLikeAFutureSnapshot) {
  TempDir dir("exdm-queue-snapshot");
  QueueSnapshotOptions o;
  o.now = kTaken;
  o.max_skew_seconds = 300;
  o.files = {{"EXCH01", dir.File("EXCH01-queue.csv")}};
  // 10 minutes after snapshot_utc: refused.
  dir.Write("EXCH01-queue.csv", Header() +
                                    "\r\n2026-11-25T17:40:00Z,EXCH01,1,EXCH01 local delivery,3,0,"
                                    "2026-11-25T17:50:00Z,1,,\r\n");
  auto ahead = ReadQueueSnapshots(o, Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(ahead);
  EXPECT_FALSE((*ahead)[0].snapshot);
  EXPECT_EQ((*ahead)[0].error.code(), ErrorCode::kBadInput);
  EXPECT_NE((*ahead)[0].error.message().find(
                "the oldest message of link EXCH01 local delivery is dated 10m after the snapshot "
                "(2026-11-25T17:50:00Z): the clocks disagree"),
            std::string::npos)
      << (*ahead)[0].error.message();
  // Within the tolerance (2 minutes): believed, as a snapshot 2 minutes ahead is; age 0.
  dir.Write("EXCH01-queue.csv", Header() +
                                    "\r\n2026-11-25T17:40:00Z,EXCH01,1,EXCH01 local delivery,3,0,"
                                    "2026-11-25T17:42:00Z,1,,\r\n");
  auto near = ReadQueueSnapshots(o, Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(near);
  ASSERT_TRUE((*near)[0].snapshot) << (*near)[0].error.message();
  EXPECT_EQ((*near)[0].snapshot->OldestAgeSeconds(), 0);
}

TEST(QueueSnapshotRead, OversizedFileIsRefused) {
  TempDir dir("exdm-queue-snapshot");
  dir.Write("big.csv", Header() + "\r\n" + std::string(2u << 20, 'x'));
  QueueSnapshotOptions o;
  o.files = {{"EXCH01", dir.File("big.csv")}};
  o.now = kTaken;
  auto reads = ReadQueueSnapshots(o, Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(reads);
  EXPECT_NE((*reads)[0].error.message().find("larger than 1048576 bytes, too large for a queue "
                                             "snapshot of EXCH01"),
            std::string::npos)
      << (*reads)[0].error.message();
}

TEST(QueueSourceCompare, AgesAtTheSnapshotsTimeWithinTolerance) {
  QueueSnapshot snap;
  snap.server = "EXCH01";
  snap.taken_at = kTaken;
  snap.message_count = 12;
  snap.oldest_message = kTaken - 2520;  // 42m
  LocalDeliveryReport agree;
  agree.server = "exch01";
  agree.oldest_stalled_first_seen = kTaken - 2460;  // 41m: within the tolerance
  auto same = CompareQueueSources({agree}, {snap}, 600);
  ASSERT_EQ(same.size(), 1u);
  EXPECT_FALSE(same[0].disagree) << same[0].text;
  EXPECT_EQ(same[0].tracking_age_seconds, 2460);
  EXPECT_EQ(same[0].snapshot_age_seconds, 2520);

  LocalDeliveryReport none;  // the logs saw nothing stalled
  none.server = "EXCH01";
  auto differ = CompareQueueSources({none}, {snap}, 600);
  ASSERT_EQ(differ.size(), 1u);
  EXPECT_TRUE(differ[0].disagree);
  EXPECT_NE(differ[0].text.find("tracking logs 0s, WMI snapshot 42m"), std::string::npos)
      << differ[0].text;

  // A stall that began after the snapshot was taken cannot be in it: no disagreement.
  LocalDeliveryReport later;
  later.server = "EXCH01";
  later.oldest_stalled_first_seen = kTaken + 60;
  QueueSnapshot empty = snap;
  empty.message_count = 0;
  empty.oldest_message.reset();
  EXPECT_FALSE(CompareQueueSources({later}, {empty}, 600).at(0).disagree);

  // Servers in only one source are not compared.
  LocalDeliveryReport other;
  other.server = "EXCH02";
  EXPECT_TRUE(CompareQueueSources({other}, {snap}, 600).empty());
}

// Exchange 2000 has no root\MicrosoftExchangeV2: the script falls back to that version's own
// queue provider (documented in docs/DOMAIN.md "WMI views") and names both when neither answers.
TEST(QueueSnapshotScript, FallsBackToExchange2000sQueueProvider) {
  const std::string script = CollectScript(kScript);
  EXPECT_EQ(ScriptConstant(script, "WMI_NAMESPACE"), "root\\MicrosoftExchangeV2");
  EXPECT_EQ(ScriptConstant(script, "WMI_CLASS"), "Exchange_SMTPLink");
  EXPECT_EQ(ScriptConstant(script, "WMI_NAMESPACE_2000"), "root\\cimv2\\applications\\exchange");
  EXPECT_EQ(ScriptConstant(script, "WMI_CLASS_2000"), "ExchangeLink");
  // Tried in that order, and a server with neither is told what the script needs.
  const size_t first = script.find("OpenLinks(WMI_NAMESPACE, WMI_CLASS,");
  const size_t second = script.find("OpenLinks(WMI_NAMESPACE_2000, WMI_CLASS_2000,");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_NE(script.find("this script needs Exchange 2003"), std::string::npos);
  // A Windows script: every line ends in CRLF, as Notepad on the server shows it.
  EXPECT_EQ(BareLineFeeds(script), 0u);
  const std::string domain = ReadTextFile(SourceDir() + "/docs/DOMAIN.md");
  EXPECT_NE(domain.find(
                "`ExchangeLink` (Exchange 2000, namespace `root\\cimv2\\applications\\exchange`)"),
            std::string::npos);
}

}  // namespace
}  // namespace exdm::testing
