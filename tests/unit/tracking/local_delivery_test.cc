// The tracking-log reader and the stall model (docs/DOMAIN.md "Stall model"), fed from memory and
// from the hand-written fixtures in tests/fixtures/tracking/.
#include "exdm/tracking/local_delivery.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "exdm/base/time_util.h"
#include "paths.h"
#include "tracking_rows.h"

namespace exdm {
namespace {

std::string Row(const std::string& time, const std::string& rcpt, int id, const std::string& msgid,
                const std::string& date = "2026-11-24") {
  return testing::TrackingRow(date, time, rcpt, id, msgid);
}

int64_t At(const std::string& iso) {
  return *ParseIso8601(iso);
}

// Feeds text with the padding Consume needs; returns bytes consumed.
size_t Feed(LocalDeliveryAnalyzer& a, const std::string& text, bool final = false) {
  std::string padded = text;
  padded.append(LocalDeliveryAnalyzer::kPadding, '\0');
  return a.Consume(padded.data(), text.size(), final);
}

std::string ReadFixture(const std::string& rel) {
  std::ifstream f(testing::SourceDir() + "/tests/fixtures/tracking/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

LocalDeliveryAnalyzer Fresh() {
  return LocalDeliveryAnalyzer("EXCH01", LocalDeliveryConfig());
}

void ExpectKbPattern(const std::string& fixture) {
  auto a = Fresh();
  a.BeginFile("20261124.log", 0);
  const std::string text = ReadFixture(fixture);
  EXPECT_EQ(Feed(a, text), text.size());
  const LocalDeliveryReport r = a.Evaluate(At("2026-11-24T10:36:00Z"));
  EXPECT_EQ(r.stalled_deliveries, 1u);
  ASSERT_TRUE(r.oldest_stalled_first_seen);
  EXPECT_EQ(*r.oldest_stalled_first_seen, At("2026-11-24T10:00:00Z"));
  EXPECT_EQ(r.oldest_stalled_age_seconds, 36 * 60);
  EXPECT_EQ(r.retries_total, 7u);
  EXPECT_EQ(r.deliveries_total, 2u);  // alice, and carol confirmed by the later 1034
  EXPECT_EQ(r.parse_errors_total, 0u);
  ASSERT_EQ(r.stalled_recipients.size(), 1u);
  EXPECT_EQ(r.stalled_recipients[0].address, "bob@contoso.com");
  EXPECT_EQ(r.stalled_recipients[0].example_message_id, "c3ab01@EXCH01.contoso.com");
  EXPECT_EQ(r.events_total.at("1037"), 7u);
  ASSERT_TRUE(r.last_event_timestamp);
  EXPECT_EQ(*r.last_event_timestamp, At("2026-11-24T10:35:40Z"));
}

TEST(LocalDeliveryTest, KbFiveMinutePatternWith1028) {
  ExpectKbPattern("kb_1028/20261124.log");
}
TEST(LocalDeliveryTest, KbFiveMinutePatternWith1023) {
  ExpectKbPattern("kb_1023/20261124.log");
}

TEST(LocalDeliveryTest, HealthyTrafficHasNoStall) {
  auto a = Fresh();
  a.BeginFile("20261124.log", 0);
  Feed(a, ReadFixture("healthy/20261124.log"));
  const LocalDeliveryReport r = a.Evaluate(At("2026-11-24T12:00:00Z"));
  EXPECT_EQ(r.stalled_deliveries, 0u);
  EXPECT_FALSE(r.oldest_stalled_first_seen);
  EXPECT_EQ(r.deliveries_total, 5u);
  EXPECT_EQ(r.parse_errors_total, 0u);
  EXPECT_EQ(r.events_total.at("1031"), 1u);
}

TEST(LocalDeliveryTest, NdrAndBadmailEndPairsAndRetryWithoutRecipientCoversAll) {
  auto a = Fresh();
  a.BeginFile("20261124.log", 0);
  const std::string text = ReadFixture("ndr_badmail/20261124.log");
  // Before the badmail row: both recipients of b1 are stalled by the recipient-less retry.
  const size_t cut = text.find("\t1021\t");
  Feed(a, text.substr(0, text.rfind('\n', cut) + 1));
  LocalDeliveryReport mid = a.Evaluate(At("2026-11-24T10:04:00Z"));
  EXPECT_EQ(mid.stalled_deliveries, 2u);  // b1/eve, b1/frank (n1/bob got its NDR)
  EXPECT_EQ(mid.ended_total, 1u);
  a.BeginFile("20261124.log", text.rfind('\n', cut) + 1);
  a.LearnHeader(text);
  Feed(a, text.substr(text.rfind('\n', cut) + 1));
  const LocalDeliveryReport r = a.Evaluate(At("2026-11-24T10:40:00Z"));
  EXPECT_EQ(r.stalled_deliveries, 0u);
  EXPECT_EQ(r.ended_total, 3u);
  EXPECT_EQ(r.in_flight, 0u);
}

TEST(LocalDeliveryTest, AttemptAndRetrySplitAcrossIncrementalReadsKeepsTheAge) {
  LocalDeliveryConfig cfg;
  auto first = LocalDeliveryAnalyzer("EXCH01", cfg);
  first.BeginFile("20261124.log", 0);
  Feed(first, std::string(testing::kTrackingLogHeader) +
                  Row("10:00:00", "bob@contoso.com", 1036, "s1@x") +
                  Row("10:05:00", "bob@contoso.com", 1028, "s1@x"));
  // The run ends right after the attempt: it is tentative, not yet a delivery.
  LocalDeliveryReport r1 = first.Evaluate(At("2026-11-24T10:05:00Z"));
  EXPECT_EQ(r1.deliveries_total, 0u);
  EXPECT_EQ(r1.stalled_deliveries, 0u);
  const std::string payload = first.SavePayload();

  auto second = LocalDeliveryAnalyzer("EXCH01", cfg);
  ASSERT_TRUE(second.LoadPayload(payload).ok());
  second.BeginFile("20261124.log", 1000);
  ASSERT_TRUE(second.LearnHeader(testing::kTrackingLogHeader));
  Feed(second, Row("10:05:00", "bob@contoso.com", 1037, "s1@x"));
  LocalDeliveryReport r2 = second.Evaluate(At("2026-11-24T10:20:00Z"));
  EXPECT_EQ(r2.stalled_deliveries, 1u);
  EXPECT_EQ(r2.deliveries_total, 0u);
  ASSERT_TRUE(r2.oldest_stalled_first_seen);
  EXPECT_EQ(*r2.oldest_stalled_first_seen, At("2026-11-24T10:00:00Z"));  // not reset
  EXPECT_EQ(r2.oldest_stalled_age_seconds, 20 * 60);
}

TEST(LocalDeliveryTest, TentativeAttemptIsConfirmedOnlyByLaterLogTime) {
  auto a = Fresh();
  a.BeginFile("20261124.log", 0);
  Feed(a, std::string(testing::kTrackingLogHeader) +
              Row("10:00:00", "bob@contoso.com", 1036, "t1@x") +
              Row("10:00:01", "bob@contoso.com", 1028, "t1@x"));
  // Wall-clock time alone does not confirm (the retry row may not be written yet)...
  EXPECT_EQ(a.Evaluate(At("2026-11-24T10:30:00Z")).deliveries_total, 0u);
  // ...a later row does, whatever its event.
  Feed(a, Row("10:00:02", "zed@contoso.com", 1019, "t2@x"));
  EXPECT_EQ(a.Evaluate(At("2026-11-24T10:30:00Z")).deliveries_total, 0u);  // within the grace
  Feed(a, Row("10:00:04", "zed@contoso.com", 1019, "t2@x"));
  EXPECT_EQ(a.Evaluate(At("2026-11-24T10:30:00Z")).deliveries_total, 1u);
}

// Deliveries no retry followed, per recipient: how many and when (the repair's step 7 counts
// them per store); a stalled attempt that later goes through counts from that attempt.
TEST(LocalDeliveryTest, DeliveredRecipientsCarryCountsAndTimes) {
  auto a = Fresh();
  a.BeginFile("20261124.log", 0);
  Feed(a, std::string(testing::kTrackingLogHeader) +
              Row("10:00:00", "Carol@contoso.com", 1036, "s1@x") +
              Row("10:00:01", "Carol@contoso.com", 1028, "s1@x") +
              Row("10:00:01", "Carol@contoso.com", 1037, "s1@x") +  // retried: not delivered
              Row("10:05:01", "Carol@contoso.com", 1028, "s1@x") +  // goes through
              Row("10:06:00", "carol@contoso.com", 1036, "s2@x") +
              Row("10:06:01", "carol@contoso.com", 1028, "s2@x") +
              Row("10:07:00", "bob@contoso.com", 1036, "s3@x") +
              Row("10:07:01", "bob@contoso.com", 1028, "s3@x") +
              Row("10:09:00", "zed@contoso.com", 1019, "s4@x"));
  const LocalDeliveryReport r = a.Evaluate(At("2026-11-24T10:10:00Z"));
  EXPECT_EQ(r.deliveries_total, 3u);
  ASSERT_EQ(r.delivered_recipients.size(), 2u);
  const DeliveredRecipient& carol = r.delivered_recipients[0];
  EXPECT_EQ(carol.address, "carol@contoso.com");
  EXPECT_EQ(carol.deliveries, 2u);
  EXPECT_EQ(carol.first_delivered, At("2026-11-24T10:05:01Z"));
  EXPECT_EQ(carol.last_delivered, At("2026-11-24T10:06:01Z"));
  EXPECT_EQ(r.delivered_recipients[1].address, "bob@contoso.com");
  EXPECT_EQ(r.delivered_recipients[1].deliveries, 1u);
}

TEST(LocalDeliveryTest, SilentStalledPairVanishes) {
  auto a = Fresh();
  a.BeginFile("20261124.log", 0);
  Feed(a, std::string(testing::kTrackingLogHeader) +
              Row("10:00:00", "bob@contoso.com", 1036, "v1@x") +
              Row("10:00:01", "bob@contoso.com", 1028, "v1@x") +
              Row("10:00:01", "bob@contoso.com", 1037, "v1@x"));
  // A log that stopped being written does not make the stall vanish...
  EXPECT_EQ(a.Evaluate(At("2026-11-24T15:00:00Z")).stalled_deliveries, 1u);
  // ...two hours of log time without a word from the pair do.
  Feed(a, Row("12:00:01", "zed@contoso.com", 1019, "v2@x"));
  EXPECT_EQ(a.Evaluate(At("2026-11-24T15:00:00Z")).stalled_deliveries, 1u);  // exactly 2 h
  Feed(a, Row("12:00:02", "zed@contoso.com", 1019, "v2@x"));
  const LocalDeliveryReport r = a.Evaluate(At("2026-11-24T15:00:00Z"));
  EXPECT_EQ(r.stalled_deliveries, 0u);
  EXPECT_EQ(r.vanished_total, 1u);
  EXPECT_EQ(r.in_flight, 0u);
}

TEST(LocalDeliveryTest, FullTableCountsOverflow) {
  LocalDeliveryConfig cfg;
  cfg.max_in_flight = 2;
  LocalDeliveryAnalyzer a("EXCH01", cfg);
  a.BeginFile("20261124.log", 0);
  Feed(a, std::string(testing::kTrackingLogHeader) + Row("10:00:00", "a@c", 1036, "o1@x") +
              Row("10:00:00", "b@c", 1036, "o2@x") + Row("10:00:00", "c@c", 1036, "o3@x"));
  const LocalDeliveryReport r = a.Evaluate(At("2026-11-24T10:01:00Z"));
  EXPECT_EQ(r.in_flight, 2u);
  EXPECT_EQ(r.overflow_total, 1u);
}

TEST(LocalDeliveryTest, QuirksFixture) {
  // BOM, CRLF, reordered/extra columns with other letter case, trailing '-', <> on some MSGIDs,
  // recipient case, binary garbage, an impossible date, a truncated last line.
  auto a = Fresh();
  a.BeginFile("20261124.log", 0);
  const std::string text = ReadFixture("quirks/20261124.log");
  const size_t used = Feed(a, text);
  EXPECT_EQ(text.substr(used).find('\n'), std::string::npos);  // only the partial line is left
  EXPECT_GT(text.size() - used, 0u);
  const LocalDeliveryReport r = a.Evaluate(At("2026-11-24T08:10:00Z"));
  EXPECT_EQ(r.stalled_deliveries, 1u);
  EXPECT_EQ(*r.oldest_stalled_first_seen, At("2026-11-24T08:00:00Z"));
  EXPECT_EQ(r.retries_total, 2u);
  EXPECT_EQ(r.deliveries_total, 1u);
  EXPECT_EQ(r.parse_errors_total, 2u);
  EXPECT_EQ(r.lines_read_this_run, 13u);
  ASSERT_EQ(r.bad_line_samples.size(), 2u);
  EXPECT_EQ(r.bad_line_samples[0].reason, "too few fields");
  EXPECT_EQ(r.bad_line_samples[1].reason, "bad Date/Time");
  for (const BadLineSample& s : r.bad_line_samples) {
    for (char c : s.excerpt)
      EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << s.excerpt;
  }
}

TEST(LocalDeliveryTest, TruncatedLastLineIsLeftForTheNextRead) {
  auto a = Fresh();
  a.BeginFile("20261124.log", 0);
  const std::string row = Row("10:00:00", "bob@contoso.com", 1036, "p1@x");
  const std::string text = std::string(testing::kTrackingLogHeader) + row.substr(0, 40);
  const size_t used = Feed(a, text);
  EXPECT_EQ(used, std::string(testing::kTrackingLogHeader).size());
  EXPECT_EQ(a.Evaluate(At("2026-11-24T10:00:00Z")).parse_errors_total, 0u);
  // The writer finishes the line; the next read starts at the line's beginning.
  a.BeginFile("20261124.log", used);
  a.LearnHeader(testing::kTrackingLogHeader);
  Feed(a, row);
  EXPECT_EQ(a.InFlight(), 1u);
  // At the end of a finished file the partial line is read as it is.
  auto b = Fresh();
  b.BeginFile("20261124.log", 0);
  EXPECT_EQ(Feed(b, std::string(testing::kTrackingLogHeader) + row.substr(0, row.size() - 1),
                 /*final=*/true),
            std::string(testing::kTrackingLogHeader).size() + row.size() - 1);
  EXPECT_EQ(b.InFlight(), 1u);
}

TEST(LocalDeliveryTest, FileWithoutHeaderIsNotParsedAndSaysWhy) {
  auto a = Fresh();
  a.BeginFile("20261124.log", 0);
  Feed(a, ReadFixture("noheader/20261124.log"));
  EXPECT_FALSE(a.HasHeader());
  const LocalDeliveryReport r = a.Evaluate(At("2026-11-24T10:10:00Z"));
  EXPECT_EQ(r.parse_errors_total, 3u);
  EXPECT_EQ(r.in_flight, 0u);
  ASSERT_FALSE(r.bad_line_samples.empty());
  EXPECT_EQ(r.bad_line_samples[0].reason, "line before any column header");
}

TEST(LocalDeliveryTest, HeaderMissingARequiredColumnIsReported) {
  auto a = Fresh();
  a.BeginFile("20261124.log", 0);
  Feed(a, "# Date\tTime\tEvent-ID\tMSGID\n2026-11-24\t10:00:00 GMT\t1036\tm@x\n");
  EXPECT_FALSE(a.HasHeader());
  const LocalDeliveryReport r = a.Evaluate(At("2026-11-24T10:10:00Z"));
  ASSERT_EQ(r.bad_line_samples.size(), 1u);
  EXPECT_EQ(r.bad_line_samples[0].reason, "column header lacks 'Recipient-Address'");
}

TEST(LocalDeliveryTest, UnknownIdsCountAsOtherAndConfiguredRolesApply) {
  LocalDeliveryConfig cfg;
  ASSERT_TRUE(cfg.events.SetRole(DeliveryRole::kEnd, "1030,1021,1039").ok());
  ASSERT_FALSE(cfg.events.SetRole(DeliveryRole::kEnd, "10x").ok());
  LocalDeliveryAnalyzer a("EXCH01", cfg);
  a.BeginFile("20261124.log", 0);
  Feed(a, std::string(testing::kTrackingLogHeader) + Row("10:00:00", "bob@c", 1036, "e1@x") +
              Row("10:00:01", "bob@c", 1037, "e1@x") + Row("10:01:00", "bob@c", 1039, "e1@x") +
              Row("10:01:00", "bob@c", 4711, "e2@x") + Row("10:01:00", "bob@c", 123456, "e3@x"));
  const LocalDeliveryReport r = a.Evaluate(At("2026-11-24T10:02:00Z"));
  EXPECT_EQ(r.stalled_deliveries, 0u);
  EXPECT_EQ(r.ended_total, 1u);
  EXPECT_EQ(r.events_total.at("other"), 2u);
  EXPECT_EQ(r.events_total.at("1039"), 1u);
}

TEST(LocalDeliveryTest, PayloadRoundTripKeepsCountersAndPairs) {
  auto a = Fresh();
  a.BeginFile("20261124.log", 0);
  Feed(a, ReadFixture("kb_1028/20261124.log"));
  const std::string payload = a.SavePayload();
  auto b = Fresh();
  ASSERT_TRUE(b.LoadPayload(payload).ok());
  const LocalDeliveryReport ra = a.Evaluate(At("2026-11-24T10:36:00Z"));
  const LocalDeliveryReport rb = b.Evaluate(At("2026-11-24T10:36:00Z"));
  EXPECT_EQ(ra.stalled_deliveries, rb.stalled_deliveries);
  EXPECT_EQ(ra.retries_total, rb.retries_total);
  EXPECT_EQ(ra.deliveries_total, rb.deliveries_total);
  EXPECT_EQ(ra.events_total, rb.events_total);
  EXPECT_EQ(ra.oldest_stalled_first_seen, rb.oldest_stalled_first_seen);
  EXPECT_EQ(ra.last_event_timestamp, rb.last_event_timestamp);
  EXPECT_FALSE(b.LoadPayload(payload.substr(0, payload.size() / 2)).ok());
}

TEST(TrackingTimestampTest, NonPaddedGmtWithoutLocaleOrTimeZone) {
  const char* old_tz = std::getenv("TZ");
  const std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "America/Los_Angeles", 1);
  tzset();
  EXPECT_EQ(ParseTrackingTimestamp("2003-9-12", "22:53:18 GMT"), At("2003-09-12T22:53:18Z"));
  EXPECT_EQ(ParseTrackingTimestamp("2003-9-2", "2:05:09 GMT"), At("2003-09-02T02:05:09Z"));
  EXPECT_EQ(ParseTrackingTimestamp("2026-12-31", "23:59:59"), At("2026-12-31T23:59:59Z"));
  EXPECT_EQ(ParseTrackingTimestamp("2024-2-29", "0:00:00 GMT"), At("2024-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseTrackingTimestamp("2023-2-29", "0:00:00 GMT"));
  EXPECT_FALSE(ParseTrackingTimestamp("2003-9-12", "24:00:00 GMT"));
  EXPECT_FALSE(ParseTrackingTimestamp("2003-9-12", "22:53:18 PST"));
  EXPECT_FALSE(ParseTrackingTimestamp("2003/9/12", "22:53:18 GMT"));
  if (old_tz) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

}  // namespace
}  // namespace exdm
