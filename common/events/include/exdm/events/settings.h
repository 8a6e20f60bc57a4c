// The event exports as an operator configures them, declared once for both front ends: the
// check's --event-file and --event-tz, the exporter's [events] file and tz. The builder turns them
// into one run's options; the front ends add whose state it is, where, and the window.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exdm/base/inputs.h"
#include "exdm/events/run.h"

namespace exdm {

struct EventSettings {
  std::vector<NamedPath> files;   // one exported application log per server; empty: no source
  std::string time_zone = "UTC";  // of timestamps that carry none
};

// One event run over `settings` for `consumer` (whose offsets: "events", "all-events",
// "exporter"), with its state at `state_path` ("" for none), evaluated at `now`, keeping the
// evidence from `window_start` on.
EventRunOptions MakeEventRunOptions(const EventSettings& settings, std::string consumer,
                                    std::string state_path, int64_t now, int64_t window_start);

}  // namespace exdm
