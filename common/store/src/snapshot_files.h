// Reading snapshot files (private): what snapshot_read.h promises, once for both readers. Each
// reader passes its parser; the file is read whole through the small-file reader (regular files
// only, bounded in size), parsed, labelled with its path and judged by its age.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exdm/base/bounded_call.h"
#include "exdm/base/deadline.h"
#include "exdm/base/small_file.h"
#include "exdm/base/snapshot_age.h"
#include "exdm/store/snapshot_read.h"

namespace exdm::store_files {

template <typename Snapshot>
using Parser = std::function<Result<Snapshot>(std::string_view text, const std::string& server)>;

// One file: read, parse, label, judge. `kind` is "mailbox snapshot" or "DSAccess snapshot".
template <typename Snapshot>
StoreSnapshotRead<Snapshot> ReadOne(const NamedPath& file, const StoreSnapshotOptions& options,
                                    const std::string& kind, const Parser<Snapshot>& parse) {
  StoreSnapshotRead<Snapshot> read;
  read.server = file.server;
  read.path = file.path;
  const std::string what = kind + " " + file.path + " of " + file.server;
  // On the helper thread ReadAll bounds already; regular files only, capped (small_file.h).
  auto data = ReadSmallFileNow(file.path, kind + " of " + file.server, options.max_bytes);
  if (!data) {
    read.error = data.status();
    return read;
  }
  auto snapshot = parse(*data, file.server);
  if (!snapshot) {
    read.error = snapshot.status().WithContext(what);
    return read;
  }
  snapshot->path = file.path;
  read.taken_at = snapshot->taken_at;
  read.error = CheckSnapshotAge(what, snapshot->taken_at, options.now, options.max_age_seconds,
                                options.max_skew_seconds);
  if (read.error.ok()) read.snapshot = std::move(*snapshot);
  return read;
}

// Every file in the order given, on a helper thread bounded by `deadline`.
template <typename Snapshot>
Result<std::vector<StoreSnapshotRead<Snapshot>>> ReadAll(const StoreSnapshotOptions& options,
                                                         const Deadline& deadline,
                                                         const std::string& kind,
                                                         Parser<Snapshot> parse) {
  auto claim = ReaderClaim::Take(options.reader_slot, "the " + kind + "s");
  if (!claim) return claim.status();
  // The helper thread owns its copies (it may outlive this call, bounded_call.h).
  auto opts = std::make_shared<StoreSnapshotOptions>(options);
  return RunBounded<std::vector<StoreSnapshotRead<Snapshot>>>(
      deadline, std::move(*claim),
      [opts, kind, parse = std::move(parse)](
          WorkProgress& progress) -> Result<std::vector<StoreSnapshotRead<Snapshot>>> {
        std::vector<StoreSnapshotRead<Snapshot>> reads;
        for (const NamedPath& file : opts->files) {
          progress.Set("reading " + kind + " " + file.path);
          reads.push_back(ReadOne<Snapshot>(file, *opts, kind, parse));
        }
        return reads;
      });
}

}  // namespace exdm::store_files
