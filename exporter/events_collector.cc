#include "events_collector.h"

#include <algorithm>
#include <ctime>

#include "events_metrics.h"
#include "exdm/events/run.h"

namespace exdm::exporter {
EventsCollector::EventsCollector(std::vector<NamedPath> files, std::string time_zone,
                                 std::string state_dir, std::chrono::seconds interval,
                                 std::chrono::seconds read_timeout,
                                 std::shared_ptr<ReaderSlot> reader_slot)
    : files_(std::move(files)),
      time_zone_(std::move(time_zone)),
      state_path_(state_dir + "/events.state"),
      interval_(interval),
      read_timeout_(read_timeout),
      reader_slot_(std::move(reader_slot)) {
  for (const NamedPath& f : files_) {
    ServerEventEvidence empty;
    empty.server = f.server;
    last_good_.push_back(std::move(empty));
  }
}

Status EventsCollector::Refresh() {
  EventRunOptions run;
  run.files = files_;
  run.time_zone = time_zone_;
  run.state_path = state_path_;
  run.consumer = "exporter";  // the check's events state is never touched
  run.now = static_cast<int64_t>(std::time(nullptr));
  run.window_start = run.now - 86400;  // counters are totals; the window is unused here
  run.reader_slot = reader_slot_;
  const Deadline deadline = Deadline::After(ReadBudget(
      read_timeout_, std::max<std::chrono::seconds>(interval_ * 4, std::chrono::seconds(60))));
  Result<EventRunResult> collected = RunEventAnalysis(run, deadline);
  if (!collected.ok()) return collected.status();
  if (!collected->state_commit.ok()) return collected->state_commit.WithContext("state file");
  last_good_ = std::move(collected->evidence.servers);
  std::string errors;
  for (const EventFileError& e : collected->evidence.file_errors) {
    errors += (errors.empty() ? "" : "; ") + e.file.server + ": " + e.status.message();
  }
  if (!errors.empty()) return Status(ErrorCode::kIoError, errors);
  return Status::Ok();
}

std::vector<prometheus::MetricFamily> EventsCollector::Families() const {
  return EventFamilies(last_good_);
}

}  // namespace exdm::exporter
