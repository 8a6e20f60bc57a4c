// Where the check keeps its state when --state-file does not say.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace exdm {

// Default location, the Monitoring Plugins' convention (their np_enable_state):
// <prefix>/<effective uid>/check_exchange_delivery/<mode>-<16 hex digits of a hash of the
// inputs>.state. The prefix is $MP_STATE_PATH, else $NAGIOS_PLUGIN_STATE_DIRECTORY (its former
// name), else /var/tmp; empty counts as unset, and a setuid run reads neither. One directory per
// user, so root trying a check by hand never locks the monitoring user out; one file per mode
// and input set, so they never share offsets.
std::string DefaultStatePath(std::string_view mode, const std::vector<std::string>& inputs);
// The canonical inputs key used both for the default path and as StateFile's inputs_key.
std::string InputsKey(const std::vector<std::string>& inputs);

}  // namespace exdm
