// Monitoring Plugins service states and their exit codes (0..3), shared by every mode.
#pragma once

#include <optional>
#include <string_view>

namespace exdm {

enum class PluginState { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };

// "OK", "WARNING", "CRITICAL", "UNKNOWN".
std::string_view StateName(PluginState state);

// Accepts the names case-insensitively and the digits 0-3 (as check_ldap's -t SEC:STATE does).
std::optional<PluginState> ParseState(std::string_view text);

// Worst-state-wins ordering used when combining sub-results: CRITICAL > WARNING > UNKNOWN > OK
// (the Monitoring Plugins convention for aggregated results: a known problem outranks not knowing).
PluginState WorseOf(PluginState a, PluginState b);

}  // namespace exdm
