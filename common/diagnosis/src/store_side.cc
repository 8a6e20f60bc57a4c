#include "exdm/diagnosis/store_side.h"

#include <algorithm>
#include <utility>

#include "exdm/base/text_util.h"
#include "exdm/base/time_util.h"

namespace exdm {
namespace {

bool SameNames(const StoreRef& store, const StoreMailboxTable& table) {
  return EqualsIgnoreCase(store.storage_group, table.storage_group) &&
         EqualsIgnoreCase(store.store, table.store);
}

// A store of one snapshot's server as the analysis sees it.
struct Candidate {
  StoreMailboxState state;
  bool judged = true;     // false for public and recovery stores: they only absorb their rows
  bool recovery = false;  // a recovery storage group's store: its rows never move by GUID
  std::vector<const StoreMailbox*> smtp;
  std::vector<const StoreMailbox*> system;
};

// The audited stores of `server` (mailbox and public) and its recovery stores, or none when the
// audit does not cover it.
std::vector<Candidate> AuditedStores(const AuditReport* audit, const std::string& server) {
  std::vector<Candidate> out;
  if (audit == nullptr) return out;
  const bool covered = std::any_of(audit->servers.begin(), audit->servers.end(),
                                   [&](const std::string& s) { return SameServerName(s, server); });
  if (!covered) return out;
  for (const StoreInfo& info : audit->stores) {
    if (!SameServerName(info.ref.server, server)) continue;
    Candidate c;
    c.state.store = info.ref;
    c.state.store_guid = info.guid;
    c.state.audited = true;
    c.judged = info.type == StoreType::kMailbox;
    out.push_back(std::move(c));
  }
  // A recovery storage group's stores hold restored mailboxes, the old SMTP and system mailboxes
  // among them, disconnected or naming the original store's GUID: never the live store's.
  for (const RecoveryStore& r : audit->recovery_stores) {
    if (!SameServerName(r.store.ref.server, server)) continue;
    Candidate c;
    c.state.store = r.store.ref;
    c.state.store_guid = r.store.guid;
    c.judged = false;
    c.recovery = true;
    out.push_back(std::move(c));
  }
  return out;
}

Candidate* ByGuid(std::vector<Candidate>& candidates, const std::optional<Guid>& guid) {
  if (!guid) return nullptr;
  const std::string text = guid->ToString();
  for (Candidate& c : candidates) {
    if (c.state.store_guid == text) return &c;
  }
  return nullptr;
}

Candidate& ByNames(std::vector<Candidate>& candidates, const std::string& server,
                   const StoreMailboxTable& table, const std::string& recovery_group_name) {
  for (Candidate& c : candidates) {
    if (SameNames(c.state.store, table)) return c;
  }
  Candidate c;  // a store the audit does not know: named by the snapshot
  c.state.store = {server, table.storage_group, table.store};
  // Without the audit's word, the recovery storage group is known by its name only.
  if (!recovery_group_name.empty() && EqualsIgnoreCase(table.storage_group, recovery_group_name)) {
    c.judged = false;
    c.recovery = true;
  }
  for (const StoreMailbox& m : table.mailboxes) {
    if (m.kind != StoreMailboxKind::kOther && m.named_store) {
      c.state.store_guid = m.named_store->ToString();
      break;
    }
  }
  candidates.push_back(std::move(c));
  return candidates.back();
}

// The disconnected one among `mailboxes` to name: the one found absent most recently.
const StoreMailbox* LatestDisconnected(const std::vector<const StoreMailbox*>& mailboxes) {
  const StoreMailbox* latest = nullptr;
  for (const StoreMailbox* m : mailboxes) {
    if (m->connected()) continue;
    if (latest == nullptr || *m->absent_in_ds > *latest->absent_in_ds) latest = m;
  }
  return latest;
}

StoreFinding MakeFinding(StoreFindingKind kind, const Candidate& c, const StoreMailbox* mailbox,
                         size_t disconnected) {
  StoreFinding f;
  f.kind = kind;
  f.store = c.state.store;
  f.store_guid = c.state.store_guid;
  f.disconnected = disconnected;
  f.snapshot_taken_at = c.state.snapshot_taken_at;
  if (mailbox != nullptr) {
    f.mailbox = mailbox->display_name;
    f.legacy_dn = mailbox->legacy_dn;
    f.absent_since = mailbox->absent_in_ds;
  }
  return f;
}

void Judge(const Candidate& c, std::vector<StoreFinding>& out) {
  const StoreMailboxState& s = c.state;
  if (s.smtp_disconnected > 0 && s.smtp_connected == 0) {
    out.push_back(MakeFinding(StoreFindingKind::kSmtpMailboxDisconnected, c,
                              LatestDisconnected(c.smtp), s.smtp_disconnected));
  } else if (s.smtp_disconnected > 0) {
    out.push_back(MakeFinding(StoreFindingKind::kPurgePending, c, LatestDisconnected(c.smtp),
                              s.smtp_disconnected));
  } else if (s.mounted && s.audited && s.smtp_connected == 0) {
    out.push_back(MakeFinding(StoreFindingKind::kSmtpMailboxNotCreated, c, nullptr, 0));
  }
  if (s.system_disconnected > 0 && s.system_connected == 0) {
    out.push_back(MakeFinding(StoreFindingKind::kSystemMailboxDisconnected, c,
                              LatestDisconnected(c.system), s.system_disconnected));
  }
}

std::string Plural(size_t n, const std::string& one) {
  return std::to_string(n) + " " + one + (n == 1 ? "" : "s");
}

}  // namespace

bool IsSmtpMailboxFinding(FindingKind kind) {
  return kind != FindingKind::kSystemMailboxMissing && kind != FindingKind::kDcDisagree &&
         kind != FindingKind::kOrphan;
}

std::string_view StoreFindingName(StoreFindingKind kind) {
  switch (kind) {
    case StoreFindingKind::kSmtpMailboxDisconnected:
      return "smtp_mailbox_disconnected";
    case StoreFindingKind::kSmtpMailboxNotCreated:
      return "smtp_mailbox_not_created";
    case StoreFindingKind::kPurgePending:
      return "purge_pending";
    case StoreFindingKind::kSystemMailboxDisconnected:
      return "system_mailbox_disconnected";
  }
  return "unknown";
}

std::optional<StoreFindingKind> ParseStoreFindingKind(std::string_view name) {
  for (StoreFindingKind kind : kAllStoreFindingKinds) {
    if (StoreFindingName(kind) == name) return kind;
  }
  return std::nullopt;
}

Severity DefaultSeverity(StoreFindingKind kind) {
  switch (kind) {
    case StoreFindingKind::kSmtpMailboxDisconnected:
    case StoreFindingKind::kSmtpMailboxNotCreated:
      return Severity::kCritical;
    case StoreFindingKind::kPurgePending:
    case StoreFindingKind::kSystemMailboxDisconnected:
      return Severity::kWarning;
  }
  return Severity::kCritical;
}

const StoreMailboxState* StoreSideReport::Find(const StoreRef& store) const {
  for (const StoreMailboxState& s : stores) {
    if (s.store == store) return &s;
  }
  return nullptr;
}

std::map<StoreFindingKind, size_t> StoreSideReport::FindingsFor(const StoreRef& store) const {
  std::map<StoreFindingKind, size_t> out;
  for (const StoreFinding& f : findings) {
    if (f.store == store) ++out[f.kind];
  }
  return out;
}

StoreSideReport AnalyzeStoreSide(const std::vector<MailboxSnapshot>& snapshots,
                                 const AuditReport* audit, const std::string& recovery_group_name) {
  StoreSideReport report;
  for (const MailboxSnapshot& snap : snapshots) {
    report.servers.push_back(snap.server);
    std::vector<Candidate> candidates = AuditedStores(audit, snap.server);
    // Names first, so that every table has its candidate before rows move by GUID (the vector
    // does not grow after this).
    for (const StoreMailboxTable& table : snap.stores)
      ByNames(candidates, snap.server, table, recovery_group_name).state.mounted = true;
    for (const StoreMailboxTable& table : snap.stores) {
      Candidate& listed = ByNames(candidates, snap.server, table, recovery_group_name);
      for (const StoreMailbox& m : table.mailboxes) {
        if (m.kind == StoreMailboxKind::kOther) continue;
        Candidate* owner = listed.recovery ? &listed : ByGuid(candidates, m.named_store);
        if (owner == nullptr) owner = &listed;
        (m.kind == StoreMailboxKind::kSmtp ? owner->smtp : owner->system).push_back(&m);
      }
    }
    for (Candidate& c : candidates) {
      if (!c.judged) continue;
      StoreMailboxState& s = c.state;
      s.snapshot_taken_at = snap.taken_at;
      for (const StoreMailbox* m : c.smtp)
        ++(m->connected() ? s.smtp_connected : s.smtp_disconnected);
      for (const StoreMailbox* m : c.system)
        ++(m->connected() ? s.system_connected : s.system_disconnected);
      std::vector<StoreFinding> found;
      Judge(c, found);
      for (StoreFinding& f : found) {
        if (audit != nullptr) {
          for (const Finding& ad : audit->findings) {
            if (ad.store == f.store && IsSmtpMailboxFinding(ad.kind) &&
                std::find(f.ad_findings.begin(), f.ad_findings.end(), ad.kind) ==
                    f.ad_findings.end())
              f.ad_findings.push_back(ad.kind);
          }
        }
        report.findings.push_back(std::move(f));
      }
      report.stores.push_back(s);
    }
  }
  std::sort(
      report.stores.begin(), report.stores.end(),
      [](const StoreMailboxState& a, const StoreMailboxState& b) { return a.store < b.store; });
  std::stable_sort(report.findings.begin(), report.findings.end(),
                   [](const StoreFinding& a, const StoreFinding& b) {
                     if (!(a.store == b.store)) return a.store < b.store;
                     return a.kind < b.kind;
                   });
  return report;
}

std::string DescribeStoreFinding(const StoreFinding& f) {
  const std::string since =
      f.absent_since ? " (absent from AD since " + FormatIso8601Utc(*f.absent_since) + ")" : "";
  std::string ad;
  for (FindingKind kind : f.ad_findings)
    ad += (ad.empty() ? "" : ", ") + std::string(FindingName(kind));
  switch (f.kind) {
    case StoreFindingKind::kSmtpMailboxDisconnected:
      return "the store's SMTP mailbox " + f.mailbox + " is disconnected" + since +
             " and the store has no connected one: its directory object is missing or wrong" +
             (ad.empty() ? std::string() : " (AD: " + ad + ")");
    case StoreFindingKind::kSmtpMailboxNotCreated:
      return "the store is mounted but lists no SMTP mailbox: it has not been dismounted and "
             "mounted since its SMTP mailbox object was (re)created";
    case StoreFindingKind::kPurgePending:
      return "the store has its new SMTP mailbox and still " +
             Plural(f.disconnected, "disconnected one") + ", " + f.mailbox + since +
             ": purge it (KB 828938 step 6.7)";
    case StoreFindingKind::kSystemMailboxDisconnected:
      return "the store's system mailbox " + f.mailbox + " is disconnected" + since +
             " and the store has no connected one: re-create its directory object (KB 316622)";
  }
  return std::string(StoreFindingName(f.kind));
}

}  // namespace exdm
