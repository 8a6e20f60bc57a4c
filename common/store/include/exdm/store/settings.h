// The store module's two sources as an operator configures them, declared once for both front
// ends: the mailbox snapshots (the check's --mailbox-snapshot; the exporter's [mailbox_snapshot])
// and the DSAccess snapshots (--dsaccess-snapshot; [dsaccess_snapshot]), each a list of
// [NAME=]FILE and the age past which a snapshot is refused (--snapshot-max-age; max_age).
#pragma once

#include <cstdint>
#include <vector>

#include "exdm/base/inputs.h"
#include "exdm/store/snapshot_read.h"

namespace exdm {

struct StoreSnapshotSettings {
  std::vector<NamedPath> files;   // one file per server; empty: no source
  int64_t max_age_seconds = 900;  // older snapshots are refused
};

// One read of every file in `settings`, evaluated at `now`.
StoreSnapshotOptions MakeStoreSnapshotOptions(const StoreSnapshotSettings& settings, int64_t now);

}  // namespace exdm
