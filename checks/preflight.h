// Before a mode runs: every local input named on the command line must be readable, so a typo in
// a path is one UNKNOWN line naming the option and the path (docs/ARCHITECTURE.md "Exit codes":
// unreadable local inputs are UNKNOWN) instead of a mode-specific failure halfway through the run.
//
// Opening a file on a hung network share (or a FIFO nobody writes to) blocks in the kernel where
// no signal or timeout reaches, so the probing runs on a helper thread bounded by the run's
// deadline (exdm/bounded_call.h): a hung input ends the run at the deadline with kTimeout naming
// the option, path and server, like a hung read later in the run does (the -t alarm stays the
// backstop).
#pragma once

#include "check_options.h"
#include "exdm/base/deadline.h"
#include "exdm/base/status.h"

namespace exdm::check {

// kIoError naming the option and path when a --tracking-dir is not a readable directory, or an
// --event-file, --queue-snapshot, --mailbox-snapshot, --dsaccess-snapshot, --password-file or
// --ca-file cannot be opened for reading; kInvalidArgument when the --password-env variable is not
// set; kTimeout when probing an input outlasts the deadline.
Status CheckLocalInputs(const CheckOptions& options, const Deadline& deadline);

}  // namespace exdm::check
