// queue mode: stalled local deliveries from the message tracking logs (core: exdm/tracking/run.h).
#include <algorithm>
#include <ctime>
#include <map>
#include <optional>

#include "exdm/base/time_util.h"
#include "exdm/diagnosis/store_stalls.h"
#include "exdm/state/location.h"
#include "exdm/tracking/run.h"
#include "exdm/tracking/settings.h"
#include "modes.h"

namespace exdm::check {

namespace {

constexpr size_t kMaxDomainsPerServer = 5;
constexpr size_t kMaxStoresPerServer = 5;

struct DomainStall {
  uint64_t deliveries = 0;
  uint64_t recipients = 0;
  int64_t oldest = 0;
  std::string example_message_id;
};

std::string DomainOf(const std::string& address) {
  const size_t at = address.rfind('@');
  return at == std::string::npos ? std::string("(no domain)") : address.substr(at + 1);
}

// Recipient domains of one server's stalled deliveries, worst (most, then oldest) first. Without
// LDAP this is the best grouping there is; a store correlator replaces it with stores.
std::vector<std::pair<std::string, DomainStall>> WorstDomains(const LocalDeliveryReport& r) {
  std::map<std::string, DomainStall> by_domain;
  for (const StalledRecipient& s : r.stalled_recipients) {
    DomainStall& d = by_domain[DomainOf(s.address)];
    if (d.recipients == 0 || s.oldest_first_seen < d.oldest) {
      d.oldest = s.oldest_first_seen;
      d.example_message_id = s.example_message_id;
    }
    d.deliveries += s.deliveries;
    ++d.recipients;
  }
  std::vector<std::pair<std::string, DomainStall>> out(by_domain.begin(), by_domain.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.second.deliveries != b.second.deliveries)
      return a.second.deliveries > b.second.deliveries;
    return a.second.oldest < b.second.oldest;
  });
  return out;
}

void RenderDomains(const LocalDeliveryReport& r, int64_t now, PluginOutput& out) {
  const auto domains = WorstDomains(r);
  for (size_t i = 0; i < domains.size() && i < kMaxDomainsPerServer; ++i) {
    const auto& [domain, d] = domains[i];
    out.AddLongLine("  " + domain + ": " + std::to_string(d.deliveries) + " stalled to " +
                    std::to_string(d.recipients) + " recipient" + (d.recipients == 1 ? "" : "s") +
                    ", oldest " + FormatDuration(now - d.oldest) + ", e.g. message " +
                    d.example_message_id);
  }
  if (domains.size() > kMaxDomainsPerServer) {
    out.AddLongLine("  ... and " + std::to_string(domains.size() - kMaxDomainsPerServer) +
                    " more recipient domains");
  }
  // The report lists the oldest stalled recipients only (LocalDeliveryConfig::
  // max_stalled_recipients): the domains above count those, and say so when others were left out.
  if (r.stalled_recipients_omitted > 0) {
    uint64_t listed = 0;
    for (const StalledRecipient& s : r.stalled_recipients)
      listed += s.deliveries;
    const uint64_t left_out =
        r.stalled_deliveries > listed ? r.stalled_deliveries - listed : uint64_t{0};
    out.AddLongLine("  ... and " + std::to_string(r.stalled_recipients_omitted) +
                    " more stalled recipients (" + std::to_string(left_out) +
                    " deliveries) not broken down by domain: the domains above count the " +
                    std::to_string(r.stalled_recipients.size()) + " oldest");
  }
}

void RenderStores(const LocalDeliveryReport& r, const StallCorrelation& c, int64_t now,
                  PluginOutput& out) {
  for (const ServerStallScope& scope : c.scopes) {
    if (scope.server == r.server) out.AddLongLine("  scope: " + scope.description);
  }
  size_t shown = 0, more = 0;
  for (const StoreStall& s : c.stores) {
    if (!SameServerName(s.store.server, r.server)) continue;
    if (shown == kMaxStoresPerServer) {
      ++more;
      continue;
    }
    ++shown;
    out.AddLongLine(
        "  " + s.store.Display() + ": " + std::to_string(s.deliveries) + " stalled to " +
        std::to_string(s.recipients) + " recipient" + (s.recipients == 1 ? "" : "s") + ", oldest " +
        FormatDuration(now - s.oldest_first_seen) + ", e.g. message " + s.example_message_id);
  }
  if (more) out.AddLongLine("  ... and " + std::to_string(more) + " more stores");
}

}  // namespace

std::string StatePathFor(const CheckOptions& options, const char* mode,
                         const std::vector<std::string>& input_keys) {
  if (!options.state_file.empty()) return options.state_file == "none" ? "" : options.state_file;
  return DefaultStatePath(mode, input_keys);
}

std::string QueueStatePath(const CheckOptions& options, const char* mode) {
  std::vector<std::string> keys;
  for (const NamedPath& d : options.tracking.dirs)
    keys.push_back(d.server + "=" + d.path);
  return StatePathFor(options, mode, keys);
}

TrackingRunOptions TrackingRunFor(const CheckOptions& options, const char* mode) {
  return MakeTrackingRunOptions(options.tracking, mode, QueueStatePath(options, mode),
                                EvaluationTime(options));
}

Result<TrackingRunResult> CollectQueue(const CheckOptions& options, const char* mode,
                                       const Deadline& deadline) {
  return RunTrackingAnalysis(TrackingRunFor(options, mode), deadline);
}

PluginOutput RunQueueMode(const CheckOptions& options, const Deadline& deadline) {
  PluginOutput out;
  if (options.tracking.dirs.empty() && options.snapshots.files.empty()) {
    out.SetState(PluginState::kUnknown);
    out.AddSummary(
        "queue mode needs --tracking-dir [NAME=]DIR or --queue-snapshot [NAME=]FILE (one per "
        "Exchange server)");
    return out;
  }
  std::optional<TrackingRunResult> tracking;
  if (!options.tracking.dirs.empty()) {
    auto result = CollectQueue(options, "queue", deadline);
    if (!result) {
      const Status& s = result.status();
      out.SetState(s.code() == ErrorCode::kTimeout ? options.timeout_state : PluginState::kUnknown);
      out.AddSummaryKeptWhole(s.message());
      return out;
    }
    tracking = std::move(*result);
  }
  // With LDAP, the servers' message tracking settings are read (a server with tracking off shows
  // no stall in its logs), and stalled recipients are tied to stores. A failing LDAP costs the
  // correlation (recipient domains instead), never the queue result.
  std::optional<StallCorrelation> correlation;
  std::optional<Status> ldap_failure;
  std::optional<AuditReport> audit;
  uint64_t stalled = 0;
  if (tracking) {
    for (const LocalDeliveryReport& r : tracking->servers)
      stalled += r.stalled_deliveries;
  }
  if (!options.ldap.uris.empty() && tracking) {
    auto request = BuildAuditRequest(options, deadline, out);
    if (!request) {
      ldap_failure = request.status();
    } else {
      audit = AuditOverLdap(*request, deadline);
      for (const LdapSourceStatus& source : audit->sources) {
        if (source.up) {
          ldap_failure.reset();
          break;
        }
        if (!ldap_failure) ldap_failure = source.error;
      }
      if (stalled > 0) {
        auto c = CorrelateStalls(tracking->servers, *audit, request->connection, deadline);
        if (c) {
          correlation = std::move(*c);
        } else {
          ldap_failure = c.status();
        }
      }
    }
  }
  // Without stalls, LDAP was asked only for the tracking settings: its failure is a note.
  auto ldap_note = [&](PluginOutput& o) {
    if (!ldap_failure) return;
    if (stalled > 0) {
      AddLdapFailure(*ldap_failure, options, "stalls not tied to stores: ", o);
    } else {
      o.AddLongLine("message tracking settings not read from AD: " + ldap_failure->message());
    }
  };
  if (options.snapshots.files.empty()) {
    RenderQueue(*tracking, options, out, correlation ? &*correlation : nullptr);
    if (audit) RenderTrackingDisabled(*audit, options, out);
    ldap_note(out);
    return out;
  }
  // With a snapshot, every number says which source it comes from.
  auto snapshots = CollectSnapshots(options, deadline);
  if (!snapshots) {
    out.SetState(snapshots.status().code() == ErrorCode::kTimeout ? options.timeout_state
                                                                  : PluginState::kUnknown);
    out.AddSummary(snapshots.status().message());
    return out;
  }
  // The cross-check first: the summary is cut at 200 bytes, and this is what it must not lose.
  if (tracking) RenderQueueComparison(tracking->servers, *snapshots, options, out);
  if (tracking) {
    PluginOutput logs;
    RenderQueue(*tracking, options, logs, correlation ? &*correlation : nullptr);
    if (audit) RenderTrackingDisabled(*audit, options, logs);
    out.Absorb(logs, "tracking logs");
  }
  PluginOutput wmi;
  RenderSnapshots(*snapshots, options, wmi);
  out.Absorb(wmi, "WMI snapshot");
  ldap_note(out);
  return out;
}

void RenderTrackingDisabled(const AuditReport& audit, const CheckOptions& options,
                            PluginOutput& out) {
  for (const NamedPath& dir : options.tracking.dirs) {
    const bool off =
        std::any_of(audit.tracking_disabled.begin(), audit.tracking_disabled.end(),
                    [&](const std::string& s) { return SameServerName(s, dir.server); });
    if (!off) continue;
    const bool snapshot =
        std::any_of(options.snapshots.files.begin(), options.snapshots.files.end(),
                    [&](const NamedPath& q) { return SameServerName(q.server, dir.server); });
    out.AddLongLine(dir.server +
                    ": message tracking is turned off on the server (messageTrackingEnabled "
                    "FALSE in AD): its tracking logs cannot show stalled deliveries; " +
                    (snapshot ? std::string("its WMI queue snapshot still can")
                              : std::string("turn tracking on, or give --queue-snapshot")));
    if (!snapshot) {
      // No stall seen proves nothing for this server: not OK.
      out.Raise(PluginState::kUnknown);
      out.AddSummary(dir.server + ": message tracking is off, its logs cannot show stalls");
    }
  }
}

void RenderQueue(const TrackingRunResult& run_result, const CheckOptions& options,
                 PluginOutput& out, const StallCorrelation* correlation) {
  const TrackingRunResult* result = &run_result;
  const int64_t now = EvaluationTime(options);
  uint64_t stalled = 0, retries = 0, vanished = 0, lines = 0, bad = 0, overflow = 0;
  int64_t oldest_age = 0;
  std::optional<int64_t> oldest_first_seen;
  std::vector<std::string> errors;
  std::vector<std::string> stalled_servers;
  for (const LocalDeliveryReport& r : result->servers) {
    stalled += r.stalled_deliveries;
    retries += r.retries_total;
    vanished += r.vanished_total;
    lines += r.lines_read_this_run;
    bad += r.bad_lines_this_run;
    overflow += r.overflow_total;
    if (r.stalled_deliveries) stalled_servers.push_back(r.server);
    if (r.oldest_stalled_first_seen &&
        (!oldest_first_seen || *r.oldest_stalled_first_seen < *oldest_first_seen)) {
      oldest_first_seen = r.oldest_stalled_first_seen;
      oldest_age = r.oldest_stalled_age_seconds;
    }
    for (const std::string& e : r.file_errors)
      errors.push_back(r.server + ": " + e);
  }

  out.Raise(options.age.Evaluate(static_cast<double>(oldest_age)));
  out.Raise(options.stalled.Evaluate(static_cast<double>(stalled)));
  if (!errors.empty()) {
    out.Raise(PluginState::kUnknown);
    out.AddSummary(errors.front() + (errors.size() > 1
                                         ? " (and " + std::to_string(errors.size() - 1) + " more)"
                                         : ""));
  }
  if (stalled) {
    std::string servers;
    for (const std::string& s : stalled_servers)
      servers += (servers.empty() ? "" : ", ") + s;
    std::string worst;
    if (correlation && !correlation->stores.empty()) {
      const StoreStall& w = correlation->stores.front();
      worst = "; worst store " + w.store.Display() + " (" + std::to_string(w.deliveries) + ")";
      if (correlation->stores.size() > 1) {
        worst += " of " + std::to_string(correlation->stores.size()) + " stores";
      }
    }
    out.AddSummary(std::to_string(stalled) + " stalled local deliver" +
                   (stalled == 1 ? "y" : "ies") + " on " + servers + ", oldest " +
                   FormatDuration(oldest_age) + " (since " + FormatIso8601Utc(*oldest_first_seen) +
                   ")" + worst);
  } else if (errors.empty()) {
    out.AddSummary("no stalled local deliveries (" + std::to_string(result->servers.size()) +
                   " server" + (result->servers.size() == 1 ? "" : "s") + ")");
  }

  out.AddPerf({"stalled_deliveries", static_cast<double>(stalled), "", &options.stalled, 0, {}});
  out.AddPerf({"oldest_stalled_age", static_cast<double>(oldest_age), "s", &options.age, 0, {}});
  out.AddPerf({"retries", static_cast<double>(retries), "c", nullptr, 0, {}});
  out.AddPerf({"vanished", static_cast<double>(vanished), "c", nullptr, 0, {}});
  out.AddPerf({"lines_read", static_cast<double>(lines), "", nullptr, 0, {}});
  out.AddPerf({"bad_lines", static_cast<double>(bad), "", nullptr, 0, {}});
  out.AddPerf({"overflow", static_cast<double>(overflow), "c", nullptr, 0, {}});

  for (const LocalDeliveryReport& r : result->servers) {
    std::string line = r.server + ": " + std::to_string(r.stalled_deliveries) + " stalled";
    if (r.oldest_stalled_first_seen) {
      line += ", oldest " + FormatDuration(r.oldest_stalled_age_seconds) + " (first seen " +
              FormatIso8601Utc(*r.oldest_stalled_first_seen) + ")";
    }
    line += ", " + std::to_string(r.retries_total) + " retries, " +
            std::to_string(r.deliveries_total) + " delivered, " + std::to_string(r.vanished_total) +
            " vanished, " + std::to_string(r.in_flight) + " in flight; read " +
            std::to_string(r.lines_read_this_run) + " lines from " +
            std::to_string(r.files_read_this_run) + " files";
    if (r.last_event_timestamp) line += ", last event " + FormatIso8601Utc(*r.last_event_timestamp);
    out.AddLongLine(line);
    if (correlation) {
      RenderStores(r, *correlation, now, out);
    } else {
      RenderDomains(r, now, out);
    }
    if (r.overflow_total) {
      out.AddLongLine("  in-flight table full (--max-in-flight " +
                      std::to_string(options.tracking.max_in_flight) +
                      "): " + std::to_string(r.overflow_total) + " deliveries not tracked");
    }
    for (const std::string& e : r.file_errors)
      out.AddLongLine("  error: " + e);
    for (const std::string& w : r.warnings)
      out.AddLongLine("  note: " + w);
    for (const BadLineSample& b : r.bad_line_samples) {
      out.AddLongLine("  bad line " + b.file + "@" + std::to_string(b.offset) + ": " + b.reason +
                      ": " + b.excerpt);
    }
  }
  if (correlation && correlation->unmapped_recipients) {
    out.AddLongLine(std::to_string(correlation->unmapped_deliveries) + " stalled deliveries to " +
                    std::to_string(correlation->unmapped_recipients) +
                    " recipients not tied to an audited store");
  }
  if (correlation && !correlation->not_searched.empty()) {
    std::string domains;
    for (const std::string& d : correlation->not_searched)
      domains += (domains.empty() ? "" : ", ") + d;
    out.AddLongLine("recipients not looked up in " + domains +
                    ": no -H server could read it (give a global catalog or one of its DCs)");
  }
  if (correlation && correlation->not_looked_up) {
    out.AddLongLine(std::to_string(correlation->not_looked_up) +
                    " stalled recipients not looked up (lookup bound)");
  }
  for (const std::string& w : result->warnings)
    out.AddLongLine("note: " + w);
  if (overflow) out.Raise(PluginState::kWarning);
}

}  // namespace exdm::check
