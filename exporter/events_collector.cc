#include "events_collector.h"

#include <algorithm>
#include <ctime>

#include "events_metrics.h"
#include "exdm/base/deadline.h"
#include "exdm/events/run.h"

namespace exdm::exporter {
EventsCollector::EventsCollector(EventSettings settings, const std::string& state_dir,
                                 std::chrono::seconds interval, std::chrono::seconds read_timeout,
                                 std::shared_ptr<ReaderSlot> reader_slot,
                                 std::shared_ptr<LatestResults> results)
    : settings_(std::move(settings)),
      state_path_(state_dir + "/events.state"),
      interval_(interval),
      read_timeout_(read_timeout),
      reader_slot_(std::move(reader_slot)),
      results_(std::move(results)) {
  auto empty = std::make_shared<EventEvidence>();
  for (const NamedPath& f : settings_.files) {
    ServerEventEvidence server;
    server.server = f.server;
    empty->servers.push_back(std::move(server));
  }
  last_good_ = std::move(empty);
}

Status EventsCollector::Refresh() {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  // The counters are totals; the window bounds the evidence the diagnosis sees to the last day,
  // the check's default --window.
  EventRunOptions run = MakeEventRunOptions(settings_, "exporter", state_path_, now, now - 86400);
  run.reader_slot = reader_slot_;
  const Deadline deadline = Deadline::After(ReadBudget(
      read_timeout_, std::max<std::chrono::seconds>(interval_ * 4, std::chrono::seconds(60))));
  Result<EventRunResult> collected = RunEventAnalysis(run, deadline);
  if (!collected.ok() || !collected->state_commit.ok()) {
    if (results_) results_->PublishEvents(nullptr);
    if (!collected.ok()) return collected.status();
    return collected->state_commit.WithContext("state file");
  }
  std::string errors;
  for (const EventFileError& e : collected->evidence.file_errors) {
    errors += (errors.empty() ? "" : "; ") + e.file.server + ": " + e.status.message();
  }
  last_good_ = std::make_shared<const EventEvidence>(std::move(collected->evidence));
  if (results_) results_->PublishEvents(last_good_);
  if (!errors.empty()) return Status(ErrorCode::kIoError, errors);
  return Status::Ok();
}

std::vector<prometheus::MetricFamily> EventsCollector::Families() const {
  return EventFamilies(last_good_->servers);
}

}  // namespace exdm::exporter
