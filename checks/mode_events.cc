#include "modes.h"

namespace exdm::check {

PluginOutput RunEventsMode(const CheckOptions& options, const Deadline& /*deadline*/) {
  return NotImplemented(options);
}

}  // namespace exdm::check
