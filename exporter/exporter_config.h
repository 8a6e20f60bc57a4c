// The exporter's settings (docs/ARCHITECTURE.md "Exporter command line" and "Exporter
// configuration", contracts): INI file from --config.file, sections [ldap] [tracking] [events]
// [queue_snapshot] [exporter] [web] [log]; every key is also a flag named section.key
// (`--ldap.uri`, `--tracking.dir`, `--exporter.audit_interval`). The command line wins over the
// file; a repeated key given on the command line replaces the file's values instead of adding to
// them.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "exdm/ad/topology.h"
#include "exdm/base/inputs.h"
#include "exdm/base/status.h"
#include "exdm/tracking/event_ids.h"
#include "log.h"

namespace exdm::exporter {

struct LdapSettings {
  std::vector<std::string> uris;
  std::string base;
  std::string bind_dn;
  std::string sasl_mech;
  // As configured, except that a leading ${CREDENTIALS_DIRECTORY} is replaced by that variable's
  // value: where systemd's LoadCredential= puts the secret for the unit's dynamic user.
  std::string password_file;
  bool starttls = false;
  std::string ca_file;
  bool insecure_skip_verify = false;
  std::vector<std::string> servers;  // restrict the audit to these Exchange servers
  // A storage group of this name is a recovery storage group (empty: no name rule).
  std::string recovery_group_name = kDefaultRecoveryGroupName;
  std::chrono::seconds timeout{20};  // per audit run, bounds a hung DC
};

struct ExporterConfig {
  std::string config_file;
  // [web] / --web.*
  std::vector<std::string> listen_addresses;  // default {":9755"}
  std::string telemetry_path = "/metrics";
  std::string web_config_file;
  // [ldap]
  LdapSettings ldap;
  // [tracking], [events]
  std::vector<NamedPath> tracking_dirs;
  TrackingEventTable tracking_events = TrackingEventTable::Default();  // attempt/end_events
  size_t tracking_max_in_flight = 2'000'000;  // per server; beyond it deliveries count as overflow
  std::vector<NamedPath> event_files;
  std::string event_tz = "UTC";
  // [queue_snapshot]: WMI queue snapshots (exchange-queue-snapshot.vbs), refused past max_age
  std::vector<NamedPath> queue_snapshots;
  std::chrono::seconds queue_snapshot_max_age{900};
  // [exporter]
  std::chrono::seconds audit_interval{300};
  std::chrono::seconds tracking_interval{15};
  std::chrono::seconds events_interval{60};
  std::chrono::seconds queue_snapshot_interval{60};
  // How long a refresh waits on a file share before giving up; 0: each collector's default
  // (tracking and events 4 x their interval, at least 60 s; queue snapshots their interval, at
  // least 10 s).
  std::chrono::seconds read_timeout{0};
  std::string state_dir = "/var/lib/exchange-delivery-monitor";
  // [log] / --log.level, --log.format
  LogSettings log;

  bool AuditEnabled() const { return !ldap.uris.empty(); }
};

struct ParsedExporterCommandLine {
  enum class Action { kRun, kHelp, kVersion } action = Action::kRun;
  ExporterConfig config;
  std::string help_text;  // for kHelp
};

// Parses argv and, when given, the --config.file it names. Errors are one-line messages.
Result<ParsedExporterCommandLine> ParseExporterCommandLine(int argc, const char* const argv[]);

}  // namespace exdm::exporter
