// A real prometheus server scraping the real exporter on loopback, queried through its HTTP API.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "background_process.h"
#include "exporter_process.h"
#include "org_fixture.h"
#include "prometheus_server.h"
#include "slapd_fixture.h"

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

// Stores whose names differ only where SanitizeForOutput would make them equal ('|' and '/', a
// newline and a carriage return) stay distinct series through a real scrape: one failing, one
// healthy in each pair, and Prometheus keeps both with the names as they are (they used to be
// one label set with two values, and Prometheus kept one of them: a failing store could vanish).
TEST(ExporterPrometheus, StoresWhoseNamesDifferOnlyInPunctuationStayDistinctSeries) {
  if (!PrometheusServer::Available()) GTEST_SKIP() << "prometheus not installed";
  TempDir dir("exdm-exporter-prom");
  const nlohmann::json org = {
      {"organization", "Contoso"},
      {"domain", "contoso.com"},
      {"admin_groups",
       {{{"name", "First Administrative Group"},
         {"servers",
          {{{"name", "EXCH01"},
            {"storage_groups",
             {{{"name", "First Storage Group"},
               {"stores",
                {{{"name", "Sales|EU"}, {"users", 1}, {"faults", {"missing"}}},
                 {{"name", "Sales/EU"}, {"users", 1}},
                 {{"name", "Ops\nA"}, {"users", 1}, {"faults", {"missing"}}},
                 {{"name", "Ops\rA"}, {"users", 1}}}}}}}}}}}}}};
  dir.Write("org.json", org.dump());
  auto generated = GenerateOrg({dir.File("org.json")}, dir.path());
  ASSERT_TRUE(generated);
  auto slapd = Slapd::Start(Slapd::Options().WithLdif(generated->ldif_path));
  ASSERT_TRUE(slapd);
  auto exporter = ExporterProcess::Start(
      dir.path(), {"--ldap.uri=" + slapd->uri(), "--ldap.bind_dn=" + slapd->monitor_dn(),
                   "--ldap.password_file=" + slapd->monitor_password_file(),
                   "--exporter.state_dir=" + dir.File("st")});
  ASSERT_TRUE(exporter);
  PrometheusServer::Options options;
  options.target_port = exporter->port();
  auto prometheus = PrometheusServer::Start(dir.path(), options);
  ASSERT_TRUE(prometheus);
  ASSERT_TRUE(prometheus->WaitFor(
      "exchange_smtp_mailbox_ok", [](const nlohmann::json& r) { return r.size() >= 4; },
      std::chrono::seconds(30)))
      << prometheus->Log() << exporter->Log();
  std::map<std::string, std::string> ok;  // store label -> value
  for (const nlohmann::json& series : prometheus->Query("exchange_smtp_mailbox_ok")) {
    ok[series["metric"]["store"].get<std::string>()] = series["value"][1].get<std::string>();
  }
  const std::map<std::string, std::string> expected = {
      {"Sales|EU", "0"}, {"Sales/EU", "1"}, {"Ops\nA", "0"}, {"Ops\rA", "1"}};
  EXPECT_EQ(ok, expected);
  EXPECT_EQ(prometheus->Query("exchange_store_info").size(), 4u);
  EXPECT_EQ(prometheus->Query("exchange_smtp_mailbox_ok == 0").size(), 2u)
      << "both failing stores are there";
}

}  // namespace
}  // namespace exdm::testing
