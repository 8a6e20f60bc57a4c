#include "exdm/base/sanitize.h"

#include <cstdint>

namespace exdm {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid. `printable` says
// whether its code point may be shown (not a C1 control, not a line/paragraph separator).
size_t Utf8SequenceLength(std::string_view s, size_t i, bool& printable) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len = 0;
  unsigned cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1Fu;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0Fu;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07u;
  } else {
    return 0;  // ASCII is handled by the caller; 0x80..0xC1 and 0xF5..0xFF never start a sequence
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  if (overlong || surrogate || cp > 0x10FFFF) return 0;
  const bool c1_control = cp >= 0x80 && cp <= 0x9F;
  const bool line_separator = cp == 0x2028 || cp == 0x2029;
  // Unicode's Bidi_Control characters: embeddings, overrides (U+202E turns the rest of a line
  // around), isolates and the direction marks. A name from AD must not reorder what follows it.
  const bool bidi_control = cp == 0x061C || cp == 0x200E || cp == 0x200F ||
                            (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
  printable = !c1_control && !line_separator && !bidi_control;
  return len;
}

// Bytes of `text` that are a valid UTF-8 sequence (any code point) starting at i, 0 if none.
size_t ValidSequence(std::string_view text, size_t i) {
  if (static_cast<unsigned char>(text[i]) < 0x80) return 1;
  bool printable = false;
  return Utf8SequenceLength(text, i, printable);
}

}  // namespace

std::string RedactAddresses(std::string_view text) {
  // Where a local part stops, looking back from its '@': the field separators of tracking logs
  // and event exports, and what commonly brackets an address.
  static constexpr std::string_view kDelimiters = " \t\r\n<>\"',;:()[]{}=|/\\@";
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;  // text[copied..] is not in `out` yet
  for (size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    size_t start = at;
    while (start > copied && kDelimiters.find(text[start - 1]) == std::string_view::npos)
      --start;
    if (start == at) continue;  // nothing before the '@'
    out.append(text.substr(copied, start - copied));
    out += '*';
    copied = at;
  }
  out.append(text.substr(copied));
  return out;
}

std::string LabelValue(std::string_view text) {
  bool as_is = text.size() <= kMaxLabelValueBytes;
  for (size_t i = 0; as_is && i < text.size();) {
    const size_t len = text[i] == '\0' ? 0 : ValidSequence(text, i);
    as_is = len > 0;
    i += len;
  }
  if (as_is) return std::string(text);
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  static constexpr size_t kSuffixBytes = 2 + 16;                    // " #" + hash
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const size_t len = text[i] == '\0' ? 0 : ValidSequence(text, i);
    const std::string_view piece = len > 0 ? text.substr(i, len) : kReplacement;
    if (out.size() + piece.size() + kSuffixBytes > kMaxLabelValueBytes) break;
    out.append(piece);
    i += len > 0 ? len : 1;
  }
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += " #";
  for (int shift = 60; shift >= 0; shift -= 4)
    out += kHex[(hash >> shift) & 0xF];
  return out;
}

std::string SanitizeForOutput(std::string_view text, size_t max_bytes) {
  static constexpr std::string_view kEllipsis = "...";
  std::string out;
  out.reserve(text.size() < max_bytes ? text.size() : max_bytes);
  // Length of `out` at the last character boundary that still leaves room for the ellipsis.
  size_t cut = 0;
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::string_view piece = text.substr(i, 1);
    size_t consumed = 1;
    if (c < 0x20 || c == 0x7F) {
      piece = "?";
    } else if (c == '|') {
      piece = "/";
    } else if (c >= 0x80) {
      bool printable = false;
      const size_t len = Utf8SequenceLength(text, i, printable);
      // An invalid sequence is replaced byte by byte; a valid but unprintable one as a whole.
      piece = len > 0 && printable ? text.substr(i, len) : "?";
      consumed = len > 0 ? len : 1;
    }
    if (out.size() + piece.size() > max_bytes) {
      // Does not fit: back up to the last boundary with room for "..." (or as much of it as fits).
      out.resize(cut);
      out.append(kEllipsis.substr(
          0, max_bytes - cut < kEllipsis.size() ? max_bytes - cut : kEllipsis.size()));
      return out;
    }
    out.append(piece);
    if (out.size() + kEllipsis.size() <= max_bytes) cut = out.size();
    i += consumed;
  }
  return out;
}

}  // namespace exdm
