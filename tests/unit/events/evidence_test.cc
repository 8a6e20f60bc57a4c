// Event evidence: recognised by source + ID, pieces read from structure (DN, GUIDs, codes), kept
// across incremental reads within the window.
#include "exdm/events/evidence.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "exdm/base/time_util.h"
#include "paths.h"

namespace exdm {
namespace {

int64_t T(const char* iso) {
  return *ParseIso8601(iso);
}

std::string Fixture(const std::string& name) {
  return testing::SourceDir() + "/tests/fixtures/events/" + name;
}

EventRecord Rec(const char* source, uint32_t id, const std::string& message,
                int64_t time = T("2026-11-25T10:00:00Z")) {
  EventRecord r;
  r.time = time;
  r.event_id = id;
  r.source = source;
  r.message = message;
  return r;
}

TEST(LogonFailureTextTest, BothDnShapesAndEveryGuidSpelling) {
  const std::string base = "/o=Contoso/ou=AG/cn=Configuration/cn=Connections/cn=SMTP (";
  struct Case {
    std::string dn;
    std::string server;
  } cases[] = {
      {base + "EXCH01)/cn={3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}", "EXCH01"},
      {base + "EXCH01-{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF})", "EXCH01"},
      {base + "EXCH01)/cn={3e4385bb-7c43-4feb-8ea2-97c65cc06abf}", "EXCH01"},
      {base + "EXCH-01-{3e4385bb-7c43-4feb-8ea2-97c65cc06abf})", "EXCH-01"},
      {base + "EXCH01)/cn=3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF", "EXCH01"},
      {base + "EXCH01)/cn={3E4385BB7C434FEB8EA297C65CC06ABF}", "EXCH01"},
  };
  for (const Case& c : cases) {
    // The account insertion string leads; the wording around the DN does not matter.
    for (const std::string& message :
         {"Service Account failed to logon to the store as " + c.dn + ". Error code : 0x80040148.",
          "CONTOSO\\svc exch, ein Konto: Anmeldung als " + c.dn + " fehlgeschlagen (0X80040148)"}) {
      const LogonFailureText t = ParseLogonFailureText(message);
      EXPECT_EQ(t.store_guid, "3e4385bb-7c43-4feb-8ea2-97c65cc06abf") << message;
      EXPECT_EQ(t.gateway_dn, c.dn) << message;
      EXPECT_EQ(t.gateway_server, c.server) << message;
      EXPECT_EQ(t.error_code, "0x80040148") << message;
    }
  }
}

TEST(LogonFailureTextTest, AccountThatLooksLikeACodeDoesNotWin) {
  // An error code is looked for after the DN first.
  const LogonFailureText t = ParseLogonFailureText(
      "svc0x80000001 failed to logon to the store as /o=O/ou=A/cn=Configuration/cn=Connections/"
      "cn=SMTP (X)/cn={3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}. Error code : 0x80040158.");
  EXPECT_EQ(t.error_code, "0x80040158");
}

TEST(EventEvidenceTest, RecognisesEventsBySourceAndId) {
  ServerEventEvidence ev;
  const int64_t start = T("2026-11-25T00:00:00Z"), now = T("2026-11-25T12:00:00Z");
  AddEventRecord(Rec("MSExchangeTransport", 326,
                     "x /o=O/ou=A/cn=Configuration/cn=Connections/cn=SMTP (EXCH01)/"
                     "cn={3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}. 0x80040148"),
                 start, now, ev);
  AddEventRecord(Rec("ESE", 326, "/o=O/cn={3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF} 0x80040148"),
                 start, now, ev);
  AddEventRecord(Rec("msexchangeis", 1194, "Accept clients ... failed with error 0x80004005."),
                 start, now, ev);
  AddEventRecord(Rec("MSExchangeIS", 326, "wrong source for 326"), start, now, ev);
  AddEventRecord(Rec("MSExchangeTransport", 327,
                     "The following call : EcLocallyDeliverMsg to the store failed. Error code : "
                     "-2147221233. MDB : da99a83e-1111-2222-3333-444455556666. FID : 1-2."),
                 start, now, ev);
  AddEventRecord(Rec("EXOLEDB", 116, "... SystemMailbox{DA99A83E-1111-2222-3333-444455556666} ..."),
                 start, now, ev);
  EXPECT_EQ(ev.records, 6u);
  EXPECT_EQ(ev.other_events, 2u);
  ASSERT_EQ(ev.logon_failures.size(), 1u);
  EXPECT_EQ(ev.logon_failures[0].store_guid, "3e4385bb-7c43-4feb-8ea2-97c65cc06abf");
  ASSERT_EQ(ev.interface_failures.size(), 1u);
  EXPECT_EQ(ev.interface_failures[0].error_code, "0x80004005");
  ASSERT_EQ(ev.call_failures.size(), 1u);
  EXPECT_EQ(ev.call_failures[0].call, "EcLocallyDeliverMsg");
  EXPECT_EQ(ev.call_failures[0].error_code, "-2147221233");
  EXPECT_EQ(ev.call_failures[0].mdb_guid, "da99a83e-1111-2222-3333-444455556666");
  ASSERT_EQ(ev.system_mailbox_missing.size(), 1u);
  EXPECT_EQ(ev.system_mailbox_missing[0].store_guid, "da99a83e-1111-2222-3333-444455556666");
}

TEST(EventEvidenceTest, EventsOutsideTheWindowCountOnlyInTotals) {
  ServerEventEvidence ev;
  const std::string m =
      "/o=O/ou=A/cn=Configuration/cn=Connections/cn=SMTP "
      "(X)/cn={3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}";
  const int64_t start = T("2026-11-25T00:00:00Z"), now = T("2026-11-25T12:00:00Z");
  AddEventRecord(Rec("MSExchangeTransport", 326, m, T("2026-11-24T23:59:59Z")), start, now, ev);
  AddEventRecord(Rec("MSExchangeTransport", 326, m, T("2026-11-25T00:00:00Z")), start, now, ev);
  AddEventRecord(Rec("MSExchangeTransport", 326, m, T("2026-11-25T12:10:00Z")), start, now, ev);
  AddEventRecord(Rec("MSExchangeTransport", 326, m, T("2026-11-25T13:00:00Z")), start, now, ev);
  EXPECT_EQ(ev.logon_failures.size(), 2u);  // the boundary, and 10 min of clock skew
  EXPECT_EQ(ev.logon_failures_total, 4u);
}

TEST(EventEvidenceTest, DsAccessNamesTheDirectoryServers) {
  ServerEventEvidence ev;
  AddEventRecord(Rec("MSExchangeDSAccess", 2080,
                     "Process MAD.EXE (PID=1884). DSAccess has discovered the following servers "
                     "with the following characteristics: \r\n (Server name | Roles | "
                     "Reachability | Synchronized | GC capable | PDC | SACL right | Critical Data "
                     "| Netlogon | OS Version) \r\nIn-site:\r\n DC1.contoso.com\tCD- 1 7 7 1 0 1 1 "
                     "7 1\r\n gc1.contoso.com\tCDG 1 7 7 1 0 1 1 7 1\r\nOut-of-Site:\r\n"),
                 0, T("2026-11-25T12:00:00Z"), ev);
  ASSERT_EQ(ev.directory_servers.size(), 2u);
  EXPECT_EQ(ev.directory_servers[0].host, "dc1.contoso.com");
  EXPECT_TRUE(ev.directory_servers[0].config_dc);
  EXPECT_TRUE(ev.directory_servers[0].dc);
  EXPECT_FALSE(ev.directory_servers[0].gc);
  EXPECT_TRUE(ev.directory_servers[1].gc);
}

TEST(EventEvidenceTest, HandWrittenCsvFixture) {
  EventCollectOptions o;
  o.files = {{"EXCH-02", Fixture("mixed.csv")}};
  o.now = T("2026-11-25T12:00:00Z");
  o.window_start = o.now - 86400;
  auto ev = CollectEventEvidence(o);
  ASSERT_TRUE(ev.ok()) << ev.status().message();
  ASSERT_EQ(ev->servers.size(), 1u);
  const ServerEventEvidence& s = ev->servers[0];
  EXPECT_EQ(s.logon_failures.size(), 3u);
  const auto by_store = s.LogonFailuresByStore();
  ASSERT_EQ(by_store.size(), 2u);
  EXPECT_EQ(by_store.at("a1b2c3d4-e5f6-4711-8899-aabbccddeeff").size(), 1u);
  EXPECT_EQ(by_store.at("0f1e2d3c-4b5a-4968-8776-655443322110").size(), 2u);
  for (const auto& e : s.logon_failures)
    EXPECT_EQ(e.gateway_server, "EXCH-02");
  EXPECT_EQ(s.interface_failures.size(), 2u);
  ASSERT_EQ(s.call_failures.size(), 1u);
  EXPECT_EQ(s.call_failures[0].call, "EcGetMessageStatus");
  EXPECT_EQ(s.call_failures[0].mdb_guid, "0f1e2d3c-4b5a-4968-8776-655443322110");
  ASSERT_EQ(s.system_mailbox_missing.size(), 1u);
  EXPECT_EQ(s.system_mailbox_missing[0].store_guid, "a1b2c3d4-e5f6-4711-8899-aabbccddeeff");
  EXPECT_EQ(s.directory_servers.size(), 2u);
  EXPECT_EQ(s.bad_rows, 3u);
  EXPECT_EQ(s.other_events, 2u);  // ESE reusing 326, and 9095
  EXPECT_EQ(ev->LogonFailures(), 3u);
  EXPECT_TRUE(ev->file_errors.empty());
}

TEST(EventEvidenceTest, UnreadableFileIsRecordedAndOthersStillCount) {
  EventCollectOptions o;
  o.files = {{"EXCH01", "/nonexistent/EXCH01.csv"}, {"EXCH03", Fixture("mixed.jsonl")}};
  o.time_zone = "Europe/Berlin";
  o.now = T("2026-11-25T12:00:00Z");
  o.window_start = o.now - 86400;
  auto ev = CollectEventEvidence(o);
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->file_errors.size(), 1u);
  EXPECT_EQ(ev->file_errors[0].file.server, "EXCH01");
  EXPECT_EQ(ev->file_errors[0].status.code(), ErrorCode::kIoError);
  ASSERT_NE(ev->Find("EXCH03"), nullptr);
  EXPECT_EQ(ev->Find("EXCH03")->logon_failures.size(), 2u);
  ASSERT_NE(ev->Find("EXCH01"), nullptr);  // configured servers are always listed
  EXPECT_EQ(ev->Find("EXCH01")->logon_failures.size(), 0u);
}

TEST(EventEvidenceTest, UnknownZoneFailsTheWholeCollection) {
  EventCollectOptions o;
  o.files = {{"EXCH03", Fixture("mixed.jsonl")}};
  o.time_zone = "Nowhere/Nothing";
  auto ev = CollectEventEvidence(o);
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.status().code(), ErrorCode::kInvalidArgument);
}

class IncrementalEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/exdm-events-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/EXCH01-application.jsonl";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string Line(const char* time, uint32_t id, const char* source,
                          const std::string& message) {
    return std::string("{\"EventTime\":\"") + time +
           "\",\"Hostname\":\"EXCH01\",\"EventID\":" + std::to_string(id) + ",\"SourceName\":\"" +
           source + "\",\"Message\":\"" + message + "\"}\n";
  }
  static std::string Logon(const char* time) {
    return Line(time, 326, "MSExchangeTransport",
                "Service Account failed to logon to the store as /o=O/ou=A/cn=Configuration/"
                "cn=Connections/cn=SMTP (EXCH01)/cn={3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}. "
                "Error code : 0x80040148.");
  }
  void Write(const std::string& text, bool append) {
    std::ofstream f(path_, append ? std::ios::app : std::ios::trunc);
    f << text;
  }
  Result<EventEvidence> Run(const char* now, int64_t window = 86400) {
    EventCollectOptions o;
    o.files = {{"EXCH01", path_}};
    o.now = T(now);
    o.window_start = o.now - window;
    StateSnapshot next;
    notes_.clear();
    auto r = CollectEventEvidence(o, state_, &next, &notes_);
    if (r.ok()) state_ = next;
    return r;
  }

  std::string dir_, path_;
  StateSnapshot state_;
  std::vector<std::string> notes_;
};

TEST_F(IncrementalEventsTest, AppendedEventsAddToTheCarriedEvidence) {
  Write(Logon("2026-11-25T09:00:00Z"), false);
  auto a = Run("2026-11-25T10:00:00Z");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->LogonFailures(), 1u);
  EXPECT_EQ(a->servers[0].records, 1u);
  // Nothing new: the evidence is still there, nothing is read twice.
  auto b = Run("2026-11-25T10:05:00Z");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->LogonFailures(), 1u);
  EXPECT_EQ(b->servers[0].records, 0u);
  Write(Logon("2026-11-25T10:06:00Z") +
            Line("2026-11-25T10:06:01Z", 1194, "MSExchangeIS", "0x80004005"),
        true);
  auto c = Run("2026-11-25T10:10:00Z");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->LogonFailures(), 2u);
  EXPECT_EQ(c->InterfaceFailures(), 1u);
  EXPECT_EQ(c->servers[0].records, 2u);
  EXPECT_EQ(c->servers[0].logon_failures_total, 2u);
}

TEST_F(IncrementalEventsTest, EvidenceExpiresWhenItLeavesTheWindow) {
  Write(Logon("2026-11-25T09:00:00Z"), false);
  ASSERT_EQ(Run("2026-11-25T10:00:00Z")->LogonFailures(), 1u);
  ASSERT_EQ(Run("2026-11-26T08:59:00Z")->LogonFailures(), 1u);  // still within 24 h
  auto later = Run("2026-11-26T09:00:01Z");
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->LogonFailures(), 0u);
  EXPECT_EQ(later->servers[0].logon_failures_total, 1u);  // the counter keeps it
}

TEST_F(IncrementalEventsTest, HalfWrittenLineIsReadOnceComplete) {
  const std::string full = Logon("2026-11-25T09:00:00Z");
  Write(full.substr(0, 40), false);
  auto a = Run("2026-11-25T10:00:00Z");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->LogonFailures(), 0u);
  EXPECT_EQ(a->BadRows(), 0u);
  Write(full.substr(40), true);
  auto b = Run("2026-11-25T10:01:00Z");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->LogonFailures(), 1u);
  EXPECT_EQ(b->BadRows(), 0u);
}

// A row longer than the 4 MiB cap (here 9 MiB, terminated) is one bad row; the rows around it
// count, with and without state (issue 22).
TEST_F(IncrementalEventsTest, OverlongRowIsOneBadRowAndTheRowsAroundItCount) {
  const std::string long_row = "{\"EventTime\":\"2026-11-25T10:00:01Z\",\"Message\":\"" +
                               std::string(9u << 20, 'x') + "\"}\n";
  Write(Logon("2026-11-25T10:00:00Z") + long_row + Logon("2026-11-25T10:00:02Z"), false);
  EventCollectOptions o;
  o.files = {{"EXCH01", path_}};
  o.now = T("2026-11-25T12:00:00Z");
  o.window_start = o.now - 86400;
  auto whole = CollectEventEvidence(o);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->Find("EXCH01")->logon_failures.size(), 2u);
  EXPECT_EQ(whole->Find("EXCH01")->bad_rows, 1u);
  auto ev = Run("2026-11-25T12:00:00Z");
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->Find("EXCH01")->logon_failures.size(), 2u);
  EXPECT_EQ(ev->Find("EXCH01")->bad_rows, 1u);
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_NE(notes_[0].find("is longer than 4194304 bytes; counted as unreadable"),
            std::string::npos)
      << notes_[0];
}

// An over-long row still being written (no line end yet): counted once, its bytes never read
// again by later runs, and the rows after its end count (the exporter re-read a 100 MB tail on
// every refresh).
TEST_F(IncrementalEventsTest, UnterminatedOverlongTailIsCountedOnceAndNotReadAgain) {
  Write(Logon("2026-11-25T10:00:00Z") + "{\"EventTime\":\"" + std::string(6u << 20, 'x'), false);
  auto first = Run("2026-11-25T12:00:00Z");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->Find("EXCH01")->logon_failures.size(), 1u);
  EXPECT_EQ(first->Find("EXCH01")->bad_rows, 1u);
  const uint64_t size = std::filesystem::file_size(path_);
  ASSERT_EQ(state_.files.size(), 1u);
  EXPECT_EQ(state_.files[0].offset, size) << "the tail is passed over, not left to re-read";
  // More of the same row: passed over, not counted again.
  Write(std::string(3u << 20, 'y'), true);
  auto second = Run("2026-11-25T12:01:00Z");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->Find("EXCH01")->bad_rows, 0u);
  EXPECT_EQ(second->Find("EXCH01")->bad_rows_total, 1u);
  // Its end and a new row: the new row counts, the rest of the long one does not.
  Write("zzz\"}\n" + Logon("2026-11-25T12:01:30Z"), true);
  auto third = Run("2026-11-25T12:02:00Z");
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->Find("EXCH01")->bad_rows, 0u);
  EXPECT_EQ(third->Find("EXCH01")->bad_rows_total, 1u);
  EXPECT_EQ(third->Find("EXCH01")->logon_failures.size(), 2u);
}

TEST_F(IncrementalEventsTest, RewrittenExportIsNotCountedTwice) {
  // Scheduled Log Parser exports rewrite the whole file each time (here: the oldest row has
  // dropped out of the exported range, so the file's head changed).
  const std::string same_second = Logon("2026-11-25T09:00:00Z") + Logon("2026-11-25T09:00:00Z");
  Write(Logon("2026-11-25T08:00:00Z") + same_second, false);
  ASSERT_EQ(Run("2026-11-25T10:00:00Z")->LogonFailures(), 3u);
  ::unlink(path_.c_str());
  Write(same_second + Logon("2026-11-25T09:00:00Z") + Logon("2026-11-25T09:30:00Z"), false);
  auto b = Run("2026-11-25T10:05:00Z");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->LogonFailures(), 5u);
  EXPECT_EQ(b->servers[0].logon_failures_total, 5u);
  EXPECT_EQ(b->servers[0].records, 2u);
  ASSERT_FALSE(notes_.empty());
  EXPECT_NE(notes_[0].find("read again from its start"), std::string::npos);
}

TEST_F(IncrementalEventsTest, GrownRewriteContinuesWhereItStopped) {
  const std::string first = Logon("2026-11-25T09:00:00Z") + Logon("2026-11-25T09:10:00Z");
  Write(first, false);
  ASSERT_EQ(Run("2026-11-25T10:00:00Z")->LogonFailures(), 2u);
  Write(first + Logon("2026-11-25T09:30:00Z"), false);  // rewritten with the same head, longer
  auto b = Run("2026-11-25T10:05:00Z");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->LogonFailures(), 3u);
  EXPECT_EQ(b->servers[0].records, 1u);
}

TEST_F(IncrementalEventsTest, RotatedExportStartsOverWithNewEvents) {
  Write(Logon("2026-11-25T09:00:00Z"), false);
  ASSERT_EQ(Run("2026-11-25T10:00:00Z")->LogonFailures(), 1u);
  ::rename(path_.c_str(), (path_ + ".1").c_str());
  Write(Line("2026-11-25T10:02:00Z", 1194, "MSExchangeIS", "0x80004005"), false);
  auto b = Run("2026-11-25T10:05:00Z");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->LogonFailures(), 1u);  // carried
  EXPECT_EQ(b->InterfaceFailures(), 1u);
}

TEST_F(IncrementalEventsTest, LargeCsvIsReadInChunksWithRowsAcrossChunkEnds) {
  // ~10 MB of multi-line quoted rows: several 4 MiB chunks, rows cut at every chunk end.
  const std::string csv_path = dir_ + "/EXCH01.csv";
  {
    std::ofstream f(csv_path, std::ios::binary);
    f << "TimeGenerated,EventID,SourceName,ComputerName,Message\r\n";
    const std::string filler(700, 'x');
    for (int i = 0; i < 14000; ++i) {
      if (i % 1000 == 7) {
        f << "2026-11-25 09:00:00,326,MSExchangeTransport,EXCH01,\"Service Account failed to "
             "logon to the store as /o=O/ou=A/cn=Configuration/cn=Connections/cn=SMTP "
             "(EXCH01)/cn={3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}.\r\n\"\"Error\"\" code : "
             "0x80040148.\"\r\n";
      } else {
        f << "2026-11-25 09:00:00,1221,MSExchangeIS Mailbox Store,EXCH01,\"line, one\r\n"
          << filler << "\"\r\n";
      }
    }
  }
  EventCollectOptions o;
  o.files = {{"EXCH01", csv_path}};
  o.now = T("2026-11-25T10:00:00Z");
  o.window_start = o.now - 86400;
  StateSnapshot next;
  auto r = CollectEventEvidence(o, StateSnapshot{}, &next);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->servers[0].records, 14000u);
  EXPECT_EQ(r->servers[0].bad_rows, 0u);
  EXPECT_EQ(r->LogonFailures(), 14u);
  ASSERT_EQ(next.files.size(), 1u);
  std::ifstream in(csv_path, std::ios::binary | std::ios::ate);
  EXPECT_EQ(next.files[0].offset, static_cast<uint64_t>(in.tellg()));
}

TEST_F(IncrementalEventsTest, CorruptPayloadStartsAfresh) {
  Write(Logon("2026-11-25T09:00:00Z"), false);
  state_.payload = "\x01garbage";
  auto a = Run("2026-11-25T10:00:00Z");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->LogonFailures(), 1u);
  ASSERT_FALSE(notes_.empty());
  EXPECT_NE(notes_[0].find("unreadable"), std::string::npos);
}

}  // namespace
}  // namespace exdm
