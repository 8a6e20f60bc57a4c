// The store snapshot collectors ([mailbox_snapshot] file, [dsaccess_snapshot] file): each reads
// every server's snapshot with the core's reader (the check's --mailbox-snapshot and
// --dsaccess-snapshot code, exdm/store/) on its section's interval, keeps each server's last good
// snapshot, exports its families (store_snapshot_metrics.h) and hands the snapshots to the
// diagnosis collector (latest_results.h), which judges them with the core's pipeline. A snapshot
// that is missing, unreadable, garbage or older than the section's max_age fails the refresh
// (logged, exchange_collector_success 0) and keeps that server's last good one, whose
// *_snapshot_timestamp_seconds then shows how old it is.
#pragma once

#include <algorithm>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector.h"
#include "exdm/base/bounded_call.h"
#include "exdm/base/deadline.h"
#include "exdm/store/settings.h"
#include "exdm/store/snapshot_read.h"

namespace exdm::exporter {

// One configured server and its latest good snapshot (none before the first).
template <typename Snapshot>
struct ServerStoreSnapshot {
  std::string server;
  std::optional<Snapshot> snapshot;
};

template <typename Snapshot>
class StoreSnapshotCollector : public Collector {
 public:
  using Reads = Result<std::vector<StoreSnapshotRead<Snapshot>>>;
  using Reader = Reads (*)(const StoreSnapshotOptions&, const Deadline&);
  using Servers = std::vector<ServerStoreSnapshot<Snapshot>>;
  using Render = std::vector<prometheus::MetricFamily> (*)(const Servers&);
  // After every refresh: the last good snapshots (null when none has been read yet).
  using Publish = std::function<void(std::shared_ptr<const std::vector<Snapshot>>)>;

  StoreSnapshotCollector(std::string name, Reader reader, Render render, Publish publish,
                         StoreSnapshotSettings settings, std::chrono::seconds interval,
                         std::chrono::seconds read_timeout, std::shared_ptr<ReaderSlot> reader_slot)
      : name_(std::move(name)),
        reader_(reader),
        render_(render),
        publish_(std::move(publish)),
        settings_(std::move(settings)),
        interval_(interval),
        read_timeout_(read_timeout),
        reader_slot_(std::move(reader_slot)) {
    for (const NamedPath& f : settings_.files)
      last_good_.push_back({f.server, std::nullopt});
  }

  std::string name() const override { return name_; }
  std::chrono::seconds interval() const override { return interval_; }

  Status Refresh() override {
    StoreSnapshotOptions read =
        MakeStoreSnapshotOptions(settings_, static_cast<int64_t>(std::time(nullptr)));
    read.reader_slot = reader_slot_;
    // A few kilobytes per file: anything slower than this is a hung share.
    const auto budget = ReadBudget(
        read_timeout_, std::max<std::chrono::seconds>(interval_, std::chrono::seconds(10)));
    Reads reads = reader_(read, Deadline::After(budget));
    std::string errors;
    // The diagnosis runs again only when a snapshot changed (and once after the first attempt).
    bool changed = first_;
    first_ = false;
    if (reads) {
      for (size_t i = 0; i < reads->size() && i < last_good_.size(); ++i) {
        StoreSnapshotRead<Snapshot>& r = (*reads)[i];
        if (r.snapshot) {
          std::optional<Snapshot>& last = last_good_[i].snapshot;
          changed = changed || !last || last->taken_at != r.snapshot->taken_at;
          last = std::move(r.snapshot);
        } else {
          errors += (errors.empty() ? "" : "; ") + r.error.message();
        }
      }
    }
    if (publish_ && changed) publish_(LastGood());
    if (!reads) return reads.status();
    if (!errors.empty()) return Status(ErrorCode::kIoError, errors);
    return Status::Ok();
  }

  std::vector<prometheus::MetricFamily> Families() const override { return render_(last_good_); }

 private:
  std::shared_ptr<const std::vector<Snapshot>> LastGood() const {
    auto good = std::make_shared<std::vector<Snapshot>>();
    for (const auto& s : last_good_)
      if (s.snapshot) good->push_back(*s.snapshot);
    if (good->empty()) return nullptr;
    return good;
  }

  const std::string name_;
  const Reader reader_;
  const Render render_;
  const Publish publish_;
  const StoreSnapshotSettings settings_;
  const std::chrono::seconds interval_;
  const std::chrono::seconds read_timeout_;
  // Held while a read runs; a read stuck on a hung share keeps it (see bounded_call.h).
  const std::shared_ptr<ReaderSlot> reader_slot_;
  Servers last_good_;
  bool first_ = true;
};

}  // namespace exdm::exporter
