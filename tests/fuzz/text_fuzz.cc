// The text that hostile names and log lines become (exdm/base/sanitize.h): plugin output
// (SanitizeForOutput), metric label values (LabelValue) and bad-line excerpts (RedactAddresses).
// Input: byte 0 is where the bytes split into two texts (a, b); the rest is a + b.
// Properties:
// - no crash, no read past the input (ASan);
// - output text has no control character, '|', line separator or bidirectional control, is
//   valid UTF-8 and within its limit;
// - a label value is valid UTF-8 without NUL, at most kMaxLabelValueBytes, the text itself when
//   that is valid UTF-8 without NUL and short enough, and different texts give different values
//   (issue 22: "Sales|EU" and "Sales/EU" were one label set);
// - redaction leaves no local part before an '@' (only '*' or a delimiter), and changes nothing
//   in a text without '@'.
#include <string>
#include <string_view>

#include "exdm/base/sanitize.h"
#include "fuzz_support.h"

namespace {

// Valid UTF-8 (any code point), NUL refused when `allow_nul` is false; `cp_ok` sees each point.
template <typename Accept>
bool Utf8(std::string_view s, bool allow_nul, Accept cp_ok) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80                 ? 1
                       : c >= 0xC2 && c <= 0xDF ? 2
                       : c >= 0xE0 && c <= 0xEF ? 3
                       : c >= 0xF0 && c <= 0xF4 ? 4
                                                : 0;
    if (len == 0 || i + len > s.size()) return false;
    unsigned cp = len == 1 ? c : c & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) ||
        cp > 0x10FFFF || (!allow_nul && cp == 0) || !cp_ok(cp)) {
      return false;
    }
    i += len;
  }
  return true;
}

bool Printable(unsigned cp) {
  return cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0x9F) && cp != '|' && cp != 0x2028 &&
         cp != 0x2029 && cp != 0x061C && cp != 0x200E && cp != 0x200F &&
         !(cp >= 0x202A && cp <= 0x202E) && !(cp >= 0x2066 && cp <= 0x2069);
}

void CheckOne(std::string_view text) {
  const std::string out = exdm::SanitizeForOutput(text, 200);
  FUZZ_CHECK(out.size() <= 200, "output within its limit");
  FUZZ_CHECK(Utf8(out, false, Printable), "output is clean UTF-8 on one line");

  const std::string label = exdm::LabelValue(text);
  FUZZ_CHECK(label.size() <= exdm::kMaxLabelValueBytes, "label within its limit");
  FUZZ_CHECK(Utf8(label, false, [](unsigned) { return true; }), "label is UTF-8 without NUL");
  if (text.size() <= exdm::kMaxLabelValueBytes &&
      Utf8(text, false, [](unsigned) { return true; })) {
    FUZZ_CHECK(label == text, "a valid name is its own label value");
  }

  const std::string redacted = exdm::RedactAddresses(text);
  if (text.find('@') == std::string_view::npos) {
    FUZZ_CHECK(redacted == text, "nothing to redact, nothing changed");
  }
  static constexpr std::string_view kDelimiters = " \t\r\n<>\"',;:()[]{}=|/\\@";
  for (size_t at = redacted.find('@'); at != std::string::npos; at = redacted.find('@', at + 1)) {
    FUZZ_CHECK(at == 0 || redacted[at - 1] == '*' ||
                   kDelimiters.find(redacted[at - 1]) != std::string_view::npos,
               "no local part left before an '@'");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  const uint8_t split_byte = in.Byte();
  const std::string_view both = in.rest();
  const size_t split = both.size() * split_byte / 255;
  const std::string_view a = both.substr(0, split), b = both.substr(split);
  CheckOne(a);
  CheckOne(b);
  // Distinct texts, distinct label values (up to a 64-bit hash collision, which no input here
  // reaches).
  if (a != b) FUZZ_CHECK(exdm::LabelValue(a) != exdm::LabelValue(b), "distinct labels stay apart");
  return 0;
}
