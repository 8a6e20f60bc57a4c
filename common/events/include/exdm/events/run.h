// One analysis run over exported application logs, shared by the check (events/all modes) and the
// exporter's events collector, as RunTrackingAnalysis (tracking_dir.h) is for tracking logs.
//
// With a state file: takes its lock (waiting until the deadline), continues from the saved
// offsets and evidence (event_evidence.h's incremental CollectEventEvidence), and commits the new
// state after the read. Reading runs on a helper thread bounded by the deadline (bounded_call.h):
// a hung share yields kTimeout naming what was being read, the state untouched.
//
// Errors: kLocked (another run holds the state), kTimeout, kInvalidArgument (unknown time zone).
// Unreadable or unrecognised files are evidence.file_errors (the other files still count). A state
// file that cannot be written is not an error of the run: the evidence stands and state_commit
// says why (the next run reads again from the old offsets).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "exdm/base/bounded_call.h"
#include "exdm/base/deadline.h"
#include "exdm/base/inputs.h"
#include "exdm/base/status.h"
#include "exdm/events/evidence.h"

namespace exdm {

struct EventRunOptions {
  std::vector<NamedPath> files;
  std::string time_zone = "UTC";    // --event-tz: for timestamps without a zone
  std::string state_path;           // empty: no state (every file read whole every time)
  std::string consumer = "events";  // keeps events and all (or the exporter) apart
  int64_t now = 0;                  // evaluation time (UNIX seconds)
  int64_t window_start = 0;         // evidence older than this is dropped
  // Optional, for long-lived callers (the exporter), as TrackingRunOptions::reader_slot: while a
  // read abandoned at an earlier deadline is still blocked, the run fails at once (kTimeout).
  std::shared_ptr<ReaderSlot> reader_slot;
};

struct EventRunResult {
  EventEvidence evidence;
  std::vector<std::string> warnings;  // the previous state was discarded (corrupt, foreign, ...)
  std::vector<std::string> notes;     // per file: rotated, truncated, payload unreadable
  Status state_commit;                // not ok: the new state was not written
};

Result<EventRunResult> RunEventAnalysis(const EventRunOptions& options, const Deadline& deadline);

// The inputs key of `files` ("SERVER=PATH" each), for StateFile and DefaultStatePath.
std::vector<std::string> EventInputs(const std::vector<NamedPath>& files);

}  // namespace exdm
