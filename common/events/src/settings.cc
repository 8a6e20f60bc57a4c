#include "exdm/events/settings.h"

#include <utility>

namespace exdm {

EventRunOptions MakeEventRunOptions(const EventSettings& settings, std::string consumer,
                                    std::string state_path, int64_t now, int64_t window_start) {
  EventRunOptions run;
  run.files = settings.files;
  run.time_zone = settings.time_zone;
  run.consumer = std::move(consumer);
  run.state_path = std::move(state_path);
  run.now = now;
  run.window_start = window_start;
  return run;
}

}  // namespace exdm
