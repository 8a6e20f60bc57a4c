#include "modes.h"

namespace exdm::check {

PluginOutput RunQueueMode(const CheckOptions& options, const Deadline& /*deadline*/) {
  return NotImplemented(options);
}

}  // namespace exdm::check
