// check_exchange_delivery's command line (docs/ARCHITECTURE.md "Check command line", a contract).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exdm/ad/findings.h"
#include "exdm/ad/ldap_settings.h"
#include "exdm/base/status.h"
#include "exdm/events/settings.h"
#include "exdm/store/settings.h"
#include "exdm/tracking/settings.h"
#include "plugin_state.h"
#include "range.h"

namespace exdm::check {

enum class Mode { kMailbox, kQueue, kEvents, kAll };
const char* ModeName(Mode mode);
// The MODE word ("mailbox", "queue", "events", "all"), or nullopt.
std::optional<Mode> ParseModeName(const std::string& word);

struct CheckOptions {
  Mode mode = Mode::kAll;

  // The sources, as the core declares their settings (shared with the exporter's configuration).
  LdapSettings ldap;          // -H, -b, -D, --sasl-mech, --password-*, TLS, -s
  TrackingSettings tracking;  // --tracking-dir, --attempt-events, --end-events, --max-in-flight
  QueueSnapshotSettings snapshots;           // --queue-snapshot, --snapshot-max-age
  EventSettings events;                      // --event-file, --event-tz
  StoreSnapshotSettings mailbox_snapshots;   // --mailbox-snapshot, --snapshot-max-age
  StoreSnapshotSettings dsaccess_snapshots;  // --dsaccess-snapshot, --snapshot-max-age

  // What the check adds to them
  int64_t snapshot_tolerance = 600;  // seconds the two queue views may differ by
  std::string state_file;
  std::optional<int64_t> now;

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
