// The server certificate reader (common/ad/src/tls_certificate.h): after a refused TLS handshake
// the core reads the peer's DER certificate - bytes from whatever answered on the LDAP port - to
// name it in the error message. Input: the DER bytes. Properties:
// - no crash, no read past the input, no leak of libldap's converted names (ASan);
// - a certificate called self-signed has the same subject and issuer text;
// - reading is deterministic (the same facts twice);
// - every prefix of an accepted certificate that is shorter than its outer element is refused.
#include <string_view>

#include "fuzz_support.h"
#include "tls_certificate.h"

namespace {

bool SameFacts(const exdm::CertificateFacts& a, const exdm::CertificateFacts& b) {
  return a.subject == b.subject && a.issuer == b.issuer && a.self_signed == b.self_signed &&
         a.not_before == b.not_before && a.not_after == b.not_after;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view der(reinterpret_cast<const char*>(data), size);
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
