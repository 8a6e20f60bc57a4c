#include "modes.h"

namespace exdm::check {

PluginOutput RunAllMode(const CheckOptions& options, const Deadline& /*deadline*/) {
  return NotImplemented(options);
}

}  // namespace exdm::check
