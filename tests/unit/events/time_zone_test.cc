// Time zones read from the system's TZif files, daylight-saving changes included.
#include "exdm/events/time_zone.h"

#include <gtest/gtest.h>

#include "exdm/base/time_util.h"

namespace exdm {
namespace {

int64_t Utc(const char* iso) {
  return *ParseIso8601(iso);
}
// Wall-clock text read as if it were UTC: the input LocalToUtc takes.
int64_t Wall(const char* iso) {
  return *ParseIso8601(iso);
}

TEST(TimeZoneTest, UtcNeedsNoFile) {
  auto tz = TimeZone::Load("UTC", "/nonexistent");
  ASSERT_TRUE(tz.ok());
  EXPECT_EQ(tz->OffsetAt(Utc("2026-07-01T00:00:00Z")), 0);
  EXPECT_EQ(tz->LocalToUtc(Wall("2026-07-01T12:00:00")), Utc("2026-07-01T12:00:00Z"));
}

TEST(TimeZoneTest, BerlinOffsetsFollowDaylightSaving) {
  auto tz = TimeZone::Load("Europe/Berlin");
  ASSERT_TRUE(tz.ok()) << tz.status().message();
  EXPECT_EQ(tz->OffsetAt(Utc("2026-01-15T12:00:00Z")), 3600);
  EXPECT_EQ(tz->OffsetAt(Utc("2026-07-15T12:00:00Z")), 7200);
  // 2026-03-29 01:00 UTC clocks go forward; 2026-10-25 01:00 UTC they go back.
  EXPECT_EQ(tz->OffsetAt(Utc("2026-03-29T00:59:59Z")), 3600);
  EXPECT_EQ(tz->OffsetAt(Utc("2026-03-29T01:00:00Z")), 7200);
  EXPECT_EQ(tz->OffsetAt(Utc("2026-10-25T00:59:59Z")), 7200);
  EXPECT_EQ(tz->OffsetAt(Utc("2026-10-25T01:00:00Z")), 3600);
}

TEST(TimeZoneTest, BerlinLocalTimesAroundTheChanges) {
  auto tz = TimeZone::Load("Europe/Berlin");
  ASSERT_TRUE(tz.ok());
  EXPECT_EQ(tz->LocalToUtc(Wall("2026-03-29T01:59:59")), Utc("2026-03-29T00:59:59Z"));
  EXPECT_EQ(tz->LocalToUtc(Wall("2026-03-29T03:00:00")), Utc("2026-03-29T01:00:00Z"));
  // 02:30 does not exist that night: read with the offset before the change (+01:00).
  EXPECT_EQ(tz->LocalToUtc(Wall("2026-03-29T02:30:00")), Utc("2026-03-29T01:30:00Z"));
  // 02:30 happens twice on 2026-10-25: the first occurrence (+02:00).
  EXPECT_EQ(tz->LocalToUtc(Wall("2026-10-25T02:30:00")), Utc("2026-10-25T00:30:00Z"));
  EXPECT_EQ(tz->LocalToUtc(Wall("2026-10-25T03:30:00")), Utc("2026-10-25T02:30:00Z"));
}

TEST(TimeZoneTest, FooterRuleCoversYearsBeyondTheTransitionTable) {
  // tzdata's 64-bit tables end in 2037; later dates come from the POSIX footer.
  auto tz = TimeZone::Load("Europe/Berlin");
  ASSERT_TRUE(tz.ok());
  EXPECT_EQ(tz->OffsetAt(Utc("2045-01-10T00:00:00Z")), 3600);
  EXPECT_EQ(tz->OffsetAt(Utc("2045-07-10T00:00:00Z")), 7200);
  // 2045: last Sunday of March is the 26th, of October the 29th.
  EXPECT_EQ(tz->OffsetAt(Utc("2045-03-26T00:59:59Z")), 3600);
  EXPECT_EQ(tz->OffsetAt(Utc("2045-03-26T01:00:00Z")), 7200);
  EXPECT_EQ(tz->OffsetAt(Utc("2045-10-29T00:59:59Z")), 7200);
  EXPECT_EQ(tz->OffsetAt(Utc("2045-10-29T01:00:00Z")), 3600);
}

TEST(TimeZoneTest, SouthernHemisphereAndWesternZones) {
  auto sydney = TimeZone::Load("Australia/Sydney");
  ASSERT_TRUE(sydney.ok());
  EXPECT_EQ(sydney->OffsetAt(Utc("2026-01-15T00:00:00Z")), 11 * 3600);
  EXPECT_EQ(sydney->OffsetAt(Utc("2026-07-15T00:00:00Z")), 10 * 3600);
  EXPECT_EQ(sydney->OffsetAt(Utc("2045-01-15T00:00:00Z")), 11 * 3600);
  EXPECT_EQ(sydney->OffsetAt(Utc("2045-07-15T00:00:00Z")), 10 * 3600);
  auto ny = TimeZone::Load("America/New_York");
  ASSERT_TRUE(ny.ok());
  EXPECT_EQ(ny->LocalToUtc(Wall("2026-11-01T01:30:00")), Utc("2026-11-01T05:30:00Z"));
  EXPECT_EQ(ny->OffsetAt(Utc("2026-06-01T00:00:00Z")), -4 * 3600);
}

TEST(TimeZoneTest, RefusesUnknownAndEscapingNames) {
  EXPECT_FALSE(TimeZone::Load("Mars/Olympus_Mons").ok());
  EXPECT_FALSE(TimeZone::Load("../../etc/passwd").ok());
  EXPECT_FALSE(TimeZone::Load("/etc/localtime").ok());
  EXPECT_FALSE(TimeZone::Load("").ok());
  // A file that is not TZif.
  auto bad = TimeZone::Load("tzdata.zi");
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace exdm
