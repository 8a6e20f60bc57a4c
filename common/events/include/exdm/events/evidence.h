// Event evidence for the disconnected SMTP mailbox, per Exchange server, from exported
// application logs (exdm/event_log.h). Events are recognised by source and ID, never by their
// English wording; only the structured parts of the text are read (the gateway DN, GUIDs, hex
// error codes, the call name of 327, the server table of DSAccess 2080):
//   MSExchangeTransport 326  store driver could not log on to a store (this fault, or
//                            permissions / a disagreeing GC when the gateway is correct)
//   MSExchangeIS 1194        the store's SMTP interface failed to accept clients
//   MSExchangeTransport 327  a store call failed (EcLocallyDeliverMsg: a poison message)
//   EXOLEDB 116              the store's system mailbox is missing
//   MSExchangeDSAccess 2080/2081  the DCs and GCs the server uses
// Everything else is counted and ignored. Evidence is kept when it falls in the window
// [window_start, now]; totals count everything read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exdm/base/inputs.h"
#include "exdm/base/status.h"
#include "exdm/events/event_log.h"
#include "exdm/state/state_file.h"

namespace exdm {

struct LogonFailureEvent {  // 326
  int64_t time = 0;
  std::string store_guid;      // label form (lower case, no braces); empty when the DN has none
  std::string gateway_dn;      // the SMTP mailbox's legacyExchangeDN as printed
  std::string gateway_server;  // "<Server>" from "cn=SMTP (<Server>…)"
  std::string error_code;      // "0x80040148"
};

struct InterfaceFailureEvent {  // 1194
  int64_t time = 0;
  std::string error_code;  // "0x80004005"
};

struct StoreCallFailureEvent {  // 327
  int64_t time = 0;
  std::string call;        // "EcLocallyDeliverMsg"
  std::string error_code;  // as printed ("-2147221233")
  std::string mdb_guid;    // label form
};

struct SystemMailboxEvent {  // EXOLEDB 116
  int64_t time = 0;
  std::string store_guid;  // from "SystemMailbox{GUID}" or the first GUID in the text
};

struct DirectoryServerInUse {  // DSAccess 2080/2081
  std::string host;
  bool config_dc = false;  // role C
  bool dc = false;         // role D
  bool gc = false;         // role G
  int64_t last_seen = 0;
};

struct ServerEventEvidence {
  std::string server;  // Exchange server cn as configured (or the event's computer name)
  // In the window, oldest first.
  std::vector<LogonFailureEvent> logon_failures;
  std::vector<InterfaceFailureEvent> interface_failures;
  std::vector<StoreCallFailureEvent> call_failures;
  std::vector<SystemMailboxEvent> system_mailbox_missing;
  std::vector<DirectoryServerInUse> directory_servers;  // latest 2080/2081 report, any age
  // Everything read (not only the window), for counters.
  uint64_t logon_failures_total = 0;
  uint64_t interface_failures_total = 0;
  std::map<std::string, uint64_t> call_failures_total;            // by call
  std::map<std::string, uint64_t> logon_failures_total_by_store;  // by store_guid ("" unknown)
  uint64_t bad_rows_total = 0;
  std::optional<int64_t> last_event_time;
  // This read only (an incremental read sees only what was appended since the last one).
  uint64_t records = 0;
  uint64_t other_events = 0;
  uint64_t bad_rows = 0;

  // 326 in the window per store GUID, sorted by GUID.
  std::map<std::string, std::vector<const LogonFailureEvent*>> LogonFailuresByStore() const;
  std::map<std::string, uint64_t> CallFailuresByCall() const;  // 327 in the window
};

struct EventFileError {
  NamedPath file;
  Status status;
};

struct EventEvidence {
  int64_t now = 0;
  int64_t window_start = 0;
  std::vector<ServerEventEvidence> servers;  // one per configured file's server, sorted
  std::vector<EventFileError> file_errors;   // unreadable / unrecognised files

  uint64_t LogonFailures() const;      // 326 in the window, all servers
  uint64_t InterfaceFailures() const;  // 1194 in the window
  uint64_t CallFailures() const;       // 327 in the window
  uint64_t BadRows() const;
  const ServerEventEvidence* Find(const std::string& server) const;
};

// Adds one record to `evidence` (the server's entry is chosen by the caller).
void AddEventRecord(const EventRecord& record, int64_t window_start, int64_t now,
                    ServerEventEvidence& evidence);

// The pieces of event 326's text: the gateway DN and error code. Exposed for tests.
struct LogonFailureText {
  std::string gateway_dn;
  std::string store_guid;
  std::string gateway_server;
  std::string error_code;
};
LogonFailureText ParseLogonFailureText(const std::string& message);

struct EventCollectOptions {
  std::vector<NamedPath> files;
  std::string time_zone = "UTC";  // --event-tz
  std::string zoneinfo_dir = "/usr/share/zoneinfo";
  int64_t now = 0;
  int64_t window_start = 0;
  // A row still without its end after this many bytes is one bad row, its rest skipped up to its
  // line end (issue 22: a 1 GB line). The default suits every real export; tests and the fuzzer
  // make it small.
  uint64_t max_row_bytes = 4u << 20;
};

// Reads every file whole. A file that cannot be read is recorded in file_errors and the rest
// still count; only an unknown time zone fails the whole call (kInvalidArgument).
Result<EventEvidence> CollectEventEvidence(const EventCollectOptions& options);

// Incremental: continues from `previous` (cursors + payload of an earlier call, e.g. from
// exdm/state_file.h's StateFile, or kept in memory by the exporter) and fills `next`. Only bytes
// appended since then are read; the evidence of earlier reads is carried in the payload with its
// timestamps and expires when it leaves the window (event 326 is logged once per store mount, so
// it must keep alerting while recent). A file that was truncated or replaced is read again from
// its start, skipping what was already counted (its events up to the newest one seen): scheduled
// exports that rewrite the whole file are not counted twice. A last row still being written is
// left for the next read. `notes` receives what happened to each file (rotation, unreadable
// previous payload).
Result<EventEvidence> CollectEventEvidence(const EventCollectOptions& options,
                                           const StateSnapshot& previous, StateSnapshot* next,
                                           std::vector<std::string>* notes = nullptr);

}  // namespace exdm
