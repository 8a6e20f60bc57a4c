// `all`: every configured source (LDAP audit, tracking logs, WMI queue snapshots, event exports),
// read at once by the core's pipeline (exdm/diagnosis/pipeline.h), one diagnosis per affected
// store, worst state wins. A source that fails or runs out of time contributes its own state and
// says so, and never hides what the others found.
#include <algorithm>
#include <chrono>

#include "exdm/diagnosis/diagnosis.h"
#include "exdm/diagnosis/pipeline.h"
#include "modes.h"

namespace exdm::check {
namespace {

constexpr size_t kStoresInSummary = 2;

// The sources are read at once and may all take until the deadline; what comes after them (the
// lookups, the rendering) must still finish before it, so that what the sources found is printed
// and never lost to the -t alarm. They stop this much earlier: a tenth of the time left, at least
// 0.1 s and at most 1 s.
Deadline SourcesDeadline(const Deadline& deadline) {
  using std::chrono::milliseconds;
  const milliseconds left = deadline.Remaining();
  const milliseconds reserve = std::clamp(left / 10, milliseconds(100), milliseconds(1000));
  return Deadline::After(left > reserve ? left - reserve : milliseconds(0));
}

PluginState FailureState(const Status& s, const CheckOptions& o) {
  return s.code() == ErrorCode::kTimeout ? o.timeout_state : PluginState::kUnknown;
}

void AddSourceFailure(const Status& s, const CheckOptions& o, PluginOutput& out) {
  out.SetState(FailureState(s, o));
  out.AddSummary(s.message());
  out.AddLongLine("failed: " + s.message());
}

// "all" keeps its own offsets: never those of `queue` or `events` (docs/ARCHITECTURE.md "State
// files"), and the two sources never share one state file.
CheckOptions WithStateSuffix(const CheckOptions& o, const char* suffix) {
  CheckOptions copy = o;
  if (!o.state_file.empty() && o.state_file != "none") copy.state_file = o.state_file + suffix;
  return copy;
}

PipelineRequest RequestFor(const CheckOptions& o) {
  PipelineRequest request;
  request.now = EvaluationTime(o);
  if (!o.ldap.uris.empty()) request.ldap = o.ldap;
  if (!o.tracking.dirs.empty())
    request.tracking = TrackingRunFor(WithStateSuffix(o, ".queue"), "all");
  if (!o.snapshots.files.empty()) request.snapshots = SnapshotReadFor(o);
  if (!o.events.files.empty()) {
    request.events = EventRunFor(WithStateSuffix(o, ".events"), "all-events");
  }
  AddStoreSnapshotSources(o, request);
  return request;
}

std::string RepairText(const AuditReport& audit, const StoreRef& store) {
  for (const GatewayRepair& r : audit.repairs) {
    if (r.store == store) return DescribeRepair(r);
  }
  return "";
}

// Each source's own output, as its mode renders it.
PluginOutput RenderMailbox(const GatheredSources& sources, const CorrelatedDiagnosis& result,
                           const CheckOptions& o) {
  PluginOutput mailbox;
  if (!sources.ldap_warning.empty()) mailbox.AddLongLine("warning: " + sources.ldap_warning);
  if (!sources.ldap_request->ok()) {
    const Status& s = sources.ldap_request->status();
    mailbox.SetState(PluginState::kUnknown);
    mailbox.AddSummary(s.message());
    mailbox.AddLongLine("failed: " + s.message());
    return mailbox;
  }
  RenderMailboxAudit(*sources.audit, o, mailbox);
  // The status line may be cut after the stores' diagnoses: the failure also goes below.
  for (const LdapSourceStatus& s : sources.audit->sources)
    if (!s.up) mailbox.AddLongLine("failed: " + s.error->message());
  // The store's own view, per store with the AD findings.
  RenderStoreViews(sources, result, o, mailbox);
  return mailbox;
}

PluginOutput RenderTracking(const GatheredSources& sources, const CorrelatedDiagnosis& result,
                            const CheckOptions& o) {
  PluginOutput queue;
  if (!sources.tracking->ok()) {
    AddSourceFailure(sources.tracking->status(), o, queue);
    return queue;
  }
  RenderQueue(**sources.tracking, o, queue, result.correlation ? &*result.correlation : nullptr);
  // A server with message tracking off shows no stall in its logs: never a silent OK.
  if (sources.audit) RenderTrackingDisabled(*sources.audit, o, queue);
  return queue;
}

// WMI queue snapshots: their own numbers (same thresholds), and the cross-check with the logs.
PluginOutput RenderSnapshotSource(const GatheredSources& sources, const CheckOptions& o) {
  PluginOutput snapshot;
  if (!sources.snapshots->ok()) {
    AddSourceFailure(sources.snapshots->status(), o, snapshot);
    return snapshot;
  }
  RenderSnapshots(**sources.snapshots, o, snapshot);
  if (sources.tracking && sources.tracking->ok()) {
    RenderQueueComparison((*sources.tracking)->servers, **sources.snapshots, o, snapshot);
  }
  return snapshot;
}

PluginOutput RenderEventSource(const GatheredSources& sources, const CheckOptions& o) {
  PluginOutput events;
  if (!sources.events->ok()) {
    AddSourceFailure(sources.events->status(), o, events);
    return events;
  }
  RenderEventRunNotes(**sources.events, events);
  RenderEvents((*sources.events)->evidence, o, events);
  return events;
}

// Affected stores first (this fault before look-alikes), then the server-wide look-alikes, the
// 326 GUIDs no store has, and what could not be looked up.
void RenderDiagnosis(const PipelineRun& run, PluginOutput& out) {
  const Diagnosis& diagnosis = run.result.diagnosis;
  const AuditReport* audit = run.sources.audit ? &*run.sources.audit : nullptr;
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
    out.AddLongLineWrapped("* [" + std::string(DiagnosisKindName(d->kind)) + "] " + d->summary);
    if (audit && d->kind == DiagnosisKind::kSmtpMailbox) {
      const std::string repair = RepairText(*audit, d->store);
      if (!repair.empty()) out.AddLongLine("  repair: " + repair);
    }
  }
  for (const ServerDiagnosis& d : diagnosis.servers) {
    out.AddLongLineWrapped("* [" + std::string(DiagnosisKindName(d.kind)) + "] " + d.summary);
  }
  for (const UnmatchedLogonFailure& u : diagnosis.unmatched) {
    out.AddLongLine("* " + u.server + ": " + std::to_string(u.count) +
                    " store-driver logon failures (326) for {" + u.store_guid +
                    "}, a store no audited view knows: gateway " + u.gateway_dn);
    if (!u.found.empty()) out.AddLongLine("  in AD: " + u.found);
  }
  if (!run.unmatched_lookup.ok()) {
    out.AddLongLine("326 GUIDs not searched in AD: " + run.unmatched_lookup.message());
  }
  if (!run.result.correlation_status.ok()) {
    out.AddLongLine("stalled recipients not tied to stores: " +
                    run.result.correlation_status.message());
  }
  RenderRepairs(run.result.repairs, out);
}

}  // namespace

PluginOutput RunAllMode(const CheckOptions& o, const Deadline& deadline) {
  PluginOutput out;
  if (o.ldap.uris.empty() && o.tracking.dirs.empty() && o.events.files.empty() &&
      o.snapshots.files.empty() && !HasStoreSnapshotSources(o)) {
    out.SetState(PluginState::kUnknown);
    out.AddSummary(
        "mode all needs at least one source: -H, --tracking-dir, --queue-snapshot, "
        "--event-file, --mailbox-snapshot or --dsaccess-snapshot");
    return out;
  }
  const PipelineRun run = RunPipeline(RequestFor(o), SourcesDeadline(deadline));
  RenderDiagnosis(run, out);
  const GatheredSources& sources = run.sources;
  if (sources.ldap_request) {
    out.Absorb(RenderMailbox(sources, run.result, o), "mailbox");
  } else if (HasStoreSnapshotSources(o)) {
    // Without -H the store snapshots are judged on their own.
    PluginOutput store;
    RenderStoreViews(sources, run.result, o, store);
    out.Absorb(store, "store");
  }
  if (sources.tracking) out.Absorb(RenderTracking(sources, run.result, o), "queue");
  if (sources.snapshots) out.Absorb(RenderSnapshotSource(sources, o), "queue snapshot");
  if (sources.events) out.Absorb(RenderEventSource(sources, o), "events");
  return out;
}

}  // namespace exdm::check
