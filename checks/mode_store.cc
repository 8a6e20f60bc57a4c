// The store's own view (--mailbox-snapshot, --dsaccess-snapshot) in mailbox and all: the
// store-side findings listed per store beside the AD ones, the DCs each server's DSAccess uses
// (down or out of sync: WARNING; a GC no -H audits: the -H to add), and in all's diagnosis each
// broken store's stage in KB 828938's repair. The core judges (store_side.h, dsaccess_view.h,
// repair_stage.h, through the pipeline); this only renders.
#include <algorithm>
#include <set>

#include "exdm/base/time_util.h"
#include "exdm/store/settings.h"
#include "modes.h"

namespace exdm::check {
namespace {

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A snapshot source that failed as a whole (the deadline) or per file: UNKNOWN (or the -t state
// for the deadline) with the reason, as for queue snapshots. Returns whether the source was read.
template <typename Read>
bool RenderReadErrors(const std::optional<Result<std::vector<Read>>>& reads, const char* what,
                      const CheckOptions& o, PluginOutput& out) {
  if (!reads) return false;
  if (!reads->ok()) {
    const Status& s = reads->status();
    out.Raise(s.code() == ErrorCode::kTimeout ? o.timeout_state : PluginState::kUnknown);
    out.AddSummary(std::string(what) + ": " + s.message());
    out.AddLongLine("failed: " + std::string(what) + ": " + s.message());
    return false;
  }
  std::vector<std::string> errors;  // each names its file, its server and what is wrong
  for (const Read& r : **reads) {
    if (r.snapshot) continue;
    errors.push_back(r.error.message());
    out.AddLongLine("[UNKNOWN] " + r.error.message());
  }
  if (!errors.empty()) {
    out.Raise(PluginState::kUnknown);
    out.AddSummary(errors.front() + (errors.size() > 1
                                         ? " (and " + std::to_string(errors.size() - 1) + " more)"
                                         : ""));
  }
  return true;
}

void RenderStoreSide(const StoreSideReport& report, PluginOutput& out) {
  std::set<std::string> kinds;
  for (const StoreFinding& f : report.findings) {
    const PluginState state = StateOf(DefaultSeverity(f.kind));
    out.Raise(state);
    kinds.insert(std::string(StoreFindingName(f.kind)));
    out.AddLongLine("[" + std::string(StateName(state)) + "] " + f.store.Display() + ": " +
                    std::string(StoreFindingName(f.kind)) + " - " + DescribeStoreFinding(f));
  }
  if (!report.findings.empty()) {
    std::string list;
    for (const std::string& k : kinds)
      list += (list.empty() ? "" : ", ") + k;
    out.AddSummary(Plural(report.findings.size(), "store-side finding", "store-side findings") +
                   " (" + list + ")");
  }
  size_t mounted = 0;
  for (const StoreMailboxState& s : report.stores)
    mounted += s.mounted ? 1 : 0;
  out.AddLongLine("store mailbox tables: " + Plural(report.servers.size(), "server", "servers") +
                  ", " + Plural(report.stores.size(), "store", "stores") + " judged, " +
                  std::to_string(mounted) + " mounted");
  out.AddPerf({"store_findings", static_cast<double>(report.findings.size()), "", nullptr, 0.0,
               std::nullopt});
}

std::string DcState(const DsAccessDc& dc) {
  return std::string(DsAccessRoleText(dc.role)) + (dc.up ? ", up" : ", DOWN") +
         (dc.in_sync ? "" : ", out of sync");
}

void RenderDsAccess(const DsAccessView& view, const std::vector<DsAccessSnapshot>& snapshots,
                    PluginOutput& out) {
  for (const DsAccessSnapshot& s : snapshots) {
    std::string line = s.server + " uses";
    if (s.dcs.empty()) line += " no DC DSAccess lists";
    for (size_t i = 0; i < s.dcs.size(); ++i)
      line += (i ? ", " : " ") + s.dcs[i].name + " (" + DcState(s.dcs[i]) + ")";
    out.AddLongLine(line + " (DSAccess, " + FormatIso8601Utc(s.taken_at) + ")");
  }
  size_t troubled = 0;
  for (const DsAccessFinding& f : view.findings) {
    const PluginState state = StateOf(DefaultSeverity(f.kind));
    if (f.kind == DsAccessFindingKind::kGcNotAudited) {
      // Advice, not a fault: the audit may have missed what this server reads.
      out.AddSummary(f.text);
      out.AddLongLine("note: " + f.text);
      continue;
    }
    ++troubled;
    out.Raise(state);
    // The text starts with the server already ("EXCH02: DSAccess marks …").
    const std::string prefix = f.server + ": ";
    const std::string text = f.text.rfind(prefix, 0) == 0 ? f.text.substr(prefix.size()) : f.text;
    out.AddLongLine("[" + std::string(StateName(state)) + "] " + f.server + ": " +
                    std::string(DsAccessFindingName(f.kind)) + " - " + text);
  }
  if (troubled) {
    out.AddSummary(
        Plural(troubled, "DSAccess DC down or out of sync", "DSAccess DCs down or out of sync"));
  }
}

}  // namespace

void AddStoreSnapshotSources(const CheckOptions& o, PipelineRequest& request) {
  const int64_t now = EvaluationTime(o);
  // The name rule applies to the snapshots' stores also without -H.
  request.recovery_group_name = o.ldap.recovery_group_name;
  if (!o.mailbox_snapshots.files.empty()) {
    request.mailboxes = MakeStoreSnapshotOptions(o.mailbox_snapshots, now);
  }
  if (!o.dsaccess_snapshots.files.empty()) {
    request.dsaccess = MakeStoreSnapshotOptions(o.dsaccess_snapshots, now);
  }
}

bool HasStoreSnapshotSources(const CheckOptions& o) {
  return !o.mailbox_snapshots.files.empty() || !o.dsaccess_snapshots.files.empty();
}

void RenderStoreViews(const GatheredSources& sources, const CorrelatedDiagnosis& result,
                      const CheckOptions& o, PluginOutput& out) {
  if (RenderReadErrors(sources.mailboxes, "mailbox snapshot", o, out) && result.store_side) {
    RenderStoreSide(*result.store_side, out);
  }
  if (RenderReadErrors(sources.dsaccess, "DSAccess snapshot", o, out) && result.dsaccess) {
    RenderDsAccess(*result.dsaccess, sources.dsaccess_snapshots, out);
  }
}

void RenderRepairs(const std::vector<StoreRepair>& repairs, PluginOutput& out) {
  if (repairs.empty()) return;
  out.AddLongLine("Repair (KB 828938, followed to the end):");
  for (const StoreRepair& r : repairs) {
    // Not "* [kind] store:" as the diagnosis lines above: a stage is not a diagnosis.
    out.AddLongLine("* " + r.store.Display() + ": [" + std::string(RepairStageName(r.stage)) +
                    "] " + r.text);
  }
}

}  // namespace exdm::check
