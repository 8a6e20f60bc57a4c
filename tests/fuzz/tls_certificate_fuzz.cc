// The server certificate reader (common/ad/src/tls_certificate.h): after a refused TLS handshake
// the core reads the peer's DER certificate - bytes from whatever answered on the LDAP port - to
// name it in the error message. Input: the DER bytes. Properties:
// - no crash, no read past the input, no leak of libldap's converted names (ASan);
// - a certificate called self-signed has the same subject and issuer text;
// - reading is deterministic (the same facts twice);
// - every prefix of an accepted certificate that is shorter than its outer element is refused;
// - the CA file reader (PemCertificates, issue 22) gives back exactly the bytes a PEM block of
//   them holds, the input read as PEM text never crashes it, and a block it cannot decode is
//   an empty string, never a made-up certificate.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "tls_certificate.h"

namespace {

bool SameFacts(const exdm::CertificateFacts& a, const exdm::CertificateFacts& b) {
  return a.subject == b.subject && a.issuer == b.issuer && a.self_signed == b.self_signed &&
         a.not_before == b.not_before && a.not_after == b.not_after;
}

// `bytes` as one PEM certificate block, 64 base64 characters a line, as openssl writes it.
std::string Pem(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size())
      n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    b64 += kAlphabet[(n >> 18) & 63];
    b64 += kAlphabet[(n >> 12) & 63];
    b64 += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    b64 += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t at = 0; at < b64.size(); at += 64)
    pem += b64.substr(at, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view der(reinterpret_cast<const char*>(data), size);
  // The CA file reader: the input as a PEM text, and the input wrapped as one.
  (void)exdm::PemCertificates(der);
  const std::vector<std::string> wrapped = exdm::PemCertificates("junk\n" + Pem(der) + Pem(der));
  FUZZ_CHECK(wrapped.size() == 2, "two blocks, two certificates");
  FUZZ_CHECK(wrapped[0] == der && wrapped[1] == der, "a PEM block gives back its bytes");
  const auto facts = exdm::ReadCertificateFacts(der);
  const auto again = exdm::ReadCertificateFacts(der);
  FUZZ_CHECK(facts.has_value() == again.has_value(), "reading is deterministic");
  if (!facts) return 0;
  FUZZ_CHECK(SameFacts(*facts, *again), "the same facts twice");
  if (facts->self_signed) FUZZ_CHECK(facts->subject == facts->issuer, "self-signed: one name");
  // The outer SEQUENCE's length says how much a certificate needs: any shorter prefix is cut.
  const auto b1 = static_cast<unsigned char>(der[1]);
  const size_t header = b1 & 0x80 ? 2 + (b1 & 0x7f) : 2;
  FUZZ_CHECK(!exdm::ReadCertificateFacts(der.substr(0, header)).has_value(),
             "a certificate cut after its first header is refused");
  return 0;
}
