// The mailbox snapshot reader (exdm/store/mailbox_snapshot.h) against the format the shipped
// script writes: its documented column list is read out of
// deploy/collect/exchange-store-snapshot.vbs, and every fixture (tests/fixtures/store_snapshot/,
// written by hand from the documented Exchange_Mailbox properties) has exactly that header.
#include "exdm/store/mailbox_snapshot.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>

#include "collector_script.h"
#include "exdm/base/time_util.h"
#include "hung_share.h"
#include "store_snapshot_fixtures.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

constexpr int64_t kTaken = 1795628400;  // 2026-11-25T17:40:00Z, the fixtures' snapshot time

const std::string kScript = "exchange-store-snapshot.vbs";

std::string Header() {
  return ScriptConstant(CollectScript(kScript), "MAILBOX_COLUMNS");
}

std::string Fixture(const std::string& name) {
  return StoreSnapshotFixture(name);
}

const StoreMailboxTable& Table(const MailboxSnapshot& snap, const std::string& sg,
                               const std::string& store) {
  const StoreMailboxTable* table = snap.Find(sg, store);
  if (table == nullptr) {
    ADD_FAILURE() << "no store " << sg << " / " << store;
    static const StoreMailboxTable kNone;
    return kNone;
  }
  return *table;
}

TEST(MailboxSnapshotFormat, ScriptDocumentsExactlyTheColumnsItWritesAndTheReaderKnows) {
  ExpectScriptWritesColumns(
      CollectScript(kScript), "Mailboxes columns:", "MAILBOX_COLUMNS",
      {kMailboxSnapshotColumns.begin(), kMailboxSnapshotColumns.end()},
      {kMailboxSnapshotRequiredColumns.begin(), kMailboxSnapshotRequiredColumns.end()});
}

// A Windows script, as the queue snapshot script: every line ends in CRLF, as Notepad on the
// server shows it.
TEST(MailboxSnapshotFormat, ScriptHasWindowsLineEnds) {
  const std::string script = CollectScript(kScript);
  ASSERT_FALSE(script.empty());
  EXPECT_EQ(BareLineFeeds(script), 0u);
}

TEST(MailboxSnapshotFormat, FixturesAreInTheScriptsFormat) {
  ASSERT_EQ(FormatIso8601Utc(kTaken), "2026-11-25T17:40:00Z");
  for (const char* name : {"EXCH01-mailboxes.csv", "EXCH02-mailboxes.csv", "EXCH03-mailboxes.csv",
                           "EXCH06-mailboxes.csv", "EXCH07-mailboxes.csv"}) {
    const std::string text = ReadTextFile(Fixture(name));
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_EQ(text.substr(0, text.find("\r\n")), Header()) << name;
    EXPECT_EQ(text.substr(text.size() - 2), "\r\n") << name;
    auto snap = ParseMailboxSnapshot(text, "");
    ASSERT_TRUE(snap) << name << ": " << snap.status().message();
    EXPECT_EQ(snap->taken_at, kTaken) << name;
  }
}

// EXCH01 (the demo organization): Sales lost its SMTP mailbox's directory object, the store found
// it absent; the first store is whole; the public store lists none of these mailboxes.
TEST(MailboxSnapshotReader, DisconnectedSmtpMailboxCarriesWhenItWasFoundAbsent) {
  auto snap = ParseMailboxSnapshot(ReadTextFile(Fixture("EXCH01-mailboxes.csv")), "EXCH01");
  ASSERT_TRUE(snap) << snap.status().message();
  EXPECT_EQ(snap->server, "EXCH01");
  ASSERT_EQ(snap->stores.size(), 2u);
  const StoreMailboxTable& sales = Table(*snap, "First Storage Group", "Sales");
  ASSERT_EQ(sales.mailboxes.size(), 2u);
  const StoreMailbox& smtp = sales.mailboxes[0];
  EXPECT_EQ(smtp.kind, StoreMailboxKind::kSmtp);
  EXPECT_FALSE(smtp.connected());
  EXPECT_EQ(FormatIso8601Utc(*smtp.absent_in_ds), "2026-11-25T09:12:00Z");
  ASSERT_TRUE(smtp.named_store);
  EXPECT_NE(smtp.display_name.find(smtp.named_store->ToBracedUpper()), std::string::npos);
  EXPECT_EQ(sales.mailboxes[1].kind, StoreMailboxKind::kSystem);
  EXPECT_TRUE(sales.mailboxes[1].connected());
  EXPECT_EQ(sales.mailboxes[1].named_store, smtp.named_store);  // both name the store's GUID
  const StoreMailboxTable& first = Table(*snap, "First Storage Group", "Mailbox Store (EXCH01)");
  ASSERT_EQ(first.mailboxes.size(), 2u);
  EXPECT_TRUE(first.mailboxes[0].connected());
  EXPECT_EQ(snap->Find("First Storage Group", "Public Folder Store (EXCH01)"), nullptr);
}

// EXCH03: quoting (a store name with a comma, one with doubled quotes), a store with its old SMTP
// mailbox beside the new one, a mounted store with no SMTP mailbox, a disconnected system mailbox.
TEST(MailboxSnapshotReader, QuotedNamesAndEveryStoreThatAnswered) {
  auto snap = ParseMailboxSnapshot(ReadTextFile(Fixture("EXCH03-mailboxes.csv")), "exch03");
  ASSERT_TRUE(snap) << snap.status().message();
  EXPECT_EQ(snap->server, "exch03");  // the input's label; names compare case-insensitively
  ASSERT_EQ(snap->stores.size(), 3u);
  const StoreMailboxTable& legal = Table(*snap, "First Storage Group", "Sales, Legal & Finance");
  ASSERT_EQ(legal.mailboxes.size(), 3u);
  size_t disconnected = 0;
  for (const StoreMailbox& m : legal.mailboxes) {
    if (m.kind == StoreMailboxKind::kSmtp && !m.connected()) ++disconnected;
  }
  EXPECT_EQ(disconnected, 1u);
  const StoreMailboxTable& research = Table(*snap, "Second Storage Group", "Research \"R&D\"");
  ASSERT_EQ(research.mailboxes.size(), 1u);  // only its system mailbox: no SMTP mailbox yet
  EXPECT_EQ(research.mailboxes[0].kind, StoreMailboxKind::kSystem);
  const StoreMailboxTable& archive = Table(*snap, "Second Storage Group", "Archive");
  ASSERT_EQ(archive.mailboxes.size(), 2u);
  EXPECT_EQ(archive.mailboxes[1].kind, StoreMailboxKind::kSystem);
  EXPECT_FALSE(archive.mailboxes[1].connected());
}

TEST(MailboxSnapshotReader, NoStoreAnsweredIsASnapshotWithNoStores) {
  auto snap = ParseMailboxSnapshot(ReadTextFile(Fixture("EXCH06-mailboxes.csv")), "EXCH06");
  ASSERT_TRUE(snap) << snap.status().message();
  EXPECT_TRUE(snap->stores.empty());
  EXPECT_EQ(snap->taken_at, kTaken);
}

TEST(MailboxSnapshotReader, ToleratesBomLfColumnOrderCaseAndExtraColumns) {
  const std::string text =
      "\xEF\xBB\xBF"
      "Server,Extra,Store,Display_Name,Storage_Group,Absent_In_DS_UTC,Snapshot_UTC\n"
      "EXCH01,x,Sales,\"SMTP (EXCH01-{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF})\",SG,,"
      "2026-11-25T17:40:00Z\n\n";
  auto snap = ParseMailboxSnapshot(text, "EXCH01");
  ASSERT_TRUE(snap) << snap.status().message();
  const StoreMailboxTable& sales = Table(*snap, "sg", "SALES");
  ASSERT_EQ(sales.mailboxes.size(), 1u);
  EXPECT_EQ(sales.mailboxes[0].named_store->ToString(), "3e4385bb-7c43-4feb-8ea2-97c65cc06abf");
  EXPECT_TRUE(sales.mailboxes[0].legacy_dn.empty());  // optional column absent
}

TEST(MailboxSnapshotReader, RefusesWhatWouldMisleadWithTheLine) {
  struct Case {
    std::string text;
    std::string expect;
  };
  const std::string h = Header() + "\r\n";
  const std::string t = "2026-11-25T17:40:00Z,EXCH01,";
  const std::vector<Case> cases = {
      {"", "empty mailbox snapshot"},
      {"\x7f"
       "ELF\x01\x02\x03\x00\xff\xfe\n",
       "not a mailbox snapshot header"},
      {"snapshot_utc,server,storage_group,store,display_name\r\n" + t + "SG,S,,\r\n",
       "no column absent_in_ds_utc"},
      {h, "no data line"},
      {h + "yesterday,EXCH01,SG,S,,,,\r\n", "line 2: snapshot_utc 'yesterday'"},
      {h + t + "SG,S,\"SMTP (X)\",,,noon\r\n", "absent_in_ds_utc 'noon'"},
      {h + t + "SG,S\r\n", "line 2: 4 fields"},
      {h + t + "SG,S,SMTP \"(X)\",,,\r\n", "line 2: malformed CSV"},
      {h + "2026-11-25T17:40:00Z,,SG,S,,,,\r\n", "empty server"},
      {h + t + ",S,,,,\r\n", "empty storage_group"},
      {h + t + "SG,,\"SMTP (X)\",,,\r\n", "empty store"},
      {h + t + "SG,S,,,,2026-11-25T17:00:00Z\r\n", "absent_in_ds_utc set on a row that names"},
      {h + t + "SG,S,,,,\r\n2026-11-25T17:45:00Z,EXCH01,SG,T,,,,\r\n",
       "line 3: snapshot_utc and server differ"},
      {h + "2026-11-25T17:40:00Z,EXCH02,SG,S,,,,\r\n", "of server EXCH02, not EXCH01"},
      {h + t + "SG,S,,,,\r\n" + t + "SG,S,\"SMTP (EXCH01-{3E43",
       "line 3: the last line has no "
       "line end"},
  };
  for (const Case& c : cases) {
    auto snap = ParseMailboxSnapshot(c.text, "EXCH01");
    ASSERT_FALSE(snap) << c.expect;
    EXPECT_EQ(snap.status().code(), ErrorCode::kBadInput);
    EXPECT_NE(snap.status().message().find(c.expect), std::string::npos)
        << "expected '" << c.expect << "' in: " << snap.status().message();
  }
}

// A file cut while it was being copied: refused, not read as a store that lost its last rows.
TEST(MailboxSnapshotReader, FileCutMidRowIsRefused) {
  const std::string text = ReadTextFile(Fixture("EXCH04-mailboxes-cut.csv"));
  ASSERT_FALSE(text.empty());
  auto snap = ParseMailboxSnapshot(text, "EXCH04");
  ASSERT_FALSE(snap);
  EXPECT_NE(snap.status().message().find("cut while being written"), std::string::npos)
      << snap.status().message();
}

TEST(MailboxSnapshotRead, FreshStaleFutureMissingAndCutFiles) {
  StoreSnapshotOptions o;
  o.files = {{"EXCH01", Fixture("EXCH01-mailboxes.csv")},
             {"EXCH05", Fixture("EXCH05-mailboxes-stale.csv")},
             {"EXCH04", Fixture("EXCH04-mailboxes-cut.csv")},
             {"EXCH09", Fixture("absent.csv")}};
  o.now = kTaken + 300;
  auto reads = ReadMailboxSnapshots(o, Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(reads) << reads.status().message();
  ASSERT_EQ(reads->size(), 4u);
  ASSERT_TRUE((*reads)[0].snapshot) << (*reads)[0].error.message();
  EXPECT_EQ((*reads)[0].snapshot->path, Fixture("EXCH01-mailboxes.csv"));

  EXPECT_FALSE((*reads)[1].snapshot);
  EXPECT_NE((*reads)[1].error.message().find("is stale: taken 2026-11-24T06:15:00Z, 1d11h ago"),
            std::string::npos)
      << (*reads)[1].error.message();
  ASSERT_TRUE((*reads)[1].taken_at);  // a stale file still says when it was taken

  EXPECT_EQ((*reads)[2].error.code(), ErrorCode::kBadInput);
  EXPECT_NE((*reads)[2].error.message().find("EXCH04-mailboxes-cut.csv of EXCH04"),
            std::string::npos)
      << (*reads)[2].error.message();

  EXPECT_EQ((*reads)[3].error.code(), ErrorCode::kIoError);
  EXPECT_NE((*reads)[3].error.message().find("cannot read mailbox snapshot"), std::string::npos);

  o.files.resize(1);
  o.now = kTaken - 3600;
  auto future = ReadMailboxSnapshots(o, Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(future);
  EXPECT_NE((*future)[0].error.message().find("1h in the future"), std::string::npos)
      << (*future)[0].error.message();
}

// A read that never returns (a hung share) ends at the deadline, naming the file.
TEST(MailboxSnapshotRead, HungReadEndsAtTheDeadline) {
  std::string why;
  auto share = HungShare::Mount(&why);
  if (!share) GTEST_SKIP() << "no hung share: " << why;
  share->Put("EXCH01-mailboxes.csv", Header() + "\r\n", /*hanging=*/true);
  StoreSnapshotOptions o;
  o.files = {{"EXCH01", share->File("EXCH01-mailboxes.csv")}};
  o.now = kTaken;
  const auto t0 = std::chrono::steady_clock::now();
  auto reads = ReadMailboxSnapshots(o, Deadline::After(std::chrono::milliseconds(300)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  ASSERT_FALSE(reads);
  EXPECT_EQ(reads.status().code(), ErrorCode::kTimeout);
  EXPECT_NE(reads.status().message().find("reading mailbox snapshot " +
                                          share->File("EXCH01-mailboxes.csv")),
            std::string::npos)
      << reads.status().message();
}

// A FIFO nobody writes in the snapshot's place is refused at once, not waited on until the
// deadline (as for queue snapshots, issue 22).
TEST(MailboxSnapshotRead, FifoIsRefusedAtOnce) {
  TempDir dir("exdm-mailbox-snapshot");
  ASSERT_EQ(::mkfifo(dir.File("EXCH01-mailboxes.csv").c_str(), 0600), 0);
  StoreSnapshotOptions o;
  o.files = {{"EXCH01", dir.File("EXCH01-mailboxes.csv")}};
  o.now = kTaken;
  auto reads = ReadMailboxSnapshots(o, Deadline::After(std::chrono::seconds(60)));
  ASSERT_TRUE(reads) << reads.status().message();
  EXPECT_EQ((*reads)[0].error.message(), "mailbox snapshot of EXCH01 '" +
                                             dir.File("EXCH01-mailboxes.csv") +
                                             "' is a FIFO (named pipe), not a regular file");
}

TEST(MailboxSnapshotRead, OversizedFileIsRefused) {
  TempDir dir("exdm-mailbox-snapshot");
  dir.Write("big.csv", Header() + "\r\n" + std::string(2u << 20, 'x'));
  StoreSnapshotOptions o;
  o.files = {{"EXCH01", dir.File("big.csv")}};
  o.now = kTaken;
  auto reads = ReadMailboxSnapshots(o, Deadline::After(std::chrono::seconds(10)));
  ASSERT_TRUE(reads);
  EXPECT_NE((*reads)[0].error.message().find("larger than 1048576 bytes, too large for a mailbox "
                                             "snapshot of EXCH01"),
            std::string::npos)
      << (*reads)[0].error.message();
}

}  // namespace
}  // namespace exdm::testing
