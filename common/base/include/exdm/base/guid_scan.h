// Finding GUIDs in free text (event messages), private to the core. The spellings met in events:
// "{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}" (326), "da99a83e-…" (327), and the same without
// hyphens. Conversion itself is exdm::Guid's; results are its label form (lower case, no braces).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "exdm/base/guid.h"

namespace exdm::guid_scan {

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses a GUID at the start of `text`; on success sets `length` to the characters it used.
inline std::optional<std::string> ParsePrefix(std::string_view text, size_t* length = nullptr) {
  size_t pos = 0;
  const bool braced = !text.empty() && text[0] == '{';
  if (braced) ++pos;
  std::string digits;
  digits.reserve(32);
  // Hyphens are optional but, when present, must sit at the canonical places (8-4-4-4-12).
  static constexpr size_t kGroups[] = {8, 4, 4, 4, 12};
  bool hyphenated = false;
  for (size_t g = 0; g < 5; ++g) {
    if (g > 0) {
      if (g == 1) hyphenated = pos < text.size() && text[pos] == '-';
      if (hyphenated) {
        if (pos >= text.size() || text[pos] != '-') return std::nullopt;
        ++pos;
      }
    }
    for (size_t i = 0; i < kGroups[g]; ++i, ++pos) {
      if (pos >= text.size() || HexValue(text[pos]) < 0) return std::nullopt;
      digits.push_back(
          static_cast<char>(text[pos] >= 'A' && text[pos] <= 'F' ? text[pos] + 32 : text[pos]));
    }
  }
  if (braced) {
    if (pos >= text.size() || text[pos] != '}') return std::nullopt;
    ++pos;
  }
  // A longer run of hex digits is not a GUID.
  if (!braced && pos < text.size() && (HexValue(text[pos]) >= 0 || text[pos] == '-')) {
    return std::nullopt;
  }
  const auto guid =
      Guid::Parse(digits.substr(0, 8) + "-" + digits.substr(8, 4) + "-" + digits.substr(12, 4) +
                  "-" + digits.substr(16, 4) + "-" + digits.substr(20, 12));
  if (!guid) return std::nullopt;
  if (length) *length = pos;
  return guid->ToString();
}

inline std::optional<std::string> Normalize(std::string_view text) {
  size_t used = 0;
  auto g = ParsePrefix(text, &used);
  if (!g || used != text.size()) return std::nullopt;
  return g;
}

// The first GUID in free text (braced or not), not preceded by a hex digit.
inline std::optional<std::string> FindFirst(std::string_view text, size_t* at = nullptr,
                                            size_t* length = nullptr) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{' && HexValue(text[i]) < 0) continue;
    if (text[i] != '{' && i > 0 && (HexValue(text[i - 1]) >= 0 || text[i - 1] == '-')) continue;
    size_t used = 0;
    if (auto g = ParsePrefix(text.substr(i), &used)) {
      if (at) *at = i;
      if (length) *length = used;
      return g;
    }
  }
  return std::nullopt;
}

}  // namespace exdm::guid_scan
