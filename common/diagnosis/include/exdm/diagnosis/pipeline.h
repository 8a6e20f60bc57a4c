// The pipeline both front ends run (docs/ARCHITECTURE.md "Data flow"): LDAP audit, tracking logs,
// queue snapshots and event exports, then stalls tied to stores and one diagnosis per store.
//
// Two halves:
//  - GatherSources reads every configured source at once, each on its own thread and bounded by
//    the deadline, so a directory server that never answers costs the local sources nothing (and
//    a hung share costs the audit nothing). Each source's outcome is its own: a failure or a
//    timeout leaves the others' results whole.
//  - CorrelateAndDiagnose takes the sources' results, wherever they come from: from
//    GatherSources (the check's `all`, through RunPipeline), or from the exporter's collectors,
//    which hold their latest results and so never read a source twice. It ties stalled
//    recipients to stores through the first audit view that answered (skipped, with the reason,
//    when none did), then diagnoses (diagnosis.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "exdm/ad/ldap_audit.h"
#include "exdm/ad/ldap_settings.h"
#include "exdm/ad/mailbox_audit.h"
#include "exdm/base/deadline.h"
#include "exdm/base/status.h"
#include "exdm/diagnosis/diagnosis.h"
#include "exdm/diagnosis/recipient_stores.h"
#include "exdm/diagnosis/store_stalls.h"
#include "exdm/events/run.h"
#include "exdm/tracking/queue_snapshot.h"
#include "exdm/tracking/run.h"

namespace exdm {

// What the sources produced; null where a source is not configured or produced nothing.
struct SourceResults {
  const AuditReport* audit = nullptr;      // possibly with no view up: then it checked nothing
  const LdapAuditRequest* ldap = nullptr;  // the audit's credentials and base, for lookups
  const std::vector<LocalDeliveryReport>* tracking = nullptr;
  const EventEvidence* events = nullptr;
  int64_t now = 0;  // evaluation time (UNIX seconds)
};

struct CorrelatedDiagnosis {
  // Stalled recipients tied to stores; none when there is no audit, no tracking or no LDAP
  // request, or when correlation_status says why not (no view answered, the lookup failed).
  std::optional<StallCorrelation> correlation;
  Status correlation_status;
  Diagnosis diagnosis;
};

// The second half: correlation over LDAP (bounded by `deadline`, answers cached in `cache` when
// given) and the diagnosis.
CorrelatedDiagnosis CorrelateAndDiagnose(const SourceResults& sources, const Deadline& deadline,
                                         RecipientStoreCache* cache = nullptr);

// What AD holds for each 326 GUID no audited store has (logon_failure_lookup.h), through the
// first audit view that answered. Not ok: what failed (the entries not searched stay as they are).
Status ExplainUnmatchedOverLdap(const SourceResults& sources,
                                std::vector<UnmatchedLogonFailure>& unmatched,
                                const Deadline& deadline);

// The first half's input: the sources to read (unset: not configured), each run's options
// already built (settings.h of each module), and the evaluation time.
struct PipelineRequest {
  std::optional<LdapSettings> ldap;
  std::optional<TrackingRunOptions> tracking;
  std::optional<QueueSnapshotOptions> snapshots;
  std::optional<EventRunOptions> events;
  int64_t now = 0;
};

// Each configured source's outcome (unset: not configured).
struct GatheredSources {
  std::optional<Result<LdapAuditRequest>> ldap_request;  // refused: no password, unreadable file
  std::string ldap_warning;          // e.g. a password file others can read (it still works)
  std::optional<AuditReport> audit;  // when the request was built; its sources say which answered
  std::optional<Result<TrackingRunResult>> tracking;
  std::optional<Result<std::vector<QueueSnapshotRead>>> snapshots;
  std::optional<Result<EventRunResult>> events;

  // Pointers into this, for CorrelateAndDiagnose.
  SourceResults Results(int64_t now) const;
};

GatheredSources GatherSources(const PipelineRequest& request, const Deadline& deadline);

// The whole pipeline, for the check's `all`: both halves and the 326 GUID lookups.
struct PipelineRun {
  GatheredSources sources;
  CorrelatedDiagnosis result;
  Status unmatched_lookup;  // not ok: 326 GUIDs not searched in AD, and why
};

PipelineRun RunPipeline(const PipelineRequest& request, const Deadline& deadline);

}  // namespace exdm
