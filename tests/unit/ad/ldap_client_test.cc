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

Deadline Soon() {
  return Deadline::After(std::chrono::seconds(10));
}

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
  auto p = ReadPasswordFile(TempFile("pw1", "s3cr et\r\nsecond line\n", 0600), &warning, Soon());
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(*p, "s3cr et");
  EXPECT_TRUE(warning.empty());
  p = ReadPasswordFile(TempFile("pw2", "no-newline", 0600), &warning, Soon());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "no-newline");
}

TEST(LdapPasswordTest, WarnsWhenOthersCanRead) {
  std::string warning;
  auto p = ReadPasswordFile(TempFile("pw3", "x\n", 0644), &warning, Soon());
  ASSERT_TRUE(p.ok());
  EXPECT_NE(warning.find("readable by every user"), std::string::npos);
}

// A directory is not "empty"; /dev/zero is not read until memory runs out (issue 22): both are
// refused at once for what they are.
TEST(LdapPasswordTest, DirectoryOrDeviceIsRefusedForWhatItIs) {
  std::string warning;
  const std::string dir = ::testing::TempDir();
  auto d = ReadPasswordFile(dir, &warning, Soon());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "password file '" + dir + "' is a directory, not a regular file");
  auto z = ReadPasswordFile("/dev/zero", &warning, Soon());
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.status().message(),
            "password file '/dev/zero' is a character device, not a regular file");
  auto big = ReadPasswordFile(TempFile("pw5", std::string(100000, 'p'), 0600), &warning, Soon());
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("larger than 65536 bytes"), std::string::npos);
}

// An empty or garbled CA file is the admin's mistake, said as such (kBadInput: UNKNOWN in the
// check), never reported as a server certificate that cannot be verified.
TEST(CaFileTest, EmptyGarbageOrBrokenPemIsBadInputNamingTheOption) {
  auto empty = CheckCaFile(TempFile("ca1", "", 0644), "--ca-file", Soon());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.code(), ErrorCode::kBadInput);
  EXPECT_NE(empty.message().find("holds no PEM certificate"), std::string::npos);
  EXPECT_EQ(empty.message().rfind("--ca-file '", 0), 0u) << empty.message();
  auto garbage = CheckCaFile(TempFile("ca2", "not a certificate\n", 0644), "ldap.ca_file", Soon());
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.code(), ErrorCode::kBadInput);
  auto broken = CheckCaFile(
      TempFile("ca3", "-----BEGIN CERTIFICATE-----\nMIIB!!!\n-----END CERTIFICATE-----\n", 0644),
      "--ca-file", Soon());
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.message().find("certificate 1 is not a readable X.509 certificate"),
            std::string::npos);
  // Base64 that decodes, but not to a certificate.
  auto not_x509 = CheckCaFile(
      TempFile("ca4", "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
               0644),
      "--ca-file", Soon());
  ASSERT_FALSE(not_x509.ok());
  auto fifo = CheckCaFile("/dev/null", "--ca-file", Soon());
  ASSERT_FALSE(fifo.ok());
  EXPECT_EQ(fifo.message(), "--ca-file '/dev/null' is a character device, not a regular file");
  // Debian's CA bundle (ca-certificates): every one of its certificates reads.
  const Status bundle = CheckCaFile("/etc/ssl/certs/ca-certificates.crt", "--ca-file", Soon());
  EXPECT_TRUE(bundle.ok()) << bundle.message();
}

TEST(LdapPasswordTest, MissingOrEmptyIsAnError) {
  std::string warning;
  EXPECT_EQ(ReadPasswordFile("/nonexistent/pw", &warning, Soon()).status().code(),
            ErrorCode::kIoError);
  const auto empty = ReadPasswordFile(TempFile("pw4", "\n", 0600), &warning, Soon());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("is empty"), std::string::npos);
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
