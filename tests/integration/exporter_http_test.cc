// The real exporter binary over HTTP: landing page, /metrics (plain and gzip, promtool-clean),
// basic auth, a bad TLS config, SIGTERM and SIGHUP (and what a reload may not turn off).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include "background_process.h"
#include "exporter_process.h"
#include "http_client.h"
#include "paths.h"
#include "process.h"

namespace exdm::testing {
namespace {

// crypt(3) bcrypt of "s3cret", cost 4.
const char kHash[] = "$2y$04$kPWY3hVSeeuJdK0C7I58Uu5iLtTLpzcuQtF8oX5UTVpHoNxB21hMK";

bool PromtoolAccepts(const TempDir& dir, const std::string& metrics, std::string* output) {
  dir.Write("scrape.prom", metrics);
  const ProcessResult r =
      RunProcess({"sh", "-c", "promtool check metrics < '" + dir.File("scrape.prom") + "'"});
  *output = r.output;
  return r.ok();
}

std::string WithoutProcessValues(const std::string& metrics) {
  static const std::regex kProcessSample(R"((^|\n)(process_[a-z_]+) [^\n]*)");
  return std::regex_replace(metrics, kProcessSample, "$1$2 <value>");
}

TEST(ExporterHttp, ServesLandingPageAndPromtoolCleanMetrics) {
  TempDir dir("exdm-exporter-http");
  auto exporter = ExporterProcess::Start(dir.path(), {});
  ASSERT_TRUE(exporter);
  const HttpResponse landing = HttpGet(exporter->port(), "/");
  EXPECT_EQ(landing.status, 200);
  EXPECT_NE(landing.body.find("<a href=\"/metrics\">"), std::string::npos) << landing.body;

  const HttpResponse plain = HttpGet(exporter->port(), "/metrics");
  ASSERT_EQ(plain.status, 200) << plain.error;
  EXPECT_EQ(plain.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(plain.headers.count("content-encoding"), 0u);
  EXPECT_NE(plain.body.find("exchange_delivery_exporter_build_info{version=\""), std::string::npos);
  const HttpResponse gzip = HttpGet(exporter->port(), "/metrics", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(gzip.status, 200);
  EXPECT_EQ(gzip.headers.at("content-encoding"), "gzip");
  EXPECT_LT(gzip.body.size(), plain.body.size());
  // The same document, but for the process_* values: each response reads them anew.
  EXPECT_EQ(WithoutProcessValues(Gunzip(gzip.body)), WithoutProcessValues(plain.body));
  EXPECT_NE(plain.body.find("\nprocess_open_fds "), std::string::npos) << plain.body;
  std::string promtool;
  EXPECT_TRUE(PromtoolAccepts(dir, plain.body, &promtool)) << promtool;

  EXPECT_EQ(HttpGet(exporter->port(), "/metrics/extra").status, 404);
  EXPECT_EQ(HttpGet(exporter->port(), "/favicon.ico").status, 404);
}

TEST(ExporterHttp, CustomTelemetryPath) {
  TempDir dir("exdm-exporter-http");
  auto exporter = ExporterProcess::Start(dir.path(), {"--web.telemetry-path=/probe/metrics"});
  ASSERT_TRUE(exporter);
  EXPECT_EQ(HttpGet(exporter->port(), "/probe/metrics").status, 200);
  EXPECT_EQ(HttpGet(exporter->port(), "/metrics").status, 404);
  EXPECT_NE(HttpGet(exporter->port(), "/").body.find("href=\"/probe/metrics\""), std::string::npos);
}

TEST(ExporterHttp, BasicAuthGuardsEveryPath) {
  TempDir dir("exdm-exporter-auth");
  dir.Write("web.yml", std::string("basic_auth_users:\n  prometheus: ") + kHash + "\n");
  auto exporter = ExporterProcess::Start(dir.path(), {"--web.config.file=" + dir.File("web.yml")});
  ASSERT_TRUE(exporter);
  const HttpResponse anonymous = HttpGet(exporter->port(), "/metrics");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.headers.at("www-authenticate"), "Basic realm=\"exchange_delivery_exporter\"");
  EXPECT_EQ(anonymous.body.find("exchange_"), std::string::npos);
  EXPECT_EQ(HttpGet(exporter->port(), "/").status, 401);
  EXPECT_EQ(HttpGet(exporter->port(), "/metrics",
                    {{"Authorization", BasicAuthorization("prometheus", "wrong")}})
                .status,
            401);
  EXPECT_EQ(HttpGet(exporter->port(), "/metrics",
                    {{"Authorization", BasicAuthorization("grafana", "s3cret")}})
                .status,
            401);
  const HttpResponse ok = HttpGet(exporter->port(), "/metrics",
                                  {{"Authorization", BasicAuthorization("prometheus", "s3cret")}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("exchange_delivery_exporter_build_info"), std::string::npos);
}

TEST(ExporterHttp, BadTlsConfigExitsWithTheReason) {
  TempDir dir("exdm-exporter-tls");
  dir.Write("web.yml", "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n");
  const ProcessResult r = RunProcess({ExporterBinary(), "--web.listen-address=127.0.0.1:0",
                                      "--web.config.file=" + dir.File("web.yml")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("level=error msg="), std::string::npos) << r.output;
  // Relative to the web config's directory, as exporter-toolkit reads it.
  EXPECT_NE(r.output.find("cannot load cert_file " + dir.File("a.crt")), std::string::npos)
      << r.output;
}

TEST(ExporterHttp, BadConfigurationExitsWithOneLineReason) {
  TempDir dir("exdm-exporter-badcfg");
  dir.Write("exporter.ini", "[exporter]\naudit_interval = soon\n");
  const ProcessResult r =
      RunProcess({ExporterBinary(), "--config.file=" + dir.File("exporter.ini")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("audit_interval"), std::string::npos) << r.output;
  const ProcessResult syntax = RunProcess({ExporterBinary(), "--web.listen-address=9755"});
  EXPECT_EQ(syntax.exit_code, 2) << syntax.output;
  EXPECT_NE(syntax.output.find("must be [HOST]:PORT"), std::string::npos) << syntax.output;
  const ProcessResult unknown =
      RunProcess({ExporterBinary(), "--web.listen-address=monitor.example.invalid:9755"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("cannot resolve monitor.example.invalid"), std::string::npos)
      << unknown.output;
}

TEST(ExporterHttp, SigtermStopsCleanlyAndPromptly) {
  TempDir dir("exdm-exporter-term");
  auto exporter = ExporterProcess::Start(dir.path(), {});
  ASSERT_TRUE(exporter);
  HttpClient keep_alive(exporter->port());  // an open connection must not hold up the stop
  EXPECT_EQ(keep_alive.Get("/metrics").status, 200);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(exporter->process().Stop(std::chrono::seconds(10)), 0) << exporter->Log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(exporter->Log().find("level=info msg=\"stopping on signal 15\""), std::string::npos);
}

TEST(ExporterHttp, SighupReloadsTheWebConfig) {
  TempDir dir("exdm-exporter-hup");
  dir.Write("web.yml", "");
  auto exporter = ExporterProcess::Start(dir.path(), {"--web.config.file=" + dir.File("web.yml")});
  ASSERT_TRUE(exporter);
  EXPECT_EQ(HttpGet(exporter->port(), "/metrics").status, 200);
  dir.Write("web.yml", std::string("basic_auth_users:\n  prometheus: ") + kHash + "\n");
  exporter->process().Signal(SIGHUP);
  ASSERT_TRUE(
      exporter->process().WaitForLogText("configuration reloaded", std::chrono::seconds(10)))
      << exporter->Log();
  EXPECT_EQ(HttpGet(exporter->port(), "/metrics").status, 401);
  // A broken file on reload keeps the running configuration.
  dir.Write("web.yml", "basic_auth_users: [\n");
  exporter->process().Signal(SIGHUP);
  ASSERT_TRUE(exporter->process().WaitForLogText("reload failed, keeping the running configuration",
                                                 std::chrono::seconds(10)));
  EXPECT_EQ(HttpGet(exporter->port(), "/metrics",
                    {{"Authorization", BasicAuthorization("prometheus", "s3cret")}})
                .status,
            200);

  // A file that still exists but would turn authentication off is an accident, not a wish:
  // refused, the log says why, and the running users stay.
  size_t refusals = 0;
  for (const char* open : {"basic_auth_users: {}\n", ""}) {
    dir.Write("web.yml", open);
    exporter->process().Signal(SIGHUP);
    ASSERT_TRUE(exporter->process().WaitForLogText("would turn basic auth off (refused",
                                                   std::chrono::seconds(10), ++refusals))
        << exporter->Log();
    EXPECT_EQ(HttpGet(exporter->port(), "/metrics").status, 401) << "[" << open << "]";
  }
}

// Without --web.config.file at all the exporter serves openly on purpose, and says so.
TEST(ExporterHttp, DroppingTheWebConfigTurnsAuthOffAndSaysSo) {
  TempDir dir("exdm-exporter-hup");
  dir.Write("web.yml", std::string("basic_auth_users:\n  prometheus: ") + kHash + "\n");
  dir.Write("exporter.ini", "[web]\nconfig.file = " + dir.File("web.yml") + "\n");
  auto exporter = ExporterProcess::Start(dir.path(), {"--config.file=" + dir.File("exporter.ini")});
  ASSERT_TRUE(exporter);
  EXPECT_EQ(HttpGet(exporter->port(), "/metrics").status, 401);
  dir.Write("exporter.ini", "[web]\n");
  exporter->process().Signal(SIGHUP);
  ASSERT_TRUE(
      exporter->process().WaitForLogText("configuration reloaded", std::chrono::seconds(10)))
      << exporter->Log();
  EXPECT_NE(exporter->Log().find(
                "level=warn msg=\"reload: no --web.config.file any more: basic auth and TLS "
                "are off as asked"),
            std::string::npos)
      << exporter->Log();
  EXPECT_EQ(HttpGet(exporter->port(), "/metrics").status, 200);
}

}  // namespace
}  // namespace exdm::testing
