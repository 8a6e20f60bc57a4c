// The exporter's HTTP-facing pieces: listen addresses, gzip negotiation, web config, basic auth.
#include <gtest/gtest.h>

#include "basic_auth.h"
#include "http_server.h"
#include "web_config.h"

namespace exdm::exporter {
namespace {

// crypt(3) of "s3cret" with bcrypt cost 4 (cheap for tests), made with libxcrypt.
const char kHash2b[] = "$2b$04$kPWY3hVSeeuJdK0C7I58Uu5iLtTLpzcuQtF8oX5UTVpHoNxB21hMK";
const char kHash2y[] = "$2y$04$kPWY3hVSeeuJdK0C7I58Uu5iLtTLpzcuQtF8oX5UTVpHoNxB21hMK";

TEST(ListenAddressTest, TranslatesPrometheusSyntaxToCivetWeb) {
  EXPECT_EQ(*ToCivetListeningPort(":9755"), "9755");
  EXPECT_EQ(*ToCivetListeningPort("127.0.0.1:9755"), "127.0.0.1:9755");
  EXPECT_EQ(*ToCivetListeningPort("localhost:80"), "127.0.0.1:80");
  EXPECT_EQ(*ToCivetListeningPort("[::1]:9755"), "[::1]:9755");
  EXPECT_FALSE(ToCivetListeningPort("9755").ok());
  EXPECT_FALSE(ToCivetListeningPort(":99999").ok());
  EXPECT_FALSE(ToCivetListeningPort(":97s").ok());  // CivetWeb's TLS suffix must not sneak in
  EXPECT_FALSE(ToCivetListeningPort("monitor.example.com:9755").ok());
  EXPECT_FALSE(ToCivetListeningPort("1.2.3:9755").ok());
}

TEST(AcceptsGzipTest, FollowsAcceptEncodingTokensAndQValues) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("identity, gzip;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip, br"));
  EXPECT_FALSE(AcceptsGzip(nullptr));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("deflate"));
  EXPECT_FALSE(AcceptsGzip("x-gzip2"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000"));
}

TEST(WebConfigTest, ReadsBasicAuthUsers) {
  auto config = ParseWebConfig(std::string("basic_auth_users:\n  prometheus: ") + kHash2y +
                               "\n  'grafana': \"" + kHash2b + "\"\n");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->basic_auth_users.size(), 2u);
  EXPECT_EQ(config->basic_auth_users.at("prometheus"), kHash2y);
  EXPECT_EQ(config->basic_auth_users.at("grafana"), kHash2b);
}

TEST(WebConfigTest, EmptyFileMeansNoAuth) {
  auto config = ParseWebConfig("");
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->basic_auth_users.empty());
  EXPECT_TRUE(ParseWebConfig("# only a comment\n").ok());
}

TEST(WebConfigTest, RefusesWhatItCannotHonour) {
  auto tls = ParseWebConfig("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n");
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.status().message().find("tls_server_config is not supported"), std::string::npos);
  EXPECT_FALSE(ParseWebConfig("basic_auth_user:\n  a: b\n").ok());  // typo: not silently open
  EXPECT_FALSE(ParseWebConfig("basic_auth_users:\n  a: plaintext\n").ok());
  EXPECT_FALSE(ParseWebConfig("basic_auth_users:\n  - a\n").ok());
  EXPECT_FALSE(ParseWebConfig("basic_auth_users: [unclosed\n").ok());
  EXPECT_FALSE(ParseWebConfig("- just a list\n").ok());
}

TEST(BasicAuthTest, VerifiesBcryptWithLibcrypt) {
  EXPECT_TRUE(VerifyCryptHash("s3cret", kHash2b));
  EXPECT_TRUE(VerifyCryptHash("s3cret", kHash2y));
  EXPECT_FALSE(VerifyCryptHash("s3cret ", kHash2b));
  EXPECT_FALSE(VerifyCryptHash("", kHash2b));
  EXPECT_FALSE(VerifyCryptHash("s3cret", "not a hash"));
}

TEST(BasicAuthTest, ParsesAuthorizationHeader) {
  std::string user, password;
  ASSERT_TRUE(BasicAuth::ParseHeader("Basic cHJvbWV0aGV1czpzM2NyZXQ=", user, password));
  EXPECT_EQ(user, "prometheus");
  EXPECT_EQ(password, "s3cret");
  ASSERT_TRUE(BasicAuth::ParseHeader("basic YTpiOmM=", user, password));  // "a:b:c"
  EXPECT_EQ(user, "a");
  EXPECT_EQ(password, "b:c");
  EXPECT_FALSE(BasicAuth::ParseHeader("Bearer abc", user, password));
  EXPECT_FALSE(BasicAuth::ParseHeader("Basic !!!", user, password));
  EXPECT_FALSE(BasicAuth::ParseHeader("Basic bm9jb2xvbg==", user, password));  // "nocolon"
}

TEST(BasicAuthTest, AllowsOnlyKnownUsersWithTheRightPassword) {
  BasicAuth auth(std::map<std::string, std::string>{{"prometheus", kHash2y}});
  EXPECT_TRUE(auth.enabled());
  EXPECT_FALSE(auth.Allows(nullptr));
  EXPECT_TRUE(auth.Allows("Basic cHJvbWV0aGV1czpzM2NyZXQ="));   // prometheus:s3cret
  EXPECT_TRUE(auth.Allows("Basic cHJvbWV0aGV1czpzM2NyZXQ="));   // cached
  EXPECT_FALSE(auth.Allows("Basic cHJvbWV0aGV1czpzM2NyZXU="));  // prometheus:s3creu
  EXPECT_FALSE(auth.Allows("Basic Z3JhZmFuYTpzM2NyZXQ="));      // grafana:s3cret
  BasicAuth open(std::map<std::string, std::string>{});
  EXPECT_FALSE(open.enabled());
  EXPECT_TRUE(open.Allows(nullptr));
}

}  // namespace
}  // namespace exdm::exporter
