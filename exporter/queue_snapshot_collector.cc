#include "queue_snapshot_collector.h"

#include <algorithm>
#include <ctime>

#include "exdm/base/deadline.h"
#include "families.h"

namespace exdm::exporter {

std::vector<prometheus::MetricFamily> QueueSnapshotFamilies(
    const std::vector<ServerQueueSnapshot>& servers) {
  auto messages = Gauge("exchange_queue_snapshot_messages",
                        "Messages waiting in the local delivery queue, per the latest WMI queue "
                        "snapshot (Exchange_SMTPLink).");
  auto size = Gauge("exchange_queue_snapshot_size_bytes",
                    "Total size of the messages in the local delivery queue, per the latest WMI "
                    "queue snapshot.");
  auto oldest = Gauge("exchange_queue_snapshot_oldest_message_timestamp_seconds",
                      "Unix time the oldest message in the local delivery queue was queued, per "
                      "the latest WMI queue snapshot (0 when the queue is empty).");
  auto retry = Gauge("exchange_queue_snapshot_retry",
                     "1 when a local delivery link was in retry state in the latest WMI queue "
                     "snapshot.");
  auto taken = Gauge("exchange_queue_snapshot_timestamp_seconds",
                     "Unix time the latest good WMI queue snapshot was taken on the Exchange "
                     "server (0 before the first).");
  for (const ServerQueueSnapshot& s : servers) {
    const Labels server = {{"server", s.server}};
    const QueueSnapshot* q = s.snapshot ? &*s.snapshot : nullptr;
    AddSample(messages, server, q ? static_cast<double>(q->message_count) : 0);
    AddSample(size, server, q ? static_cast<double>(q->size_bytes) : 0);
    AddSample(oldest, server,
              q && q->message_count ? static_cast<double>(q->oldest_message.value_or(0)) : 0);
    AddSample(retry, server, q && q->retry ? 1 : 0);
    AddSample(taken, server, q ? static_cast<double>(q->taken_at) : 0);
  }
  std::vector<prometheus::MetricFamily> out;
  for (auto* f : {&messages, &size, &oldest, &retry, &taken})
    out.push_back(std::move(*f));
  return out;
}

QueueSnapshotCollector::QueueSnapshotCollector(QueueSnapshotSettings settings,
                                               std::chrono::seconds interval,
                                               std::chrono::seconds read_timeout,
                                               std::shared_ptr<ReaderSlot> reader_slot)
    : settings_(std::move(settings)),
      interval_(interval),
      read_timeout_(read_timeout),
      reader_slot_(std::move(reader_slot)) {
  for (const NamedPath& f : settings_.files)
    last_good_.push_back({f.server, std::nullopt});
}

Status QueueSnapshotCollector::Refresh() {
  QueueSnapshotOptions read =
      MakeQueueSnapshotOptions(settings_, static_cast<int64_t>(std::time(nullptr)));
  read.reader_slot = reader_slot_;
  // A few hundred bytes per file: anything slower than this is a hung share.
  const auto budget = ReadBudget(
      read_timeout_, std::max<std::chrono::seconds>(interval_, std::chrono::seconds(10)));
  auto reads = ReadQueueSnapshots(read, Deadline::After(budget));
  if (!reads) return reads.status();
  std::string errors;
  for (size_t i = 0; i < reads->size() && i < last_good_.size(); ++i) {
    QueueSnapshotRead& r = (*reads)[i];
    if (r.snapshot) {
      last_good_[i].snapshot = std::move(r.snapshot);
    } else {
      errors += (errors.empty() ? "" : "; ") + r.error.message();
    }
  }
  if (!errors.empty()) return Status(ErrorCode::kIoError, errors);
  return Status::Ok();
}

std::vector<prometheus::MetricFamily> QueueSnapshotCollector::Families() const {
  return QueueSnapshotFamilies(last_good_);
}

}  // namespace exdm::exporter
