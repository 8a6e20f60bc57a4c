// What a benchmark ran on, printed beside its figures: figures from a shared 2-core machine mean
// little without the CPU and the load they were measured under.
#pragma once

#include <string>

namespace exdm::testing {

// "Intel(R) Xeon(R) ..., 2 hardware threads, AVX2" (from /proc/cpuinfo).
std::string CpuDescription();
// The 1, 5 and 15 minute load averages, "0.52 0.58 0.59" (from /proc/loadavg).
std::string LoadAverage();

}  // namespace exdm::testing
