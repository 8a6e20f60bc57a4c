#include "exdm/diagnosis/pipeline.h"

#include <future>
#include <map>
#include <utility>

#include "exdm/diagnosis/logon_failure_lookup.h"

namespace exdm {
namespace {

const LdapSourceStatus* FirstViewUp(const AuditReport& audit) {
  for (const LdapSourceStatus& s : audit.sources)
    if (s.up) return &s;
  return nullptr;
}

struct LdapOutcome {
  Result<LdapAuditRequest> request = Status(ErrorCode::kInternal, "not built");
  std::string warning;
  std::optional<AuditReport> audit;
};

LdapOutcome AuditSource(const LdapSettings& settings, const Deadline& deadline) {
  LdapOutcome out;
  out.request = MakeAuditRequest(settings, &out.warning, deadline);
  if (out.request) out.audit = AuditOverLdap(*out.request, deadline);
  return out;
}

// 326 in the window: a store the fault was seen on may be repaired since, and its deliveries
// tell (the repair's step 7).
bool LogonFailuresSeen(const EventEvidence* events) {
  return events != nullptr && events->LogonFailures() > 0;
}

// The stores the fault was seen on, and when last: still stalled now, else the latest 326. Only
// stores the audit names (a store known by GUID only has no place in the repair's list).
std::map<StoreRef, int64_t> FaultSeen(const Diagnosis& diagnosis, int64_t now) {
  std::map<StoreRef, int64_t> seen;
  for (const StoreDiagnosis& d : diagnosis.stores) {
    if (d.store.store.empty()) continue;
    if (d.stalled_deliveries > 0) {
      seen[d.store] = now;
    } else if (d.last_logon_failure) {
      seen[d.store] = *d.last_logon_failure;
    }
  }
  return seen;
}

std::vector<StoreRepair> Repairs(const SourceResults& sources, const CorrelatedDiagnosis& out) {
  RepairStageInputs in;
  in.audit = sources.audit;
  in.store_side = out.store_side ? &*out.store_side : nullptr;
  in.fault_seen = FaultSeen(out.diagnosis, sources.now);
  if (out.correlation) {
    for (const auto& [store, flow] : out.correlation->delivered) {
      // Mail flows again only when it was delivered after the fault was last seen.
      const auto seen = in.fault_seen.find(store);
      if (seen != in.fault_seen.end() && flow.last > seen->second) in.deliveries[store] = flow;
    }
  }
  return RepairStages(in);
}

}  // namespace

CorrelatedDiagnosis CorrelateAndDiagnose(const SourceResults& sources, const Deadline& deadline,
                                         RecipientStoreCache* cache) {
  CorrelatedDiagnosis out;
  if (sources.mailboxes) {
    out.store_side =
        AnalyzeStoreSide(*sources.mailboxes, sources.audit, sources.recovery_group_name);
  }
  if (sources.dsaccess) out.dsaccess = AnalyzeDsAccess(*sources.dsaccess, sources.audit);
  // Without a view that answered, CorrelateStalls says why at once, without touching LDAP.
  if (sources.audit && sources.tracking && sources.ldap) {
    auto correlation = CorrelateStalls(*sources.tracking, *sources.audit, sources.ldap->connection,
                                       deadline, cache, LogonFailuresSeen(sources.events));
    if (correlation) {
      out.correlation = std::move(*correlation);
    } else {
      out.correlation_status = correlation.status();
    }
  }
  DiagnosisInputs inputs;
  inputs.audit = sources.audit;
  inputs.queue = sources.tracking;
  if (out.correlation) {
    inputs.recipient_store = out.correlation->store_of;
    inputs.public_folder_recipients = out.correlation->public_folders;
    inputs.stall_scopes = &out.correlation->scopes;
  }
  inputs.events = sources.events;
  inputs.dsaccess = out.dsaccess ? &*out.dsaccess : nullptr;
  inputs.now = sources.now;
  out.diagnosis = Diagnose(inputs);
  out.repairs = Repairs(sources, out);
  return out;
}

Status ExplainUnmatchedOverLdap(const SourceResults& sources,
                                std::vector<UnmatchedLogonFailure>& unmatched,
                                const Deadline& deadline) {
  if (unmatched.empty() || !sources.audit || !sources.ldap) return Status::Ok();
  const LdapSourceStatus* up = FirstViewUp(*sources.audit);
  if (!up) return Status::Ok();
  LogonFailureLookup lookup;
  lookup.connection = sources.ldap->connection;
  lookup.connection.uri = up->uri;
  lookup.base = sources.ldap->discovery.base;
  lookup.audited_servers = sources.audit->servers;
  return ExplainUnmatchedLogonFailures(lookup, unmatched, deadline);
}

SourceResults GatheredSources::Results(int64_t now) const {
  SourceResults r;
  r.audit = audit ? &*audit : nullptr;
  r.ldap = ldap_request && ldap_request->ok() ? &**ldap_request : nullptr;
  r.tracking = tracking && tracking->ok() ? &(*tracking)->servers : nullptr;
  r.events = events && events->ok() ? &(*events)->evidence : nullptr;
  r.mailboxes = mailboxes && mailboxes->ok() ? &mailbox_snapshots : nullptr;
  r.dsaccess = dsaccess && dsaccess->ok() ? &dsaccess_snapshots : nullptr;
  r.recovery_group_name = recovery_group_name;
  r.now = now;
  return r;
}

GatheredSources GatherSources(const PipelineRequest& request, const Deadline& deadline) {
  // One thread per source. Each call is bounded by the deadline on its own (LDAP through its
  // timeouts, file reads through bounded_call.h), so every get() below returns by then.
  std::future<LdapOutcome> ldap;
  std::future<Result<TrackingRunResult>> tracking;
  std::future<Result<std::vector<QueueSnapshotRead>>> snapshots;
  std::future<Result<EventRunResult>> events;
  std::future<Result<std::vector<MailboxSnapshotRead>>> mailboxes;
  std::future<Result<std::vector<DsAccessSnapshotRead>>> dsaccess;
  if (request.ldap) {
    ldap = std::async(std::launch::async, AuditSource, std::cref(*request.ldap), deadline);
  }
  if (request.tracking) {
    tracking =
        std::async(std::launch::async, RunTrackingAnalysis, std::cref(*request.tracking), deadline);
  }
  if (request.snapshots) {
    snapshots =
        std::async(std::launch::async, ReadQueueSnapshots, std::cref(*request.snapshots), deadline);
  }
  if (request.events) {
    events = std::async(std::launch::async, RunEventAnalysis, std::cref(*request.events), deadline);
  }
  if (request.mailboxes) {
    mailboxes = std::async(std::launch::async, ReadMailboxSnapshots, std::cref(*request.mailboxes),
                           deadline);
  }
  if (request.dsaccess) {
    dsaccess = std::async(std::launch::async, ReadDsAccessSnapshots, std::cref(*request.dsaccess),
                          deadline);
  }
  GatheredSources out;
  out.recovery_group_name = request.recovery_group_name;
  if (ldap.valid()) {
    LdapOutcome outcome = ldap.get();
    out.ldap_request = std::move(outcome.request);
    out.ldap_warning = std::move(outcome.warning);
    out.audit = std::move(outcome.audit);
  }
  if (tracking.valid()) out.tracking = tracking.get();
  if (snapshots.valid()) out.snapshots = snapshots.get();
  if (events.valid()) out.events = events.get();
  if (mailboxes.valid()) {
    out.mailboxes = mailboxes.get();
    if (out.mailboxes->ok()) out.mailbox_snapshots = GoodSnapshots(**out.mailboxes);
  }
  if (dsaccess.valid()) {
    out.dsaccess = dsaccess.get();
    if (out.dsaccess->ok()) out.dsaccess_snapshots = GoodSnapshots(**out.dsaccess);
  }
  return out;
}

PipelineRun RunPipeline(const PipelineRequest& request, const Deadline& deadline) {
  PipelineRun run;
  run.sources = GatherSources(request, deadline);
  const SourceResults results = run.sources.Results(request.now);
  run.result = CorrelateAndDiagnose(results, deadline);
  run.unmatched_lookup =
      ExplainUnmatchedOverLdap(results, run.result.diagnosis.unmatched, deadline);
  return run;
}

}  // namespace exdm
