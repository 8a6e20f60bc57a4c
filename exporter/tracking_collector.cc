#include "tracking_collector.h"

#include <algorithm>
#include <ctime>

#include "exdm/base/deadline.h"
#include "exdm/tracking/run.h"
#include "exdm/tracking/settings.h"
#include "log.h"
#include "tracking_metrics.h"

namespace exdm::exporter {

TrackingCollector::TrackingCollector(TrackingSettings settings, const std::string& state_dir,
                                     std::chrono::seconds interval,
                                     std::chrono::seconds read_timeout,
                                     std::shared_ptr<ReaderSlot> reader_slot,
                                     std::shared_ptr<LatestResults> results)
    : settings_(std::move(settings)),
      state_path_(state_dir + "/tracking.state"),
      interval_(interval),
      read_timeout_(read_timeout),
      reader_slot_(std::move(reader_slot)),
      results_(std::move(results)) {
  // Until the first run, every configured server is present at 0.
  auto empty = std::make_shared<std::vector<LocalDeliveryReport>>();
  for (const NamedPath& dir : settings_.dirs) {
    LocalDeliveryReport server;
    server.server = dir.server;
    empty->push_back(std::move(server));
  }
  last_good_ = std::move(empty);
}

Status TrackingCollector::Refresh() {
  TrackingRunOptions run = MakeTrackingRunOptions(settings_, "exporter", state_path_,
                                                  static_cast<int64_t>(std::time(nullptr)));
  run.reader_slot = reader_slot_;
  // A hung share must not stop the collector for long, but a big first read needs time.
  const auto budget = ReadBudget(
      read_timeout_, std::max<std::chrono::seconds>(interval_ * 4, std::chrono::seconds(60)));
  Result<TrackingRunResult> result = RunTrackingAnalysis(run, Deadline::After(budget));
  if (!result.ok()) {
    if (results_) results_->PublishTracking(nullptr);
    return result.status();
  }
  // State rebuilt, leftovers removed, files truncated or replaced: each happens once, so each is
  // logged when it happens (the check shows the same notes in its long output).
  for (const std::string& w : result->warnings)
    Log(LogPriority::kWarning, "tracking: " + w);
  std::string errors;
  for (const LocalDeliveryReport& server : result->servers) {
    for (const std::string& w : server.warnings)
      Log(LogPriority::kWarning, "tracking: " + server.server + ": " + w);
    for (const std::string& e : server.file_errors)
      errors += (errors.empty() ? "" : "; ") + server.server + ": " + e;
  }
  last_good_ = std::make_shared<const std::vector<LocalDeliveryReport>>(std::move(result->servers));
  if (results_) results_->PublishTracking(last_good_);
  // Servers whose files failed keep their saved counters (the state only advances what was
  // read); the collector still reports the failure so it is seen and logged.
  if (!errors.empty()) return Status(ErrorCode::kIoError, errors);
  return Status::Ok();
}

std::vector<prometheus::MetricFamily> TrackingCollector::Families() const {
  return TrackingFamilies(*last_good_);
}

}  // namespace exdm::exporter
