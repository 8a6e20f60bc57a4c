#include "exdm/ad/ldap_filter.h"

namespace exdm {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendEscaped(std::string& out, unsigned char c) {
  out += '\\';
  out += kHex[c >> 4];
  out += kHex[c & 0x0f];
}

}  // namespace

std::string EscapeFilterValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c == 0x7f) {
      AppendEscaped(out, c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string EscapeFilterBytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 3);
  for (char ch : bytes)
    AppendEscaped(out, static_cast<unsigned char>(ch));
  return out;
}

}  // namespace exdm
