// Store-side findings (docs/DOMAIN.md "The store's own view"): what each mounted mailbox store's
// own mailbox table says about its SMTP mailbox and its system mailbox, from the mailbox
// snapshots (exdm/store/mailbox_snapshot.h) and the stores of the LDAP audit. A pure function:
// both front ends render its result (the check per store with the AD findings, the exporter in
// exchange_smtp_mailbox_findings under the same names).
//
// Rows are matched to stores by the GUID in their display name first ("SMTP (EXCH01-{G})",
// "SystemMailbox{G}": a row naming an audited store of that server belongs to it wherever it is
// listed), then by the server, storage group and store name it is listed under. A store is
// mounted when the snapshot lists it: a dismounted store lists no mailbox, so it cannot be
// judged (StoreMailboxState::mounted says so).
//
// Which stores are judged, per server with a snapshot: when the audit covers the server, its
// audited mailbox stores (public stores have none of these mailboxes: never a finding), plus any
// store the snapshot lists that no audited store matches; otherwise every store the snapshot
// lists. Recovery storage groups' stores never (no SMTP or system mailbox of their own by design;
// what they list is restored). Per judged store, with C its connected and D its disconnected SMTP
// mailboxes:
//   smtp_mailbox_disconnected   D > 0, C = 0: the SMTP mailbox exists only disconnected; its
//                               directory object is gone or no longer names it (CRITICAL)
//   smtp_mailbox_not_created    mounted, C = 0, D = 0, an audited mailbox store: the store has
//                               not been mounted since its SMTP mailbox object was (re)created
//                               (CRITICAL)
//   purge_pending               C > 0, D > 0: remounted with a new SMTP mailbox, the old one
//                               still disconnected in the store (KB 828938 step 6.7; WARNING)
//   system_mailbox_disconnected the store's system mailbox exists only disconnected (KB 316622;
//                               WARNING)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/ad/findings.h"
#include "exdm/ad/mailbox_audit.h"
#include "exdm/ad/topology.h"
#include "exdm/base/severity.h"
#include "exdm/base/store_ref.h"
#include "exdm/store/mailbox_snapshot.h"

namespace exdm {

// In report order. Names are `finding` label values beside the AD finding kinds (contract).
enum class StoreFindingKind {
  kSmtpMailboxDisconnected,
  kSmtpMailboxNotCreated,
  kPurgePending,
  kSystemMailboxDisconnected,
};
inline constexpr StoreFindingKind kAllStoreFindingKinds[] = {
    StoreFindingKind::kSmtpMailboxDisconnected,
    StoreFindingKind::kSmtpMailboxNotCreated,
    StoreFindingKind::kPurgePending,
    StoreFindingKind::kSystemMailboxDisconnected,
};

// "smtp_mailbox_disconnected", "smtp_mailbox_not_created", "purge_pending",
// "system_mailbox_disconnected".
std::string_view StoreFindingName(StoreFindingKind kind);
std::optional<StoreFindingKind> ParseStoreFindingKind(std::string_view name);
// The two smtp_mailbox_* CRITICAL, purge_pending and system_mailbox_disconnected WARNING.
Severity DefaultSeverity(StoreFindingKind kind);

struct StoreFinding {
  StoreFindingKind kind = StoreFindingKind::kSmtpMailboxDisconnected;
  StoreRef store;
  std::string store_guid;  // lower case, no braces; empty when neither AD nor a name gives it
  std::string mailbox;     // display name of the disconnected mailbox; empty for not_created
  std::string legacy_dn;   // its LegacyDN
  std::optional<int64_t> absent_since;   // its DateDiscoveredAbsentInDS
  size_t disconnected = 0;               // disconnected mailboxes of this kind in the store
  std::vector<FindingKind> ad_findings;  // what the audit found on this store's SMTP mailbox
  int64_t snapshot_taken_at = 0;
};

// One judged store's side, whether or not it has a finding (the repair stage reads it).
struct StoreMailboxState {
  StoreRef store;
  std::string store_guid;
  bool audited = false;  // an audited mailbox store (else named only by the snapshot)
  bool mounted = false;  // the snapshot lists it
  size_t smtp_connected = 0;
  size_t smtp_disconnected = 0;
  size_t system_connected = 0;
  size_t system_disconnected = 0;
  int64_t snapshot_taken_at = 0;
};

struct StoreSideReport {
  std::vector<std::string> servers;       // every server with a snapshot, in the order given
  std::vector<StoreMailboxState> stores;  // judged stores, sorted by StoreRef
  std::vector<StoreFinding> findings;     // sorted by store, then kind

  const StoreMailboxState* Find(const StoreRef& store) const;
  // Findings per kind for one store (for exchange_smtp_mailbox_findings).
  std::map<StoreFindingKind, size_t> FindingsFor(const StoreRef& store) const;
};

// `audit` may be null or have no view up: then every store is judged as the snapshots name it.
// Stores of recovery storage groups are never judged, and their rows never count for another
// store (a restored SMTP or system mailbox names the original store's GUID): those the audit
// lists (AuditReport::recovery_stores), and, for stores the audit does not know, those of a
// storage group named `recovery_group_name` (the audit's last-resort rule; empty: off).
StoreSideReport AnalyzeStoreSide(
    const std::vector<MailboxSnapshot>& snapshots, const AuditReport* audit,
    const std::string& recovery_group_name = kDefaultRecoveryGroupName);

// Whether an AD finding is about the store's SMTP mailbox itself (every kind but
// system_mailbox_missing, dc_disagree and orphan).
bool IsSmtpMailboxFinding(FindingKind kind);

// One plain-text sentence: what the store shows and what it means (unsanitized).
std::string DescribeStoreFinding(const StoreFinding& finding);

}  // namespace exdm
