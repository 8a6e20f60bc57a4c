// The Monitoring Plugins range vectors (guidelines, "Threshold and ranges").
#include "range.h"

#include <gtest/gtest.h>

namespace exdm {
namespace {

struct Vector {
  const char* range;
  double value;
  bool alerts;
};

TEST(RangeTest, FollowsTheGuidelineTable) {
  const Vector vectors[] = {
      {"10", -1, true},      {"10", 0, false},       {"10", 10, false},    {"10", 11, true},
      {"10:", 9.9, true},    {"10:", 10, false},     {"10:", 1e9, false},  {"~:10", -1e9, false},
      {"~:10", 10, false},   {"~:10", 10.5, true},   {"10:20", 9, true},   {"10:20", 10, false},
      {"10:20", 20, false},  {"10:20", 21, true},    {"@10:20", 9, false}, {"@10:20", 10, true},
      {"@10:20", 20, true},  {"@10:20", 21, false},  {"~:0", 0, false},    {"~:0", 1, true},
      {"0.5:1.5", 1, false}, {"0.5:1.5", 0.4, true}, {"-5:-1", -3, false}, {"-5:-1", 0, true},
  };
  for (const Vector& v : vectors) {
    auto r = Range::Parse(v.range);
    ASSERT_TRUE(r.ok()) << v.range << ": " << r.status().message();
    EXPECT_EQ(r->Alerts(v.value), v.alerts) << v.range << " with " << v.value;
  }
}

// The vectors of monitoring-plugins' lib/tests/test_utils.c (parse_range_string, check_range),
// plus the edges of our stricter number syntax.
TEST(RangeTest, AgreesWithTheMonitoringPluginsLibraryVectors) {
  const Vector vectors[] = {
      {"6", 0, false},
      {"6", 6, false},
      {"6", 6.01, true},
      {"6", -0.01, true},
      {"-7:23", -7, false},
      {"-7:23", 23, false},
      {"-7:23", -7.5, true},
      {"-7:23", 23.5, true},
      {":5.75", 0, false},  // empty start means 0, not -infinity
      {":5.75", -1, true},
      {":5.75", 5.75, false},
      {":5.75", 5.76, true},
      {"~:-95.99", -1000, false},
      {"~:-95.99", -95.99, false},
      {"~:-95.99", -95.98, true},
      {"12345678901234567890:", 12345678901234567890.0 / 1.1, true},
      {"12345678901234567890:", 12345678901234567890.0, false},
      {"12345678901234567890:", 12345678901234567890.0 * 2, false},
      {"~:0", 0.5, true},
      {"~:0", -10, false},
      {"~:0", 0, false},
      {"@0:657.8210567", 32.88, true},
      {"@0:657.8210567", -2, false},
      {"@0:657.8210567", 657.8210567, true},
      {"@0:657.8210567", 0, true},
      {"1:1", 0.5, true},
      {"1:1", 1, false},
      {"1:1", 5.2, true},
      {"~:", -1e300, false},  // both ends open: never alerts...
      {"~:", 1e300, false},
      {"@~:", 0, true},  // ...and inverted, always alerts
      {"@10", 0, true},
      {"@10", 10, true},
      {"@10", 10.5, false},
      {"@10", -0.5, false},
      {"+5", 5, false},
      {"+5", 6, true},
      {"1e3", 1000, false},
      {"1e3", 1001, true},
      {"2.5E-1:", 0.25, false},
      {"2.5E-1:", 0.24, true},
      {".5", 0.5, false},
      {"5.", 5.5, true},
  };
  for (const Vector& v : vectors) {
    auto r = Range::Parse(v.range);
    ASSERT_TRUE(r.ok()) << v.range << ": " << r.status().message();
    EXPECT_EQ(r->Alerts(v.value), v.alerts) << v.range << " with " << v.value;
  }
}

TEST(RangeTest, RejectsMalformedRanges) {
  for (const char* bad : {"", "@", "20:10", "2:1", "@20:10", "-1:-2", "abc", "10:abc", "1e999", ":",
                          "~", "10:20:30", "@~", "@@10", "~10", "10:~", "~:~",
                          // strtod would take these; a threshold must not:
                          " 10", "10 ", "10: 20", "0x10", "inf", "nan", "-inf:", "1e", "1e+", "-",
                          "+", ".", "1..2", "1:12%", "10s", "1,5"}) {
    auto r = Range::Parse(bad);
    EXPECT_FALSE(r.ok()) << "accepted '" << bad << "'";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(r.status().message().find(std::string("'") + bad + "'"), std::string::npos)
          << "the message names the range: " << r.status().message();
    }
  }
}

TEST(RangeTest, KeepsTheTextForPerfdata) {
  for (const char* text : {"@10:20", "~:0", "10:", "900", "0.5:1.5"}) {
    EXPECT_EQ(Range::Parse(text)->text(), text);
  }
}

TEST(ThresholdsTest, CriticalWinsOverWarning) {
  Thresholds t{*Range::Parse("900"), *Range::Parse("1800")};
  EXPECT_EQ(t.Evaluate(100), PluginState::kOk);
  EXPECT_EQ(t.Evaluate(1000), PluginState::kWarning);
  EXPECT_EQ(t.Evaluate(2000), PluginState::kCritical);
  Thresholds none;
  EXPECT_EQ(none.Evaluate(1e9), PluginState::kOk);
}

}  // namespace
}  // namespace exdm
