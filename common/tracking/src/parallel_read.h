// Chunk-parallel reading of one stretch of a tracking log. The file is cut into fixed blocks that
// several threads read (pread) and parse at once (LineParser: splitting, times, roles, hashes)
// into compact rows; the calling thread applies the blocks strictly in file order
// (TrackingLogParser::Apply feeds the stall tracker), so the order-dependent state machine sees
// exactly the rows the serial reader would give it. The line a block boundary cuts is joined from
// the two blocks and parsed on the calling thread; a column header met inside a block makes the
// blocks parsed meanwhile with the old columns be parsed again. Memory stays bounded: a few blocks
// are in flight at any time, never the whole file. Private to the tracking module.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "exdm/base/status.h"
#include "exdm/tracking/local_delivery.h"
#include "log_parser.h"

namespace exdm {

// Reads bytes [from, to) of the parser's current file (BeginFile, and LearnHeader when resuming,
// already called; `from` is a line start). Lines unterminated at `to` are left to the caller,
// which reads on from the returned offset as the serial reader does. Errors: kIoError (errno
// text, no path), kTimeout when `cancelled` is set.
Result<ParallelReadEnd> ReadRangeInParallel(int fd, uint64_t from, uint64_t to,
                                            TrackingLogParser& parser, const ParallelReadPlan& plan,
                                            const std::atomic<bool>& cancelled);

}  // namespace exdm
