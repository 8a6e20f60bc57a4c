// The queue snapshot settings of both front ends: the check's --queue-snapshot,
// --snapshot-max-age and --snapshot-tolerance, the exporter's [queue_snapshot] section.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "check_options.h"
#include "exporter_config.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

std::vector<const char*> Argv(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  for (const std::string& a : args)
    argv.push_back(a.c_str());
  return argv;
}

Result<check::ParsedCommandLine> ParseCheck(const std::vector<std::string>& args) {
  const auto argv = Argv(args);
  return check::ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

Result<exporter::ParsedExporterCommandLine> ParseExporter(const std::vector<std::string>& args) {
  const auto argv = Argv(args);
  return exporter::ParseExporterCommandLine(static_cast<int>(argv.size()), argv.data());
}

TEST(QueueSnapshotOptions, CheckNamesEachSnapshotsServerAndHasDefaults) {
  auto p = ParseCheck({"check_exchange_delivery", "queue", "--queue-snapshot",
                       "/srv/exchange/EXCH01.log/EXCH01-queue.csv", "--queue-snapshot",
                       "EXCH02=/srv/exchange/EXCH02.log/queue.csv"});
  ASSERT_TRUE(p) << p.status().message();
  const check::CheckOptions& o = p->options;
  ASSERT_EQ(o.snapshots.files.size(), 2u);
  EXPECT_EQ(o.snapshots.files[0].server, "EXCH01");  // from the file name the script gives it
  EXPECT_EQ(o.snapshots.files[1].server, "EXCH02");
  EXPECT_EQ(o.snapshots.max_age_seconds, 900);
  EXPECT_EQ(o.snapshot_tolerance, 600);
}

TEST(QueueSnapshotOptions, CheckRefusesNonsensicalAgesAndTolerances) {
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--snapshot-max-age", "0"},
        std::vector<std::string>{"--snapshot-tolerance", "-1"},
        std::vector<std::string>{"--snapshot-max-age", "soon"}}) {
    std::vector<std::string> args = {"check_exchange_delivery", "queue", "--queue-snapshot",
                                     "EXCH01=/x.csv"};
    args.insert(args.end(), bad.begin(), bad.end());
    auto p = ParseCheck(args);
    EXPECT_FALSE(p) << bad[0] << " " << bad[1];
  }
  auto ok = ParseCheck({"check_exchange_delivery", "queue", "--queue-snapshot", "EXCH01=/x.csv",
                        "--snapshot-max-age", "1800", "--snapshot-tolerance", "0"});
  ASSERT_TRUE(ok) << ok.status().message();
  EXPECT_EQ(ok->options.snapshots.max_age_seconds, 1800);
  EXPECT_EQ(ok->options.snapshot_tolerance, 0);
}

TEST(QueueSnapshotOptions, ExporterReadsTheQueueSnapshotSection) {
  TempDir dir("exdm-snapshot-options");
  dir.Write("exporter.ini",
            "[queue_snapshot]\nfile = EXCH01=/srv/exchange/EXCH01.log/EXCH01-queue.csv\n"
            "file = /srv/exchange/EXCH02.log/EXCH02-queue.csv\nmax_age = 1200\n"
            "[exporter]\nqueue_snapshot_interval = 30\n");
  auto p = ParseExporter({"exchange_delivery_exporter", "--config.file", dir.File("exporter.ini")});
  ASSERT_TRUE(p) << p.status().message();
  const exporter::ExporterConfig& c = p->config;
  ASSERT_EQ(c.queue_snapshot.files.size(), 2u);
  EXPECT_EQ(c.queue_snapshot.files[1].server, "EXCH02");
  EXPECT_EQ(c.queue_snapshot.max_age_seconds, 1200);
  EXPECT_EQ(c.queue_snapshot_interval, std::chrono::seconds(30));

  auto defaults =
      ParseExporter({"exchange_delivery_exporter", "--queue_snapshot.file=/a/EXCH01-queue.csv"});
  ASSERT_TRUE(defaults) << defaults.status().message();
  EXPECT_EQ(defaults->config.queue_snapshot.max_age_seconds, 900);
  EXPECT_EQ(defaults->config.queue_snapshot_interval, std::chrono::seconds(60));

  EXPECT_FALSE(
      ParseExporter({"exchange_delivery_exporter", "--queue_snapshot.file=/a/EXCH01-queue.csv",
                     "--queue_snapshot.file=EXCH01=/b/other.csv"}))
      << "the same server twice";
  EXPECT_FALSE(ParseExporter({"exchange_delivery_exporter", "--queue_snapshot.max_age=0"}));
}

}  // namespace
}  // namespace exdm::testing
