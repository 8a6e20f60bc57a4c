// The configurable attempt/end event sets (one parser for the check's options and the exporter's
// [tracking] keys), and both front ends reading them.
#include "exdm/tracking/event_ids.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "check_options.h"
#include "exporter_config.h"

namespace exdm {
namespace {

TEST(MakeTrackingEventTableTest, EmptyListsKeepTheDefaults) {
  auto t = MakeTrackingEventTable("", " ");
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_EQ(t->RoleOf(1028), DeliveryRole::kAttempt);
  EXPECT_EQ(t->RoleOf(1023), DeliveryRole::kAttempt);
  EXPECT_EQ(t->RoleOf(1030), DeliveryRole::kEnd);
  EXPECT_EQ(t->RoleOf(1036), DeliveryRole::kQueued);
  EXPECT_EQ(t->RoleOf(1037), DeliveryRole::kRetry);
}

TEST(MakeTrackingEventTableTest, ListsReplaceTheirRoleOnly) {
  auto t = MakeTrackingEventTable("1023", "1030, 1021,1031");
  ASSERT_TRUE(t) << t.status().message();
  EXPECT_EQ(t->RoleOf(1023), DeliveryRole::kAttempt);
  EXPECT_EQ(t->RoleOf(1028), DeliveryRole::kNone);
  EXPECT_EQ(t->RoleOf(1031), DeliveryRole::kEnd);
  EXPECT_EQ(t->RoleOf(50), DeliveryRole::kNone);
  EXPECT_EQ(t->RoleOf(1036), DeliveryRole::kQueued);
}

TEST(MakeTrackingEventTableTest, RejectsNonsenseNamingIt) {
  auto t = MakeTrackingEventTable("1028,x1", "");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.status().message(), "attempt events: event ID 'x1' is not a number up to 9999");
  t = MakeTrackingEventTable("", "1037");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.status().message(), "end events: 1037 is the retry event and cannot be an end event");
  t = MakeTrackingEventTable("1028,1030", "1030");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.status().message(), "event 1030 cannot be both an attempt and an end event");
  EXPECT_FALSE(MakeTrackingEventTable("10000", ""));
}

template <typename Parsed>
Parsed ParseWith(Result<Parsed> (*parse)(int, const char* const[]), std::vector<std::string> args) {
  std::vector<const char*> argv;
  for (const std::string& a : args)
    argv.push_back(a.c_str());
  auto r = parse(static_cast<int>(argv.size()), argv.data());
  EXPECT_TRUE(r) << r.status().message();
  return r ? *r : Parsed();
}

TEST(TrackingEventOptionsTest, CheckAndExporterReadTheSameSets) {
  const auto check =
      ParseWith(&check::ParseCommandLine, {"check_exchange_delivery", "queue", "--attempt-events",
                                           "1023", "--end-events", "1030,1031"});
  EXPECT_EQ(check.options.tracking.events.RoleOf(1028), DeliveryRole::kNone);
  EXPECT_EQ(check.options.tracking.events.RoleOf(1031), DeliveryRole::kEnd);

  const std::string ini = ::testing::TempDir() + "tracking_events_test.ini";
  std::ofstream(ini) << "[tracking]\ndir = EXCH01=/srv/x\nattempt_events = 1023\n"
                        "end_events = 1030,1031\n";
  const auto exporter = ParseWith(&exporter::ParseExporterCommandLine,
                                  {"exchange_delivery_exporter", "--config.file", ini});
  EXPECT_EQ(exporter.config.tracking.events.RoleOf(1028), DeliveryRole::kNone);
  EXPECT_EQ(exporter.config.tracking.events.RoleOf(1031), DeliveryRole::kEnd);

  std::ofstream(ini) << "[tracking]\nend_events = 1037\n";
  const char* argv[] = {"exchange_delivery_exporter", "--config.file", ini.c_str()};
  auto bad = exporter::ParseExporterCommandLine(3, argv);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("1037 is the retry event"), std::string::npos)
      << bad.status().message();
  std::remove(ini.c_str());

  const char* bad_check[] = {"check_exchange_delivery", "queue", "--end-events", "1036"};
  auto c = check::ParseCommandLine(4, bad_check);
  ASSERT_FALSE(c);
  EXPECT_NE(c.status().message().find("1036 is the queued event"), std::string::npos);
}

}  // namespace
}  // namespace exdm
