// One function per check mode: options in, PluginOutput out. Each is a thin translation of core
// results; the core does the work.
#pragma once

#include "check_options.h"
#include "exdm/deadline.h"
#include "plugin_output.h"

namespace exdm::check {

PluginOutput RunMode(const CheckOptions& options, const Deadline& deadline);

}  // namespace exdm::check
