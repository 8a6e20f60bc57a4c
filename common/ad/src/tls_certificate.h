// What an admin needs to know about a server certificate that failed verification: whom it is
// for, who issued it, when it is valid. Read from the DER bytes libldap hands out
// (LDAP_OPT_X_TLS_PEERCERT) with a minimal DER walk: no TLS library of our own (private header).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace exdm {

struct CertificateFacts {
  std::string subject;  // RFC 4514 string, e.g. "CN=dc1.contoso.com"
  std::string issuer;
  bool self_signed = false;           // subject and issuer are the same name
  std::optional<int64_t> not_before;  // Unix seconds
  std::optional<int64_t> not_after;
};

// nullopt when the bytes are not an X.509 certificate this walk understands.
std::optional<CertificateFacts> ReadCertificateFacts(std::string_view der);

// The DER bytes of every "-----BEGIN CERTIFICATE-----" block of a PEM text, in order; a block
// whose base64 does not decode (or that never ends) is an empty string, so the caller can say
// which one is broken.
std::vector<std::string> PemCertificates(std::string_view pem);

}  // namespace exdm
