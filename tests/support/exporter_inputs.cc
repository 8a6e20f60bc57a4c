#include "exporter_inputs.h"

#include <fstream>

#include "exdm/base/time_util.h"
#include "paths.h"
#include "process.h"

namespace exdm::testing {

std::string TwoDaysAgo(int64_t now) {
  return FormatIso8601Utc((now / 86400 - 2) * 86400).substr(0, 10);
}

::testing::AssertionResult WriteEx00001Inputs(const std::string& dir, int64_t now) {
  const ProcessResult tracking =
      RunProcess({GeneratorBinary("exdm_gen_tracking"), "--out", dir + "/EX00001.log", "--server",
                  "EX00001", "--start", TwoDaysAgo(now), "--days", "2", "--messages", "100",
                  "--stalled-recipient", "user0000002@contoso.com", "--stall-share", "0.05"});
  if (!tracking.ok()) return ::testing::AssertionFailure() << tracking.output;
  const ProcessResult events =
      RunProcess({"sh", "-c",
                  "'" + GeneratorBinary("exdm_gen_events") +
                      "' --server EX00001 --logon-failures 3 --interface-failures 1 "
                      "--call-failures 1 --start " +
                      FormatIso8601Utc(now - 7200) + " > '" + dir + "/EX00001.csv'"});
  if (!events.ok()) return ::testing::AssertionFailure() << events.output;
  // In the format of deploy/collect/exchange-queue-snapshot.vbs.
  std::ofstream(dir + "/EX00001-queue.csv")
      << "snapshot_utc,server,virtual_server,link_name,message_count,size_bytes,"
         "oldest_message_utc,state_retry,state_flags,next_connection_utc\r\n"
      << FormatIso8601Utc(now - 60) << ",\"EX00001\",\"1\",\"contoso.com (Local Delivery)\",7,"
      << "65536," << FormatIso8601Utc(now - 2000) << ",1,518,\r\n";
  return ::testing::AssertionSuccess();
}

}  // namespace exdm::testing
