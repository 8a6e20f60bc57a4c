// `all`: every configured source (LDAP audit, tracking logs, WMI queue snapshots, event exports),
// one diagnosis per affected store (core: exdm/diagnosis.h), worst state wins. A source that fails
// contributes its own state and says so, and never hides what the others found.
#include <algorithm>
#include <optional>

#include "exdm/diagnosis/diagnosis.h"
#include "exdm/diagnosis/logon_failure_lookup.h"
#include "exdm/diagnosis/store_stalls.h"
#include "modes.h"

namespace exdm::check {
namespace {

constexpr size_t kStoresInSummary = 2;

PluginState FailureState(const Status& s, const CheckOptions& o) {
  return s.code() == ErrorCode::kTimeout ? o.timeout_state : PluginState::kUnknown;
}

// "all" keeps its own offsets: never those of `queue` or `events` (docs/ARCHITECTURE.md "State
// files"), and the two sources never share one state file.
CheckOptions WithStateSuffix(const CheckOptions& o, const char* suffix) {
  CheckOptions copy = o;
  if (!o.state_file.empty() && o.state_file != "none") copy.state_file = o.state_file + suffix;
  return copy;
}

std::string RepairText(const AuditReport& audit, const StoreRef& store) {
  for (const GatewayRepair& r : audit.repairs) {
    if (r.store == store) return DescribeRepair(r);
  }
  return "";
}

// 326 for a GUID no audited store has: search AD for it through the first view that answered.
// Returns a note when the search failed.
std::string ExplainUnmatched(const std::optional<AuditReport>& audit,
                             const std::optional<LdapAuditRequest>& request,
                             const Deadline& deadline,
                             std::vector<UnmatchedLogonFailure>& unmatched) {
  if (unmatched.empty() || !audit || !request) return "";
  for (const LdapSourceStatus& s : audit->sources) {
    if (!s.up) continue;
    LogonFailureLookup lookup;
    lookup.connection = request->connection;
    lookup.connection.uri = s.uri;
    lookup.base = request->discovery.base;
    lookup.audited_servers = audit->servers;
    Status st = ExplainUnmatchedLogonFailures(lookup, unmatched, deadline);
    return st.ok() ? "" : "326 GUIDs not searched in AD: " + st.message();
  }
  return "";
}

}  // namespace

PluginOutput RunAllMode(const CheckOptions& o, const Deadline& deadline) {
  PluginOutput out;
  if (o.ldap_uris.empty() && o.tracking_dirs.empty() && o.event_files.empty() &&
      o.queue_snapshots.empty()) {
    out.SetState(PluginState::kUnknown);
    out.AddSummary(
        "mode all needs at least one source: -H, --tracking-dir, --queue-snapshot or "
        "--event-file");
    return out;
  }
  const int64_t now = EvaluationTime(o);

  std::optional<AuditReport> audit;
  std::optional<LdapAuditRequest> request;
  PluginOutput mailbox;
  if (!o.ldap_uris.empty()) {
    auto r = BuildAuditRequest(o, mailbox);
    if (!r) {
      mailbox.SetState(PluginState::kUnknown);
      mailbox.AddSummary(r.status().message());
      mailbox.AddLongLine("failed: " + r.status().message());
    } else {
      request = std::move(*r);
      audit = AuditOverLdap(*request, deadline);
      RenderMailboxAudit(*audit, o, mailbox);
      // The status line may be cut after the stores' diagnoses: the failure also goes below.
      for (const LdapSourceStatus& s : audit->sources)
        if (!s.up) mailbox.AddLongLine("failed: " + s.error->message());
    }
  }

  std::optional<TrackingRunResult> queue;
  PluginOutput queue_out;
  if (!o.tracking_dirs.empty()) {
    auto r = CollectQueue(WithStateSuffix(o, ".queue"), "all", deadline);
    if (!r) {
      queue_out.SetState(FailureState(r.status(), o));
      queue_out.AddSummary(r.status().message());
      queue_out.AddLongLine("failed: " + r.status().message());
    } else {
      queue = std::move(*r);  // rendered below, with the stores its stalls are tied to
    }
  }

  // WMI queue snapshots: their own numbers (same thresholds), and the cross-check with the logs.
  PluginOutput snapshot_out;
  if (!o.queue_snapshots.empty()) {
    auto r = CollectSnapshots(o, deadline);
    if (!r) {
      snapshot_out.SetState(FailureState(r.status(), o));
      snapshot_out.AddSummary(r.status().message());
      snapshot_out.AddLongLine("failed: " + r.status().message());
    } else {
      RenderSnapshots(*r, o, snapshot_out);
      if (queue) RenderQueueComparison(queue->servers, *r, o, snapshot_out);
    }
  }

  std::optional<EventEvidence> events;
  PluginOutput events_out;
  if (!o.event_files.empty()) {
    auto r = CollectEvents(WithStateSuffix(o, ".events"), "all-events", deadline, events_out);
    if (!r) {
      events_out.SetState(FailureState(r.status(), o));
      events_out.AddSummary(r.status().message());
      events_out.AddLongLine("failed: " + r.status().message());
    } else {
      events = std::move(*r);
      RenderEvents(*events, o, events_out);
    }
  }

  // Stalled recipients -> stores, through the first LDAP view that answered (core: store_stalls.h).
  std::optional<StallCorrelation> recipients;
  std::string correlation_note;
  if (audit && queue && request) {
    auto r = CorrelateStalls(queue->servers, *audit, request->connection, deadline);
    if (r) {
      recipients = std::move(*r);
    } else {
      correlation_note = "stalled recipients not tied to stores: " + r.status().message();
    }
  }
  if (queue) RenderQueue(*queue, o, queue_out, recipients ? &*recipients : nullptr);
  if (queue && audit) RenderTrackingDisabled(*audit, o, queue_out);

  DiagnosisInputs inputs;
  inputs.audit = audit ? &*audit : nullptr;
  inputs.queue = queue ? &queue->servers : nullptr;
  if (recipients) {
    inputs.recipient_store = recipients->store_of;
    inputs.public_folder_recipients = recipients->public_folders;
    inputs.stall_scopes = &recipients->scopes;
  }
  inputs.events = events ? &*events : nullptr;
  inputs.now = now;
  Diagnosis diagnosis = Diagnose(inputs);
  std::string unmatched_note = ExplainUnmatched(audit, request, deadline, diagnosis.unmatched);

  // Affected stores first (this fault before look-alikes), then each source's own summary.
  std::vector<const StoreDiagnosis*> stores;
  for (const StoreDiagnosis& d : diagnosis.stores)
    stores.push_back(&d);
  std::stable_sort(stores.begin(), stores.end(), [](const auto* a, const auto* b) {
    return static_cast<int>(a->kind) < static_cast<int>(b->kind);
  });
  for (size_t i = 0; i < stores.size(); ++i) {
    if (i == kStoresInSummary) {
      out.AddSummary("+" + std::to_string(stores.size() - i) + " more stores");
      break;
    }
    out.AddSummary(stores[i]->summary);
  }
  if (!stores.empty() || !diagnosis.servers.empty()) out.AddLongLine("Diagnosis:");
  for (const StoreDiagnosis* d : stores) {
    out.AddLongLine("* [" + std::string(DiagnosisKindName(d->kind)) + "] " + d->summary);
    if (audit && d->kind == DiagnosisKind::kSmtpMailbox) {
      const std::string repair = RepairText(*audit, d->store);
      if (!repair.empty()) out.AddLongLine("  repair: " + repair);
    }
  }
  for (const ServerDiagnosis& d : diagnosis.servers) {
    out.AddLongLine("* [" + std::string(DiagnosisKindName(d.kind)) + "] " + d.summary);
  }
  for (const UnmatchedLogonFailure& u : diagnosis.unmatched) {
    out.AddLongLine("* " + u.server + ": " + std::to_string(u.count) +
                    " store-driver logon failures (326) for {" + u.store_guid +
                    "}, a store no audited view knows: gateway " + u.gateway_dn);
    if (!u.found.empty()) out.AddLongLine("  in AD: " + u.found);
  }
  if (!unmatched_note.empty()) out.AddLongLine(unmatched_note);
  if (!correlation_note.empty()) out.AddLongLine(correlation_note);

  if (!o.ldap_uris.empty()) out.Absorb(mailbox, "mailbox");
  if (!o.tracking_dirs.empty()) out.Absorb(queue_out, "queue");
  if (!o.queue_snapshots.empty()) out.Absorb(snapshot_out, "queue snapshot");
  if (!o.event_files.empty()) out.Absorb(events_out, "events");
  return out;
}

}  // namespace exdm::check
