#include "exdm/ad/ldap_uri.h"

#include "exdm/base/text_util.h"

namespace exdm {
namespace {

constexpr int kLdap = 389, kLdaps = 636, kGlobalCatalog = 3268, kGlobalCatalogTls = 3269;

struct ParsedUri {
  std::string scheme;     // lower case
  std::string_view host;  // as written, IPv6 with its brackets
  std::optional<int> port;
};

std::optional<ParsedUri> Parse(std::string_view uri) {
  const size_t sep = uri.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  ParsedUri p;
  p.scheme = ToLowerAscii(uri.substr(0, sep));
  if (p.scheme != "ldap" && p.scheme != "ldaps") return std::nullopt;
  std::string_view rest = uri.substr(sep + 3);
  rest = rest.substr(0, rest.find('/'));
  size_t colon = std::string_view::npos;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return std::nullopt;
      colon = close + 1;
    }
  } else {
    colon = rest.find(':');
  }
  p.host = rest.substr(0, colon);
  if (colon != std::string_view::npos) {
    const auto port = ParseDigits(rest.substr(colon + 1));
    if (!port || *port == 0 || *port > 65535) return std::nullopt;
    p.port = static_cast<int>(*port);
  }
  return p;
}

}  // namespace

std::optional<int> LdapUriPort(std::string_view uri) {
  const auto p = Parse(uri);
  if (!p) return std::nullopt;
  if (p->port) return p->port;
  return p->scheme == "ldaps" ? kLdaps : kLdap;
}

bool IsGlobalCatalogPort(std::string_view uri) {
  const auto port = LdapUriPort(uri);
  return port == kGlobalCatalog || port == kGlobalCatalogTls;
}

bool IsDomainControllerPort(std::string_view uri) {
  const auto port = LdapUriPort(uri);
  return port == kLdap || port == kLdaps;
}

std::string DomainControllerUri(std::string_view uri) {
  const auto p = Parse(uri);
  if (!p) return std::string(uri);
  const int port = p->scheme == "ldaps" ? kLdaps : kLdap;
  return p->scheme + "://" + std::string(p->host) + ":" + std::to_string(port);
}

}  // namespace exdm
