// One analysis run over servers' tracking-log directories, shared by the check (queue/all modes)
// and the exporter's tracking collector.
//
// Per server: the day files YYYYMMDD.log dated from (today - lookback_days) to tomorrow (clock
// skew), in date order across month and year ends, because stalls span midnight. With a state
// file, each file is read from where the last run stopped (see state_file.h for identity,
// rotation, truncation and replacement), and the in-flight pairs (tentative attempts included)
// and counters continue from the saved payload. Reading runs on a helper thread bounded by the
// deadline (bounded_call.h): a hung share yields kTimeout naming the file, the state untouched.
//
// Errors: kLocked (another run holds the state), kTimeout, kIoError for the state file itself.
// A missing directory, no log files or an unreadable file are per-server file_errors in the
// report (the other servers are still analyzed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "exdm/base/bounded_call.h"
#include "exdm/base/deadline.h"
#include "exdm/base/inputs.h"
#include "exdm/base/status.h"
#include "exdm/tracking/local_delivery.h"

namespace exdm {

struct TrackingRunOptions {
  std::vector<NamedPath> dirs;
  std::string state_path;          // empty: no state (read the whole window every time)
  std::string consumer = "queue";  // keeps queue and all (or the exporter) apart
  int64_t now = 0;                 // evaluation time (UNIX seconds)
  int lookback_days = 2;           // today plus this many previous days on a first read
  size_t read_chunk = 4u << 20;    // bytes per read()
  // A stretch of at least parallel_min_bytes of one file is read and parsed on `threads` threads
  // (0: the machine's, at most 4; 1: never), in blocks of parallel_block bytes, and applied in
  // log order: the result is the one-thread reader's.
  unsigned threads = 0;
  uint64_t parallel_min_bytes = 16u << 20;
  size_t parallel_block = 1u << 20;
  LocalDeliveryConfig config;
  // Optional, for long-lived callers (the exporter): held while a read runs on its helper thread.
  // A read abandoned at the deadline may stay blocked for good (a hard-mounted hung share); a run
  // that finds the slot still held fails at once (kTimeout) instead of stranding one more thread.
  std::shared_ptr<ReaderSlot> reader_slot;
};

struct TrackingRunResult {
  std::vector<LocalDeliveryReport> servers;  // in the order of options.dirs
  std::vector<std::string> warnings;         // state rebuilt, ...
  std::string state_path;
};

Result<TrackingRunResult> RunTrackingAnalysis(const TrackingRunOptions& options,
                                              const Deadline& deadline);

// "20261125.log" (case-insensitive ".log") -> days since the epoch; nullopt for other names.
std::optional<int64_t> TrackingLogDay(std::string_view file_name);

}  // namespace exdm
