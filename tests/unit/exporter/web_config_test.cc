// --web.config.file as exporter-toolkit defines it: what is read, what is refused and why.
#include "web_config.h"

#include <gtest/gtest.h>

namespace exdm::exporter {
namespace {

const char kHash2b[] = "$2b$04$kPWY3hVSeeuJdK0C7I58Uu5iLtTLpzcuQtF8oX5UTVpHoNxB21hMK";
const char kHash2y[] = "$2y$04$kPWY3hVSeeuJdK0C7I58Uu5iLtTLpzcuQtF8oX5UTVpHoNxB21hMK";

std::string Error(const std::string& yaml) {
  Result<WebConfig> parsed = ParseWebConfig(yaml, "/etc/exdm");
  return parsed.ok() ? "(accepted)" : parsed.status().message();
}

TEST(WebConfigTest, ReadsBasicAuthUsers) {
  auto config = ParseWebConfig(std::string("basic_auth_users:\n  prometheus: ") + kHash2y +
                               "\n  'grafana': \"" + kHash2b + "\"\n");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->basic_auth_users.size(), 2u);
  EXPECT_EQ(config->basic_auth_users.at("prometheus"), kHash2y);
  EXPECT_EQ(config->basic_auth_users.at("grafana"), kHash2b);
  EXPECT_FALSE(config->tls);
}

TEST(WebConfigTest, EmptyFileOrSectionsMeanNothingIsOn) {
  auto config = ParseWebConfig("");
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->basic_auth_users.empty());
  EXPECT_FALSE(config->tls);
  EXPECT_TRUE(ParseWebConfig("# only a comment\n").ok());
  auto empty = ParseWebConfig("basic_auth_users: {}\ntls_server_config: {}\n");
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_TRUE(empty->basic_auth_users.empty());
  EXPECT_FALSE(empty->tls);  // exporter-toolkit: a section naming no certificate is no TLS
}

TEST(WebConfigTest, ReadsTlsServerConfigWithPathsRelativeToTheFile) {
  auto config = ParseWebConfig(
      "tls_server_config:\n"
      "  cert_file: server.crt\n"
      "  key_file: /secrets/server.key\n"
      "  client_auth_type: RequireAndVerifyClientCert\n"
      "  client_ca_file: ca/clients.crt\n"
      "  client_allowed_sans: [prometheus.example.com, 192.0.2.7]\n"
      "  min_version: TLS13\n"
      "  max_version: TLS13\n"
      "  cipher_suites:\n"
      "    - TLS_AES_256_GCM_SHA384\n"
      "  curve_preferences: [X25519, CurveP256]\n"
      "  prefer_server_cipher_suites: false\n",
      "/etc/exdm");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_TRUE(config->tls);
  const TlsServerConfig& tls = *config->tls;
  EXPECT_EQ(tls.cert_file, "/etc/exdm/server.crt");
  EXPECT_EQ(tls.key_file, "/secrets/server.key");
  EXPECT_EQ(tls.client_ca_file, "/etc/exdm/ca/clients.crt");
  EXPECT_EQ(tls.client_auth, ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_EQ(tls.client_allowed_sans,
            (std::vector<std::string>{"prometheus.example.com", "192.0.2.7"}));
  EXPECT_EQ(tls.min_version, TlsVersion::kTls13);
  EXPECT_EQ(tls.cipher_suites, std::vector<std::string>{"TLS_AES_256_GCM_SHA384"});
  EXPECT_EQ(tls.curve_preferences, (std::vector<std::string>{"X25519", "CurveP256"}));
  EXPECT_FALSE(tls.prefer_server_cipher_suites);
}

TEST(WebConfigTest, TlsDefaultsAreExporterToolkits) {
  auto config = ParseWebConfig("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->tls->min_version, TlsVersion::kTls12);
  EXPECT_EQ(config->tls->max_version, TlsVersion::kTls13);
  EXPECT_EQ(config->tls->client_auth, ClientAuth::kNoClientCert);
  EXPECT_TRUE(config->tls->prefer_server_cipher_suites);
  // "RequireClientCert" is exporter-toolkit's older spelling.
  auto legacy = ParseWebConfig(
      "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n"
      "  client_auth_type: RequireClientCert\n");
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->tls->client_auth, ClientAuth::kRequireAnyClientCert);
}

TEST(WebConfigTest, RefusesInconsistentTls) {
  EXPECT_NE(Error("tls_server_config:\n  cert_file: a.crt\n").find("key_file is missing"),
            std::string::npos);
  EXPECT_NE(Error("tls_server_config:\n  client_auth_type: RequireAnyClientCert\n")
                .find("cert_file is missing"),
            std::string::npos);
  EXPECT_NE(Error("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n")
                .find("NoClientCert"),
            std::string::npos);
  EXPECT_NE(Error("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                  "  client_auth_type: RequireAndVerifyClientCert\n")
                .find("needs client_ca_file"),
            std::string::npos);
  EXPECT_NE(Error("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                  "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: c\n"
                  "  client_allowed_sans: [x]\n")
                .find("client_allowed_sans needs"),
            std::string::npos);
  EXPECT_NE(Error("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n"
                  "  max_version: TLS12\n")
                .find("min_version is above max_version"),
            std::string::npos);
  EXPECT_NE(Error("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: SSL3\n")
                .find("none of TLS10"),
            std::string::npos);
  EXPECT_NE(Error("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                  "  client_auth_type: Maybe\n")
                .find("client_auth_type Maybe"),
            std::string::npos);
  EXPECT_NE(Error("tls_server_config:\n  cert: '-----BEGIN'\n  key_file: b\n").find("inline"),
            std::string::npos);
  EXPECT_NE(Error("tls_server_config:\n  cert_fil: a\n").find("unsupported key"),
            std::string::npos);
}

TEST(WebConfigTest, HeadersFollowExporterToolkitsList) {
  auto config = ParseWebConfig(
      "http_server_config:\n  http2: false\n  headers:\n"
      "    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=31536000\n");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->headers.size(), 2u);
  EXPECT_EQ(config->headers[0], (std::pair<std::string, std::string>{"X-Frame-Options", "deny"}));
  EXPECT_NE(
      Error("http_server_config:\n  headers:\n    Server: mine\n").find("cannot be configured"),
      std::string::npos);
  EXPECT_NE(Error("http_server_config:\n  headers:\n    X-Frame-Options: allow\n")
                .find("none of: deny, sameorigin"),
            std::string::npos);
  EXPECT_NE(Error("http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nX: y\"\n")
                .find("control character"),
            std::string::npos);
  EXPECT_NE(Error("http_server_config:\n  http2: maybe\n").find("true or false"),
            std::string::npos);
}

TEST(WebConfigTest, RefusesWhatItCannotHonour) {
  EXPECT_FALSE(ParseWebConfig("basic_auth_user:\n  a: b\n").ok());  // typo: not silently open
  EXPECT_FALSE(ParseWebConfig("basic_auth_users:\n  a: plaintext\n").ok());
  EXPECT_FALSE(ParseWebConfig("basic_auth_users:\n  - a\n").ok());
  EXPECT_FALSE(ParseWebConfig("basic_auth_users: [unclosed\n").ok());
  EXPECT_FALSE(ParseWebConfig("- just a list\n").ok());
  EXPECT_NE(Error("rate_limit:\n  burst: 1\n").find("unsupported key rate_limit"),
            std::string::npos);
  EXPECT_NE(Error("basic_auth_users: {}\nbasic_auth_users: {}\n").find("given twice"),
            std::string::npos);
}

}  // namespace
}  // namespace exdm::exporter
