#include "tracking_collector.h"

#include <algorithm>
#include <ctime>

#include "exdm/deadline.h"
#include "exdm/tracking_dir.h"
#include "tracking_metrics.h"

namespace exdm::exporter {

TrackingCollector::TrackingCollector(std::vector<NamedPath> dirs, std::string state_dir,
                                     std::chrono::seconds interval)
    : dirs_(std::move(dirs)), state_path_(state_dir + "/tracking.state"), interval_(interval) {
  // Until the first run, every configured server is present at 0.
  for (const NamedPath& dir : dirs_) {
    LocalDeliveryReport empty;
    empty.server = dir.server;
    last_good_.push_back(std::move(empty));
  }
}

Status TrackingCollector::Refresh() {
  TrackingRunOptions run;
  run.dirs = dirs_;
  run.state_path = state_path_;
  run.consumer = "exporter";
  run.now = static_cast<int64_t>(std::time(nullptr));
  // A hung share must not stop the collector for long, but a big first read needs time.
  const auto budget = std::max<std::chrono::seconds>(interval_ * 4, std::chrono::seconds(60));
  Result<TrackingRunResult> result = RunTrackingAnalysis(run, Deadline::After(budget));
  if (!result.ok()) return result.status();
  std::string errors;
  for (const LocalDeliveryReport& server : result->servers) {
    for (const std::string& e : server.file_errors) {
      errors += (errors.empty() ? "" : "; ") + server.server + ": " + e;
    }
  }
  last_good_ = std::move(result->servers);
  // Servers whose files failed keep their saved counters (the state only advances what was
  // read); the collector still reports the failure so it is seen and logged.
  if (!errors.empty()) return Status(ErrorCode::kIoError, errors);
  return Status::Ok();
}

std::vector<prometheus::MetricFamily> TrackingCollector::Families() const {
  return TrackingFamilies(last_good_);
}

}  // namespace exdm::exporter
