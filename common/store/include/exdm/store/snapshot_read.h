// How the store module reads its snapshot files (mailbox_snapshot.h, dsaccess_snapshot.h): the
// options both readers take and the outcome per file. Both files are written on the Exchange
// server by deploy/collect/exchange-store-snapshot.vbs and picked up from a share, as the WMI
// queue snapshots are (exdm/tracking/queue_snapshot.h), and are read the same way:
//
//  - every file on a helper thread bounded by the deadline (bounded_call.h): a hung share ends
//    the whole read with kTimeout naming the file, nothing else does;
//  - per file: missing or unreadable (kIoError), not a regular file (a FIFO, device or directory:
//    refused at once, exdm/base/small_file.h), larger than max_bytes, not in the script's
//    format, or cut while being written (kBadInput, with the line), taken longer than max_age ago
//    (stale: a store's view of an hour ago says nothing about now) or dated in the future beyond
//    max_skew (the clocks disagree) are that file's error, and the other files still count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exdm/base/bounded_call.h"
#include "exdm/base/inputs.h"
#include "exdm/base/status.h"

namespace exdm {

struct StoreSnapshotOptions {
  std::vector<NamedPath> files;    // NAME= is the server; it must match the file's server column
  int64_t now = 0;                 // evaluation time (UNIX seconds)
  int64_t max_age_seconds = 900;   // three missed runs of the 5-minute task
  int64_t max_skew_seconds = 300;  // a snapshot this far in the future is still believed
  size_t max_bytes = 1u << 20;     // a few rows per store; a megabyte is not a snapshot
  // Optional, for long-lived callers (the exporter): while a read abandoned at an earlier
  // deadline is still blocked, the next read fails at once (kTimeout) instead of adding a thread.
  std::shared_ptr<ReaderSlot> reader_slot;
};

// One file's outcome: the snapshot, or why there is none.
template <typename Snapshot>
struct StoreSnapshotRead {
  std::string server;  // from the input's NAME=
  std::string path;
  std::optional<Snapshot> snapshot;
  Status error;                     // ok() when snapshot is set
  std::optional<int64_t> taken_at;  // whenever the file parsed: a stale one's time shows too
};

// The snapshots that were read, in the order given.
template <typename Snapshot>
std::vector<Snapshot> GoodSnapshots(const std::vector<StoreSnapshotRead<Snapshot>>& reads) {
  std::vector<Snapshot> good;
  for (const StoreSnapshotRead<Snapshot>& r : reads)
    if (r.snapshot) good.push_back(*r.snapshot);
  return good;
}

}  // namespace exdm
