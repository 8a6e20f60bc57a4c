// The exporter's settings (docs/ARCHITECTURE.md "Exporter command line" and "Exporter
// configuration", contracts): INI file from --config.file, sections [ldap] [tracking] [events]
// [queue_snapshot] [mailbox_snapshot] [dsaccess_snapshot] [exporter] [web] [log]; every key is also
// a flag named section.key
// (`--ldap.uri`, `--tracking.dir`, `--exporter.audit_interval`). The command line wins over the
// file; a repeated key given on the command line replaces the file's values instead of adding to
// them.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "exdm/ad/ldap_settings.h"
#include "exdm/base/status.h"
#include "exdm/events/settings.h"
#include "exdm/store/settings.h"
#include "exdm/tracking/settings.h"
#include "log.h"

namespace exdm::exporter {

// How long reading --config.file or the web config may take (a file on a hung share): the start
// or the reload fails after this, and a reload never holds up signal handling meanwhile.
constexpr std::chrono::seconds kConfigReadTimeout{10};

struct ExporterConfig {
  std::string config_file;
  // [web] / --web.*
  std::vector<std::string> listen_addresses;  // default {":9755"}
  bool systemd_socket = false;                // serve on systemd's sockets instead
  std::string telemetry_path = "/metrics";
  std::string web_config_file;
  // The sources, as the core declares their settings (shared with the check's options).
  // [ldap]; password_file as configured, except that a leading ${CREDENTIALS_DIRECTORY} is
  // replaced by that variable's value: where systemd's LoadCredential= puts the unit's secret.
  LdapSettings ldap;
  std::chrono::seconds ldap_timeout{20};    // [ldap] timeout: per audit run, bounds a hung DC
  TrackingSettings tracking;                // [tracking]
  EventSettings events;                     // [events]
  QueueSnapshotSettings queue_snapshot;     // [queue_snapshot]: refused past max_age
  StoreSnapshotSettings mailbox_snapshot;   // [mailbox_snapshot] file, max_age
  StoreSnapshotSettings dsaccess_snapshot;  // [dsaccess_snapshot] file, max_age
  std::chrono::seconds mailbox_snapshot_interval{60};   // [mailbox_snapshot] interval
  std::chrono::seconds dsaccess_snapshot_interval{60};  // [dsaccess_snapshot] interval
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
