#include "exdm/diagnosis/repair_stage.h"

#include <algorithm>
#include <optional>

#include "exdm/base/text_util.h"
#include "exdm/base/time_util.h"

namespace exdm {
namespace {

bool IsSmtpStoreFinding(StoreFindingKind kind) {
  return kind != StoreFindingKind::kSystemMailboxDisconnected;
}

// An audit counts when it checked something: no -H view answered means nothing was checked.
bool Audited(const AuditReport* audit) {
  return audit != nullptr &&
         (audit->sources.empty() || std::any_of(audit->sources.begin(), audit->sources.end(),
                                                [](const LdapSourceStatus& s) { return s.up; }));
}

struct Evidence {
  std::string guid;
  std::vector<FindingKind> ad;
  std::vector<const StoreFinding*> store_side;
  std::optional<int64_t> fault_seen;
};

std::string Join(const std::vector<FindingKind>& kinds) {
  std::string out;
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (std::find(kinds.begin(), kinds.begin() + static_cast<long>(i), kinds[i]) !=
        kinds.begin() + static_cast<long>(i))
      continue;  // said already
    out += (out.empty() ? "" : ", ") + std::string(FindingName(kinds[i]));
  }
  return out;
}

const StoreFinding* FirstOf(const Evidence& e, StoreFindingKind kind) {
  for (const StoreFinding* f : e.store_side) {
    if (f->kind == kind) return f;
  }
  return nullptr;
}

// What the repair LDIF does to the store's SMTP mailbox, as the audit planned it
// (docs/DOMAIN.md "Repairs"): a new object means a new SMTP mailbox in the store at its next
// mount and the old one disconnected; values corrected in place keep both.
std::string WhatTheLdifDoes(const AuditReport& audit, const StoreRef& store) {
  for (const GatewayRepair& g : audit.repairs) {
    if (!(g.store == store)) continue;
    if (g.add) {
      return ": the LDIF adds a new object, so the store builds a new SMTP mailbox at that mount "
             "and an old one turns disconnected (purge it, step 6.7)";
    }
    if (!g.delete_dns.empty()) {
      return ": the LDIF deletes the extra objects; purge the SMTP mailboxes they leave "
             "disconnected (step 6.7)";
    }
    if (!g.modify_dn.empty()) {
      return ": the LDIF corrects the values in place, so the object keeps its objectGUID and "
             "the store its SMTP mailbox (nothing to purge)";
    }
  }
  return "";
}

StoreRepair Stage(const StoreRef& store, const Evidence& e, const RepairStageInputs& in,
                  bool audited) {
  StoreRepair r;
  r.store = store;
  r.store_guid = e.guid;
  const std::string& name = store.store;
  if (!e.ad.empty()) {
    r.stage = RepairStage::kFixDirectory;
    r.text = "fix its SMTP mailbox in AD (" + Join(e.ad) +
             "): apply the repair LDIF (--remediation-ldif), then dismount and mount " + name +
             " (KB 828938 steps 1-6)" + WhatTheLdifDoes(*in.audit, store);
    return r;
  }
  const std::string ad_state = audited ? "AD is correct" : "AD was not checked";
  const StoreFinding* gone = FirstOf(e, StoreFindingKind::kSmtpMailboxDisconnected);
  if (gone == nullptr) gone = FirstOf(e, StoreFindingKind::kSmtpMailboxNotCreated);
  if (gone != nullptr) {
    r.stage = RepairStage::kRemount;
    r.text = ad_state + "; dismount and mount " + name +
             " (KB 828938 steps 6.4-6.6): the store has no connected SMTP mailbox yet (" +
             std::string(StoreFindingName(gone->kind)) + ")";
    return r;
  }
  if (const StoreFinding* purge = FirstOf(e, StoreFindingKind::kPurgePending)) {
    r.stage = RepairStage::kPurge;
    r.text = "remounted with a connected SMTP mailbox; purge the disconnected " + purge->mailbox +
             " from " + name + " (KB 828938 step 6.7)";
    return r;
  }
  const auto flow = in.deliveries.find(store);
  if (flow != in.deliveries.end() && flow->second.deliveries > 0) {
    r.stage = RepairStage::kMailFlows;
    r.text = std::to_string(flow->second.deliveries) + " deliver" +
             (flow->second.deliveries == 1 ? "y" : "ies") + " to " + name + " since " +
             FormatIso8601Utc(flow->second.since) +
             " without a retry (KB 828938 step 7: mail "
             "flows again)";
    return r;
  }
  r.stage = RepairStage::kVerifyFlow;
  const StoreMailboxState* side = in.store_side ? in.store_side->Find(store) : nullptr;
  const std::string since =
      e.fault_seen ? " since the fault was last seen (" + FormatIso8601Utc(*e.fault_seen) + ")"
                   : "";
  // A server whose message tracking is off (messageTrackingEnabled FALSE) writes no log that could
  // show mail flowing: "no delivery yet" would say what the logs cannot know.
  const bool untracked =
      audited &&
      std::any_of(in.audit->tracking_disabled.begin(), in.audit->tracking_disabled.end(),
                  [&](const std::string& s) { return EqualsIgnoreCase(s, store.server); });
  if (side != nullptr && side->mounted && untracked) {
    r.text = ad_state +
             " and the store has its connected SMTP mailbox; message tracking is off on " +
             store.server + ", so no log shows whether mail reaches " + name +
             ": send a test message (KB 828938 step 7)";
  } else if (side != nullptr && side->mounted) {
    r.text = ad_state + " and the store has its connected SMTP mailbox; no delivery to " + name +
             since + " yet: send a test message (KB 828938 step 7)";
  } else {
    r.text = ad_state + "; no mailbox snapshot shows " + name +
             " mounted with its SMTP mailbox: dismount and mount it unless done, then send a test "
             "message (KB 828938 steps 6.4-7)";
  }
  return r;
}

}  // namespace

std::string_view RepairStageName(RepairStage stage) {
  switch (stage) {
    case RepairStage::kFixDirectory:
      return "fix_directory";
    case RepairStage::kRemount:
      return "remount";
    case RepairStage::kPurge:
      return "purge";
    case RepairStage::kMailFlows:
      return "mail_flows";
    case RepairStage::kVerifyFlow:
      return "verify_flow";
  }
  return "unknown";
}

std::vector<StoreRepair> RepairStages(const RepairStageInputs& in) {
  const bool audited = Audited(in.audit);
  std::map<StoreRef, Evidence> stores;
  if (audited) {
    for (const Finding& f : in.audit->findings) {
      if (!IsSmtpMailboxFinding(f.kind) || f.store.store.empty()) continue;
      Evidence& e = stores[f.store];
      e.guid = f.store_guid;
      e.ad.push_back(f.kind);
    }
  }
  if (in.store_side != nullptr) {
    for (const StoreFinding& f : in.store_side->findings) {
      if (!IsSmtpStoreFinding(f.kind)) continue;
      Evidence& e = stores[f.store];
      if (e.guid.empty()) e.guid = f.store_guid;
      e.store_side.push_back(&f);
    }
  }
  for (const auto& [store, when] : in.fault_seen)
    stores[store].fault_seen = when;
  std::vector<StoreRepair> out;
  for (const auto& [store, evidence] : stores)
    out.push_back(Stage(store, evidence, in, audited));
  return out;
}

}  // namespace exdm
