// exchange_store_stalled_deliveries end to end: the real exporter with the demo organization in a
// real slapd and a tracking log written here. A stall to a recipient on Sales shows on Sales (and 0
// on the other mailbox store); when the delivery ends (NDR), Sales reads 0 on the next refresh.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <string>

#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "org_fixture.h"
#include "slapd_fixture.h"
#include "temp_dir.h"
#include "tracking_rows.h"

namespace exdm::testing {
namespace {

std::string Row(int64_t t, const std::string& rcpt, int event, const std::string& msgid) {
  return TrackingRowAt(t, rcpt, event, msgid);
}

TEST(ExporterStoreStalls, AStoreThatStopsStallingReadsZero) {
  TempDir dir("exdm-exporter-store-stalls");
  auto org = GenerateOrg({SampleOrg("demo")}, dir.path());
  ASSERT_TRUE(org);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(org->ldif_path));
  ASSERT_TRUE(slapd);

  // Stalled since 20 minutes ago, in today's (or, just after midnight, yesterday's) day file.
  const int64_t start = static_cast<int64_t>(std::time(nullptr)) - 1200;
  const std::string logs = dir.File("EXCH01.log");
  ::mkdir(logs.c_str(), 0755);
  const std::string iso = FormatIso8601Utc(start);
  const std::string file =
      logs + "/" + iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) + ".log";
  {
    std::ofstream f(file);
    f << kTrackingLogHeader << Row(start, "carol@contoso.com", 1036, "stuck1@EXCH01.contoso.com");
    for (int64_t t = start + 1; t < start + 1200; t += 300) {
      f << Row(t, "carol@contoso.com", 1028, "stuck1@EXCH01.contoso.com")
        << Row(t, "carol@contoso.com", 1037, "stuck1@EXCH01.contoso.com");
    }
  }
  dir.Write("exporter.ini", "[ldap]\nuri = " + slapd->uri() + "\nbind_dn = " + slapd->monitor_dn() +
                                "\npassword_file = " + slapd->monitor_password_file() +
                                "\nserver = EXCH01\n" + "[tracking]\ndir = EXCH01=" + logs +
                                "\n[exporter]\nstate_dir = " + dir.path() +
                                "\ntracking_interval = 1\naudit_interval = 300\n");
  auto exporter = ExporterProcess::Start(dir.path(), {"--config.file=" + dir.File("exporter.ini")});
  ASSERT_TRUE(exporter);
  const std::string sales =
      "exchange_store_stalled_deliveries{server=\"EXCH01\",storage_group=\"First Storage "
      "Group\",store=\"Sales\"}";
  ASSERT_TRUE(exporter->WaitForMetric(sales + " 1", std::chrono::seconds(30))) << exporter->Log();
  const std::string metrics = exporter->ScrapeText();
  EXPECT_EQ(SampleValue(metrics,
                        "exchange_store_stalled_deliveries{server=\"EXCH01\",storage_group=\"First "
                        "Storage Group\",store=\"Mailbox Store (EXCH01)\"}"),
            0)
      << metrics;
  EXPECT_EQ(metrics.find("carol"), std::string::npos);
  // Only mailbox stores: the public folder store holds no recipients.
  EXPECT_EQ(metrics.find("exchange_store_stalled_deliveries{server=\"EXCH01\",storage_group="
                         "\"First Storage Group\",store=\"Public Folder Store (EXCH01)\"}"),
            std::string::npos);

  // The delivery ends with an NDR: Sales goes back to 0, the series stays.
  std::ofstream(file, std::ios::app)
      << Row(start + 1250, "carol@contoso.com", 1030, "stuck1@EXCH01.contoso.com");
  EXPECT_TRUE(exporter->WaitForMetric(sales + " 0", std::chrono::seconds(30))) << exporter->Log();
}

}  // namespace
}  // namespace exdm::testing
