#include "split_kernel.h"

#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "split_kernel_impl.h"

namespace exdm {

#if defined(EXDM_AVX2_KERNEL)
// split_kernel_avx2.cc, compiled for AVX2: call only where the CPU has it.
const char* SplitAvx2(const char* p, const char* end, int need, const char** fs, const char** fe,
                      int& found);
#endif

namespace {

#if defined(__SSE2__)
struct Sse2 {
  static constexpr int kWidth = 16;
  static void Masks(const char* q, unsigned& tabs, unsigned& newlines) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    tabs = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))));
    newlines = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
  }
};

const char* SplitSse2(const char* p, const char* end, int need, const char** fs, const char** fe,
                      int& found) {
  return SplitWith<Sse2>(p, end, need, fs, fe, found);
}
#endif

// Byte by byte: for CPUs without SSE2 (not x86-64) and as the reference the tests compare with.
const char* SplitScalar(const char* p, const char* end, int need, const char** fs, const char** fe,
                        int& found) {
  int f = 0;
  fs[0] = p;
  for (const char* q = p; q < end; ++q) {
    if (*q == '\t') {
      fe[f] = q;
      ++f;
      if (f == need) {
        found = f;
        const void* e = std::memchr(q + 1, '\n', static_cast<size_t>(end - q - 1));
        return e ? static_cast<const char*>(e) : nullptr;
      }
      fs[f] = q + 1;
    } else if (*q == '\n') {
      fe[f] = q;
      found = f + 1;
      return q;
    }
  }
  fe[f] = end;
  found = f;
  return nullptr;
}

#if defined(EXDM_AVX2_KERNEL)
bool CpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
#endif

}  // namespace

SplitFn SplitKernelNamed(const char* name) {
  const std::string_view n(name);
#if defined(EXDM_AVX2_KERNEL)
  if (n == "avx2") return CpuHasAvx2() ? &SplitAvx2 : nullptr;
#endif
#if defined(__SSE2__)
  if (n == "sse2") return &SplitSse2;
#endif
  if (n == "scalar") return &SplitScalar;
  return nullptr;
}

SplitFn BestSplitKernel() {
  static const SplitFn best = [] {
    for (const char* name : {"avx2", "sse2"}) {
      if (SplitFn f = SplitKernelNamed(name)) return f;
    }
    return &SplitScalar;
  }();
  return best;
}

}  // namespace exdm
