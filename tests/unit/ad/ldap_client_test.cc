// Bind passwords come from a file's first line or an environment variable, never argv.
#include "exdm/ad/ldap_client.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace exdm {
namespace {

// A file that is removed again when the test ends.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content, mode_t mode)
      : path_(::testing::TempDir() + "/" + name + "-" + std::to_string(getpid())) {
    std::ofstream(path_, std::ios::binary) << content;
    chmod(path_.c_str(), mode);
  }
  ~TempFile() { std::remove(path_.c_str()); }
  operator const std::string&() const { return path_; }  // NOLINT(google-explicit-constructor)

 private:
  std::string path_;
};

TEST(LdapPasswordTest, FirstLineWithoutTrailingNewline) {
  std::string warning;
  auto p = ReadPasswordFile(TempFile("pw1", "s3cr et\r\nsecond line\n", 0600), &warning);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(*p, "s3cr et");
  EXPECT_TRUE(warning.empty());
  p = ReadPasswordFile(TempFile("pw2", "no-newline", 0600), &warning);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "no-newline");
}

TEST(LdapPasswordTest, WarnsWhenOthersCanRead) {
  std::string warning;
  auto p = ReadPasswordFile(TempFile("pw3", "x\n", 0644), &warning);
  ASSERT_TRUE(p.ok());
  EXPECT_NE(warning.find("readable by every user"), std::string::npos);
}

TEST(LdapPasswordTest, MissingOrEmptyIsAnError) {
  std::string warning;
  EXPECT_EQ(ReadPasswordFile("/nonexistent/pw", &warning).status().code(), ErrorCode::kIoError);
  EXPECT_FALSE(ReadPasswordFile(TempFile("pw4", "\n", 0600), &warning).ok());
  setenv("EXDM_TEST_PW", "from-env", 1);
  auto p = ReadPasswordEnv("EXDM_TEST_PW");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "from-env");
  unsetenv("EXDM_TEST_PW");
  EXPECT_FALSE(ReadPasswordEnv("EXDM_TEST_PW").ok());
}

TEST(LdapClientTest, RefusesOtherSchemesAndUnreachableServers) {
  LdapConnectOptions o;
  o.uri = "http://example.com";
  auto c = LdapConnection::Open(o, Deadline::After(std::chrono::seconds(2)));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
  o.uri = "ldap://127.0.0.1:1";
  c = LdapConnection::Open(o, Deadline::After(std::chrono::seconds(2)));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kUnreachable);
  EXPECT_NE(c.status().message().find("ldap://127.0.0.1:1"), std::string::npos);
}

TEST(LdapClientTest, SaslGssapiWithoutCredentialsFailsAsBindOrUnreachable) {
  LdapConnectOptions o;
  o.uri = "ldap://127.0.0.1:1";
  o.sasl_mech = "GSSAPI";
  auto c = LdapConnection::Open(o, Deadline::After(std::chrono::seconds(2)));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("SASL GSSAPI bind"), std::string::npos)
      << c.status().message();
}

// AD names the window of values it returned in the attribute description of a ranged answer.
TEST(LdapValueRangeTest, ReadsTheWindowOfARangedAnswer) {
  auto r = ParseValueRange("homemdbbl;range=0-1499", "homeMDBBL");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 0u);
  EXPECT_EQ(r->last, std::optional<size_t>(1499));
  r = ParseValueRange("homeMDBBL;Range=1500-*", "homeMDBBL");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 1500u);
  EXPECT_FALSE(r->last);                                    // the last window
  EXPECT_FALSE(ParseValueRange("homeMDBBL", "homeMDBBL"));  // everything at once
  EXPECT_FALSE(ParseValueRange("member;range=0-1499", "homeMDBBL"));
  EXPECT_FALSE(ParseValueRange("homeMDBBLx;range=0-1", "homeMDBBL"));
  EXPECT_FALSE(ParseValueRange("homeMDBBL;range=10-9", "homeMDBBL"));
  EXPECT_FALSE(ParseValueRange("homeMDBBL;range=-5", "homeMDBBL"));
  EXPECT_FALSE(ParseValueRange("homeMDBBL;range=0-", "homeMDBBL"));
  EXPECT_FALSE(ParseValueRange("homeMDBBL;range=0-1x", "homeMDBBL"));
  EXPECT_FALSE(ParseValueRange("homeMDBBL;range=99999999999999999999-*", "homeMDBBL"));
}

}  // namespace
}  // namespace exdm
