// Where each broken store is in KB 828938's repair, followed to its end (docs/DOMAIN.md "The
// fault", "The store's own view"): the directory first, then the store (step 5: the new SMTP
// mailbox present and connected; 6.4-6.6: dismount and mount; 6.7: purge the disconnected one),
// then mail (step 7). A pure function over what the sources said; the diagnosis of `all` states
// one line per store.
//
// The stores in the repair: those with an AD finding on their SMTP mailbox, those with a
// store-side finding (store_side.h), and those the caller saw the fault on recently (event 326
// in the window, stalled deliveries). First match wins per store:
//   kFixDirectory  an AD finding on the store's SMTP mailbox: "apply the repair LDIF", then
//                  remount; what the LDIF does decides what follows (AuditReport::repairs): a
//                  new object (missing, wrong_name) gives the store a new SMTP mailbox at the
//                  mount and leaves the old one to purge; values corrected in place
//                  (changetype: modify) keep the object and the store's SMTP mailbox
//   kRemount       AD is correct (or no view said otherwise) and the store lists no connected
//                  SMTP mailbox (smtp_mailbox_disconnected, smtp_mailbox_not_created):
//                  "dismount and mount <store>"
//   kPurge         the store has its new SMTP mailbox and the old one disconnected
//                  (purge_pending): "purge it"
//   kMailFlows     deliveries to the store without a retry since the fault was last seen:
//                  "N deliveries to <store> since <time> without a retry"
//   kVerifyFlow    nothing left to fix that the sources show, no such delivery yet: "send a test
//                  message"; without a mailbox snapshot of the server the remount cannot be told,
//                  and the line says so; on a server whose message tracking is off
//                  (AuditReport::tracking_disabled) no log could show a delivery, and it says so
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/ad/mailbox_audit.h"
#include "exdm/base/store_ref.h"
#include "exdm/diagnosis/store_side.h"
#include "exdm/diagnosis/store_stalls.h"

namespace exdm {

enum class RepairStage { kFixDirectory, kRemount, kPurge, kMailFlows, kVerifyFlow };
// "fix_directory", "remount", "purge", "mail_flows", "verify_flow".
std::string_view RepairStageName(RepairStage stage);

struct RepairStageInputs {
  const AuditReport* audit = nullptr;           // null, or no view up: the AD side is unknown
  const StoreSideReport* store_side = nullptr;  // null: no mailbox snapshot at all
  // Stores the fault was seen on (326 in the window, stalled deliveries), and when it was last
  // seen: such a store stays in the repair until mail flows.
  std::map<StoreRef, int64_t> fault_seen;
  // Per store, from the tracking logs (store_stalls.h): only deliveries after the fault was last
  // seen count, so the caller passes a store's only when it has no stalled delivery left.
  std::map<StoreRef, StoreDeliveries> deliveries;
};

struct StoreRepair {
  StoreRef store;
  std::string store_guid;
  RepairStage stage = RepairStage::kFixDirectory;
  std::string text;  // "dismount and mount Sales (KB 828938 steps 6.4-6.6): …" (unsanitized)
};

// One entry per store in the repair, sorted by StoreRef.
std::vector<StoreRepair> RepairStages(const RepairStageInputs& inputs);

}  // namespace exdm
