#include "exdm/sanitize.h"

namespace exdm {
namespace {

// Length of a valid UTF-8 sequence starting at s[i], or 0 when invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
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
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  // C1 controls (U+0080..U+009F) are control characters too.
  if (len == 2 && cp < 0xA0) return 0;
  return len;
}

}  // namespace

std::string SanitizeForOutput(std::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(text.size() < max_bytes ? text.size() : max_bytes);
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t take = 1;
    std::string_view piece;
    char replacement = 0;
    if (c < 0x20 || c == 0x7F) {
      replacement = '?';
    } else if (c == '|') {
      replacement = '/';
    } else if (c >= 0x80) {
      take = Utf8SequenceLength(text, i);
      if (take == 0) {
        take = 1;
        replacement = '?';
      } else {
        piece = text.substr(i, take);
      }
    } else {
      piece = text.substr(i, 1);
    }
    const size_t add = replacement ? 1 : piece.size();
    if (out.size() + add > max_bytes) {
      // Leave room for the ellipsis without splitting a character.
      while (out.size() + 3 > max_bytes && !out.empty()) {
        out.pop_back();
        while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0u) == 0x80u) {
          out.pop_back();
        }
        if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0u) out.pop_back();
      }
      out += "...";
      return out;
    }
    if (replacement) {
      out += replacement;
    } else {
      out.append(piece);
    }
    i += take;
  }
  return out;
}

}  // namespace exdm
