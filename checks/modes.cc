#include "modes.h"

#include <ctime>

namespace exdm::check {

PluginOutput RunMode(const CheckOptions& options, const Deadline& deadline) {
  switch (options.mode) {
    case Mode::kMailbox:
      return RunMailboxMode(options, deadline);
    case Mode::kQueue:
      return RunQueueMode(options, deadline);
    case Mode::kEvents:
      return RunEventsMode(options, deadline);
    case Mode::kAll:
      return RunAllMode(options, deadline);
  }
  return RunAllMode(options, deadline);
}

int64_t EvaluationTime(const CheckOptions& options) {
  return options.now ? *options.now : static_cast<int64_t>(std::time(nullptr));
}

}  // namespace exdm::check
