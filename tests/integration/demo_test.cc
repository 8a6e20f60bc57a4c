// The README's first command, scripts/demo.sh, run as the suite's last word on it: against the
// tree just built, at whatever time of day the suite runs (the demo's logs and events are made
// relative to the clock, so an hour-dependent demo - e.g. too few messages after midnight to show
// a stall - fails here instead of in front of a user). Asserts what the demo is for: the broken
// SMTP mailbox found, the stalled deliveries tied to that store, the 326s, and the exporter's
// scrape saying the same.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "paths.h"
#include "run_program.h"

namespace exdm::testing {
namespace {

// The first line after "==== <title> ====" that holds a plugin status line.
std::string StatusLineOf(const std::string& out, const std::string& title) {
  const size_t section = out.find("==== " + title + " ====");
  if (section == std::string::npos) return "";
  const size_t at = out.find("EXCHANGE DELIVERY ", section);
  if (at == std::string::npos) return "";
  return out.substr(at, out.find('\n', at) - at);
}

TEST(Demo, RunsEveryModeOnTheSample) {
  ProgramOptions options;
  options.env["EXDM_DEMO_SKIP_BOOTSTRAP"] = "1";
  options.env["EXDM_BUILD_DIR"] = BinaryDir();
  options.limit = std::chrono::minutes(5);
  const ProgramResult demo = RunProgram({"/bin/bash", SourceDir() + "/scripts/demo.sh"}, options);
  ASSERT_EQ(demo.exit_code, 0) << demo.out << demo.err;
  const std::string& out = demo.out;

  EXPECT_EQ(
      StatusLineOf(out, "check_exchange_delivery mailbox")
          .rfind("EXCHANGE DELIVERY CRITICAL - 2 of 4 stores failing (missing, wrong_home_mta)", 0),
      0u)
      << out;

  const std::string queue = StatusLineOf(out, "check_exchange_delivery queue");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(queue, m, std::regex("stalled_deliveries=([0-9]+)"))) << queue;
  EXPECT_GT(std::stoi(m[1]), 0) << "the demo shows no stall: " << queue;
  EXPECT_NE(queue.find("worst store EXCH01 / First Storage Group / Sales"), std::string::npos)
      << queue;

  EXPECT_NE(
      StatusLineOf(out, "check_exchange_delivery events").find("store driver logon failures (326)"),
      std::string::npos)
      << out;

  const std::string all = StatusLineOf(out, "check_exchange_delivery all");
  EXPECT_EQ(all.rfind("EXCHANGE DELIVERY CRITICAL - EXCH01 / First Storage Group / Sales: SMTP "
                      "mailbox missing; ",
                      0),
            0u)
      << all;
  EXPECT_NE(all.find("deliveries stalled up to"), std::string::npos) << all;

  EXPECT_TRUE(std::regex_search(
      out, std::regex("exchange_smtp_mailbox_ok\\{server=\"EXCH01\",storage_group=\"First Storage "
                      "Group\",store=\"Sales\"\\} 0\n")))
      << out;
  EXPECT_TRUE(std::regex_search(
      out, std::regex("exchange_store_stalled_deliveries\\{server=\"EXCH01\",storage_group=\"First "
                      "Storage Group\",store=\"Sales\"\\} [1-9]")))
      << out;
  // The exporter's diagnosis names the same cause as `all`.
  EXPECT_NE(out.find("exchange_delivery_diagnosis{server=\"EXCH01\",storage_group=\"First Storage "
                     "Group\",store=\"Sales\",cause=\"smtp_mailbox\"} 1\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("==== Done ===="), std::string::npos);
}

}  // namespace
}  // namespace exdm::testing
