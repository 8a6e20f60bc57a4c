#include "exdm/tracking/settings.h"

#include <utility>

namespace exdm {

TrackingRunOptions MakeTrackingRunOptions(const TrackingSettings& settings, std::string consumer,
                                          std::string state_path, int64_t now) {
  TrackingRunOptions run;
  run.dirs = settings.dirs;
  run.consumer = std::move(consumer);
  run.state_path = std::move(state_path);
  run.now = now;
  run.config.events = settings.events;
  run.config.max_in_flight = settings.max_in_flight;
  return run;
}

QueueSnapshotOptions MakeQueueSnapshotOptions(const QueueSnapshotSettings& settings, int64_t now) {
  QueueSnapshotOptions read;
  read.files = settings.files;
  read.now = now;
  read.max_age_seconds = settings.max_age_seconds;
  return read;
}

}  // namespace exdm
