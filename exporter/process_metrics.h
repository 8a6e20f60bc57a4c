// The process_* families every Prometheus client library exports (client_golang's process
// collector defines them; prometheus-cpp has none): CPU time, resident and virtual memory, start
// time, open and maximum file descriptors. Read from /proc/self at each scrape (tens of
// microseconds), which works under the unit's ProtectProc=invisible and ProcSubset=pid: a process
// always sees itself. /proc/stat, where client_golang finds the boot time, is hidden there, so the
// boot time comes from the clocks instead.
#pragma once

#include <prometheus/metric_family.h>

#include <optional>
#include <string_view>
#include <vector>

namespace exdm::exporter {

struct ProcessStat {
  double cpu_seconds = 0;     // utime + stime
  double resident_bytes = 0;  // rss pages x page size
  double virtual_bytes = 0;   // vsize
  double start_ticks = 0;     // starttime: clock ticks after boot
};

// Fields of a /proc/PID/stat line (proc(5)); nullopt when it is not one. The command name in
// parentheses may itself hold spaces and parentheses.
std::optional<ProcessStat> ParseProcStat(std::string_view line, double ticks_per_second,
                                         double page_size);

// The families, from /proc/self now. A file that cannot be read leaves its families out (and is
// logged once).
std::vector<prometheus::MetricFamily> ProcessFamilies();

}  // namespace exdm::exporter
