// IANA cipher suite names (exporter-toolkit's, Go's) to OpenSSL's.
#include "tls_context.h"

#include <gtest/gtest.h>

#include "temp_dir.h"
#include "test_pki.h"

namespace exdm::exporter {
namespace {

TEST(TlsContextTest, MapsIanaCipherSuiteNamesToOpenSsl) {
  EXPECT_EQ(OpenSslCipherName("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(OpenSslCipherName("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
            "ECDHE-ECDSA-CHACHA20-POLY1305");
  EXPECT_EQ(OpenSslCipherName("TLS_AES_128_GCM_SHA256"), "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(OpenSslCipherName("TLS_MADE_UP_WITH_ROT13"), "");
}

TEST(TlsContextTest, RefusesMissingCertificateFiles) {
  TlsServerConfig config;
  config.cert_file = "/nonexistent/server.crt";
  config.key_file = "/nonexistent/server.key";
  Result<std::shared_ptr<const TlsContext>> tls = TlsContext::Make(config);
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.status().message().find("cannot load cert_file /nonexistent/server.crt"),
            std::string::npos)
      << tls.status().message();
}

class TlsContextPkiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir("exdm-tls-context");
    pki_ = new testing::TestPki(dir_->path());
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_TRUE(pki_->ok()) << pki_->error();
    config_.cert_file = pki_->server_cert();
    config_.key_file = pki_->server_key();
  }
  std::string Error() {
    Result<std::shared_ptr<const TlsContext>> tls = TlsContext::Make(config_);
    return tls.ok() ? "(accepted)" : tls.status().message();
  }
  static testing::TempDir* dir_;
  static testing::TestPki* pki_;
  TlsServerConfig config_;
};
testing::TempDir* TlsContextPkiTest::dir_ = nullptr;
testing::TestPki* TlsContextPkiTest::pki_ = nullptr;

TEST_F(TlsContextPkiTest, BuildsFromACertificateAndItsKey) {
  EXPECT_EQ(Error(), "(accepted)");
  config_.client_auth = ClientAuth::kRequireAndVerifyClientCert;
  config_.client_ca_file = pki_->ca_cert();
  config_.cipher_suites = {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"};
  config_.curve_preferences = {"X25519", "CurveP256"};
  Result<std::shared_ptr<const TlsContext>> tls = TlsContext::Make(config_);
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  EXPECT_NE((*tls)->Describe().find("client certificates RequireAndVerifyClientCert"),
            std::string::npos)
      << (*tls)->Describe();
}

TEST_F(TlsContextPkiTest, RefusesWhatOpenSslCannotUse) {
  config_.key_file = pki_->client_key();
  EXPECT_NE(Error().find("cannot load key_file " + pki_->client_key()), std::string::npos)
      << Error();
  EXPECT_NE(Error().find("key values mismatch"), std::string::npos) << Error();
  config_.key_file = pki_->server_key();
  config_.cipher_suites = {"TLS_MADE_UP_WITH_ROT13"};
  EXPECT_NE(Error().find("OpenSSL does not know TLS_MADE_UP_WITH_ROT13"), std::string::npos)
      << Error();
  config_.cipher_suites = {};
  config_.curve_preferences = {"CurveP999"};
  EXPECT_NE(Error().find("curve_preferences: CurveP999"), std::string::npos) << Error();
  config_.curve_preferences = {};
  config_.client_auth = ClientAuth::kRequireAndVerifyClientCert;
  config_.client_ca_file = dir_->File("missing-ca.crt");
  EXPECT_NE(Error().find("cannot load client_ca_file"), std::string::npos) << Error();
}

}  // namespace
}  // namespace exdm::exporter
