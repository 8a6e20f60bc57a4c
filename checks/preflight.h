// Before a mode runs: every local input named on the command line must be readable, so a typo in
// a path is one UNKNOWN line naming the option and the path (DESIGN.md: unreadable local inputs
// are UNKNOWN) instead of a mode-specific failure halfway through the run.
//
// Opening a file on a hung network share (or a FIFO nobody writes to) blocks in the kernel where
// no deadline reaches; main() arms the -t alarm before calling this, so such a run still ends with
// the -t state.
#pragma once

#include "check_options.h"
#include "exdm/status.h"

namespace exdm::check {

// kIoError naming the option and path when a --tracking-dir is not a readable directory, or an
// --event-file, --queue-snapshot, --password-file or --ca-file cannot be opened for reading;
// kInvalidArgument when the --password-env variable is not set.
Status CheckLocalInputs(const CheckOptions& options);

}  // namespace exdm::check
