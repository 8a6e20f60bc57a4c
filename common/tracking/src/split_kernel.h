// Splitting one tracking-log line into its first fields, the reader's innermost loop: 16 bytes at a
// time with SSE2 (every x86-64 has it), 32 with AVX2 where the CPU has it (chosen once at run time:
// the package runs on any x86-64), byte by byte elsewhere. Private to the tracking module.
#pragma once

#include <cstddef>

namespace exdm {

// The kernels read up to this many bytes past the end they are given.
constexpr size_t kSplitPadding = 32;

// Splits the line at p into its first `need` tab-separated fields: fs[i]/fe[i] are where field i
// starts and ends. Returns the line end (its '\n', or `end`), or nullptr when the line has no
// '\n' before `end` (incomplete). `found`: the complete fields seen, at most `need`; when the line
// has fewer, fe[found] is its end (the last field runs to the '\n').
using SplitFn = const char* (*)(const char* p, const char* end, int need, const char** fs,
                                const char** fe, int& found);

// The fastest kernel this CPU runs.
SplitFn BestSplitKernel();
// Each kernel by name, for the tests that hold them to the same results: "avx2", "sse2",
// "scalar"; nullptr when this CPU or build lacks it.
SplitFn SplitKernelNamed(const char* name);

}  // namespace exdm
