#include "modes.h"

namespace exdm::check {

PluginOutput RunMailboxMode(const CheckOptions& options, const Deadline& /*deadline*/) {
  return NotImplemented(options);
}

}  // namespace exdm::check
