#include "tls_certificate.h"

#include <ldap.h>

#include <ctime>

namespace exdm {
namespace {

// One DER element: tag, its whole encoding (for names, which libldap converts) and its content.
struct Tlv {
  unsigned char tag = 0;
  std::string_view whole;
  std::string_view content;
};

// Reads the element at the front of *in and advances past it. Single-byte tags only (all that
// X.509's outer structure uses); definite lengths only (DER).
std::optional<Tlv> Next(std::string_view* in) {
  if (in->size() < 2) return std::nullopt;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>((*in)[i]); };
  Tlv tlv;
  tlv.tag = byte(0);
  size_t header = 2;
  size_t length = byte(1);
  if (length & 0x80) {
    const size_t octets = length & 0x7f;
    if (octets == 0 || octets > 4 || in->size() < 2 + octets) return std::nullopt;
    length = 0;
    for (size_t i = 0; i < octets; ++i)
      length = (length << 8) | byte(2 + i);
    header += octets;
  }
  if (in->size() - header < length) return std::nullopt;
  tlv.whole = in->substr(0, header + length);
  tlv.content = in->substr(header, length);
  in->remove_prefix(header + length);
  return tlv;
}

std::optional<std::string> NameToString(std::string_view der) {
  berval in;
  in.bv_val = const_cast<char*>(der.data());
  in.bv_len = der.size();
  berval out{0, nullptr};
  if (ldap_X509dn2bv(&in, &out, nullptr, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) {
    return std::nullopt;
  }
  std::string name(out.bv_val, out.bv_len);
  ber_memfree(out.bv_val);
  // libldap spells attribute types in lower case ("cn=dc1"); certificate viewers, openssl and AD
  // admins write "CN=dc1". Upper-case each type: from an RDN's start to its '=' (values may hold
  // escaped ',' and '+').
  bool in_type = true;
  for (size_t i = 0; i < name.size(); ++i) {
    char& c = name[i];
    if (in_type) {
      if (c == '=') {
        in_type = false;
      } else if (c >= 'a' && c <= 'z') {
        c = static_cast<char>(c - 'a' + 'A');
      }
    } else if (c == '\\') {
      ++i;  // the escaped character is part of the value
    } else if (c == ',' || c == '+') {
      in_type = true;
    }
  }
  return name;
}

// UTCTime YYMMDDHHMMSSZ (years 1950-2049, RFC 5280) or GeneralizedTime YYYYMMDDHHMMSSZ.
std::optional<int64_t> TimeValue(const Tlv& t) {
  std::string_view s = t.content;
  const size_t year_digits = t.tag == 0x17 ? 2 : t.tag == 0x18 ? 4 : 0;
  if (year_digits == 0 || s.size() != year_digits + 11 || s.back() != 'Z') return std::nullopt;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  const auto number = [&](size_t at, size_t digits) {
    int v = 0;
    for (size_t i = 0; i < digits; ++i)
      v = v * 10 + (s[at + i] - '0');
    return v;
  };
  std::tm tm{};
  int year = number(0, year_digits);
  if (year_digits == 2) year += year < 50 ? 2000 : 1900;
  tm.tm_year = year - 1900;
  tm.tm_mon = number(year_digits, 2) - 1;
  tm.tm_mday = number(year_digits + 2, 2);
  tm.tm_hour = number(year_digits + 4, 2);
  tm.tm_min = number(year_digits + 6, 2);
  tm.tm_sec = number(year_digits + 8, 2);
  return static_cast<int64_t>(timegm(&tm));
}

// RFC 4648 base64 with the line breaks and blanks PEM allows; nullopt on anything else.
std::optional<std::string> DecodeBase64(std::string_view text) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  size_t padding = 0;
  for (char ch : text) {
    int v;
    if (ch >= 'A' && ch <= 'Z') {
      v = ch - 'A';
    } else if (ch >= 'a' && ch <= 'z') {
      v = ch - 'a' + 26;
    } else if (ch >= '0' && ch <= '9') {
      v = ch - '0' + 52;
    } else if (ch == '+') {
      v = 62;
    } else if (ch == '/') {
      v = 63;
    } else if (ch == '=') {
      ++padding;
      continue;
    } else if (ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t') {
      continue;
    } else {
      return std::nullopt;
    }
    if (padding > 0) return std::nullopt;  // data after '='
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xff);
      out += static_cast<char>((bits >> 8) & 0xff);
      out += static_cast<char>(bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  if (count == 1 || padding > 2) return std::nullopt;
  if (count == 2) out += static_cast<char>((bits >> 4) & 0xff);
  if (count == 3) {
    out += static_cast<char>((bits >> 10) & 0xff);
    out += static_cast<char>((bits >> 2) & 0xff);
  }
  return out;
}

}  // namespace

std::vector<std::string> PemCertificates(std::string_view pem) {
  static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = pem.find(kBegin, at)) != std::string_view::npos) {
    at += kBegin.size();
    const size_t end = pem.find(kEnd, at);
    if (end == std::string_view::npos) {
      out.emplace_back();
      break;
    }
    std::optional<std::string> der = DecodeBase64(pem.substr(at, end - at));
    out.push_back(der ? std::move(*der) : std::string());
    at = end + kEnd.size();
  }
  return out;
}

std::optional<CertificateFacts> ReadCertificateFacts(std::string_view der) {
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
  // TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer,
  //                               validity, subject, ... }
  auto certificate = Next(&der);
  if (!certificate || certificate->tag != 0x30) return std::nullopt;
  std::string_view rest = certificate->content;
  auto tbs = Next(&rest);
  if (!tbs || tbs->tag != 0x30) return std::nullopt;
  std::string_view fields = tbs->content;
  auto field = Next(&fields);
  if (field && field->tag == 0xa0) field = Next(&fields);  // version: the serial number follows
  if (!field || !Next(&fields)) return std::nullopt;       // serial number, signature algorithm
  auto issuer = Next(&fields);
  auto validity = Next(&fields);
  auto subject = Next(&fields);
  if (!issuer || !validity || !subject || issuer->tag != 0x30 || validity->tag != 0x30 ||
      subject->tag != 0x30) {
    return std::nullopt;
  }
  CertificateFacts facts;
  auto issuer_name = NameToString(issuer->whole);
  auto subject_name = NameToString(subject->whole);
  if (!issuer_name || !subject_name) return std::nullopt;
  facts.issuer = *issuer_name;
  facts.subject = *subject_name;
  facts.self_signed = issuer->content == subject->content;
  std::string_view times = validity->content;
  auto not_before = Next(&times);
  auto not_after = Next(&times);
  if (not_before) facts.not_before = TimeValue(*not_before);
  if (not_after) facts.not_after = TimeValue(*not_after);
  return facts;
}

}  // namespace exdm
