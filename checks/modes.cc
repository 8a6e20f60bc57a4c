#include "modes.h"

namespace exdm::check {

PluginOutput RunMode(const CheckOptions& options, const Deadline& /*deadline*/) {
  PluginOutput out;
  out.SetState(PluginState::kUnknown);
  out.AddSummary(std::string("mode '") + ModeName(options.mode) +
                 "' is not implemented in this build");
  return out;
}

}  // namespace exdm::check
