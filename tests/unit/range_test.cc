// The Monitoring Plugins range vectors (guidelines, "Threshold and ranges").
#include "exdm/range.h"

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
      {"10", -1, true},     {"10", 0, false},     {"10", 10, false},   {"10", 11, true},
      {"10:", 9.9, true},   {"10:", 10, false},   {"10:", 1e9, false}, {"~:10", -1e9, false},
      {"~:10", 10, false},  {"~:10", 10.5, true}, {"10:20", 9, true},  {"10:20", 10, false},
      {"10:20", 20, false}, {"10:20", 21, true},  {"@10:20", 9, false}, {"@10:20", 10, true},
      {"@10:20", 20, true}, {"@10:20", 21, false}, {"~:0", 0, false},  {"~:0", 1, true},
      {"0.5:1.5", 1, false}, {"0.5:1.5", 0.4, true}, {"-5:-1", -3, false}, {"-5:-1", 0, true},
  };
  for (const Vector& v : vectors) {
    auto r = Range::Parse(v.range);
    ASSERT_TRUE(r.ok()) << v.range << ": " << r.status().message();
    EXPECT_EQ(r->Alerts(v.value), v.alerts) << v.range << " with " << v.value;
  }
}

TEST(RangeTest, RejectsMalformedRanges) {
  for (const char* bad : {"", "@", "20:10", "abc", "10:abc", "1e999", ":", "~", "10:20:30", "@~"}) {
    EXPECT_FALSE(Range::Parse(bad).ok()) << "accepted '" << bad << "'";
  }
}

TEST(RangeTest, KeepsTheTextForPerfdata) {
  EXPECT_EQ(Range::Parse("@10:20")->text(), "@10:20");
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
