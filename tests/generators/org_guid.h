// Deterministic objectGUIDs for the organization generator. Text forms come from exdm/guid.h (the
// core's one conversion, docs/DOMAIN.md "GUIDs"), so fixtures and the audit cannot disagree on
// them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "exdm/base/guid.h"

namespace exdm::gen {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A version-4-shaped GUID that depends only on the seed and the key (e.g. the object's DN), so
// adding an object elsewhere in a description does not change the GUIDs of the others.
inline Guid DeterministicGuid(uint64_t seed, std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  const uint64_t a = SplitMix64(h ^ SplitMix64(seed));
  const uint64_t b = SplitMix64(a ^ 0x5851f42d4c957f2dULL);
  std::string bytes(16, '\0');
  for (size_t i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>(static_cast<uint8_t>(a >> (8 * i)));
    bytes[8 + i] = static_cast<char>(static_cast<uint8_t>(b >> (8 * i)));
  }
  // Stored byte 7 is the high byte of the third text group: its first digit is the version (4).
  bytes[7] = static_cast<char>((static_cast<uint8_t>(bytes[7]) & 0x0f) | 0x40);
  bytes[8] = static_cast<char>((static_cast<uint8_t>(bytes[8]) & 0x3f) | 0x80);  // RFC 4122 variant
  return *Guid::FromBytes(bytes);
}

}  // namespace exdm::gen
