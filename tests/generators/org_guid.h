// objectGUID helpers for the organization generator: deterministic GUIDs and the text form.
// The one place the generator turns GUID bytes into text (DOMAIN.md "GUIDs": bytes 0-3, 4-5 and
// 6-7 reversed, 8-15 in order). Replace with exdm/guid.h (issue #4) once that is on main.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace exdm::gen {

using GuidBytes = std::array<uint8_t, 16>;

// "3e4385bb-7c43-4feb-8ea2-97c65cc06abf" for bytes bb 85 43 3e 43 7c eb 4f 8e a2 ...
inline std::string GuidText(const GuidBytes& bytes, bool upper = false) {
  static constexpr int kTextOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    const uint8_t b = bytes[static_cast<size_t>(kTextOrder[i])];
    out += digits[b >> 4];
    out += digits[b & 0x0f];
  }
  return out;
}

// "{3E4385BB-7C43-4FEB-8EA2-97C65CC06ABF}": how Exchange writes GUIDs into names and legacy DNs.
inline std::string GuidBraced(const GuidBytes& bytes) {
  return "{" + GuidText(bytes, true) + "}";
}

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A version-4-shaped GUID that depends only on the seed and the key (e.g. the object's DN), so
// adding an object elsewhere in a description does not change the GUIDs of the others.
inline GuidBytes DeterministicGuid(uint64_t seed, std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  const uint64_t a = SplitMix64(h ^ SplitMix64(seed));
  const uint64_t b = SplitMix64(a ^ 0x5851f42d4c957f2dULL);
  GuidBytes g{};
  for (size_t i = 0; i < 8; ++i) {
    g[i] = static_cast<uint8_t>(a >> (8 * i));
    g[8 + i] = static_cast<uint8_t>(b >> (8 * i));
  }
  g[7] = static_cast<uint8_t>((g[7] & 0x0f) | 0x40);  // text group 3 starts with '4'
  g[8] = static_cast<uint8_t>((g[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return g;
}

}  // namespace exdm::gen
