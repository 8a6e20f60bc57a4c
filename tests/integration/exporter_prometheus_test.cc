// A real prometheus server scraping the real exporter on loopback, queried through its HTTP API.
#include <gtest/gtest.h>

#include "background_process.h"
#include "exporter_process.h"
#include "prometheus_server.h"

namespace exdm::testing {
namespace {

const char kHash[] = "$2y$04$kPWY3hVSeeuJdK0C7I58Uu5iLtTLpzcuQtF8oX5UTVpHoNxB21hMK";  // s3cret

TEST(ExporterPrometheus, ScrapesThroughBasicAuth) {
  if (!PrometheusServer::Available()) GTEST_SKIP() << "prometheus not installed";
  TempDir dir("exdm-exporter-prom");
  dir.Write("web.yml", std::string("basic_auth_users:\n  prometheus: ") + kHash + "\n");
  auto exporter = ExporterProcess::Start(dir.path(), {"--web.config.file=" + dir.File("web.yml")});
  ASSERT_TRUE(exporter);
  PrometheusServer::Options options;
  options.target_port = exporter->port();
  options.basic_auth_user = "prometheus";
  options.basic_auth_password = "s3cret";
  auto prometheus = PrometheusServer::Start(dir.path(), options);
  ASSERT_TRUE(prometheus);
  EXPECT_TRUE(prometheus->WaitFor(
      "exchange_delivery_exporter_build_info == 1",
      [](const nlohmann::json& r) { return r.size() == 1; }, std::chrono::seconds(30)))
      << prometheus->Log();
  const auto up = prometheus->Query("up{job=\"exchange-delivery\"}");
  ASSERT_EQ(up.size(), 1u) << up.dump();
  EXPECT_EQ(up[0]["value"][1], "1");
}

TEST(ExporterPrometheus, WrongPasswordMeansTargetDown) {
  if (!PrometheusServer::Available()) GTEST_SKIP() << "prometheus not installed";
  TempDir dir("exdm-exporter-prom");
  dir.Write("web.yml", std::string("basic_auth_users:\n  prometheus: ") + kHash + "\n");
  auto exporter = ExporterProcess::Start(dir.path(), {"--web.config.file=" + dir.File("web.yml")});
  ASSERT_TRUE(exporter);
  PrometheusServer::Options options;
  options.target_port = exporter->port();
  options.basic_auth_user = "prometheus";
  options.basic_auth_password = "guess";
  auto prometheus = PrometheusServer::Start(dir.path(), options);
  ASSERT_TRUE(prometheus);
  EXPECT_TRUE(prometheus->WaitFor(
      "up{job=\"exchange-delivery\"} == 0", [](const nlohmann::json& r) { return r.size() == 1; },
      std::chrono::seconds(30)));
  EXPECT_EQ(prometheus->Query("exchange_delivery_exporter_build_info").size(), 0u);
}

}  // namespace
}  // namespace exdm::testing
