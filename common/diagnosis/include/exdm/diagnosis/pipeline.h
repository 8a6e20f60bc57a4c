// The pipeline both front ends run (docs/ARCHITECTURE.md "Data flow"): LDAP audit, tracking logs,
// queue snapshots, event exports and the store snapshots (mailboxes, DSAccess), then stalls tied
// to stores, the store-side findings, the DSAccess view, one diagnosis per store and each broken
// store's stage in KB 828938's repair.
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
#include "exdm/diagnosis/dsaccess_view.h"
#include "exdm/diagnosis/recipient_stores.h"
#include "exdm/diagnosis/repair_stage.h"
#include "exdm/diagnosis/store_side.h"
#include "exdm/diagnosis/store_stalls.h"
#include "exdm/events/run.h"
#include "exdm/store/dsaccess_snapshot.h"
#include "exdm/store/mailbox_snapshot.h"
#include "exdm/tracking/queue_snapshot.h"
#include "exdm/tracking/run.h"

namespace exdm {

// What the sources produced; null where a source is not configured or produced nothing.
struct SourceResults {
  const AuditReport* audit = nullptr;      // possibly with no view up: then it checked nothing
  const LdapAuditRequest* ldap = nullptr;  // the audit's credentials and base, for lookups
  const std::vector<LocalDeliveryReport>* tracking = nullptr;
  const EventEvidence* events = nullptr;
  const std::vector<MailboxSnapshot>* mailboxes = nullptr;  // the snapshots that were read
  const std::vector<DsAccessSnapshot>* dsaccess = nullptr;
  // The recovery storage group name rule for stores the audit does not know (store_side.h):
  // --recovery-group-name / [ldap] recovery_group_name, also without an audit.
  std::string recovery_group_name = kDefaultRecoveryGroupName;
  int64_t now = 0;  // evaluation time (UNIX seconds)
};

struct CorrelatedDiagnosis {
  // Stalled recipients tied to stores; none when there is no audit, no tracking or no LDAP
  // request, or when correlation_status says why not (no view answered, the lookup failed).
  std::optional<StallCorrelation> correlation;
  Status correlation_status;
  Diagnosis diagnosis;
  std::optional<StoreSideReport> store_side;  // with mailbox snapshots (store_side.h)
  std::optional<DsAccessView> dsaccess;       // with DSAccess snapshots (dsaccess_view.h)
  // Each store in KB 828938's repair (repair_stage.h): AD findings on its SMTP mailbox,
  // store-side findings, or the fault seen on it (326 in the window, stalled deliveries).
  std::vector<StoreRepair> repairs;
};

// The second half: correlation over LDAP (bounded by `deadline`, answers cached in `cache` when
// given; the delivered recipients are looked up too while the events show 326, so that a
// repaired store's deliveries are counted), the store-side and DSAccess analyses, the diagnosis
// and the repair stages.
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
  std::optional<StoreSnapshotOptions> mailboxes;  // mailbox snapshots (store/settings.h)
  std::optional<StoreSnapshotOptions> dsaccess;   // DSAccess snapshots
  std::string recovery_group_name = kDefaultRecoveryGroupName;  // as SourceResults says
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
  std::optional<Result<std::vector<MailboxSnapshotRead>>> mailboxes;
  std::optional<Result<std::vector<DsAccessSnapshotRead>>> dsaccess;
  std::vector<MailboxSnapshot> mailbox_snapshots;  // the ones read (GoodSnapshots)
  std::vector<DsAccessSnapshot> dsaccess_snapshots;
  std::string recovery_group_name = kDefaultRecoveryGroupName;  // the request's

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
