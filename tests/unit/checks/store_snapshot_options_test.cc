// The store snapshot settings of both front ends: the check's --mailbox-snapshot and
// --dsaccess-snapshot (with --snapshot-max-age), the exporter's [mailbox_snapshot] and
// [dsaccess_snapshot] sections (file, interval, max_age). Both fill the core's
// StoreSnapshotSettings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "check_options.h"
#include "exporter_config.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

template <typename Parse>
auto ParseWith(Parse parse, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  for (const std::string& a : args)
    argv.push_back(a.c_str());
  return parse(static_cast<int>(argv.size()), argv.data());
}

TEST(StoreSnapshotOptions, CheckNamesEachServerAndTakesTheSnapshotMaxAge) {
  auto p =
      ParseWith(check::ParseCommandLine,
                {"check_exchange_delivery", "mailbox", "-H", "ldap://dc1", "--mailbox-snapshot",
                 "/srv/exchange/EXCH01.log/EXCH01-mailboxes.csv", "--mailbox-snapshot",
                 "EXCH02=/srv/m.csv", "--dsaccess-snapshot",
                 "/srv/exchange/EXCH01.log/EXCH01-dsaccess.csv", "--snapshot-max-age", "1200"});
  ASSERT_TRUE(p) << p.status().message();
  const check::CheckOptions& o = p->options;
  ASSERT_EQ(o.mailbox_snapshots.files.size(), 2u);
  EXPECT_EQ(o.mailbox_snapshots.files[0].server, "EXCH01");  // from the script's file name
  EXPECT_EQ(o.mailbox_snapshots.files[1].server, "EXCH02");
  ASSERT_EQ(o.dsaccess_snapshots.files.size(), 1u);
  EXPECT_EQ(o.dsaccess_snapshots.files[0].server, "EXCH01");
  EXPECT_EQ(o.mailbox_snapshots.max_age_seconds, 1200);
  EXPECT_EQ(o.dsaccess_snapshots.max_age_seconds, 1200);

  auto defaults = ParseWith(check::ParseCommandLine,
                            {"check_exchange_delivery", "all", "--dsaccess-snapshot", "X=/d.csv"});
  ASSERT_TRUE(defaults) << defaults.status().message();
  EXPECT_EQ(defaults->options.dsaccess_snapshots.max_age_seconds, 900);
  EXPECT_TRUE(defaults->options.mailbox_snapshots.files.empty());
}

TEST(StoreSnapshotOptions, ExporterReadsBothSectionsEachWithItsIntervalAndMaxAge) {
  TempDir dir("exdm-store-options");
  dir.Write("exporter.ini",
            "[mailbox_snapshot]\nfile = EXCH01=/srv/EXCH01-mailboxes.csv\n"
            "file = /srv/EXCH02-mailboxes.csv\ninterval = 30\nmax_age = 1200\n"
            "[dsaccess_snapshot]\nfile = EXCH01=/srv/EXCH01-dsaccess.csv\n");
  auto p = ParseWith(exporter::ParseExporterCommandLine,
                     {"exchange_delivery_exporter", "--config.file", dir.File("exporter.ini")});
  ASSERT_TRUE(p) << p.status().message();
  const exporter::ExporterConfig& c = p->config;
  ASSERT_EQ(c.mailbox_snapshot.files.size(), 2u);
  EXPECT_EQ(c.mailbox_snapshot.files[1].server, "EXCH02");
  EXPECT_EQ(c.mailbox_snapshot.max_age_seconds, 1200);
  EXPECT_EQ(c.mailbox_snapshot_interval, std::chrono::seconds(30));
  ASSERT_EQ(c.dsaccess_snapshot.files.size(), 1u);
  EXPECT_EQ(c.dsaccess_snapshot.max_age_seconds, 900);
  EXPECT_EQ(c.dsaccess_snapshot_interval, std::chrono::seconds(60));

  EXPECT_FALSE(ParseWith(exporter::ParseExporterCommandLine,
                         {"exchange_delivery_exporter", "--mailbox_snapshot.file=EXCH01=/a.csv",
                          "--mailbox_snapshot.file=EXCH01=/b.csv"}))
      << "the same server twice";
  EXPECT_FALSE(ParseWith(exporter::ParseExporterCommandLine,
                         {"exchange_delivery_exporter", "--dsaccess_snapshot.max_age=0"}));
  EXPECT_FALSE(ParseWith(exporter::ParseExporterCommandLine,
                         {"exchange_delivery_exporter", "--mailbox_snapshot.interval=0"}));
}

}  // namespace
}  // namespace exdm::testing
