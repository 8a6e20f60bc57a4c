#include "exdm/diagnosis/pipeline.h"

#include <future>
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

}  // namespace

CorrelatedDiagnosis CorrelateAndDiagnose(const SourceResults& sources, const Deadline& deadline,
                                         RecipientStoreCache* cache) {
  CorrelatedDiagnosis out;
  // Without a view that answered, CorrelateStalls says why at once, without touching LDAP.
  if (sources.audit && sources.tracking && sources.ldap) {
    auto correlation = CorrelateStalls(*sources.tracking, *sources.audit, sources.ldap->connection,
                                       deadline, cache);
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
  inputs.now = sources.now;
  out.diagnosis = Diagnose(inputs);
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
  GatheredSources out;
  if (ldap.valid()) {
    LdapOutcome outcome = ldap.get();
    out.ldap_request = std::move(outcome.request);
    out.ldap_warning = std::move(outcome.warning);
    out.audit = std::move(outcome.audit);
  }
  if (tracking.valid()) out.tracking = tracking.get();
  if (snapshots.valid()) out.snapshots = snapshots.get();
  if (events.valid()) out.events = events.get();
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
