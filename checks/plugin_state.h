// Monitoring Plugins service states and their exit codes (0..3), shared by every mode. The core
// speaks severities (exdm/base/severity.h); this is where the check turns them into states.
#pragma once

#include <optional>
#include <string_view>

#include "exdm/base/severity.h"

namespace exdm {

enum class PluginState { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };

// "OK", "WARNING", "CRITICAL", "UNKNOWN".
std::string_view StateName(PluginState state);

// Accepts the names case-insensitively and the digits 0-3 (as check_ldap's -t SEC:STATE does).
std::optional<PluginState> ParseState(std::string_view text);

// Worst-state-wins ordering used when combining sub-results: CRITICAL > WARNING > UNKNOWN > OK
// (the Monitoring Plugins convention for aggregated results: a known problem outranks not knowing).
PluginState WorseOf(PluginState a, PluginState b);

// OK, WARNING or CRITICAL for the core's severity.
PluginState StateOf(Severity severity);

}  // namespace exdm
