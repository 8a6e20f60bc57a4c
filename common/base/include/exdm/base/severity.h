// How bad a result is, in the core's own words. The front ends translate: the check into
// Monitoring Plugins states (checks/plugin_state.h), the exporter into which series it sets.
#pragma once

#include <string_view>

namespace exdm {

enum class Severity { kOk, kWarning, kCritical };

// "ok", "warning", "critical".
std::string_view SeverityName(Severity severity);

}  // namespace exdm
