// The checksum of state files and the fingerprint of a file's head.
#pragma once

#include <cstdint>
#include <string_view>

namespace exdm {

// 64-bit FNV-1a, used for fingerprints and checksums (not for security).
inline uint64_t Fnv1a64(std::string_view bytes, uint64_t h = 0xcbf29ce484222325ULL) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace exdm
