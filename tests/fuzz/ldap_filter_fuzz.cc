// LDAP filter value escaping (exdm/ldap_filter.h, RFC 4515): values from AD, logs and users.
// Properties: the escaped value holds no unescaped filter metacharacter ('*', '(', ')', '\',
// NUL) nor any control byte; every '\' starts a two-hex-digit escape; unescaping gives the input
// back; so "(attr=" + value + ")" is always exactly one equality filter.
#include <cctype>
#include <string>

#include "exdm/ad/ldap_filter.h"
#include "fuzz_support.h"

namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Strict RFC 4515 unescaping; aborts on anything an LDAP server could read another way.
std::string Unescape(const std::string& escaped) {
  std::string out;
  for (size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    const auto u = static_cast<unsigned char>(c);
    FUZZ_CHECK(c != '*' && c != '(' && c != ')' && c != '\0', "no unescaped metacharacter");
    FUZZ_CHECK(u >= 0x20 && u != 0x7f, "no unescaped control byte");
    if (c != '\\') {
      out += c;
      continue;
    }
    FUZZ_CHECK(i + 2 < escaped.size(), "an escape has two digits");
    const int hi = Hex(escaped[i + 1]);
    const int lo = Hex(escaped[i + 2]);
    FUZZ_CHECK(hi >= 0 && lo >= 0, "an escape is hex");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const std::string escaped = exdm::EscapeFilterValue(value);
  FUZZ_CHECK(Unescape(escaped) == value, "EscapeFilterValue round trip");
  FUZZ_CHECK(escaped.size() <= 3 * value.size(), "bounded growth");
  const std::string bytes = exdm::EscapeFilterBytes(value);
  FUZZ_CHECK(bytes.size() == 3 * value.size(), "every byte escaped");
  FUZZ_CHECK(Unescape(bytes) == value, "EscapeFilterBytes round trip");
  return 0;
}
