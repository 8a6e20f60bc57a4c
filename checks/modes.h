// One function per check mode: options in, PluginOutput out. Each is a thin translation of core
// results; the core does the work.
#pragma once

#include "check_options.h"
#include "exdm/ad/ldap_audit.h"
#include "exdm/ad/mailbox_audit.h"
#include "exdm/base/deadline.h"
#include "exdm/diagnosis/pipeline.h"
#include "exdm/diagnosis/store_stalls.h"
#include "exdm/events/evidence.h"
#include "exdm/events/run.h"
#include "exdm/tracking/queue_snapshot.h"
#include "exdm/tracking/run.h"
#include "plugin_output.h"

namespace exdm::check {

PluginOutput RunMode(const CheckOptions& options, const Deadline& deadline);

PluginOutput RunMailboxMode(const CheckOptions& options,
                            const Deadline& deadline);  // mode_mailbox.cc
PluginOutput RunQueueMode(const CheckOptions& options, const Deadline& deadline);  // mode_queue.cc
PluginOutput RunEventsMode(const CheckOptions& options,
                           const Deadline& deadline);                            // mode_events.cc
PluginOutput RunAllMode(const CheckOptions& options, const Deadline& deadline);  // mode_all.cc

// Mailbox audit results into plugin output (mode_mailbox.cc; also used by mode "all").
void RenderMailboxAudit(const AuditReport& report, const CheckOptions& options, PluginOutput& out);

// The state file for `mode`: --state-file, "" (no state) for --state-file none, else the default
// path keyed by mode and inputs (so queue, events and all never share offsets). mode_queue.cc.
std::string StatePathFor(const CheckOptions& options, const char* mode,
                         const std::vector<std::string>& input_keys);
// StatePathFor keyed by the tracking directories.
std::string QueueStatePath(const CheckOptions& options, const char* mode);

// --now, or the wall clock.
int64_t EvaluationTime(const CheckOptions& options);

// Exit codes for an LDAP failure (docs/ARCHITECTURE.md "Exit codes"): unreachable or refused bind
// -> --unreachable-state, own deadline -> the -t state, anything else (no such base, bad URI) ->
// UNKNOWN. mode_mailbox.cc.
PluginState LdapFailureState(const Status& status, const CheckOptions& options);
// Raises to LdapFailureState and puts "<context><message>" in the summary; a message the
// 200-byte summary would cut (a refused certificate's advice) also goes whole to the long output.
void AddLdapFailure(const Status& status, const CheckOptions& options, const std::string& context,
                    PluginOutput& out);

// The LDAP audit request from the options (password from file or environment). mode_mailbox.cc.
Result<LdapAuditRequest> BuildAuditRequest(const CheckOptions& options, const Deadline& deadline,
                                           PluginOutput& out);

// Tracking logs read with `mode`'s own state (consumer and default path), and their rendering.
// mode_queue.cc; also used by mode "all".
TrackingRunOptions TrackingRunFor(const CheckOptions& options, const char* mode);
Result<TrackingRunResult> CollectQueue(const CheckOptions& options, const char* mode,
                                       const Deadline& deadline);
// With `correlation` (LDAP), the long output lists the worst stores per server and the scope;
// without, the recipient domains.
void RenderQueue(const TrackingRunResult& result, const CheckOptions& options, PluginOutput& out,
                 const StallCorrelation* correlation = nullptr);

// Servers of --tracking-dir whose Exchange server object says message tracking is off: a line
// each, and UNKNOWN (no stall seen proves nothing) unless a --queue-snapshot covers the server.
// mode_queue.cc; also used by mode "all".
void RenderTrackingDisabled(const AuditReport& audit, const CheckOptions& options,
                            PluginOutput& out);

// WMI queue snapshots (--queue-snapshot), their rendering (snapshot_* perfdata, one long line
// per server), and the cross-check against the tracking logs. mode_queue_snapshot.cc; also "all".
QueueSnapshotOptions SnapshotReadFor(const CheckOptions& options);
Result<std::vector<QueueSnapshotRead>> CollectSnapshots(const CheckOptions& options,
                                                        const Deadline& deadline);
void RenderSnapshots(const std::vector<QueueSnapshotRead>& reads, const CheckOptions& options,
                     PluginOutput& out);
void RenderQueueComparison(const std::vector<LocalDeliveryReport>& tracking,
                           const std::vector<QueueSnapshotRead>& reads, const CheckOptions& options,
                           PluginOutput& out);

// Event exports read with `mode`'s own state, and their rendering. mode_events.cc; also "all".
EventRunOptions EventRunFor(const CheckOptions& options, const char* mode);
// The run's state-file warnings and notes in the long output; an unwritten state is UNKNOWN.
void RenderEventRunNotes(const EventRunResult& result, PluginOutput& out);
Result<EventEvidence> CollectEvents(const CheckOptions& options, const char* mode,
                                    const Deadline& deadline, PluginOutput& out);
void RenderEvents(const EventEvidence& evidence, const CheckOptions& options, PluginOutput& out);

// The store's own view (--mailbox-snapshot, --dsaccess-snapshot). mode_store.cc; mailbox and all.
bool HasStoreSnapshotSources(const CheckOptions& options);
void AddStoreSnapshotSources(const CheckOptions& options, PipelineRequest& request);
// Each snapshot source's errors (UNKNOWN, or the -t state for the deadline), the store-side
// findings per store, the DCs each server's DSAccess uses and what is wrong with them.
void RenderStoreViews(const GatheredSources& sources, const CorrelatedDiagnosis& result,
                      const CheckOptions& options, PluginOutput& out);
// all's diagnosis: each broken store's stage in KB 828938's repair.
void RenderRepairs(const std::vector<StoreRepair>& repairs, PluginOutput& out);

}  // namespace exdm::check
