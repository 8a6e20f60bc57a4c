// The AVX2 instance of the line splitter (split_kernel_impl.h). This file alone is compiled with
// -mavx2 (common/CMakeLists.txt, which defines EXDM_AVX2_KERNEL then) and includes nothing but the
// intrinsics and the loop, so no code for AVX2 ends up anywhere the CPU check in split_kernel.cc
// does not guard.
#if defined(EXDM_AVX2_KERNEL)
#include <immintrin.h>

#include "split_kernel_impl.h"

namespace exdm {

namespace {

struct Avx2 {
  static constexpr int kWidth = 32;
  static void Masks(const char* q, unsigned& tabs, unsigned& newlines) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
    tabs =
        static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\t'))));
    newlines =
        static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n'))));
  }
};

}  // namespace

const char* SplitAvx2(const char* p, const char* end, int need, const char** fs, const char** fe,
                      int& found) {
  return SplitWith<Avx2>(p, end, need, fs, fe, found);
}

}  // namespace exdm
#endif
