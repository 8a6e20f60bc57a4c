#include "exdm/store/mailbox_snapshot.h"

#include <utility>

#include "exdm/base/text_util.h"
#include "snapshot_csv.h"
#include "snapshot_files.h"

namespace exdm {
namespace {

enum Column : size_t {
  kSnapshotUtc,
  kServer,
  kStorageGroup,
  kStore,
  kDisplayName,
  kLegacyDn,
  kMailboxGuid,
  kAbsentInDsUtc,
  kColumnCount
};
static_assert(kColumnCount == kMailboxSnapshotColumns.size());
static_assert(kSnapshotUtc == store_csv::kSnapshotUtc && kServer == store_csv::kServer);

const std::string kKind = "mailbox snapshot";

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

StoreMailboxKind KindOf(std::string_view display_name) {
  if (StartsWithIgnoreCase(display_name, "SMTP (")) return StoreMailboxKind::kSmtp;
  if (StartsWithIgnoreCase(display_name, "SystemMailbox{")) return StoreMailboxKind::kSystem;
  return StoreMailboxKind::kOther;
}

StoreMailboxTable& TableFor(MailboxSnapshot& snap, std::string_view storage_group,
                            std::string_view store) {
  for (StoreMailboxTable& table : snap.stores) {
    if (EqualsIgnoreCase(table.storage_group, storage_group) &&
        EqualsIgnoreCase(table.store, store))
      return table;
  }
  snap.stores.push_back({std::string(storage_group), std::string(store), {}});
  return snap.stores.back();
}

}  // namespace

const StoreMailboxTable* MailboxSnapshot::Find(std::string_view storage_group,
                                               std::string_view store) const {
  for (const StoreMailboxTable& table : stores) {
    if (EqualsIgnoreCase(table.storage_group, storage_group) &&
        EqualsIgnoreCase(table.store, store))
      return &table;
  }
  return nullptr;
}

Result<MailboxSnapshot> ParseMailboxSnapshot(std::string_view text, const std::string& server) {
  auto reader = store_csv::Reader::Open(
      text, {{kMailboxSnapshotColumns.begin(), kMailboxSnapshotColumns.end()},
             {kMailboxSnapshotRequiredColumns.begin(), kMailboxSnapshotRequiredColumns.end()},
             kKind});
  if (!reader) return reader.status();
  MailboxSnapshot snap;
  while (true) {
    auto row = reader->Next();
    if (!row) return row.status();
    if (!*row) break;
    const std::string_view storage_group = reader->Field(kStorageGroup);
    const std::string_view store = reader->Field(kStore);
    const std::string_view name = reader->Field(kDisplayName);
    auto absent = reader->Time(kAbsentInDsUtc, false);
    if (!absent) return absent.status();
    if (storage_group.empty() && store.empty() && name.empty()) continue;  // no store answered
    if (storage_group.empty()) return reader->Bad("empty storage_group");
    if (store.empty()) return reader->Bad("empty store");
    StoreMailboxTable& table = TableFor(snap, storage_group, store);
    if (name.empty()) {  // the store answered
      if (*absent) return reader->Bad("absent_in_ds_utc set on a row that names no mailbox");
      continue;
    }
    StoreMailbox mailbox;
    mailbox.kind = KindOf(name);
    mailbox.display_name = std::string(name);
    mailbox.legacy_dn = std::string(reader->Field(kLegacyDn));
    mailbox.mailbox_guid = std::string(reader->Field(kMailboxGuid));
    mailbox.named_store = FindBracedGuid(name);
    mailbox.absent_in_ds = *absent;
    table.mailboxes.push_back(std::move(mailbox));
  }
  auto label = reader->Finish(server);
  if (!label) return label.status();
  snap.server = std::move(*label);
  snap.taken_at = reader->taken_at();
  return snap;
}

Result<std::vector<MailboxSnapshotRead>> ReadMailboxSnapshots(const StoreSnapshotOptions& options,
                                                              const Deadline& deadline) {
  return store_files::ReadAll<MailboxSnapshot>(options, deadline, kKind, ParseMailboxSnapshot);
}

}  // namespace exdm
