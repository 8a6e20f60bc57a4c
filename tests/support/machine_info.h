// What a benchmark ran on, printed beside its figures (figures from a shared 2-core machine mean
// little without the CPU and the load they were measured under), and what a process under
// measurement uses, from /proc.
#pragma once

#include <sys/types.h>

#include <string>

namespace exdm::testing {

// "Intel(R) Xeon(R) ..., 2 hardware threads, AVX2" (from /proc/cpuinfo).
std::string CpuDescription();
// The 1, 5 and 15 minute load averages, "0.52 0.58 0.59" (from /proc/loadavg).
std::string LoadAverage();

// User + system CPU seconds `pid` has used so far (/proc/PID/stat, clock-tick resolution); -1 when
// it cannot be read.
double ProcessCpuSeconds(pid_t pid);
// A kB field of /proc/PID/status ("VmRSS:", "VmHWM:"); -1 when absent.
long ProcessStatusKb(pid_t pid, const std::string& field);

}  // namespace exdm::testing
