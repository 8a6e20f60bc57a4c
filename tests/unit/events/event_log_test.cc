// Reading exported application logs: Log Parser CSV (RFC 4180) and NXLog JSON lines.
#include "exdm/events/event_log.h"

#include <gtest/gtest.h>

#include <vector>

#include "exdm/base/time_util.h"
#include "fault_support.h"
#include "paths.h"

namespace exdm {
namespace {

std::vector<EventRecord> Parse(std::string_view data, EventFormat format, EventParseStats* stats,
                               const TimeZone& zone = TimeZone::Utc(), bool final = true) {
  std::vector<EventRecord> out;
  EventParseStats s = ParseEvents(
      data, format, zone, [&](const EventRecord& r) { out.push_back(r); }, {}, final);
  if (stats) *stats = s;
  return out;
}

std::string Fixture(const std::string& name) {
  return testing::SourceDir() + "/tests/fixtures/events/" + name;
}

// A fixture as the reader sees it: the format from its head, then every row.
std::vector<EventRecord> ReadFixture(const std::string& name, const TimeZone& zone,
                                     EventParseStats* stats, EventFormat* format = nullptr) {
  std::vector<EventRecord> out;
  const std::string data = testing::ReadWholeFile(Fixture(name));
  auto detected = DetectEventFormat(std::string_view(data).substr(0, 64 * 1024));
  EXPECT_TRUE(detected.ok()) << detected.status().message();
  if (!detected.ok()) return out;
  if (format) *format = *detected;
  *stats = ParseEvents(data, *detected, zone, [&](const EventRecord& r) { out.push_back(r); });
  return out;
}

TEST(EventLogTest, DetectsTheFormatFromTheHead) {
  EXPECT_EQ(*DetectEventFormat("{\"EventTime\":\"2026-11-25 10:00:00\"}\n"),
            EventFormat::kNxlogJson);
  EXPECT_EQ(*DetectEventFormat("\xEF\xBB\xBFTimeGenerated,EventID,SourceName,Message\r\n"),
            EventFormat::kLogParserCsv);
  EXPECT_EQ(*DetectEventFormat("EventLog,RecordNumber,TimeGenerated,TimeWritten,EventID,EventType,"
                               "EventTypeName,EventCategory,EventCategoryName,SourceName,Strings,"
                               "ComputerName,SID,Message,Data\r\n"),
            EventFormat::kLogParserCsv);
  EXPECT_FALSE(DetectEventFormat("# Message Tracking Log File\n").ok());
  EXPECT_FALSE(DetectEventFormat("Date,Time,Text\n").ok());
  auto utf16 =
      DetectEventFormat(std::string("\xFF\xFE"
                                    "E\0v\0",
                                    6));
  ASSERT_FALSE(utf16.ok());
  EXPECT_NE(utf16.status().message().find("UTF-16"), std::string::npos);
}

TEST(EventLogTest, CsvQuotingFollowsRfc4180) {
  const std::string csv =
      "TimeGenerated,EventID,SourceName,ComputerName,Message\r\n"
      "2026-11-25 10:00:00,326,MSExchangeTransport,EXCH01,\"a, \"\"quoted\"\"\r\nsecond line\"\r\n"
      "2026-11-25 10:00:01,1194,MSExchangeIS,EXCH01,plain\n"
      "2026-11-25 10:00:02,1,X,EXCH01,\"\"\r\n";
  EventParseStats stats;
  auto recs = Parse(csv, EventFormat::kLogParserCsv, &stats);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].message, "a, \"quoted\"\r\nsecond line");
  EXPECT_EQ(recs[0].event_id, 326u);
  EXPECT_EQ(recs[0].time, *ParseIso8601("2026-11-25T10:00:00Z"));
  EXPECT_EQ(recs[1].message, "plain");
  EXPECT_EQ(recs[2].message, "");
  EXPECT_EQ(stats.bad_rows, 0u);
  EXPECT_EQ(stats.consumed, csv.size());
}

TEST(EventLogTest, CsvColumnsAreFoundByNameInAnyOrder) {
  const std::string csv =
      "message,SOURCENAME,eventid,ComputerName,timegenerated,Extra\n"
      "hello,MSExchangeIS,1194,EXCH01,2026-11-25 10:00:00,x\n";
  auto recs = Parse(csv, EventFormat::kLogParserCsv, nullptr);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].source, "MSExchangeIS");
  EXPECT_EQ(recs[0].event_id, 1194u);
  EXPECT_EQ(recs[0].computer, "EXCH01");
  EXPECT_EQ(recs[0].message, "hello");
}

TEST(EventLogTest, FullEventIdentifiersAreReducedToTheCode) {
  // 0xC0000146 = 3221225798: severity bits above the 16-bit code 326.
  const std::string csv =
      "TimeGenerated,EventID,SourceName,Message\n2026-11-25 10:00:00,3221225798,S,m\n";
  auto recs = Parse(csv, EventFormat::kLogParserCsv, nullptr);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].event_id, 326u);
}

TEST(EventLogTest, MalformedCsvRowsAreCountedNotFatal) {
  const std::string csv =
      "TimeGenerated,EventID,SourceName,Message\n"
      "2026-11-25 10:00:00,326,S\n"                 // too few fields
      "2026-11-25 10:00:00,326,S,m,extra\n"         // too many
      "yesterday,326,S,m\n"                         // no time
      "2026-11-25 10:00:00,three,S,m\n"             // no ID
      "2026-11-25 10:00:00,326,S,broken \"quote\n"  // stray quote
      "\n"
      "2026-11-25 10:00:00,326,S,good\n";
  EventParseStats stats;
  auto recs = Parse(csv, EventFormat::kLogParserCsv, &stats);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].message, "good");
  EXPECT_EQ(stats.bad_rows, 5u);
}

TEST(EventLogTest, AnUnfinishedLastRowWaitsForMoreDataUnlessFinal) {
  const std::string head =
      "TimeGenerated,EventID,SourceName,Message\n2026-11-25 10:00:00,1,S,one\n";
  const std::string partial = head + "2026-11-25 10:00:01,2,S,\"two\nstill open";
  EventParseStats stats;
  auto recs = Parse(partial, EventFormat::kLogParserCsv, &stats, TimeZone::Utc(), false);
  EXPECT_EQ(recs.size(), 1u);
  EXPECT_EQ(stats.consumed, head.size());
  recs = Parse(partial + "\"\n", EventFormat::kLogParserCsv, &stats, TimeZone::Utc(), false);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].message, "two\nstill open");
  // A row without its line end is complete only when the caller says no more is coming.
  const std::string unterminated = head + "2026-11-25 10:00:02,3,S,three";
  EXPECT_EQ(Parse(unterminated, EventFormat::kLogParserCsv, nullptr, TimeZone::Utc(), false).size(),
            1u);
  EXPECT_EQ(Parse(unterminated, EventFormat::kLogParserCsv, nullptr, TimeZone::Utc(), true).size(),
            2u);
}

// A header is a row like any other: while the file may grow, a header whose quoted column name is
// still open is not read yet (taking it as complete would leave the rest of the quote to the next
// read, which then swallows rows). Found by the event_log fuzzer.
TEST(EventLogTest, AHeaderCutInsideAQuotedNameWaitsForMoreData) {
  const std::string file =
      "TimeGenerated,EventID,SourceName,\"Mess\nage\"\n2026-11-25 10:00:00,1,S,\"one\"\n";
  const size_t cut = file.find("age");  // inside the quoted header name
  EventParseStats first;
  EXPECT_TRUE(Parse(file.substr(0, cut), EventFormat::kLogParserCsv, &first, TimeZone::Utc(), false)
                  .empty());
  EXPECT_EQ(first.consumed, 0u);
  EventParseStats whole;
  ASSERT_EQ(Parse(file, EventFormat::kLogParserCsv, &whole).size(), 1u);
  EXPECT_EQ(whole.bad_rows, 0u);
}

TEST(EventLogTest, ResumingMidFileUsesTheHeaderFromTheStart) {
  const std::string header = "Message,EventID,TimeGenerated,SourceName\n";
  const std::string rest = "m2,1194,2026-11-25 10:00:00,MSExchangeIS\n";
  std::vector<EventRecord> out;
  ParseEvents(
      rest, EventFormat::kLogParserCsv, TimeZone::Utc(),
      [&](const EventRecord& r) { out.push_back(r); }, header + "m1,1,2026-11-25 09:00:00,X\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event_id, 1194u);
  EXPECT_EQ(out[0].message, "m2");
}

TEST(EventLogTest, CsvTimesAreLocalToTheExportingMachineAcrossDaylightSaving) {
  auto berlin = TimeZone::Load("Europe/Berlin");
  ASSERT_TRUE(berlin.ok());
  EventParseStats stats;
  EventFormat format{};
  auto recs = ReadFixture("berlin-dst.csv", *berlin, &stats, &format);
  EXPECT_EQ(format, EventFormat::kLogParserCsv);
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(stats.bad_rows, 0u);
  EXPECT_EQ(recs[0].time, *ParseIso8601("2026-03-29T00:59:59Z"));  // CET
  EXPECT_EQ(recs[1].time, *ParseIso8601("2026-03-29T01:00:00Z"));  // CEST, one second later
  EXPECT_EQ(recs[2].time, *ParseIso8601("2026-10-25T00:30:00Z"));  // repeated hour: first
  EXPECT_EQ(recs[3].time, *ParseIso8601("2026-10-25T02:30:00Z"));
  EXPECT_EQ(recs[4].time, *ParseIso8601("2026-11-25T09:00:00Z"));
  EXPECT_EQ(recs[0].computer, "EXCH01");
  EXPECT_EQ(recs[0].category, "Exchange Store Driver");
  EXPECT_NE(recs[0].message.find("\r\n\r\nFor more information"), std::string::npos);
  EXPECT_TRUE(recs[4].message.empty());
  EXPECT_NE(recs[4].strings.find("/o=Contoso"), std::string::npos);
}

TEST(EventLogTest, HandWrittenCsvWithBomAndBadRows) {
  EventParseStats stats;
  auto recs = ReadFixture("mixed.csv", TimeZone::Utc(), &stats);
  EXPECT_EQ(recs.size(), 10u);
  EXPECT_EQ(stats.bad_rows, 3u);
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs.front().computer, "EXCH-02");
  EXPECT_EQ(recs.back().event_id, 1194u);  // the last row has no line end
}

TEST(EventLogTest, NxlogJsonLinesBothTimeFormats) {
  auto berlin = TimeZone::Load("Europe/Berlin");
  ASSERT_TRUE(berlin.ok());
  EventParseStats stats;
  EventFormat format{};
  auto recs = ReadFixture("mixed.jsonl", *berlin, &stats, &format);
  EXPECT_EQ(format, EventFormat::kNxlogJson);
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(stats.bad_rows, 3u);
  EXPECT_EQ(recs[0].time, *ParseIso8601("2026-11-25T08:00:00Z"));  // explicit +01:00
  EXPECT_EQ(recs[1].time, *ParseIso8601("2026-11-25T08:30:00Z"));  // plain, read in Berlin
  EXPECT_EQ(recs[1].event_id, 326u);                               // "326" as a string
  EXPECT_EQ(recs[2].time, *ParseIso8601("2026-11-25T09:31:00Z"));
  EXPECT_EQ(recs[0].computer, "EXCH03");
  EXPECT_EQ(recs[0].category, "Exchange Store Driver");
  EXPECT_NE(recs[0].message.find("\"here\""), std::string::npos);
}

TEST(EventLogTest, JsonLineStillBeingWrittenIsLeftForLater) {
  const std::string done =
      "{\"EventTime\":\"2026-11-25T10:00:00Z\",\"EventID\":1,\"SourceName\":\"S\"}\n";
  const std::string data = done + "{\"EventTime\":\"2026-11-25T10:00:01Z\",\"Ev";
  EventParseStats stats;
  auto recs = Parse(data, EventFormat::kNxlogJson, &stats, TimeZone::Utc(), false);
  EXPECT_EQ(recs.size(), 1u);
  EXPECT_EQ(stats.consumed, done.size());
  EXPECT_EQ(stats.bad_rows, 0u);
}

}  // namespace
}  // namespace exdm
