// The line splitters of common/tracking/src/split_kernel.h: the AVX2 and SSE2 kernels must split
// every line exactly as the byte-by-byte one does (fields, line end, incomplete lines), whatever
// the field lengths, the number of fields asked for and where the data ends relative to their
// 16- and 32-byte steps.
#include "split_kernel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace exdm {
namespace {

struct Split {
  const char* end = nullptr;
  int found = 0;
  std::vector<std::pair<ptrdiff_t, ptrdiff_t>> fields;  // offsets from the line start
};

Split SplitWithKernel(SplitFn fn, const std::string& data, size_t size, int need) {
  const char* fs[66];
  const char* fe[66];
  Split s;
  s.end = fn(data.data(), data.data() + size, need, fs, fe, s.found);
  // Fields the kernel says it completed, and the last one it started (it runs to the end).
  for (int i = 0; i < std::min(s.found + 1, need); ++i)
    s.fields.emplace_back(fs[i] - data.data(), fe[i] - data.data());
  if (s.found >= need) s.fields.resize(static_cast<size_t>(need));
  return s;
}

TEST(SplitKernelTest, VectorKernelsSplitAsTheScalarOne) {
  const SplitFn scalar = SplitKernelNamed("scalar");
  ASSERT_NE(scalar, nullptr);
  std::vector<std::pair<std::string, SplitFn>> kernels;
  for (const char* name : {"sse2", "avx2"}) {
    if (SplitFn fn = SplitKernelNamed(name)) kernels.emplace_back(name, fn);
  }
  if (kernels.empty()) GTEST_SKIP() << "this CPU has neither SSE2 nor AVX2";
  std::mt19937 rng(7);
  uint64_t lines = 0;
  for (int round = 0; round < 20000; ++round) {
    // A line of 0-25 fields of 0-70 bytes (some with '\r' or text bytes near tab and newline),
    // then maybe a newline and a next line; the data may end anywhere in it.
    std::string line;
    const int fields = static_cast<int>(rng() % 26);
    for (int f = 0; f < fields; ++f) {
      if (f) line += '\t';
      const size_t n = rng() % 71;
      for (size_t i = 0; i < n; ++i)
        line += static_cast<char>(rng() % 8 == 0 ? '\r' : 'a' + rng() % 26);
    }
    if (rng() % 4) line += "\nnext\tline\n";
    const size_t size = rng() % 3 ? line.size() : rng() % (line.size() + 1);
    std::string data = line.substr(0, size) + std::string(kSplitPadding, '\0');
    const int need = 1 + static_cast<int>(rng() % 20);
    const Split want = SplitWithKernel(scalar, data, size, need);
    for (const auto& [name, fn] : kernels) {
      const Split got = SplitWithKernel(fn, data, size, need);
      ASSERT_EQ(got.end, want.end) << name << " line " << round << " need " << need;
      ASSERT_EQ(got.found, want.found) << name << " line " << round << " need " << need;
      ASSERT_EQ(got.fields, want.fields) << name << " line " << round << " need " << need;
    }
    ++lines;
  }
  EXPECT_EQ(lines, 20000u);
}

TEST(SplitKernelTest, TheBestKernelIsOneOfThem) {
  const SplitFn best = BestSplitKernel();
  EXPECT_TRUE(best == SplitKernelNamed("avx2") || best == SplitKernelNamed("sse2") ||
              best == SplitKernelNamed("scalar"));
  EXPECT_EQ(SplitKernelNamed("avx512"), nullptr);
}

}  // namespace
}  // namespace exdm
