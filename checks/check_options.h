// check_exchange_delivery's command line (docs/ARCHITECTURE.md "Check command line", a contract).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exdm/ad/findings.h"
#include "exdm/ad/topology.h"
#include "exdm/base/inputs.h"
#include "exdm/base/status.h"
#include "exdm/tracking/event_ids.h"
#include "plugin_state.h"
#include "range.h"

namespace exdm::check {

enum class Mode { kMailbox, kQueue, kEvents, kAll };
const char* ModeName(Mode mode);

struct CheckOptions {
  Mode mode = Mode::kAll;

  // LDAP
  std::vector<std::string> ldap_uris;
  std::string base;
  std::string bind_dn;
  std::string sasl_mech;
  std::string password_file;
  std::string password_env;
  bool starttls = false;
  std::string ca_file;
  bool insecure_skip_verify = false;
  std::vector<std::string> servers;
  std::string recovery_group_name = kDefaultRecoveryGroupName;  // empty: no name rule

  // Inputs
  std::vector<NamedPath> tracking_dirs;
  std::vector<NamedPath> event_files;
  std::vector<NamedPath> queue_snapshots;  // WMI queue snapshots (exdm/queue_snapshot.h)
  int64_t snapshot_max_age = 900;          // seconds; older snapshots are refused
  int64_t snapshot_tolerance = 600;        // seconds the two queue views may differ by
  std::string event_tz = "UTC";
  std::string state_file;
  std::optional<int64_t> now;
  TrackingEventTable tracking_events = TrackingEventTable::Default();  // --attempt/--end-events
  uint64_t max_in_flight = 2'000'000;  // local deliveries tracked per server; beyond: overflow

  // Thresholds
  Thresholds age;             // seconds of the oldest stalled delivery
  Thresholds stalled;         // number of stalled deliveries
  Thresholds logon_failures;  // event 326 in the window
  Thresholds failing_stores;  // stores with critical findings
  std::map<FindingKind, PluginState> finding_severity;
  int64_t window_seconds = 86400;
  std::optional<int64_t> since;

  // Other
  std::string remediation_ldif;
  PluginState unreachable_state = PluginState::kCritical;
  int64_t timeout_seconds = 30;
  PluginState timeout_state = PluginState::kUnknown;
  int verbosity = 0;

  PluginState SeverityOf(FindingKind kind) const;
};

// What the command line asked for: run a check, or print help/version and exit 0.
struct ParsedCommandLine {
  enum class Action { kRun, kHelp, kVersion } action = Action::kRun;
  CheckOptions options;
  std::string help_text;  // filled for kHelp
};

// Parses argv (argv[0] is the program name). Errors are one-line messages for an UNKNOWN exit.
Result<ParsedCommandLine> ParseCommandLine(int argc, const char* const argv[]);

}  // namespace exdm::check
