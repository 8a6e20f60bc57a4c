// The plugin's output format: status line, perfdata per the guidelines, long output, limits.
#include "plugin_output.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "range.h"

namespace exdm::check {
namespace {

std::string FirstLine(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

TEST(PluginOutputTest, RendersStatusLinePerfdataAndLongOutput) {
  Thresholds age{*Range::Parse("900"), *Range::Parse("1800")};
  PluginOutput out;
  out.Raise(PluginState::kWarning);
  out.AddSummary("2 stalled deliveries");
  out.AddSummary("oldest 20m");
  out.AddPerf({"stalled_deliveries", 2, "", nullptr, 0.0, std::nullopt});
  out.AddPerf({"oldest_stalled_age", 1200, "s", &age, 0.0, std::nullopt});
  out.AddLongLine("EXCH01 / First Storage Group / Mailbox Store (EXCH01): 2 stalled");
  EXPECT_EQ(
      out.Render(),
      "EXCHANGE DELIVERY WARNING - 2 stalled deliveries, oldest 20m | stalled_deliveries=2;;;0 "
      "oldest_stalled_age=1200s;900;1800;0\n"
      "EXCH01 / First Storage Group / Mailbox Store (EXCH01): 2 stalled\n");
}

TEST(PluginOutputTest, WorstStateWinsAndSetStateOverrides) {
  PluginOutput out;
  EXPECT_EQ(out.state(), PluginState::kOk);
  out.Raise(PluginState::kCritical);
  out.Raise(PluginState::kWarning);
  EXPECT_EQ(out.state(), PluginState::kCritical);
  out.Raise(PluginState::kUnknown);
  EXPECT_EQ(out.state(), PluginState::kCritical);
  out.SetState(PluginState::kUnknown);
  EXPECT_EQ(out.Render(), "EXCHANGE DELIVERY UNKNOWN\n");
}

TEST(PluginOutputTest, FormatsPerfValuesPerTheGuidelines) {
  Thresholds t{*Range::Parse("@10:20"), std::nullopt};
  Thresholds only_crit{std::nullopt, *Range::Parse("~:0")};
  EXPECT_EQ(PluginOutput::FormatPerf({"failing_stores", 0, "", nullptr, {}, {}}),
            "failing_stores=0");
  EXPECT_EQ(PluginOutput::FormatPerf({"x", 1.5, "s", &t, {}, {}}), "x=1.500s;@10:20");
  EXPECT_EQ(PluginOutput::FormatPerf({"x", 3, "", &only_crit, 0.0, 10.0}), "x=3;;~:0;0;10");
  EXPECT_EQ(PluginOutput::FormatPerf({"x", -2, "", nullptr, {}, 5.0}), "x=-2;;;;5");
  EXPECT_EQ(PluginOutput::FormatPerf({"pct", 12.3456, "%", nullptr, 0.0, 100.0}),
            "pct=12.346%;;;0;100");
}

TEST(PluginOutputTest, QuotesOrCleansLabels) {
  EXPECT_EQ(PluginOutput::FormatPerf({"logon failures 326", 1, "", nullptr, {}, {}}),
            "'logon failures 326'=1");
  // '=' and quotes cannot appear in a label even quoted; controls and '|' must never appear.
  EXPECT_EQ(PluginOutput::FormatPerf({"a=b'c|d\ne", 1, "", nullptr, {}, {}}), "a_b_c_d_e=1");
  EXPECT_EQ(PluginOutput::FormatPerf({"caf\xc3\xa9", 1, "", nullptr, {}, {}}), "caf__=1");
  EXPECT_EQ(PluginOutput::FormatPerf({"", 1, "", nullptr, {}, {}}), "_=1");
}

TEST(PluginOutputTest, NonFiniteValuesBecomeU) {
  EXPECT_EQ(PluginOutput::FormatPerf({"x", std::nan(""), "s", nullptr, {}, {}}), "x=Us");
}

TEST(PluginOutputTest, HostileSummaryAndLongTextStayOnTheirLines) {
  PluginOutput out;
  out.Raise(PluginState::kCritical);
  out.AddSummary("store 'evil\nEXCHANGE DELIVERY OK | fake=1'");
  out.AddPerf({"failing_stores", 1, "", nullptr, 0.0, {}});
  out.AddLongLine("line\rwith\x1b[2Jescapes | and pipes\xc2\x85");
  const std::string text = out.Render();
  ASSERT_EQ(text.find('|'), text.find(" | failing_stores") + 1);  // the only '|' is ours
  EXPECT_EQ(std::count(text.begin(), text.end(), '|'), 1);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST(PluginOutputTest, SummaryIsCutToItsLimit) {
  PluginOutput out;
  for (int i = 0; i < 100; ++i)
    out.AddSummary("store number " + std::to_string(i) + " failing");
  const std::string line = FirstLine(out.Render());
  const std::string prefix = "EXCHANGE DELIVERY OK - ";
  ASSERT_EQ(line.rfind(prefix, 0), 0u);
  EXPECT_EQ(line.size(), prefix.size() + kMaxSummaryBytes);
  EXPECT_EQ(line.substr(line.size() - 3), "...");
}

TEST(PluginOutputTest, StatusLineStaysWithinItsLimitDroppingWholePerfValues) {
  PluginOutput out;
  out.AddSummary(std::string(500, 's'));
  for (int i = 0; i < 100; ++i) {
    out.AddPerf({"metric_number_" + std::to_string(i), 123456, "s", nullptr, 0.0, 1e6});
  }
  const std::string text = out.Render();
  const std::string line = FirstLine(text);
  EXPECT_LE(line.size() + 1, kMaxStatusLineBytes);
  // Every perf item that made it is complete.
  const std::string perf = line.substr(line.find(" | ") + 3);
  size_t items = 0;
  for (size_t start = 0; start < perf.size(); ++items) {
    size_t end = perf.find(' ', start);
    if (end == std::string::npos) end = perf.size();
    const std::string item = perf.substr(start, end - start);
    const std::string tail = "=123456s;;;0;1000000";
    ASSERT_GT(item.size(), tail.size());
    EXPECT_EQ(item.substr(item.size() - tail.size()), tail) << item;
    start = end + 1;
  }
  EXPECT_GT(items, 10u);
  EXPECT_LT(items, 100u);
}

// A diagnosis sentence longer than a long-output line is broken after "; " into indented
// continuation lines: its last part survives whole; a short one stays one line.
TEST(PluginOutputTest, WrappedLongLinesBreakAfterSemicolonsAndLoseNothing) {
  const std::string part(200, 'a');
  const std::string last = "the server uses dc1.contoso.com (CDG): audit against them";
  const std::string sentence =
      "* [permissions_or_gc] S: " + part + "; " + part + "; " + part + "; " + last;
  PluginOutput out;
  out.AddLongLineWrapped("short; line");
  out.AddLongLineWrapped(sentence);
  const std::string rendered = out.Render();
  const std::string body = rendered.substr(rendered.find('\n') + 1);
  EXPECT_EQ(body, "short; line\n* [permissions_or_gc] S: " + part + "; " + part + ";\n  " + part +
                      "; " + last + "\n");
  for (size_t at = 0, end; (end = body.find('\n', at)) != std::string::npos; at = end + 1)
    EXPECT_LE(end - at, kMaxLongLineBytes);
  // A single part longer than a line cannot be broken: it is cut as any long line.
  PluginOutput one;
  one.AddLongLineWrapped(std::string(2 * kMaxLongLineBytes, 'b'));
  EXPECT_EQ(one.Render().find("...\n"), one.Render().find('\n') + kMaxLongLineBytes - 2);
}

TEST(PluginOutputTest, LongOutputIsBoundedAndSaysWhatWasLeftOut) {
  PluginOutput out;
  for (int i = 0; i < 1000; ++i)
    out.AddLongLine("finding " + std::to_string(i) + std::string(80, '.'));
  out.AddLongLine(std::string(5000, 'L'));
  const std::string text = out.Render();
  EXPECT_LE(text.size(), kMaxOutputBytes);
  const size_t marker = text.rfind("... ");
  ASSERT_NE(marker, std::string::npos);
  EXPECT_NE(text.find(" more lines\n", marker), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
  PluginOutput single;
  single.AddLongLine(std::string(5000, 'L'));
  EXPECT_EQ(single.Render(),
            "EXCHANGE DELIVERY OK\n" + std::string(kMaxLongLineBytes - 3, 'L') + "...\n");
}

}  // namespace
}  // namespace exdm::check
