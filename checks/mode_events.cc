// `events`: store-driver evidence from exported application logs (326, 1194, 327, EXOLEDB 116,
// DSAccess 2080/2081) in a window; the primary metric is the number of 326 logon failures.
#include <ctime>
#include <set>

#include "exdm/base/time_util.h"
#include "exdm/events/evidence.h"
#include "exdm/events/run.h"
#include "exdm/events/settings.h"
#include "exdm/state/state_file.h"
#include "modes.h"

namespace exdm::check {

namespace {

std::string Plural(uint64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string Join(const std::set<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const std::string& s : items)
    out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string Span(int64_t first, int64_t last) {
  if (first == last) return "at " + FormatIso8601Utc(first);
  return FormatIso8601Utc(first) + " .. " + FormatIso8601Utc(last);
}

void DescribeServer(const ServerEventEvidence& s, PluginOutput& out) {
  for (const auto& [guid, events] : s.LogonFailuresByStore()) {
    std::set<std::string> codes;
    for (const LogonFailureEvent* e : events) {
      if (!e->error_code.empty()) codes.insert(e->error_code);
    }
    const LogonFailureEvent& last = *events.back();
    std::string line =
        s.server + ": store " + (guid.empty() ? std::string("(GUID not in event)") : guid) + ": " +
        Plural(events.size(), "store driver logon failure", "store driver logon failures") +
        " (326" + (codes.empty() ? "" : ", " + Join(codes)) + ") " +
        Span(events.front()->time, last.time);
    if (!last.gateway_dn.empty()) line += "; SMTP mailbox " + last.gateway_dn;
    out.AddLongLine(line);
  }
  if (!s.interface_failures.empty()) {
    std::set<std::string> codes;
    for (const auto& e : s.interface_failures) {
      if (!e.error_code.empty()) codes.insert(e.error_code);
    }
    out.AddLongLine(
        s.server + ": " +
        Plural(s.interface_failures.size(), "SMTP interface failure", "SMTP interface failures") +
        " (1194" + (codes.empty() ? "" : ", " + Join(codes)) + ") " +
        Span(s.interface_failures.front().time, s.interface_failures.back().time));
  }
  for (const auto& [call, count] : s.CallFailuresByCall()) {
    std::set<std::string> mdbs;
    for (const auto& e : s.call_failures) {
      if (e.call == call && !e.mdb_guid.empty()) mdbs.insert(e.mdb_guid);
    }
    std::string line = s.server + ": " +
                       Plural(count, "store call failure", "store call failures") + " (327 " +
                       call + (mdbs.empty() ? "" : ", MDB " + Join(mdbs)) + ")";
    // Look-alike: 327 is competing evidence, not this fault.
    if (call == "EcLocallyDeliverMsg") {
      line +=
          ": look-alike, usually one poison message (specific messages retry while the store "
          "takes other mail), not a disconnected SMTP mailbox";
    } else {
      line += ": look-alike, a store-side failure, not a disconnected SMTP mailbox";
    }
    out.AddLongLine(line);
  }
  std::set<std::string> missing;
  for (const auto& e : s.system_mailbox_missing) {
    missing.insert(e.store_guid.empty() ? "(GUID not in event)" : e.store_guid);
  }
  for (const std::string& g : missing) {
    out.AddLongLine(s.server + ": store " + g +
                    ": system mailbox missing (EXOLEDB 116), recreate SystemMailbox{" + g + "}");
  }
  if (!s.directory_servers.empty()) {
    std::string list;
    for (const auto& d : s.directory_servers) {
      std::string roles;
      if (d.gc) roles += "GC";
      if (d.dc) roles += std::string(roles.empty() ? "" : "/") + "DC";
      if (d.config_dc) roles += std::string(roles.empty() ? "" : "/") + "config DC";
      list += (list.empty() ? "" : ", ") + d.host + " (" + roles + ")";
    }
    out.AddLongLine(s.server + ": uses directory servers " + list + " (DSAccess " +
                    FormatIso8601Utc(s.directory_servers.front().last_seen) +
                    "): check the SMTP mailbox on these");
  }
  out.AddLongLine(s.server + ": " + Plural(s.records, "event read", "events read") + ", " +
                  std::to_string(s.other_events) + " others ignored, " +
                  Plural(s.bad_rows, "unreadable row", "unreadable rows"));
}

}  // namespace

EventRunOptions EventRunFor(const CheckOptions& options, const char* mode) {
  const int64_t now = EvaluationTime(options);
  // Offsets and the evidence of earlier runs live in the state file, so 326 keeps alerting for
  // the whole window although it is logged once per store mount.
  return MakeEventRunOptions(options.events, mode,
                             StatePathFor(options, mode, EventInputs(options.events.files)), now,
                             options.since ? *options.since : now - options.window_seconds);
}

void RenderEventRunNotes(const EventRunResult& result, PluginOutput& out) {
  for (const std::string& w : result.warnings)
    out.AddLongLine("state file: " + w);
  for (const std::string& n : result.notes)
    out.AddLongLine(n);
  if (!result.state_commit.ok()) {
    out.Raise(PluginState::kUnknown);
    out.AddSummaryKeptWhole("cannot write state file: " + result.state_commit.message());
  }
}

Result<EventEvidence> CollectEvents(const CheckOptions& options, const char* mode,
                                    const Deadline& deadline, PluginOutput& out) {
  auto result = RunEventAnalysis(EventRunFor(options, mode), deadline);
  if (!result) return result.status();
  RenderEventRunNotes(*result, out);
  return std::move(result->evidence);
}

PluginOutput RunEventsMode(const CheckOptions& options, const Deadline& deadline) {
  PluginOutput out;
  if (options.events.files.empty()) {
    out.SetState(PluginState::kUnknown);
    out.AddSummary("mode 'events' needs at least one --event-file [NAME=]FILE");
    return out;
  }
  auto evidence = CollectEvents(options, "events", deadline, out);
  if (!evidence) {
    out.SetState(evidence.status().code() == ErrorCode::kTimeout ? options.timeout_state
                                                                 : PluginState::kUnknown);
    out.AddSummaryKeptWhole(evidence.status().message());
    return out;
  }
  RenderEvents(*evidence, options, out);
  return out;
}

void RenderEvents(const EventEvidence& ev, const CheckOptions& options, PluginOutput& out) {
  const uint64_t logon = ev.LogonFailures();
  std::set<std::string> servers, stores;
  int64_t first = 0;
  for (const auto& s : ev.servers) {
    for (const auto& e : s.logon_failures) {
      servers.insert(s.server);
      stores.insert(s.server + "/" + e.store_guid);
      if (first == 0 || e.time < first) first = e.time;
    }
  }
  const std::string window = options.since
                                 ? "since " + FormatIso8601Utc(*options.since)
                                 : "in the last " + FormatDuration(options.window_seconds);
  if (logon > 0) {
    out.AddSummary(Plural(logon, "store driver logon failure", "store driver logon failures") +
                   " (326) for " + Plural(stores.size(), "store", "stores") + " on " +
                   Join(servers) + " since " + FormatIso8601Utc(first));
  } else {
    out.AddSummary("no store driver logon failures (326) " + window);
  }
  if (const uint64_t n = ev.InterfaceFailures()) {
    out.AddSummary(Plural(n, "SMTP interface failure", "SMTP interface failures") + " (1194)");
  }
  if (const uint64_t n = ev.CallFailures()) {
    out.AddSummary(Plural(n, "store call failure", "store call failures") + " (327, a look-alike)");
  }
  for (const EventFileError& e : ev.file_errors) {
    out.Raise(PluginState::kUnknown);
    out.AddSummary("cannot read " + e.file.server + " events: " + e.status.message());
  }
  if (const uint64_t n = ev.BadRows())
    out.AddSummary(Plural(n, "unreadable row", "unreadable rows"));
  out.Raise(options.logon_failures.Evaluate(static_cast<double>(logon)));

  out.AddPerf({"logon_failures_326", static_cast<double>(logon), "", &options.logon_failures, 0.0,
               std::nullopt});
  out.AddPerf({"smtp_interface_failures_1194", static_cast<double>(ev.InterfaceFailures()), "",
               nullptr, 0.0, std::nullopt});
  out.AddPerf({"store_call_failures_327", static_cast<double>(ev.CallFailures()), "", nullptr, 0.0,
               std::nullopt});
  out.AddPerf({"bad_rows", static_cast<double>(ev.BadRows()), "", nullptr, 0.0, std::nullopt});

  for (const auto& s : ev.servers)
    DescribeServer(s, out);
  for (const EventFileError& e : ev.file_errors) {
    out.AddLongLine(e.file.server + ": " + e.status.message());
  }
}

}  // namespace exdm::check
