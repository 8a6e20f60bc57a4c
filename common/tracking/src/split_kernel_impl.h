// The line-splitting loop of split_kernel.h, written once over a vector width and instantiated per
// instruction set in its own translation unit (split_kernel.cc: SSE2; split_kernel_avx2.cc,
// compiled with -mavx2). Internal linkage and no library templates, so no AVX2 code can leak into
// an inline function another translation unit shares. Private to the tracking module.
#pragma once

#include <cstddef>

namespace exdm {
namespace {

// V: kWidth bytes per step; Masks(q, tab, nl) sets a bit per tab and per newline among
// q[0..kWidth).
template <typename V>
inline const char* SplitWith(const char* p, const char* end, int need, const char** fs,
                             const char** fe, int& found) {
  int f = 0;
  fs[0] = p;
  for (const char* q = p; q < end; q += V::kWidth) {
    unsigned mt = 0, mn = 0;
    V::Masks(q, mt, mn);
    const ptrdiff_t left = end - q;
    if (left < V::kWidth) {
      const unsigned valid = (1u << left) - 1;
      mt &= valid;
      mn &= valid;
    }
    if (mn) mt &= (1u << __builtin_ctz(mn)) - 1;
    while (mt) {
      const char* at = q + __builtin_ctz(mt);
      mt &= mt - 1;
      fe[f] = at;
      ++f;
      if (f == need) {
        found = f;
        // The rest of the line only needs its end: find that with the masks alone.
        if (mn) return q + __builtin_ctz(mn);
        for (const char* r = q + V::kWidth; r < end; r += V::kWidth) {
          unsigned nt = 0, nn = 0;
          V::Masks(r, nt, nn);
          const ptrdiff_t rest = end - r;
          if (rest < V::kWidth) nn &= (1u << rest) - 1;
          if (nn) return r + __builtin_ctz(nn);
        }
        return nullptr;
      }
      fs[f] = at + 1;
    }
    if (mn) {
      fe[f] = q + __builtin_ctz(mn);
      found = f + 1;
      return fe[f];
    }
  }
  fe[f] = end;  // the last field runs to the end of the data (complete only if final)
  found = f;
  return nullptr;
}

}  // namespace
}  // namespace exdm
