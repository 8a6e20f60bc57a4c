// The exporter over TLS (tls_server_config) with real clients: curl, this suite's OpenSSL client
// and a real prometheus scraping with tls_config. Certificates come from a throwaway PKI made by
// the openssl command line (tests/support/test_pki.h), once for the whole binary.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "exporter_process.h"
#include "http_client.h"
#include "paths.h"
#include "prometheus_server.h"
#include "run_program.h"
#include "temp_dir.h"
#include "test_pki.h"

namespace exdm::testing {
namespace {

struct CurlResult {
  int exit_code = -1;
  std::string http_code;  // "000" when no HTTP response came
  std::string body;
  std::string headers;
  std::string err;
};

// curl -sS against `url` with `args`; the body and response headers are read from files.
CurlResult Curl(const TempDir& dir, const std::vector<std::string>& args, const std::string& url) {
  std::vector<std::string> argv = {
      "/usr/bin/curl",          "-sS", "--max-time",  "10", "-o", dir.File("curl.body"), "-D",
      dir.File("curl.headers"), "-w",  "%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  std::remove(dir.File("curl.body").c_str());
  std::remove(dir.File("curl.headers").c_str());
  const ProgramResult r = RunProgram(argv);
  CurlResult out;
  out.exit_code = r.exit_code;
  out.http_code = r.out;
  out.err = r.err;
  std::ifstream body(dir.File("curl.body")), headers(dir.File("curl.headers"));
  out.body.assign(std::istreambuf_iterator<char>(body), {});
  out.headers.assign(std::istreambuf_iterator<char>(headers), {});
  return out;
}

class ExporterTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_dir_ = new TempDir("exdm-tls-pki");
    pki_ = new TestPki(pki_dir_->path());
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete pki_dir_;
  }
  void SetUp() override { ASSERT_TRUE(pki_->ok()) << pki_->error(); }

  // An exporter serving TLS with `tls_extra` added to tls_server_config.
  std::unique_ptr<ExporterProcess> Start(const std::string& tls_extra = "",
                                         const std::string& cert = "",
                                         const std::string& key = "") {
    WriteWebConfig(tls_extra, cert, key);
    auto exporter = ExporterProcess::Start(
        dir_.path(),
        {"--web.config.file=" + dir_.File("web.yml"), "--exporter.state_dir=" + dir_.path()});
    if (exporter) {
      HttpClientOptions client;
      client.tls = true;
      client.ca_file = pki_->ca_cert();
      client.cert_file = pki_->client_cert();
      client.key_file = pki_->client_key();
      exporter->set_client(client);
    }
    return exporter;
  }
  void WriteWebConfig(const std::string& tls_extra, const std::string& cert = "",
                      const std::string& key = "") {
    dir_.Write("web.yml",
               "tls_server_config:\n  cert_file: " + (cert.empty() ? pki_->server_cert() : cert) +
                   "\n  key_file: " + (key.empty() ? pki_->server_key() : key) + "\n" + tls_extra);
  }
  std::string Url(const ExporterProcess& exporter, const std::string& path = "/metrics",
                  const std::string& host = "127.0.0.1") {
    return "https://" + host + ":" + std::to_string(exporter.port()) + path;
  }
  static std::string MutualTls() {
    return "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: " + pki_->ca_cert() +
           "\n";
  }

  TempDir dir_{"exdm-exporter-tls"};
  static TempDir* pki_dir_;
  static TestPki* pki_;
};
TempDir* ExporterTls::pki_dir_ = nullptr;
TestPki* ExporterTls::pki_ = nullptr;

TEST_F(ExporterTls, CurlScrapesOverTlsAndPlainHttpGetsNothing) {
  auto exporter = Start();
  ASSERT_TRUE(exporter);
  EXPECT_NE(exporter->Log().find("TLS on (TLS12-TLS13"), std::string::npos) << exporter->Log();
  const CurlResult ok = Curl(dir_, {"--cacert", pki_->ca_cert()}, Url(*exporter));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.http_code, "200");
  EXPECT_NE(ok.body.find("exchange_delivery_exporter_build_info{"), std::string::npos);
  // By name too: the certificate names localhost.
  EXPECT_EQ(Curl(dir_, {"--cacert", pki_->ca_cert()}, Url(*exporter, "/", "localhost")).http_code,
            "200");
  // Our own client, gzip, keep-alive: the same document.
  EXPECT_NE(exporter->ScrapeText().find("exchange_delivery_exporter_build_info{"),
            std::string::npos);
  // Plain HTTP on the TLS port gets no HTTP answer.
  const HttpResponse plain = HttpGet(exporter->port(), "/metrics");
  EXPECT_EQ(plain.status, 0);
}

TEST_F(ExporterTls, WrongCaAndExpiredCertificateAreRefusedByClients) {
  auto exporter = Start();
  ASSERT_TRUE(exporter);
  const CurlResult wrong_ca = Curl(dir_, {"--cacert", pki_->other_ca_cert()}, Url(*exporter));
  EXPECT_EQ(wrong_ca.exit_code, 60) << wrong_ca.err;  // peer certificate cannot be authenticated
  EXPECT_EQ(wrong_ca.http_code, "000");
  EXPECT_TRUE(wrong_ca.body.empty());
  HttpClientOptions other;
  other.tls = true;
  other.ca_file = pki_->other_ca_cert();
  const HttpResponse ours = HttpGet(exporter->port(), other, "/metrics");
  EXPECT_EQ(ours.status, 0);
  EXPECT_NE(ours.error.find("certificate verify failed"), std::string::npos) << ours.error;

  // The same CA, but the exporter's certificate expired in 2020.
  auto expired = Start("", pki_->expired_server_cert(), pki_->expired_server_key());
  ASSERT_TRUE(expired);
  const CurlResult stale = Curl(dir_, {"--cacert", pki_->ca_cert()}, Url(*expired));
  EXPECT_EQ(stale.exit_code, 60) << stale.err;
  EXPECT_NE(stale.err.find("expired"), std::string::npos) << stale.err;
  HttpClientOptions trusting;
  trusting.tls = true;
  trusting.ca_file = pki_->ca_cert();
  const HttpResponse ours_stale = HttpGet(expired->port(), trusting, "/metrics");
  EXPECT_EQ(ours_stale.status, 0);
  EXPECT_NE(ours_stale.error.find("certificate verify failed"), std::string::npos)
      << ours_stale.error;
}

TEST_F(ExporterTls, MutualTlsServesOnlyClientsWithACertificateFromTheConfiguredCa) {
  auto exporter = Start(MutualTls());
  ASSERT_TRUE(exporter);
  EXPECT_NE(exporter->Log().find("client certificates RequireAndVerifyClientCert"),
            std::string::npos);
  const CurlResult with_cert = Curl(
      dir_,
      {"--cacert", pki_->ca_cert(), "--cert", pki_->client_cert(), "--key", pki_->client_key()},
      Url(*exporter));
  EXPECT_EQ(with_cert.exit_code, 0) << with_cert.err;
  EXPECT_EQ(with_cert.http_code, "200");
  EXPECT_NE(with_cert.body.find("exchange_delivery_exporter_build_info{"), std::string::npos);

  struct Refused {
    const char* what;
    std::vector<std::string> args;
  };
  const std::vector<Refused> refused = {
      {"no client certificate", {"--cacert", pki_->ca_cert()}},
      {"a certificate from another CA",
       {"--cacert", pki_->ca_cert(), "--cert", pki_->stranger_cert(), "--key",
        pki_->stranger_key()}},
      {"an expired certificate",
       {"--cacert", pki_->ca_cert(), "--cert", pki_->expired_client_cert(), "--key",
        pki_->expired_client_key()}},
  };
  for (const Refused& r : refused) {
    const CurlResult result = Curl(dir_, r.args, Url(*exporter));
    EXPECT_NE(result.exit_code, 0) << r.what;
    EXPECT_EQ(result.http_code, "000") << r.what << ": an HTTP answer came";
    EXPECT_EQ(result.body.find("exchange_"), std::string::npos) << r.what;
  }
  // Each refusal happened in the handshake and the log says why (one line a minute at most).
  EXPECT_TRUE(exporter->process().WaitForLogText("http: TLS handshake with 127.0.0.1 failed: ",
                                                 std::chrono::seconds(5)))
      << exporter->Log();
}

TEST_F(ExporterTls, ClientAllowedSansNarrowWhichCertificatesAreAccepted) {
  auto allowed = Start(MutualTls() + "  client_allowed_sans: [prometheus.example.com]\n");
  ASSERT_TRUE(allowed);
  EXPECT_NE(allowed->ScrapeText().find("exchange_delivery_exporter_build_info{"),
            std::string::npos);
  auto other = Start(MutualTls() + "  client_allowed_sans: [grafana.example.com]\n");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->ScrapeText(), "") << "a client certificate without an allowed SAN was served";
}

TEST_F(ExporterTls, VersionLimitsAndHeadersAreApplied) {
  dir_.Write("web.yml", "tls_server_config:\n  cert_file: " + pki_->server_cert() +
                            "\n  key_file: " + pki_->server_key() +
                            "\n  min_version: TLS13\n"
                            "http_server_config:\n  headers:\n"
                            "    Strict-Transport-Security: max-age=31536000\n"
                            "    X-Content-Type-Options: nosniff\n");
  auto exporter = ExporterProcess::Start(dir_.path(), {"--web.config.file=" + dir_.File("web.yml"),
                                                       "--exporter.state_dir=" + dir_.path()});
  ASSERT_TRUE(exporter);
  const CurlResult tls13 = Curl(dir_, {"--cacert", pki_->ca_cert()}, Url(*exporter));
  EXPECT_EQ(tls13.http_code, "200") << tls13.err;
  EXPECT_NE(tls13.headers.find("Strict-Transport-Security: max-age=31536000\r\n"),
            std::string::npos)
      << tls13.headers;
  EXPECT_NE(tls13.headers.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
  const CurlResult tls12 =
      Curl(dir_, {"--cacert", pki_->ca_cert(), "--tls-max", "1.2"}, Url(*exporter));
  EXPECT_EQ(tls12.exit_code, 35) << tls12.err;  // handshake refused: protocol version
  EXPECT_EQ(tls12.http_code, "000");
}

std::string Contents(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(ExporterTls, CertificatesAreReReadOnSighupAndABadOneKeepsTheRunningConfiguration) {
  dir_.Write("server.crt", Contents(pki_->server_cert()));
  dir_.Write("server.key", Contents(pki_->server_key()));
  auto exporter = Start("", dir_.File("server.crt"), dir_.File("server.key"));
  ASSERT_TRUE(exporter);
  EXPECT_EQ(Curl(dir_, {"--cacert", pki_->ca_cert()}, Url(*exporter)).http_code, "200");

  // Same file names, new contents (here a certificate that expired, so clients can tell which
  // one is served): read again on SIGHUP.
  dir_.Write("server.crt", Contents(pki_->expired_server_cert()));
  dir_.Write("server.key", Contents(pki_->expired_server_key()));
  exporter->process().Signal(SIGHUP);
  ASSERT_TRUE(
      exporter->process().WaitForLogText("configuration reloaded", std::chrono::seconds(10)))
      << exporter->Log();
  const CurlResult after = Curl(dir_, {"--cacert", pki_->ca_cert()}, Url(*exporter));
  EXPECT_EQ(after.exit_code, 60) << "still the old certificate? " << after.err;

  // A key that does not belong to the certificate: refused, the running TLS context stays.
  dir_.Write("server.key", "not a key\n");
  exporter->process().Signal(SIGHUP);
  ASSERT_TRUE(exporter->process().WaitForLog(
      [](const std::string& log) {
        return log.find("reload failed, keeping the running configuration") != std::string::npos &&
               log.find("cannot load key_file") != std::string::npos;
      },
      std::chrono::seconds(10)))
      << exporter->Log();
  EXPECT_EQ(Curl(dir_, {"--cacert", pki_->ca_cert()}, Url(*exporter)).exit_code, 60);
  EXPECT_EQ(Curl(dir_, {"-k"}, Url(*exporter)).http_code, "200");
}

TEST_F(ExporterTls, AReloadThatWouldTurnTlsOffIsRefused) {
  auto exporter = Start();
  ASSERT_TRUE(exporter);
  dir_.Write("web.yml", "");
  exporter->process().Signal(SIGHUP);
  ASSERT_TRUE(
      exporter->process().WaitForLogText("would turn TLS off (refused", std::chrono::seconds(10)))
      << exporter->Log();
  EXPECT_EQ(Curl(dir_, {"--cacert", pki_->ca_cert()}, Url(*exporter)).http_code, "200");
  EXPECT_EQ(HttpGet(exporter->port(), "/metrics").status, 0) << "served plain HTTP";
}

TEST_F(ExporterTls, PrometheusScrapesWithTlsConfigAndMutualTls) {
  if (!PrometheusServer::Available()) GTEST_SKIP() << "prometheus not installed";
  auto server_tls = Start();
  ASSERT_TRUE(server_tls);
  TempDir mutual_dir("exdm-exporter-mtls");
  mutual_dir.Write("web.yml", "tls_server_config:\n  cert_file: " + pki_->server_cert() +
                                  "\n  key_file: " + pki_->server_key() + "\n" + MutualTls());
  auto mutual =
      ExporterProcess::Start(mutual_dir.path(), {"--web.config.file=" + mutual_dir.File("web.yml"),
                                                 "--exporter.state_dir=" + mutual_dir.path()});
  ASSERT_TRUE(mutual);
  const std::string tls_target = "127.0.0.1:" + std::to_string(server_tls->port());
  const std::string mutual_target = "127.0.0.1:" + std::to_string(mutual->port());

  PrometheusServer::Options options;
  options.target_port = server_tls->port();
  options.ca_file = pki_->ca_cert();
  options.extra_jobs = {
      {"mutual-tls", mutual_target, pki_->ca_cert(), pki_->client_cert(), pki_->client_key()},
      {"wrong-ca", tls_target, pki_->other_ca_cert(), "", ""},
      {"no-client-cert", mutual_target, pki_->ca_cert(), "", ""},
      {"other-ca-client-cert", mutual_target, pki_->ca_cert(), pki_->stranger_cert(),
       pki_->stranger_key()},
  };
  TempDir prom_dir("exdm-exporter-tls-prom");
  auto prometheus = PrometheusServer::Start(prom_dir.path(), options);
  ASSERT_TRUE(prometheus);
  auto up = [&prometheus](const std::string& job, int value) {
    return prometheus->WaitFor(
        "up{job=\"" + job + "\"} == " + std::to_string(value),
        [](const nlohmann::json& r) { return r.size() == 1; }, std::chrono::seconds(30));
  };
  EXPECT_TRUE(up("exchange-delivery", 1)) << prometheus->Log();
  EXPECT_TRUE(up("mutual-tls", 1)) << prometheus->Log();
  EXPECT_TRUE(up("wrong-ca", 0));
  EXPECT_TRUE(up("no-client-cert", 0));
  EXPECT_TRUE(up("other-ca-client-cert", 0));
  const auto info = prometheus->Query("exchange_delivery_exporter_build_info");
  EXPECT_EQ(info.size(), 2u) << info.dump();  // both TLS exporters, nothing from the refused jobs
  // Prometheus says why the wrong CA failed: x509 verification, not a timeout.
  const nlohmann::json targets = prometheus->ActiveTargets();
  bool explained = false;
  for (const auto& target : targets) {
    if (target["labels"].value("job", "") == "wrong-ca") {
      explained = target.value("lastError", "").find("x509") != std::string::npos;
    }
  }
  EXPECT_TRUE(explained) << targets.dump();
}

}  // namespace
}  // namespace exdm::testing
