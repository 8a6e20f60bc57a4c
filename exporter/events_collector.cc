#include "events_collector.h"

#include <algorithm>
#include <ctime>

#include "events_metrics.h"
#include "exdm/bounded_call.h"
#include "exdm/state_file.h"

namespace exdm::exporter {
namespace {

struct Collected {
  EventEvidence evidence;
  StateSnapshot next;
};

}  // namespace

EventsCollector::EventsCollector(std::vector<NamedPath> files, std::string time_zone,
                                 std::string state_dir, std::chrono::seconds interval)
    : files_(std::move(files)),
      time_zone_(std::move(time_zone)),
      state_path_(state_dir + "/events.state"),
      interval_(interval) {
  for (const NamedPath& f : files_) {
    ServerEventEvidence empty;
    empty.server = f.server;
    last_good_.push_back(std::move(empty));
  }
}

Status EventsCollector::Refresh() {
  const Deadline deadline =
      Deadline::After(std::max<std::chrono::seconds>(interval_ * 4, std::chrono::seconds(60)));
  std::vector<std::string> inputs;
  for (const NamedPath& f : files_)
    inputs.push_back(f.server + "=" + f.path);
  // Consumer "exporter": the check's events state is never touched.
  Result<StateFile> state =
      StateFile::Acquire(state_path_, "exporter", InputsKey(inputs), deadline);
  if (!state.ok()) return state.status().WithContext("state file");
  EventCollectOptions collect;
  collect.files = files_;
  collect.time_zone = time_zone_;
  collect.now = static_cast<int64_t>(std::time(nullptr));
  collect.window_start = collect.now - 86400;  // counters are totals; the window is unused here
  const StateSnapshot previous = state->previous();
  Result<Collected> collected = RunBounded<Collected>(
      deadline, [collect, previous](WorkProgress& progress) -> Result<Collected> {
        progress.Set("reading event exports");
        Collected c;
        Result<EventEvidence> r = CollectEventEvidence(collect, previous, &c.next);
        if (!r.ok()) return r.status();
        c.evidence = std::move(r).value();
        return c;
      });
  if (!collected.ok()) return collected.status();
  if (Status s = state->Commit(collected->next); !s.ok()) return s.WithContext("state file");
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
