// The store's own view of its SMTP and system mailboxes (docs/DOMAIN.md "The store's own view"):
// one CSV per Exchange 2003 server, written by deploy/collect/exchange-store-snapshot.vbs from WMI
// (root\MicrosoftExchangeV2, Exchange_Mailbox: one instance per row of each mounted store's
// mailbox table). Exchange 2000 has no Exchange_Mailbox; its servers have no such file.
//
// The file (the contract; the script's header comment lists the columns and
// kMailboxSnapshotColumns is the same list): a header, then
//  - one row per mailbox whose display name starts with "SMTP (" (the store's SMTP mailbox,
//    "SMTP (EXCH01-{store GUID})") or "SystemMailbox{" (its system mailbox), absent_in_ds_utc set
//    when the store found the mailbox's directory object gone (disconnected);
//  - one row per store that listed any mailbox at all, with display_name empty: the store
//    answered, so it is mounted (a dismounted store lists nothing);
//  - when no store answered, one row with storage_group and store empty, so that the file still
//    says when and for which server it was taken.
// Read as snapshot_read.h says; parsed strictly (snapshot_csv.h in src/).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/base/deadline.h"
#include "exdm/base/guid.h"
#include "exdm/base/status.h"
#include "exdm/store/snapshot_read.h"

namespace exdm {

// The script's columns, in its order.
inline constexpr std::array<std::string_view, 8> kMailboxSnapshotColumns = {
    "snapshot_utc", "server",    "storage_group", "store",
    "display_name", "legacy_dn", "mailbox_guid",  "absent_in_ds_utc"};
// The ones a snapshot must have.
inline constexpr std::array<std::string_view, 6> kMailboxSnapshotRequiredColumns = {
    "snapshot_utc", "server", "storage_group", "store", "display_name", "absent_in_ds_utc"};

enum class StoreMailboxKind {
  kSmtp,    // "SMTP (<server>-{<store GUID>})": the store's SMTP mailbox (KB 828938)
  kSystem,  // "SystemMailbox{<store GUID>}" (KB 316622)
  kOther,   // any other name (the script writes none; kept so that the store counts as mounted)
};

struct StoreMailbox {
  StoreMailboxKind kind = StoreMailboxKind::kOther;
  std::string display_name;
  std::string legacy_dn;
  std::string mailbox_guid;             // as WMI printed it
  std::optional<Guid> named_store;      // the GUID in the display name: the store it belongs to
  std::optional<int64_t> absent_in_ds;  // DateDiscoveredAbsentInDS: disconnected since then

  bool connected() const { return !absent_in_ds; }
};

// One store that answered, as its mailbox table shows it.
struct StoreMailboxTable {
  std::string storage_group;            // StorageGroupName
  std::string store;                    // StoreName
  std::vector<StoreMailbox> mailboxes;  // SMTP and system mailboxes, in file order
};

struct MailboxSnapshot {
  std::string server;  // the label: NAME= of the input, which must match the file's server column
  std::string path;
  int64_t taken_at = 0;                   // snapshot_utc
  std::vector<StoreMailboxTable> stores;  // every store that answered (mounted), in file order

  // The store of that storage group and name (compared case-insensitively); null when it did not
  // answer.
  const StoreMailboxTable* Find(std::string_view storage_group, std::string_view store) const;
};

// Parses one file's bytes. `server` is the expected server (empty: take the file's). kBadInput
// with the line on a missing column, a malformed row or time, a row naming another server or
// time than the first, no data row, or a last line without its line end.
Result<MailboxSnapshot> ParseMailboxSnapshot(std::string_view text, const std::string& server);

using MailboxSnapshotRead = StoreSnapshotRead<MailboxSnapshot>;

// Reads every file (in the order given). Only the deadline fails the whole call (kTimeout naming
// the file); per-file problems are in each MailboxSnapshotRead.
Result<std::vector<MailboxSnapshotRead>> ReadMailboxSnapshots(const StoreSnapshotOptions& options,
                                                              const Deadline& deadline);

}  // namespace exdm
