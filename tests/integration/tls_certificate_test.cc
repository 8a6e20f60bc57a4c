// ReadCertificateFacts (common/ad/src/tls_certificate.h) on certificates made by the real openssl:
// what a refused server certificate's message names (subject, issuer, self-signed, validity), and
// that no cut of the bytes is read past its end or taken for a certificate.
#include "tls_certificate.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "fault_support.h"
#include "process.h"
#include "temp_dir.h"

namespace exdm::testing {
namespace {

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(TlsCertificate, ReadsSubjectIssuerAndValidityOfASelfSignedCertificate) {
  TempDir tmp("exdm-tls-cert");
  const ProcessResult made =
      RunProcess({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                  "-subj", "/O=Contoso/CN=dc1.contoso.com", "-keyout", tmp.File("key.pem"),
                  "-outform", "DER", "-out", tmp.File("cert.der")});
  ASSERT_TRUE(made.ok()) << made.output;
  const std::string der = ReadWholeFile(tmp.File("cert.der"));
  auto facts = ReadCertificateFacts(der);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->subject, "CN=dc1.contoso.com,O=Contoso");
  EXPECT_EQ(facts->issuer, facts->subject);
  EXPECT_TRUE(facts->self_signed);
  ASSERT_TRUE(facts->not_before && facts->not_after);
  EXPECT_EQ(*facts->not_after - *facts->not_before, 30 * 86400);
  EXPECT_LE(std::abs(*facts->not_before - Now()), 3600);

  // Every cut of it: never read past the end, never taken for a whole certificate's names.
  for (size_t n = 0; n < der.size(); ++n) {
    const std::string cut = der.substr(0, n);
    auto partial = ReadCertificateFacts(cut);
    EXPECT_FALSE(partial) << "a certificate read from the first " << n << " bytes";
  }
  EXPECT_FALSE(ReadCertificateFacts("not a certificate at all"));
}

TEST(TlsCertificate, NamesTheIssuerOfACaSignedCertificate) {
  TempDir tmp("exdm-tls-cert");
  ASSERT_TRUE(
      RunProcess({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                  "/CN=contoso-DC1-CA", "-keyout", tmp.File("ca.key"), "-out", tmp.File("ca.pem")})
          .ok());
  ASSERT_TRUE(
      RunProcess({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=dc1.contoso.com",
                  "-keyout", tmp.File("server.key"), "-out", tmp.File("server.csr")})
          .ok());
  const ProcessResult signed_by_ca =
      RunProcess({"openssl", "x509", "-req", "-in", tmp.File("server.csr"), "-CA",
                  tmp.File("ca.pem"), "-CAkey", tmp.File("ca.key"), "-CAcreateserial", "-days", "1",
                  "-outform", "DER", "-out", tmp.File("server.der")});
  ASSERT_TRUE(signed_by_ca.ok()) << signed_by_ca.output;
  auto facts = ReadCertificateFacts(ReadWholeFile(tmp.File("server.der")));
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->subject, "CN=dc1.contoso.com");
  EXPECT_EQ(facts->issuer, "CN=contoso-DC1-CA");
  EXPECT_FALSE(facts->self_signed);
  ASSERT_TRUE(facts->not_after);
  EXPECT_EQ(*facts->not_after - *facts->not_before, 86400);
}

}  // namespace
}  // namespace exdm::testing
