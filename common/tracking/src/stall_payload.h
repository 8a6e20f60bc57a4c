// The analyzer's state payload (format version 1), the in-flight pairs and counters that let an
// incremental run continue exactly where the last one stopped. Private to the tracking module.
#pragma once

#include <cstdint>

#include "exdm/base/status.h"
#include "log_parser.h"
#include "stall_tracker.h"

namespace exdm {

class PayloadWriter;

void SaveStallPayload(const TrackingLogParser& parser, const StallTracker& tracker,
                      PayloadWriter& w);

// Reads exactly one saved analyzer from `r` (a PayloadReader or a PayloadStreamReader, whose
// views last only until the next read). `size_hint`: the saved bytes, an upper bound of the key
// bytes, so the table is sized once. Instantiated for both readers in stall_payload.cc.
template <typename Reader>
Status LoadStallPayload(Reader& r, uint64_t size_hint, TrackingLogParser& parser,
                        StallTracker& tracker);

}  // namespace exdm
