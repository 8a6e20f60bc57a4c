// deploy/prometheus/federation run for real: a site's Prometheus made from
// site.prometheus.example.yml scrapes a real exporter (tracking logs with a delivery stalled for
// hours) and evaluates the shipped rules where the data is; the central Prometheus made from
// central.prometheus.example.yml federates it. The central one sees the exporter's series and the
// site's firing alert, both labelled with the site, and has no rule of its own. Only hosts,
// ports, intervals and the rule file's path are replaced in the examples.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "exdm/base/time_util.h"
#include "exporter_process.h"
#include "fault_support.h"
#include "http_client.h"
#include "paths.h"
#include "prometheus_server.h"
#include "run_program.h"

namespace exdm::testing {
namespace {

// Every occurrence of each `from` replaced by its `to`; a `from` that does not occur fails the
// test (the example changed and the test would no longer run it as shipped).
std::string Replace(std::string text, const std::vector<std::pair<std::string, std::string>>& r) {
  for (const auto& [from, to] : r) {
    EXPECT_NE(text.find(from), std::string::npos) << "the example no longer holds " << from;
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  }
  return text;
}

TEST(PrometheusFederation, TheCentralPrometheusSeesTheSitesSeriesAndAlertsLabelledWithTheSite) {
  if (!PrometheusServer::Available()) GTEST_SKIP() << "prometheus not installed";
  TempDir dir("exdm-federation");
  // Yesterday's traffic with stalled deliveries: hours old, so the critical alert fires at once.
  const std::string yesterday =
      FormatIso8601Utc((static_cast<int64_t>(std::time(nullptr)) / 86400 - 1) * 86400)
          .substr(0, 10);
  const ProgramResult gen = RunProgram(
      {GeneratorBinary("exdm_gen_tracking"), "--out", dir.File("EXCH01.log"), "--start", yesterday,
       "--messages", "300", "--stalled-recipient", "stuck@contoso.com", "--stall-share", "0.05"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  auto exporter = ExporterProcess::Start(
      dir.path(), {"--tracking.dir=EXCH01=" + dir.File("EXCH01.log"),
                   "--exporter.state_dir=" + dir.path(), "--exporter.tracking_interval=1"});
  ASSERT_TRUE(exporter);
  ASSERT_TRUE(exporter->WaitForMetric("exchange_collector_success{collector=\"tracking\"} 1",
                                      std::chrono::seconds(60)))
      << exporter->Log();

  const std::string fed = SourceDir() + "/deploy/prometheus/federation/";
  PrometheusServer::Options site_options;
  site_options.config =
      Replace(ReadWholeFile(fed + "site.prometheus.example.yml"),
              {{"30s", "1s"},
               {"scrape_timeout: 10s", "scrape_timeout: 1s"},
               {"monitor-berlin.contoso.com:9755", "127.0.0.1:" + std::to_string(exporter->port())},
               {"alertmanager.contoso.com:9093", "127.0.0.1:9"},
               {"/etc/prometheus/rules/exchange-delivery.rules.yml",
                SourceDir() + "/deploy/prometheus/exchange-delivery.rules.yml"}});
  std::filesystem::create_directories(dir.File("site"));
  auto site = PrometheusServer::Start(dir.File("site"), site_options);
  ASSERT_TRUE(site);

  PrometheusServer::Options central_options;
  central_options.config =
      Replace(ReadWholeFile(fed + "central.prometheus.example.yml"),
              {{"60s", "1s"},
               {"scrape_timeout: 30s", "scrape_timeout: 1s"},
               {"prometheus-berlin.contoso.com:9090", "127.0.0.1:" + std::to_string(site->port())},
               // The other site is unreachable: its target is down, Berlin's data still arrives.
               {"prometheus-madrid.contoso.com:9090", "127.0.0.1:9"}});
  std::filesystem::create_directories(dir.File("central"));
  auto central = PrometheusServer::Start(dir.File("central"), central_options);
  ASSERT_TRUE(central);

  auto non_empty = [](const nlohmann::json& r) { return r.is_array() && !r.empty(); };
  EXPECT_TRUE(central->WaitFor(
      "exchange_local_delivery_stalled_deliveries{site=\"berlin\",server=\"EXCH01\","
      "job=\"exchange-delivery\"} > 0",
      non_empty, std::chrono::seconds(90)))
      << site->Log() << central->Log();
  EXPECT_TRUE(
      central->WaitFor("ALERTS{alertname=\"ExchangeLocalDeliveryStalledCritical\","
                       "alertstate=\"firing\",site=\"berlin\",server=\"EXCH01\"}",
                       non_empty, std::chrono::seconds(90)))
      << site->Log() << central->Log();
  // The alert was evaluated at the site: the central Prometheus has no rules.
  const HttpResponse rules = HttpGet(central->port(), "/api/v1/rules");
  ASSERT_EQ(rules.status, 200);
  EXPECT_EQ(nlohmann::json::parse(rules.body)["data"]["groups"].size(), 0u) << rules.body;
  const HttpResponse site_rules = HttpGet(site->port(), "/api/v1/rules");
  EXPECT_GT(nlohmann::json::parse(site_rules.body)["data"]["groups"].size(), 0u);
}

}  // namespace
}  // namespace exdm::testing
