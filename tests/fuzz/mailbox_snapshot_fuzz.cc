// WMI mailbox snapshot CSVs (exdm/store/mailbox_snapshot.h), written by a script on the Exchange
// server, and the store-side analysis over them (exdm/diagnosis/store_side.h,
// exdm/diagnosis/repair_stage.h).
// Input: byte 0 picks the expected server (bit 0: "" = the file's, or "EXCH01") and whether the
// analysis gets an audit (bit 1: one that names every listed store a mailbox store, bit 2: the
// first one public, bit 3: the last one a recovery store); the rest is the file.
// Properties: a snapshot either parses or is refused with a message (never a crash); a parsed one
// has a server, stores with both names, mailboxes with a display name whose kind matches its
// prefix; every finding is about a judged store and agrees with that store's counts; the repair
// stages list only stores with a finding or an AD finding; a recovery store (the audit's, or one
// of a storage group of the default recovery name the audit does not know) is never judged.
#include <string>

#include "exdm/base/text_util.h"
#include "exdm/diagnosis/repair_stage.h"
#include "exdm/diagnosis/store_side.h"
#include "exdm/store/mailbox_snapshot.h"
#include "fuzz_support.h"

namespace {

void CheckFinding(const exdm::StoreFinding& f, const exdm::StoreMailboxState& s) {
  using K = exdm::StoreFindingKind;
  switch (f.kind) {
    case K::kSmtpMailboxDisconnected:
      FUZZ_CHECK(s.smtp_connected == 0 && s.smtp_disconnected > 0, "disconnected only");
      break;
    case K::kPurgePending:
      FUZZ_CHECK(s.smtp_connected > 0 && s.smtp_disconnected > 0, "both for a purge");
      break;
    case K::kSmtpMailboxNotCreated:
      FUZZ_CHECK(s.mounted && s.audited && s.smtp_connected + s.smtp_disconnected == 0,
                 "not created means none at all on a mounted audited store");
      break;
    case K::kSystemMailboxDisconnected:
      FUZZ_CHECK(s.system_connected == 0 && s.system_disconnected > 0, "system disconnected");
      break;
  }
  FUZZ_CHECK(!exdm::DescribeStoreFinding(f).empty(), "a finding says what it is");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  exdm::fuzz::Input in(data, size);
  const uint8_t params = in.Byte();
  const std::string expected = params & 1 ? "EXCH01" : "";
  auto snapshot = exdm::ParseMailboxSnapshot(in.rest(), expected);
  if (!snapshot.ok()) {
    FUZZ_CHECK(!snapshot.status().message().empty(), "a refused snapshot says why");
    return 0;
  }
  FUZZ_CHECK(!snapshot->server.empty(), "a snapshot names its server");
  exdm::AuditReport audit;
  audit.servers = {snapshot->server};
  for (const exdm::StoreMailboxTable& table : snapshot->stores) {
    FUZZ_CHECK(!table.storage_group.empty() && !table.store.empty(), "a store has both names");
    FUZZ_CHECK(snapshot->Find(table.storage_group, table.store) == &table, "stores are found");
    for (const exdm::StoreMailbox& m : table.mailboxes) {
      FUZZ_CHECK(!m.display_name.empty(), "a mailbox has a name");
      const bool smtp = m.display_name.size() >= 6 &&
                        exdm::EqualsIgnoreCase(m.display_name.substr(0, 6), "SMTP (");
      FUZZ_CHECK(smtp == (m.kind == exdm::StoreMailboxKind::kSmtp), "kind follows the name");
    }
    const bool is_public = (params & 4) && audit.stores.empty();
    audit.stores.push_back({{snapshot->server, table.storage_group, table.store},
                            is_public ? exdm::StoreType::kPublic : exdm::StoreType::kMailbox,
                            "",
                            "CN=" + table.store});
  }
  // Bit 3: the audit lists the last store as a recovery store instead.
  if ((params & 8) && !audit.stores.empty()) {
    audit.recovery_stores.push_back({audit.stores.back(), "msExchRestore"});
    audit.stores.pop_back();
  }
  const exdm::AuditReport* with = params & 2 ? &audit : nullptr;
  const exdm::StoreSideReport report = exdm::AnalyzeStoreSide({*snapshot}, with);
  for (const exdm::StoreMailboxState& s : report.stores) {
    for (const exdm::RecoveryStore& r :
         with ? audit.recovery_stores : std::vector<exdm::RecoveryStore>{})
      FUZZ_CHECK(!(s.store == r.store.ref), "a recovery store is never judged");
    const bool named =
        exdm::EqualsIgnoreCase(s.store.storage_group, exdm::kDefaultRecoveryGroupName);
    FUZZ_CHECK(!named || (with && s.audited), "the recovery storage group is never judged");
  }
  for (const exdm::StoreFinding& f : report.findings) {
    const exdm::StoreMailboxState* state = report.Find(f.store);
    FUZZ_CHECK(state != nullptr, "a finding is about a judged store");
    CheckFinding(f, *state);
  }
  exdm::RepairStageInputs stages;
  stages.audit = with;
  stages.store_side = &report;
  for (const exdm::StoreRepair& r : exdm::RepairStages(stages)) {
    FUZZ_CHECK(!report.FindingsFor(r.store).empty(), "only stores in the repair are staged");
    FUZZ_CHECK(!r.text.empty(), "a stage says what to do");
  }
  return 0;
}
